"""The overview map of a study and one map per agglomeration."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import folium
import numpy as np
import shapely

from ..geo.results.access_results import AccessResults
from ._controls import InfoBox, add_controls, base_map, provenance_line
from ._labels import agglomeration_labels, ranking_html, town_labels
from ._layers import (
    bands_layer,
    context_layer,
    legs_layer,
    nearest_bands_layer,
    routes_layer,
    shadow_layer,
    time_zones_layer,
    towns_layer,
    zones_layer,
)
from ._shared import MapData, map_data
from .legend import HtmlControl, MapLegend, key_html, steps_html
from .text import EN, Lang

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["agglomeration_map", "overview_map", "study_bounds", "zone_bounds"]


def study_bounds(results: AccessResults, pad: float = 0.01) -> tuple[float, float, float, float]:
    """(west, south, east, north) covering every place and zone, padded by a share."""
    boxes = (
        [shapely.bounds(shapely.union_all(results.zones.geometry.to_numpy()))]
        if len(results.zones)
        else []
    )
    pts = results.places[["lon", "lat"]].to_numpy(dtype=float)
    boxes.append([pts[:, 0].min(), pts[:, 1].min(), pts[:, 0].max(), pts[:, 1].max()])
    b = np.array(boxes)
    west, south, east, north = b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max()
    dx, dy = (east - west) * pad, (north - south) * pad
    return (float(west - dx), float(south - dy), float(east + dx), float(north + dy))


def zone_bounds(circle: Any, pad: float = 0.02) -> tuple[float, float, float, float]:
    """(west, south, east, north) of an agglomeration map's first view: its zone, padded."""
    west, south, east, north = (float(b) for b in shapely.bounds(circle))
    dx, dy = (east - west) * pad, (north - south) * pad
    return (west - dx, south - dy, east + dx, north + dy)


def _draw(
    fmap: folium.Map,
    results: AccessResults,
    lang: Lang,
    data: MapData,
    zones: list[str] | None,
) -> folium.GeoJson | None:
    """Context, bands (the nearer city's shown), zones and routes; returns the context."""
    ctx = context_layer(data.context, lang)
    if ctx is not None:
        ctx.add_to(fmap)
    nearest = nearest_bands_layer(data.bands, results, show=True, lang=lang)
    if nearest is not None:
        nearest.add_to(fmap)
    for i, (city, _key) in enumerate(results.cities):
        layer = bands_layer(data.bands, city, show=(nearest is None and i == 0), lang=lang)
        if layer is not None:
            layer.add_to(fmap)
    zones_layer(results, zones, lang).add_to(fmap)
    timed = time_zones_layer(results, zones, lang)
    if timed is not None:
        timed.add_to(fmap)
    shadow = shadow_layer(results, lang) if zones is None else None
    if shadow is not None:
        shadow.add_to(fmap)
    for i, (city, _key) in enumerate(results.cities):
        layer = routes_layer(results, city, i, lang, agglomerations=zones)
        if layer is not None:
            layer.add_to(fmap)
    return ctx


def _legs(fmap: folium.Map, results: AccessResults, places: Any, lang: Lang) -> bool:
    """The access legs of ``places`` (dotted); whether there were any."""
    legs = legs_layer(results, places, lang)
    if legs is not None:
        legs.add_to(fmap)
    return legs is not None


def _legend(
    results: AccessResults,
    lang: Lang,
    kinds: frozenset[str],
    legs: bool = False,
    beyond: bool = False,
) -> MapLegend:
    cities = [lang.place(c) for c, _ in results.cities]
    bands = [float(b) for b in results.study.routing.bands_min]
    if len(cities) > 1:
        title = lang("legend_nearest", cities=lang.join(cities))
    else:
        title = lang("legend_title", city=cities[0] if cities else "")
    html = steps_html(bands, title, lang) + key_html(
        cities,
        results.study.radius_km,
        lang,
        roads="road" in kinds,
        water="water" in kinds,
        borders="border" in kinds,
        legs=legs,
        beyond_limit=float(results.study.routing.snap_limit_km) if beyond else None,
    )
    return MapLegend(html, lang)


def _finish(
    fmap: folium.Map,
    results: AccessResults,
    lang: Lang,
    data: MapData,
    ctx: folium.GeoJson | None,
    towns: folium.GeoJson,
    bounds: tuple[float, float, float, float],
    legs: bool,
) -> None:
    _legend(results, lang, data.context_kinds, legs, data.bands.beyond_limit).add_to(fmap)
    add_controls(fmap, towns, lang, bounds)


def overview_map(
    results: AccessResults,
    lang: Lang = EN,
    context: gpd.GeoDataFrame | None = None,
    data: MapData | None = None,
) -> folium.Map:
    """The whole study: context, cities, zones, towns, fastest routes and the bands.

    ``data`` is :func:`._shared.map_data` of ``results`` and ``context``, computed once for
    all the maps of a run (computed here without it).
    """
    data = data if data is not None else map_data(results, context)
    bounds = study_bounds(results)
    fmap = base_map(bounds, lang)
    ctx = _draw(fmap, results, lang, data, None)
    wide = results.wide_places()
    legs = _legs(fmap, results, wide, lang)
    towns = towns_layer(results, wide, lang)
    towns.add_to(fmap)
    labels = town_labels(results.places, ("first_tier",), lang)
    agglomeration_labels(results, lang, group=labels)
    labels.add_to(fmap)
    InfoBox(
        lang.title(results.study), lang("overview_note"), provenance_line(results, lang), lang
    ).add_to(fmap)
    if len(results.zones):
        HtmlControl(ranking_html(results, lang), "topleft", "ua-rank").add_to(fmap)
    _finish(fmap, results, lang, data, ctx, towns, bounds, legs)
    return fmap


def agglomeration_map(
    results: AccessResults,
    name: str,
    lang: Lang = EN,
    context: gpd.GeoDataFrame | None = None,
    data: MapData | None = None,
) -> folium.Map:
    """One agglomeration, zoomed to its zone: towns, circle, routes in, bands crossing it.

    ``data`` as for :func:`overview_map`.
    """
    zone = results.zones[results.zones["agglomeration"] == name]
    if zone.empty:
        raise KeyError(f"no agglomeration named {name!r}")
    data = data if data is not None else map_data(results, context)
    bounds = zone_bounds(zone.geometry.iloc[0])
    fmap = base_map(bounds, lang)
    ctx = _draw(fmap, results, lang, data, [name])
    towns_here = results.towns[results.towns["agglomeration"] == name]["geonameid"]
    wide = results.wide_places()
    places = wide[wide["place_id"].isin(towns_here) | (wide["role"] == "first_tier")]
    legs = _legs(fmap, results, places, lang)
    towns = towns_layer(results, places, lang)
    towns.add_to(fmap)
    labels = town_labels(places, ("first_tier", "center", "member", "settlement"), lang)
    agglomeration_labels(results, lang, [name], group=labels)
    labels.add_to(fmap)
    shown = lang.agglomeration(name)
    note = lang("agglomeration_note", radius=f"{results.study.radius_km:g}", name=shown)
    title = lang(
        "agglomeration_title",
        name=shown,
        cities=lang.join([lang.place(c) for c, _ in results.cities]),
    )
    InfoBox(title, note, provenance_line(results, lang), lang).add_to(fmap)
    _finish(fmap, results, lang, data, ctx, towns, bounds, legs)
    return fmap
