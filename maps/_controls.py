"""The frame of every map: base map, attribution, stylesheet, info box and controls.

The overview and the agglomeration maps put their data layers (:mod:`maps._layers`) into
the same frame: OSM tiles with a scale bar, the data attribution, the maps' CSS, a title
box, the layer control, fullscreen, measuring, town search (tips built as text) and a
minimap drawing the context roads.
"""

from __future__ import annotations

from html import escape

import folium
from branca.element import Element, MacroElement
from folium import plugins
from jinja2 import Template

from ..geo.results.access_results import AccessResults
from .legend import HtmlControl
from .style import CITY_COLOUR, NO_TILES_BACKGROUND
from .text import EN, Lang

ATTRIBUTION = (
    'Roads: &copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors (ODbL); '
    'towns: <a href="https://www.geonames.org">GeoNames</a> (CC BY 4.0)'
)


def base_map(bounds: tuple[float, float, float, float], lang: Lang = EN) -> folium.Map:
    """A map fitted to ``(west, south, east, north)`` with OSM tiles and a scale bar."""
    west, south, east, north = bounds
    fmap = folium.Map(
        location=[(south + north) / 2, (west + east) / 2],
        zoom_start=7,
        # Quarter zoom steps: the first view and the PNG fill the frame (whole steps can
        # leave half of it empty: the Urals' 700 km fit zoom 6 in 530 of 1000 pixels).
        zoom_snap=0.25,
        tiles=None,
        control_scale=True,
        # Leaflet's SVG renderer leaves parts of the vector layers unpainted in Chromium
        # (everything below a line on the zone maps); its canvas renderer draws them all.
        prefer_canvas=True,
    )
    folium.TileLayer("OpenStreetMap", name=lang("base_map")).add_to(fmap)
    fmap.fit_bounds([[south, west], [north, east]])
    # a Map's root is a branca Figure, which has the header; get_root says only Element
    fmap.get_root().header.add_child(Element(_CSS))  # type: ignore[attr-defined]
    fmap.add_child(_Attribution())
    return fmap


class _Attribution(MacroElement):
    """Adds GeoNames and OSM data attribution to the map's attribution control."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.text|tojson }});
        {% endmacro %}"""
    )

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca leaves it unannotated
        self._name = "Attribution"
        self.text = ATTRIBUTION


class InfoBox(HtmlControl):
    """A title and a short "how to read this map" note, as a Leaflet control (top left)."""

    def __init__(self, title: str, note: str, provenance: str) -> None:
        html = (
            f"<h3>{escape(title)}</h3><p>{escape(note)}</p>"
            f"<p class='ua-prov'>{escape(provenance)}</p>"
        )
        super().__init__(html, "topleft", "ua-info")
        self._name = "InfoBox"


class TextSearchTips(MacroElement):
    """Make the town search build its tips from text, never from HTML.

    leaflet-search writes each tip with ``innerHTML = name``, so a town name holding
    markup (``<img onerror=…>``) would run as script. Its ``buildTip`` option replaces
    that; the control reads it when it draws a tip, so setting it after folium's
    ``L.Control.Search`` is built is enough.
    """

    _template = Template(
        """{% macro script(this, kwargs) %}
        {{ this.layer.get_name() }}searchControl.options.buildTip = function(text) {
          var tip = document.createElement('li');
          tip.textContent = text;
          return tip;
        };
        {% endmacro %}"""
    )

    def __init__(self, layer: folium.GeoJson) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca leaves it unannotated
        self._name = "TextSearchTips"
        self.layer = layer


def add_controls(fmap: folium.Map, search_layer: folium.GeoJson | None, lang: Lang = EN) -> None:
    """Layer control, fullscreen, minimap, measuring tool and town search."""
    plugins.Fullscreen(position="topright").add_to(fmap)
    plugins.MeasureControl(
        position="topright",
        primary_length_unit="kilometers",
        secondary_length_unit="meters",
        primary_area_unit="sqkilometers",
    ).add_to(fmap)
    if search_layer is not None:
        plugins.Search(
            layer=search_layer,
            search_label="name",
            placeholder=lang("search"),
            collapsed=False,
            position="topright",
            search_zoom=11,
        ).add_to(fmap)
        TextSearchTips(search_layer).add_to(fmap)
    folium.LayerControl(collapsed=False, position="topright").add_to(fmap)


def add_minimap(fmap: folium.Map, context: folium.GeoJson | None) -> None:
    """The minimap, showing the context layer's roads (it is empty offline without them)."""
    mini = plugins.MiniMap(toggle_display=True, position="bottomright")
    mini.add_to(fmap)
    if context is not None:
        fmap.add_child(_MiniMapContext(mini, context))


class _MiniMapContext(MacroElement):
    """Copies the context layer's GeoJSON into the minimap, which has no layers of its own."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        (function() {
          var mini = {{ this.mini.get_name() }}._miniMap;
          var data = {{ this.context.get_name() }}.toGeoJSON();
          L.geoJson(data, {interactive: false, style: function(f) {
            var s = Object.assign({}, f.properties.style);
            if (s.weight) s.weight = Math.max(0.5, s.weight * 0.6);
            return s;
          }}).addTo(mini);
        })();
        {% endmacro %}"""
    )

    def __init__(self, mini: plugins.MiniMap, context: folium.GeoJson) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca leaves it unannotated
        self._name = "MiniMapContext"
        self.mini = mini
        self.context = context


def provenance_line(results: AccessResults, lang: Lang = EN) -> str:
    """ "OSM data as of …, speed model …" for the info box."""
    prov = results.provenance
    return lang(
        "provenance",
        date=prov.get("osm_timestamp") or lang("unknown"),
        source=prov.get("osm_source"),
        model=str(prov.get("speed_model", "")).split(" (")[0],
        version=prov.get("ural_access_version"),
    )


_CSS = f"""
<style>
.leaflet-container {{ background: {NO_TILES_BACKGROUND} !important; font-family: "DejaVu Sans", Arial, sans-serif; }}
.ua-info {{ background: rgba(255,255,255,0.93); padding: 8px 12px; max-width: 340px;
  border-radius: 6px; box-shadow: 0 1px 5px rgba(0,0,0,0.4); font-size: 12px; line-height: 1.35; }}
.ua-info h3 {{ margin: 0 0 4px 0; font-size: 15px; }}
.ua-info p {{ margin: 4px 0; }}
.ua-note {{ color: #555; font-size: 11px; margin-top: 4px; }}
.ua-prov {{ color: #555; font-size: 10.5px; }}
.ua-popup h4 {{ margin: 0 0 4px 0; }}
.ua-table {{ border-collapse: collapse; margin-top: 4px; }}
.ua-table td, .ua-table th {{ padding: 1px 6px; text-align: left; border-bottom: 1px solid #eee; }}
.ua-label {{ font-size: 12px; font-weight: bold; color: #222; white-space: nowrap;
  text-shadow: -1px -1px 0 #fff, 1px -1px 0 #fff, -1px 1px 0 #fff, 1px 1px 0 #fff, 0 0 3px #fff; }}
.ua-label.city {{ font-size: 14px; color: {CITY_COLOUR}; }}
.leaflet-container :focus, .leaflet-interactive:focus {{ outline: none; }}
.ua-legend {{ background: rgba(255,255,255,0.93); padding: 6px 10px; border-radius: 6px;
  box-shadow: 0 1px 5px rgba(0,0,0,0.4); font-size: 11.5px; line-height: 1.3; max-width: 420px; }}
.ua-legend h4 {{ margin: 0 0 3px 0; font-size: 12.5px; }}
.ua-steps {{ display: flex; margin: 2px 0 0 0; }}
.ua-steps span {{ display: inline-block; height: 12px; flex: 1 1 0; min-width: 16px;
  border-right: 1px solid #fff; }}
.ua-ticks {{ display: flex; justify-content: space-between; font-size: 10.5px; color: #333; margin-bottom: 4px; }}
.ua-key {{ border-collapse: collapse; margin-top: 4px; }}
.ua-key td {{ padding: 0 4px 1px 0; vertical-align: middle; }}
</style>
"""
