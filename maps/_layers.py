"""Folium layers shared by the overview and the agglomeration maps."""

from __future__ import annotations

from html import escape
from typing import Any

import folium
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, MacroElement
from folium import plugins
from jinja2 import Template

from ..geo.distance import geodesic_circle
from ..geo.results import AccessResults
from ._geojson import COORD_DECIMALS, compact, feature_collection
from ._shared import Bands, bands_geojson
from .legend import HtmlControl
from .popups import agglomeration_popup, town_popup, town_sources, town_tooltip
from .style import (
    CENTER_COLOUR,
    CITY_COLOUR,
    NO_TILES_BACKGROUND,
    TOWN_COLOUR,
    ZONE_STYLE,
    marker_radius,
    route_style,
)
from .text import Lang

#: English, the default language of the maps.
EN = Lang("en")

#: Vertices of a drawn zone circle: smooth at street zoom (a 25 km circle's chord is 300 m).
CIRCLE_VERTICES = 512

#: Popups open clear of the controls: below the info box and left of the right-hand column.
POPUP_OPTIONS: dict[str, Any] = {
    "autoPanPaddingTopLeft": [20, 250],
    "autoPanPaddingBottomRight": [290, 20],
}

ATTRIBUTION = (
    'Roads: &copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors (ODbL); '
    'towns: <a href="https://www.geonames.org">GeoNames</a> (CC BY 4.0)'
)


def towns_layer(
    results: AccessResults, towns: pd.DataFrame, lang: Lang = EN, name: str | None = None
) -> folium.GeoJson:
    """Towns as circles sized by population, with popups, tooltips and a search index."""
    cities = results.cities
    sources = town_sources(results, lang)
    props = []
    for row in towns.to_dict("records"):
        role = str(row.get("role"))
        colour = {"first_tier": CITY_COLOUR, "center": CENTER_COLOUR}.get(role, TOWN_COLOUR)
        props.append(
            {
                "name": lang.place(row.get("name")),
                "role": role,
                "popup": town_popup(row, cities, lang, sources.get(int(row["place_id"]))),
                "tooltip": town_tooltip(row, cities, lang),
                "radius": marker_radius(float(row.get("population") or 0)),
                "colour": colour,
            }
        )
    points = compact(shapely.points(towns["lon"].to_numpy(), towns["lat"].to_numpy()))
    data = feature_collection(points, props)
    return folium.GeoJson(
        data,
        name=name or lang("layer_towns"),
        marker=folium.CircleMarker(radius=5, weight=1.5, fill=True, fill_opacity=0.85),
        style_function=lambda f: {
            "radius": f["properties"]["radius"],
            "color": "#ffffff",
            "fillColor": f["properties"]["colour"],
        },
        popup=folium.GeoJsonPopup(fields=["popup"], labels=False, max_width=420, **POPUP_OPTIONS),
        tooltip=folium.GeoJsonTooltip(fields=["tooltip"], labels=False),
        highlight_function=lambda f: {"weight": 3, "color": "#000000"},
    )


def labels_layer(
    towns: pd.DataFrame, roles: tuple[str, ...] = ("first_tier", "center"), lang: Lang = EN
) -> folium.FeatureGroup:
    """Permanent name labels for the main places, so the map reads without base tiles."""
    group = folium.FeatureGroup(name=lang("layer_labels"), control=True)
    for row in towns[towns["role"].isin(roles)].itertuples():
        cls = "ua-label city" if row.role == "first_tier" else "ua-label"
        radius = marker_radius(float(row.population or 0))
        folium.Marker(
            [round(float(row.lat), COORD_DECIMALS), round(float(row.lon), COORD_DECIMALS)],
            icon=folium.DivIcon(
                html=f'<div class="{cls}">{escape(lang.place(row.name))}</div>',
                icon_size=(0, 0),
                icon_anchor=(-int(radius) - 3, 8),
                class_name="ua-label-icon",
            ),
            interactive=False,
        ).add_to(group)
    return group


def _smooth_circles(results: AccessResults, zones: Any) -> Any:
    """The zone circles with :data:`CIRCLE_VERTICES` vertices (no facets when zoomed in)."""
    centres = {a.name: (a.center.lon, a.center.lat) for a in results.study.agglomerations}
    radius_m = results.study.radius_km * 1000.0
    out = []
    for agg, geom in zip(zones["agglomeration"], zones.geometry, strict=True):
        if agg in centres:
            lon, lat = centres[agg]
            geom = shapely.Polygon(geodesic_circle(lon, lat, radius_m, CIRCLE_VERTICES))
        out.append(geom)
    return np.array(out, dtype=object)


def zones_layer(
    results: AccessResults, names: list[str] | None = None, lang: Lang = EN
) -> folium.GeoJson:
    """The agglomerations' zone circles, with their measures in a popup."""
    zones = results.zones
    summary = results.wide_summary().set_index("agglomeration")
    if names is not None:
        zones = zones[zones["agglomeration"].isin(names)]
    radius = f"{results.study.radius_km:g}"
    props = []
    for agg in zones["agglomeration"]:
        row = dict(summary.loc[agg]) if agg in summary.index else {}
        row["agglomeration"] = agg
        props.append(
            {
                "name": lang.agglomeration(agg),
                "popup": agglomeration_popup(row, results, lang),
                "tooltip": lang(
                    "zone_tooltip", name=escape(lang.agglomeration(agg)), radius=radius
                ),
            }
        )
    data = feature_collection(compact(_smooth_circles(results, zones)), props)
    return folium.GeoJson(
        data,
        name=lang("layer_zones", radius=radius),
        style_function=lambda f: dict(ZONE_STYLE),
        popup=folium.GeoJsonPopup(fields=["popup"], labels=False, max_width=520, **POPUP_OPTIONS),
        tooltip=folium.GeoJsonTooltip(fields=["tooltip"], labels=False),
    )


def routes_layer(
    results: AccessResults,
    origin: str,
    index: int,
    lang: Lang = EN,
    agglomerations: list[str] | None = None,
    show: bool = True,
) -> folium.GeoJson | None:
    """Fastest routes from one city, in that city's colour and dash pattern."""
    routes = results.routes
    routes = routes[routes["origin"] == origin]
    if agglomerations is not None:
        routes = routes[routes["agglomeration"].isin(agglomerations)]
    if routes.empty:
        return None
    props = [
        {
            "tooltip": lang(
                "route_tooltip",
                origin=escape(lang.place(origin)),
                center=escape(lang.place(row.center)),
                agg=escape(lang.agglomeration(row.agglomeration)),
                time=lang.minutes(float(row.time_min)),
                dist=lang.km(float(row.dist_km)),
            )
        }
        for row in routes.itertuples()
    ]
    data = feature_collection(compact(routes.geometry.to_numpy(), 0.0003), props)
    style = route_style(index)
    line = {
        "color": style["color"],
        "weight": 4,
        "opacity": 0.95,
        **({"dashArray": style["dashArray"]} if style["dashArray"] else {}),
    }
    return folium.GeoJson(
        data,
        name=lang("layer_routes", city=escape(lang.place(origin))),
        show=show,
        style_function=lambda f: dict(line),
        highlight_function=lambda f: {"weight": 7},
        tooltip=folium.GeoJsonTooltip(fields=["tooltip"], labels=False, sticky=True),
    )


def bands_layer(bands: Bands, origin: str, show: bool, lang: Lang = EN) -> folium.GeoJson | None:
    """Drive-time bands from one city as non-overlapping rings, one colour per band."""
    city = escape(lang.place(origin))
    return bands_geojson(
        bands.cities.get(origin),
        lang("layer_bands", city=city),
        lang("legend_title", city=city),
        show,
    )


def nearest_bands_layer(
    bands: Bands, results: AccessResults, show: bool, lang: Lang = EN
) -> folium.GeoJson | None:
    """Bands of drive time from the nearer first-tier city (the union of each band's reach).

    ``None`` with fewer than two cities (the one city's own bands say the same).
    """
    cities = escape(lang.join([lang.place(c) for c, _ in results.cities]))
    return bands_geojson(
        bands.nearest,
        lang("layer_nearest", cities=cities),
        lang("legend_nearest", cities=cities),
        show,
    )


def context_layer(data: dict[str, Any] | None, lang: Lang = EN) -> folium.GeoJson | None:
    """Roads of the network (grey, width by class), water and region borders, under all.

    ``data`` is :func:`._shared.context_data`'s GeoJSON, styled per feature.
    """
    if data is None or not data["features"]:
        return None
    return folium.GeoJson(
        data,
        name=lang("layer_context"),
        interactive=False,
        ua_context=True,
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
        super().__init__()
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
        super().__init__()
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

    def __init__(self, mini: Any, context: Any) -> None:
        super().__init__()
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
