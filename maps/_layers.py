"""Folium data layers shared by the overview and the agglomeration maps (frame: _controls)."""

from __future__ import annotations

from html import escape
from typing import Any

import folium
import numpy as np
import pandas as pd
import shapely

from ..geo.base.distance import geodesic_circle
from ..geo.results.access_results import AccessResults
from ._geojson import compact, feature_collection
from ._labels import city_times, class_colour, is_estimate
from ._shared import Bands, bands_geojson
from .popups import agglomeration_popup, town_popup, town_sources, town_tooltip
from .style import (
    CENTER_COLOUR,
    CITY_COLOUR,
    LEG_STYLE,
    TOWN_COLOUR,
    ZONE_STYLE,
    marker_radius,
    route_style,
)
from .text import EN, Lang

#: Vertices of a drawn zone circle: smooth at street zoom (a 25 km circle's chord is 300 m).
CIRCLE_VERTICES = 512

#: Popups pan clear of the controls: the padding is measured in the page (maps._fit).
POPUP_OPTIONS: dict[str, Any] = {}


def towns_layer(
    results: AccessResults, towns: pd.DataFrame, lang: Lang = EN, name: str | None = None
) -> folium.GeoJson:
    """Towns as circles sized by population, with popups, tooltips and a search index."""
    cities = results.cities
    sources = town_sources(results, lang)
    limit_km = float(results.study.routing.snap_limit_km)
    props = []
    for row in towns.to_dict("records"):
        role = str(row.get("role"))
        colour = {"first_tier": CITY_COLOUR, "center": CENTER_COLOUR}.get(role, TOWN_COLOUR)
        props.append(
            {
                "name": lang.place(row.get("name")),
                "role": role,
                "popup": town_popup(row, cities, lang, sources.get(int(row["place_id"])), limit_km),
                "tooltip": town_tooltip(row, cities, lang, limit_km),
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


def legs_layer(
    results: AccessResults, places: pd.DataFrame, lang: Lang = EN
) -> folium.GeoJson | None:
    """Dotted access legs from each town to the point where it joins the roads, for the
    towns joined more than 1 km away (``join_lon``/``join_lat``; ``None`` without them)."""
    if not {"join_lon", "join_lat", "join_km"} <= set(places.columns):
        return None
    far = places[[is_estimate(v) for v in places["join_km"]]]
    far = far[far["join_lon"].notna() & far["join_lat"].notna()]
    if far.empty:
        return None
    lines = shapely.linestrings(
        np.stack(
            [far[["lon", "lat"]].to_numpy(float), far[["join_lon", "join_lat"]].to_numpy(float)],
            axis=1,
        )
    )
    props = [
        {
            "tooltip": lang(
                "leg_tooltip",
                town=escape(lang.place(row.name)),
                join=lang.km(float(row.join_km)),
                leg=lang.km(float(row.access_km)),
                time=lang.minutes(float(row.access_min)),
            )
        }
        for row in far.itertuples()
    ]
    return folium.GeoJson(
        feature_collection(compact(lines), props),
        name=lang("layer_legs"),
        style_function=lambda f: dict(LEG_STYLE),
        tooltip=folium.GeoJsonTooltip(fields=["tooltip"], labels=False, sticky=True),
    )


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
    """The agglomerations' zone circles, with their measures in a popup.

    Filled with the colour of the nearer city's time class: strongly on the overview
    (``names`` None), where the zone carries the answer; lightly on an agglomeration's
    map, where the drive-time surface inside it is the point."""
    opacity = ZONE_STYLE["fillOpacity"] if names is None else 0.15
    zones = results.zones
    summary = results.wide_summary().set_index("agglomeration")
    if names is not None:
        zones = zones[zones["agglomeration"].isin(names)]
    radius = f"{results.study.radius_km:g}"
    colours = {a["agglomeration"]: class_colour(a["class"], results) for a in city_times(results)}
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
                "colour": colours.get(str(agg), "#9e9e9e"),
            }
        )
    data = feature_collection(compact(_smooth_circles(results, zones)), props)
    return folium.GeoJson(
        data,
        name=lang("layer_zones", radius=radius),
        style_function=lambda f: {
            **ZONE_STYLE,
            "fillColor": f["properties"]["colour"],
            "fillOpacity": opacity,
        },
        popup=folium.GeoJsonPopup(fields=["popup"], labels=False, max_width=520, **POPUP_OPTIONS),
        tooltip=folium.GeoJsonTooltip(fields=["tooltip"], labels=False),
    )


#: Outline of a drive-time zone (the reachable area within ``zone_minutes`` of the centre).
TIME_ZONE_STYLE = {
    "color": "#1f5fa8",
    "weight": 2,
    "dashArray": "2 4",
    "fillColor": "#1f5fa8",
    "fillOpacity": 0.08,
}

#: Colour of each shadow class (geo.analysis.shadow): near to isolated, and no route.
SHADOW_COLOURS = {
    "within_30": "#1a9850",
    "shadow": "#fdae61",
    "outer": "#d73027",
    "isolated": "#7b3294",
    "unreachable": "#999999",
}


def time_zones_layer(
    results: AccessResults, names: list[str] | None = None, lang: Lang = EN
) -> folium.GeoJson | None:
    """The drive-time zones' reachable areas (``[zones] zone`` time or both), hidden at
    first; None when the results have none."""
    analytics = results.analytics
    if analytics is None or not len(analytics.time_zones):
        return None
    zones = analytics.time_zones
    if names is not None:
        zones = zones[zones["agglomeration"].isin(names)]
    minutes = f"{results.study.zones.zone_minutes:g}"
    props = [
        {
            "tooltip": lang(
                "time_zone_tooltip", name=escape(lang.agglomeration(str(a))), minutes=minutes
            )
        }
        for a in zones["agglomeration"]
    ]
    data = feature_collection(compact(zones.geometry.to_numpy(), 0.002), props)
    return folium.GeoJson(
        data,
        name=lang("layer_time_zones", minutes=minutes),
        show=False,
        style_function=lambda f: dict(TIME_ZONE_STYLE),
        tooltip=folium.GeoJsonTooltip(fields=["tooltip"], labels=False),
    )


def shadow_layer(results: AccessResults, lang: Lang = EN) -> folium.GeoJson | None:
    """Every study-area town coloured by its drive time to the nearest first-tier city
    (the shadow classes), single-industry and closed towns named; hidden at first."""
    analytics = results.analytics
    if analytics is None or not len(analytics.shadow):
        return None
    table = analytics.shadow
    props = []
    for row in table.to_dict("records"):
        klass = str(row["shadow_class"])
        flags = [lang("flag_single_industry")] if bool(row["single_industry"]) else []
        flags += [lang("flag_closed")] if bool(row["closed_town"]) else []
        time = float(row["time_to_nearest_city_min"])
        nearest = row["nearest_city"] if isinstance(row["nearest_city"], str) else ""
        props.append(
            {
                "tooltip": lang(
                    "shadow_tooltip",
                    name=escape(lang.place(str(row["name"]))),
                    time=lang.minutes(time) if np.isfinite(time) else "–",
                    city=escape(lang.place(nearest or "–")),
                    klass=lang(f"shadow_{klass}"),
                    flags=f"; {', '.join(flags)}" if flags else "",
                ),
                "colour": SHADOW_COLOURS.get(klass, "#999999"),
                "ring": "#000000" if bool(row["single_industry"]) else "#ffffff",
            }
        )
    points = compact(shapely.points(table["lon"].to_numpy(), table["lat"].to_numpy()))
    return folium.GeoJson(
        feature_collection(points, props),
        name=lang("layer_shadow"),
        show=False,
        marker=folium.CircleMarker(radius=6, weight=2, fill=True, fill_opacity=0.9),
        style_function=lambda f: {
            "color": f["properties"]["ring"],
            "fillColor": f["properties"]["colour"],
        },
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
