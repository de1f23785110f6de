"""The frame of every map: base map, attribution, stylesheet, info box and controls.

The overview and the agglomeration maps put their data layers (:mod:`maps._layers`) into
the same frame: OSM tiles with a scale bar, the data attribution, the maps' CSS, a title
box, the layer control, fullscreen, measuring, town search (tips built as text) and a
(the minimap went: it panned the map it showed, and showed nothing offline).
"""

from __future__ import annotations

from html import escape
from typing import Any

import folium
from branca.element import Element, MacroElement
from folium import plugins
from jinja2 import Template

from ..geo.results.access_results import AccessResults
from ._fit import ClearView
from .legend import HtmlControl
from .style import CITY_COLOUR, NO_TILES_BACKGROUND
from .text import EN, Lang


def base_map(bounds: tuple[float, float, float, float], lang: Lang = EN) -> folium.Map:
    """A map fitted to ``(west, south, east, north)``: OSM tiles (online only), a
    kilometre scale bar and the attribution, in ``lang``."""
    west, south, east, north = bounds
    fmap = folium.Map(
        location=[(south + north) / 2, (west + east) / 2],
        zoom_start=7,
        # Quarter zoom steps: the first view and the PNG fill the frame (whole steps can
        # leave half of it empty: the Urals' 700 km fit zoom 6 in 530 of 1000 pixels).
        zoom_snap=0.25,
        tiles=None,
        zoom_control=False,
        # Leaflet's SVG renderer leaves parts of the vector layers unpainted in Chromium
        # (everything below a line on the zone maps); its canvas renderer draws them all.
        prefer_canvas=True,
    )
    folium.TileLayer("OpenStreetMap", name=lang("base_map"), attr=lang("tiles_attribution")).add_to(
        fmap
    )
    fmap.fit_bounds([[south, west], [north, east]])
    fmap.get_root().header.add_child(Element(_CSS))  # type: ignore[attr-defined]
    fmap.add_child(_Frame(lang))
    return fmap


class _Frame(MacroElement):
    """The data attribution (no flag, in the map's language), the zoom buttons with
    tooltips in that language, and a scale bar in kilometres only (``км`` in Russian)."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        (function() {
          var map = {{ this._parent.get_name() }};
          map.attributionControl.setPrefix({{ this.prefix|tojson }});
          map.attributionControl.addAttribution({{ this.text|tojson }});
          L.control.zoom({position: 'topright', zoomInTitle: {{ this.zoom_in|tojson }},
                          zoomOutTitle: {{ this.zoom_out|tojson }}}).addTo(map);
          var units = {{ this.units|tojson }};
          var Scale = L.Control.Scale.extend({
            _updateScale: function (scale, text, ratio) {
              var parts = text.split(' ');
              L.Control.Scale.prototype._updateScale.call(
                  this, scale, parts[0] + '\u00a0' + (units[parts[1]] || parts[1]), ratio);
            }
          });
          new Scale({imperial: false, metric: true, maxWidth: 160,
                     position: 'bottomleft'}).addTo(map);
        })();
        {% endmacro %}"""
    )

    def __init__(self, lang: Lang) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca leaves it unannotated
        self._name = "Frame"
        self.prefix = lang("leaflet_prefix")
        self.text = lang("attribution")
        self.zoom_in = lang("zoom_in")
        self.zoom_out = lang("zoom_out")
        self.units = {"km": lang("unit_km"), "m": lang("unit_m")}


class InfoBox(HtmlControl):
    """A title and a short "how to read this map" note, as a Leaflet control (top left)."""

    def __init__(
        self, title: str, note: str, provenance: str, lang: Lang = EN, lead: str = ""
    ) -> None:
        # ``lead``: a paragraph under the title (a scenario's description), shown always
        lead_html = f"<p class='ua-lead'>{escape(lead)}</p>" if lead else ""
        html = (
            f"<h3>{escape(title)}</h3>{lead_html}<details class='ua-how'><summary>"
            f"{escape(lang('how_to_read'))}</summary><p>{escape(note)}</p></details>"
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


def add_controls(
    fmap: folium.Map,
    search_layer: folium.GeoJson | None,
    lang: Lang = EN,
    bounds: tuple[float, float, float, float] | None = None,
) -> None:
    """Fullscreen, town search and the layer list (collapsed), top right; then the first
    view fitted to ``bounds`` clear of every control (:class:`maps._fit.ClearView`)."""
    plugins.Fullscreen(
        position="topright", title=lang("fullscreen"), title_cancel=lang("fullscreen_off")
    ).add_to(fmap)
    if search_layer is not None:
        plugins.Search(
            layer=search_layer,
            search_label="name",
            placeholder=lang("search"),
            collapsed=True,
            position="topright",
            search_zoom=11,
            textErr=lang("search_none"),
            textCancel=lang("search_cancel"),
        ).add_to(fmap)
        TextSearchTips(search_layer).add_to(fmap)
    folium.LayerControl(collapsed=True, position="topright").add_to(fmap)
    if bounds is not None:
        titles = {
            ".leaflet-control-layers-toggle": lang("layers"),
            ".leaflet-control-search .search-cancel": lang("search_cancel"),
        }
        ClearView(bounds, titles).add_to(fmap)


def provenance_line(results: AccessResults, lang: Lang = EN) -> str:
    """ "OSM data as of …, speed model …" for the info box."""
    return provenance_text(results.provenance, lang)


def provenance_text(prov: dict[str, Any], lang: Lang = EN) -> str:
    """:func:`provenance_line` of a provenance record (a ranking's, say)."""
    return lang(
        "provenance",
        date=lang.date(prov.get("osm_timestamp")) or lang("unknown"),
        source=str(prov.get("osm_source") or "").removeprefix("file:"),
        model=str(prov.get("speed_model", "")).split(" (")[0],
        version=prov.get("ural_access_version"),
    )


_CSS = f"""
<style>
.leaflet-container {{ background: {NO_TILES_BACKGROUND} !important; font-family: "DejaVu Sans", Arial, sans-serif; }}
.ua-info {{ background: rgba(255,255,255,0.93); padding: 6px 10px; max-width: 300px;
  border-radius: 6px; box-shadow: 0 1px 5px rgba(0,0,0,0.4); font-size: 11.5px; line-height: 1.3; }}
.ua-info h3 {{ margin: 0 0 3px 0; font-size: 14px; }}
.ua-info p {{ margin: 3px 0; }}
.ua-info summary, .ua-rank summary {{ cursor: pointer; color: #333; font-weight: bold; }}
.ua-note {{ color: #555; font-size: 11px; margin-top: 4px; }}
.ua-lead {{ color: #333; font-size: 11px; }}
.ua-prov {{ color: #555; font-size: 10px; }}
.ua-popup h4 {{ margin: 0 0 4px 0; }}
.ua-table {{ border-collapse: collapse; margin-top: 4px; }}
.ua-table td, .ua-table th {{ padding: 1px 6px; text-align: left; border-bottom: 1px solid #eee; }}
.ua-label-icon {{ overflow: visible; }}
.ua-label {{ position: absolute; left: 8px; top: -8px; font-size: 12px; font-weight: bold;
  color: #222; white-space: nowrap; line-height: 1.2;
  text-shadow: -1px -1px 0 #fff, 1px -1px 0 #fff, -1px 1px 0 #fff, 1px 1px 0 #fff, 0 0 3px #fff; }}
.ua-label.city {{ font-size: 14px; color: {CITY_COLOUR}; }}
.ua-label.agg {{ font-size: 12.5px; background: rgba(255,255,255,0.85); padding: 1px 4px;
  border-radius: 3px; border-left: 5px solid var(--ua-class, #999); text-shadow: none; }}
.ua-label.agg .t {{ font-weight: normal; font-size: 11.5px; }}
.ua-label.agg .t b {{ font-weight: bold; }}
.ua-label.town {{ font-size: 11px; font-weight: normal; }}
.leaflet-container :focus, .leaflet-interactive:focus {{ outline: none; }}
.ua-legend {{ background: rgba(255,255,255,0.93); padding: 5px 9px; border-radius: 6px;
  box-shadow: 0 1px 5px rgba(0,0,0,0.4); font-size: 11px; line-height: 1.25; max-width: 300px; }}
.ua-legend h4 {{ margin: 0 0 3px 0; font-size: 12px; }}
.ua-steps {{ display: flex; margin: 2px 0 0 0; }}
.ua-steps span {{ display: inline-block; height: 12px; flex: 1 1 0; min-width: 12px;
  border-right: 1px solid #fff; }}
.ua-ticks {{ display: flex; justify-content: space-between; font-size: 10.5px; color: #333; margin-bottom: 4px; }}
.ua-key {{ border-collapse: collapse; margin-top: 3px; }}
.ua-key td {{ padding: 0 4px 0 0; vertical-align: middle; }}
.ua-rank {{ background: rgba(255,255,255,0.93); padding: 5px 9px; border-radius: 6px;
  box-shadow: 0 1px 5px rgba(0,0,0,0.4); font-size: 11px; max-width: 420px; }}
.ua-rank summary {{ white-space: normal; max-width: 300px; }}
.ua-rank table {{ border-collapse: collapse; margin-top: 3px; }}
.ua-rank td, .ua-rank th {{ padding: 1px 4px; text-align: left; border-bottom: 1px solid #eee;
  white-space: nowrap; }}
.ua-rank td.n {{ text-align: right; }}
.ua-rank .sw {{ display: inline-block; width: 9px; height: 9px; margin-right: 3px;
  border: 1px solid #888; }}
.ua-rank p {{ margin: 3px 0 0 0; color: #555; font-size: 10px; white-space: normal; }}
/* The print layout of the PNG pictures: no interactive control, the text kept. */
.ua-print .leaflet-right .leaflet-control:not(.leaflet-control-attribution),
.ua-print .ua-how {{ display: none !important; }}
.ua-print .leaflet-control-attribution {{ font-size: 10px; }}
.ua-print .leaflet-container {{ background: {NO_TILES_BACKGROUND} !important; }}
.ua-print .ua-rank summary {{ list-style: none; }}
.ua-print .ua-rank summary::-webkit-details-marker {{ display: none; }}
</style>
"""
