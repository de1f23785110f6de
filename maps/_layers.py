"""Folium layers shared by the overview and the agglomeration maps."""

from __future__ import annotations

import json
import math
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
from ..geo.format import format_km, format_minutes
from ..geo.results import AccessResults
from .popups import agglomeration_popup, town_popup, town_tooltip
from .style import (
    CENTER_COLOUR,
    CITY_COLOUR,
    NO_TILES_BACKGROUND,
    TOWN_COLOUR,
    ZONE_STYLE,
    marker_radius,
    time_colormap,
)

#: Vertices of a drawn zone circle: smooth at street zoom (a 25 km circle's chord is 300 m).
CIRCLE_VERTICES = 512

#: Popups open clear of the controls: below the info box and left of the right-hand column.
POPUP_OPTIONS: dict[str, Any] = {
    "autoPanPaddingTopLeft": [20, 250],
    "autoPanPaddingBottomRight": [290, 20],
}

#: Decimals kept in map coordinates (5 ≈ 1 m): small files, no visible loss.
COORD_DECIMALS = 5

#: Vertices allowed in one city's drive-time bands (about 20 bytes each in the HTML).
BAND_VERTICES = 40_000

#: The coarsest simplification the vertex budget may reach (about 1 km).
MAX_TOLERANCE_DEG = 0.01

ATTRIBUTION = (
    'Roads: &copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors (ODbL); '
    'towns: <a href="https://www.geonames.org">GeoNames</a> (CC BY 4.0)'
)


def compact(geoms: Any, tolerance_deg: float = 0.0, max_vertices: int | None = None) -> Any:
    """Simplify (optionally) and round coordinates so the HTML stays small.

    With ``max_vertices``, the tolerance is doubled until the geometries hold at most that
    many vertices (or the tolerance reaches :data:`MAX_TOLERANCE_DEG`), so that a region
    with a fine-meshed road network still gives a map a browser opens quickly.
    """
    src = np.asarray(geoms, dtype=object)
    arr = shapely.simplify(src, tolerance_deg, preserve_topology=True) if tolerance_deg > 0 else src
    if max_vertices is not None and tolerance_deg > 0:
        tol = tolerance_deg
        while shapely.get_num_coordinates(arr).sum() > max_vertices and tol < MAX_TOLERANCE_DEG:
            tol *= 2.0
            arr = shapely.simplify(src, tol, preserve_topology=True)
    return shapely.transform(arr, lambda c: np.round(c, COORD_DECIMALS))


def feature_collection(geoms: Any, props: list[dict[str, Any]]) -> dict[str, Any]:
    """A GeoJSON FeatureCollection from geometries and property dicts."""
    features = [
        {"type": "Feature", "geometry": json.loads(shapely.to_geojson(g)), "properties": p}
        for g, p in zip(geoms, props, strict=True)
        if g is not None and not g.is_empty
    ]
    return {"type": "FeatureCollection", "features": features}


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, np.generic):
        return _clean(value.item())
    return value


def towns_layer(results: AccessResults, towns: pd.DataFrame, name: str = "Towns") -> folium.GeoJson:
    """Towns as circles sized by population, with popups, tooltips and a search index."""
    cities = results.cities
    props = []
    for row in towns.to_dict("records"):
        role = str(row.get("role"))
        colour = {"first_tier": CITY_COLOUR, "center": CENTER_COLOUR}.get(role, TOWN_COLOUR)
        props.append(
            {
                "name": str(row.get("name")),
                "role": role,
                "popup": town_popup(row, cities),
                "tooltip": town_tooltip(row, cities),
                "radius": marker_radius(float(row.get("population") or 0)),
                "colour": colour,
            }
        )
    points = compact(shapely.points(towns["lon"].to_numpy(), towns["lat"].to_numpy()))
    data = feature_collection(points, props)
    return folium.GeoJson(
        data,
        name=name,
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
    towns: pd.DataFrame, roles: tuple[str, ...] = ("first_tier", "center")
) -> folium.FeatureGroup:
    """Permanent name labels for the main places, so the map reads without base tiles."""
    group = folium.FeatureGroup(name="Place names", control=True)
    for row in towns[towns["role"].isin(roles)].itertuples():
        cls = "ua-label city" if row.role == "first_tier" else "ua-label"
        radius = marker_radius(float(row.population or 0))
        folium.Marker(
            [round(float(row.lat), COORD_DECIMALS), round(float(row.lon), COORD_DECIMALS)],
            icon=folium.DivIcon(
                html=f'<div class="{cls}">{escape(str(row.name))}</div>',
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


def zones_layer(results: AccessResults, names: list[str] | None = None) -> folium.GeoJson:
    """The agglomerations' zone circles, with their measures in a popup."""
    zones = results.zones
    summary = results.wide_summary().set_index("agglomeration")
    if names is not None:
        zones = zones[zones["agglomeration"].isin(names)]
    coverage = list(results.study.routing.coverage_min)
    props = []
    for agg in zones["agglomeration"]:
        row = dict(summary.loc[agg]) if agg in summary.index else {}
        row["agglomeration"] = agg
        props.append(
            {
                "name": str(agg),
                "popup": agglomeration_popup(row, results.cities, coverage),
                "tooltip": f"<b>{escape(str(agg))}</b>: {results.study.radius_km:g} km zone",
            }
        )
    data = feature_collection(compact(_smooth_circles(results, zones)), props)
    return folium.GeoJson(
        data,
        name=f"Agglomeration zones ({results.study.radius_km:g} km)",
        style_function=lambda f: dict(ZONE_STYLE),
        popup=folium.GeoJsonPopup(fields=["popup"], labels=False, max_width=520, **POPUP_OPTIONS),
        tooltip=folium.GeoJsonTooltip(fields=["tooltip"], labels=False),
    )


def routes_layer(
    results: AccessResults,
    origin: str,
    scale: Any,
    agglomerations: list[str] | None = None,
    show: bool = True,
) -> folium.GeoJson | None:
    """Fastest routes from one city, each 5-minute piece coloured by the time so far."""
    seg = results.route_segments
    seg = seg[seg["origin"] == origin]
    if agglomerations is not None:
        seg = seg[seg["agglomeration"].isin(agglomerations)]
    if seg.empty:
        return None
    totals = results.routes.set_index(["origin", "agglomeration"])
    props = []
    for row in seg.itertuples():
        total = totals.loc[(origin, row.agglomeration)]
        mid = 0.5 * (float(row.from_min) + float(row.to_min))
        props.append(
            {
                "colour": scale(min(mid, scale.vmax)),
                "tooltip": (
                    f"{escape(origin)} → {escape(str(total['center']))} ({escape(str(row.agglomeration))}): "
                    f"<b>{format_minutes(float(total['time_min']))}</b>, {format_km(float(total['dist_km']))}"
                ),
            }
        )
    data = feature_collection(compact(seg.geometry.to_numpy(), 0.0003), props)
    return folium.GeoJson(
        data,
        name=f"Fastest routes from {escape(origin)}",
        show=show,
        style_function=lambda f: {"color": f["properties"]["colour"], "weight": 5, "opacity": 0.95},
        highlight_function=lambda f: {"weight": 8},
        tooltip=folium.GeoJsonTooltip(fields=["tooltip"], labels=False, sticky=True),
    )


def bands_layer(
    results: AccessResults, origin: str, scale: Any, show: bool
) -> folium.GeoJson | None:
    """Drive-time bands from one city as non-overlapping rings, coloured by band.

    The bands take no clicks or hovers: a click inside a zone opens the zone's popup.
    """
    iso = results.isochrones
    if iso is None or iso.empty or "origin" not in iso:
        return None
    iso = iso[iso["origin"] == origin].sort_values("band_min")
    if iso.empty:
        return None
    geoms = iso.geometry.to_numpy()
    rings = np.empty(len(geoms), dtype=object)
    rings[0] = geoms[0]
    rings[1:] = shapely.difference(geoms[1:], geoms[:-1])
    lower = np.r_[0.0, iso["band_min"].to_numpy()[:-1]]
    props = [
        {
            "colour": scale(min(0.5 * (lo + hi), scale.vmax)),
            "band": f"{format_minutes(lo)} – {format_minutes(hi)}",
        }
        for lo, hi in zip(lower, iso["band_min"].to_numpy(), strict=True)
    ]
    data = feature_collection(compact(rings, 0.001, BAND_VERTICES), props)
    if not data["features"]:
        return None
    return folium.GeoJson(
        data,
        name=f"Drive-time bands from {escape(origin)}",
        show=show,
        style_function=lambda f: {
            "color": f["properties"]["colour"],
            "weight": 0.5,
            "fillColor": f["properties"]["colour"],
            "fillOpacity": 0.35,
        },
        interactive=False,
    )


def base_map(bounds: tuple[float, float, float, float]) -> folium.Map:
    """A map fitted to ``(west, south, east, north)`` with OSM tiles and a scale bar."""
    west, south, east, north = bounds
    fmap = folium.Map(
        location=[(south + north) / 2, (west + east) / 2],
        zoom_start=7,
        tiles=None,
        control_scale=True,
        # Leaflet's SVG renderer leaves parts of the vector layers unpainted in Chromium
        # (everything below a line on the zone maps); its canvas renderer draws them all.
        prefer_canvas=True,
    )
    folium.TileLayer("OpenStreetMap", name="OpenStreetMap base map").add_to(fmap)
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


class InfoBox(MacroElement):
    """A title and a short "how to read this map" note, as a Leaflet control (top left)."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        (function() {
          var box = L.control({position: 'topleft'});
          box.onAdd = function() {
            var div = L.DomUtil.create('div', 'ua-info');
            div.innerHTML = {{ this.html|tojson }};
            L.DomEvent.disableClickPropagation(div);
            L.DomEvent.disableScrollPropagation(div);
            return div;
          };
          box.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}"""
    )

    def __init__(self, title: str, note: str, provenance: str) -> None:
        super().__init__()
        self._name = "InfoBox"
        self.html = (
            f"<h3>{escape(title)}</h3><p>{escape(note)}</p>"
            f"<p class='ua-prov'>{escape(provenance)}</p>"
        )


def add_controls(fmap: folium.Map, scale: Any, search_layer: folium.GeoJson | None) -> None:
    """Legend, layer control, fullscreen, minimap, measuring tool and town search."""
    scale.add_to(fmap)
    plugins.Fullscreen(position="topright").add_to(fmap)
    plugins.MiniMap(toggle_display=True, position="bottomright").add_to(fmap)
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
            placeholder="Search for a town",
            collapsed=False,
            position="topright",
            search_zoom=11,
        ).add_to(fmap)
    folium.LayerControl(collapsed=False, position="topright").add_to(fmap)


def provenance_line(results: AccessResults) -> str:
    """ "OSM data as of …, speed model …" for the info box."""
    prov = results.provenance
    return (
        f"OSM data as of {prov.get('osm_timestamp') or 'unknown'} ({prov.get('osm_source')}); "
        f"speed model {str(prov.get('speed_model', '')).split(' (')[0]}, free-flow times; "
        f"ural-access {prov.get('ural_access_version')}"
    )


def legend_scale(results: AccessResults) -> Any:
    """The time colour scale, up to the last band or the longest route."""
    longest = float(np.nanmax(results.routes["time_min"])) if len(results.routes) else 60.0
    bands = results.study.routing.bands_min
    top = max(float(bands[-1]), longest) if bands else longest
    return time_colormap(top)


_CSS = f"""
<style>
.leaflet-container {{ background: {NO_TILES_BACKGROUND} !important; font-family: "DejaVu Sans", Arial, sans-serif; }}
.ua-info {{ background: rgba(255,255,255,0.93); padding: 8px 12px; max-width: 340px;
  border-radius: 6px; box-shadow: 0 1px 5px rgba(0,0,0,0.4); font-size: 12px; line-height: 1.35; }}
.ua-info h3 {{ margin: 0 0 4px 0; font-size: 15px; }}
.ua-info p {{ margin: 4px 0; }}
.ua-prov {{ color: #555; font-size: 10.5px; }}
.ua-popup h4 {{ margin: 0 0 4px 0; }}
.ua-table {{ border-collapse: collapse; margin-top: 4px; }}
.ua-table td, .ua-table th {{ padding: 1px 6px; text-align: left; border-bottom: 1px solid #eee; }}
.ua-label {{ font-size: 12px; font-weight: bold; color: #222; white-space: nowrap;
  text-shadow: -1px -1px 0 #fff, 1px -1px 0 #fff, -1px 1px 0 #fff, 1px 1px 0 #fff, 0 0 3px #fff; }}
.ua-label.city {{ font-size: 14px; color: {CITY_COLOUR}; }}
.leaflet-container :focus, .leaflet-interactive:focus {{ outline: none; }}
.legend {{ background: rgba(255,255,255,0.9); padding: 4px; border-radius: 4px; }}
</style>
"""
