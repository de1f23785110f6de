"""The overview map of a study and one map per agglomeration."""

from __future__ import annotations

import folium
import numpy as np
import shapely

from ..geo.results import AccessResults
from ._layers import (
    InfoBox,
    add_controls,
    bands_layer,
    base_map,
    labels_layer,
    legend_scale,
    provenance_line,
    routes_layer,
    towns_layer,
    zones_layer,
)

OVERVIEW_NOTE = (
    "Coloured bands: how far one can drive from a first-tier city within each time "
    "(switch cities in the layer list). Coloured lines: the fastest route to each "
    "agglomeration's central town, coloured by the drive time so far. Dashed circles: the "
    "agglomeration zones. Circles: towns, sized by population; click one for its numbers. "
    "Times are free-flow car times on OSM roads: no traffic, no stops."
)


def study_bounds(results: AccessResults, pad: float = 0.05) -> tuple[float, float, float, float]:
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


def overview_map(results: AccessResults) -> folium.Map:
    """The whole study: cities, zones, towns, fastest routes and each city's bands."""
    fmap = base_map(study_bounds(results))
    scale = legend_scale(results)
    zones_layer(results).add_to(fmap)
    for i, (city, _key) in enumerate(results.cities):
        layer = bands_layer(results, city, scale, show=(i == 0))
        if layer is not None:
            layer.add_to(fmap)
    for city, _key in results.cities:
        layer = routes_layer(results, city, scale)
        if layer is not None:
            layer.add_to(fmap)
    towns = towns_layer(results, results.wide_places())
    towns.add_to(fmap)
    labels_layer(results.places).add_to(fmap)
    InfoBox(results.study.title, OVERVIEW_NOTE, provenance_line(results)).add_to(fmap)
    add_controls(fmap, scale, towns)
    return fmap


def agglomeration_map(results: AccessResults, name: str) -> folium.Map:
    """One agglomeration, zoomed to its zone: towns, circle, routes in, bands crossing it."""
    zone = results.zones[results.zones["agglomeration"] == name]
    if zone.empty:
        raise KeyError(f"no agglomeration named {name!r}")
    circle = zone.geometry.iloc[0]
    west, south, east, north = shapely.bounds(circle)
    dx, dy = (east - west) * 0.1, (north - south) * 0.1
    fmap = base_map((west - dx, south - dy, east + dx, north + dy))
    scale = legend_scale(results)
    zones_layer(results, [name]).add_to(fmap)
    for i, (city, _key) in enumerate(results.cities):
        layer = bands_layer(results, city, scale, show=(i == 0))
        if layer is not None:
            layer.add_to(fmap)
    for city, _key in results.cities:
        layer = routes_layer(results, city, scale, agglomerations=[name])
        if layer is not None:
            layer.add_to(fmap)
    towns_here = results.towns[results.towns["agglomeration"] == name]["geonameid"]
    wide = results.wide_places()
    places = wide[wide["place_id"].isin(towns_here) | (wide["role"] == "first_tier")]
    towns = towns_layer(results, places)
    towns.add_to(fmap)
    labels_layer(places, ("first_tier", "center", "member", "settlement")).add_to(fmap)
    note = (
        f"The {results.study.radius_km:g} km zone of {name} and its towns (circle size: "
        "population). Lines: the fastest routes in from the first-tier cities, coloured by "
        "drive time so far; bands: drive time from each city. Click a town or the zone."
    )
    InfoBox(
        f"{name}: drive time from {' and '.join(c for c, _ in results.cities)}",
        note,
        provenance_line(results),
    ).add_to(fmap)
    add_controls(fmap, scale, towns)
    return fmap
