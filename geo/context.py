"""What a map shows under the results: the network's roads, water and region borders.

:func:`road_context` takes every road of the routing network (one line per road, both
directions merged), grouped by class. :func:`pbf_context` reads, from an ``.osm.pbf``
that has them, administrative borders (``boundary=administrative`` ways with
``admin_level`` ≤ 4, or the ways of such relations) and large water (closed ways tagged
``natural=water`` / ``waterway=riverbank`` / ``landuse=reservoir`` above a size, and
``natural=coastline`` lines). Both give a GeoDataFrame with columns ``kind`` (``road``,
``water``, ``border``), ``class`` and ``geometry`` (lon/lat), which
:func:`write_context` stores beside the results as ``context.gpkg``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .network import RoadNetwork

#: File name of the context layer in a results folder.
CONTEXT_FILE = "context.gpkg"

#: Water polygons smaller than this (square degrees, about 2 km² at 57° N) are left out.
MIN_WATER_AREA_DEG2 = 4e-4

#: Highest administrative level drawn (2 = countries, 4 = regions such as oblasts).
MAX_ADMIN_LEVEL = 4

_WATER_TAGS = {("natural", "water"), ("waterway", "riverbank"), ("landuse", "reservoir")}


def _frame(kinds: list[str], classes: list[str], geoms: list[Any]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"kind": kinds, "class": classes}, geometry=list(geoms), crs="EPSG:4326"
    )


def road_context(network: RoadNetwork) -> gpd.GeoDataFrame:
    """Every road of ``network`` once (a two-way road's two edges merged), one row per class."""
    lo = np.minimum(network.u, network.v)
    hi = np.maximum(network.u, network.v)
    keys = np.stack([lo, hi, network.osm_way_id], axis=1)
    _, first = np.unique(keys, axis=0, return_index=True)
    first.sort()
    classes = np.char.replace(network.highway[first].astype(str), "_link", "")
    geoms = network.geometry[first]
    kinds, names, lines = [], [], []
    for cls in sorted(set(classes.tolist())):
        kinds.append("road")
        names.append(cls)
        lines.append(shapely.multilinestrings(list(geoms[classes == cls])))
    return _frame(kinds, names, lines)


def pbf_context(
    path: str | Path, bbox: tuple[float, float, float, float] | None = None
) -> gpd.GeoDataFrame:
    """Region borders and large water from an ``.osm.pbf`` (empty if it has none).

    Parameters
    ----------
    path
        The OSM file the network was read from.
    bbox
        ``(west, south, east, north)``: geometry is clipped to it.
    """
    import osmium

    border_ways: set[int] = set()
    for rel in osmium.FileProcessor(str(path), osmium.osm.RELATION):
        if not isinstance(rel, osmium.osm.Relation):
            continue
        tags = rel.tags
        if tags.get("boundary") == "administrative" and _level(tags.get("admin_level")):
            border_ways.update(m.ref for m in rel.members if m.type == "w")

    kinds: list[str] = []
    classes: list[str] = []
    geoms: list[Any] = []
    processor = osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
    for obj in processor.with_locations():
        if not isinstance(obj, osmium.osm.Way):
            continue
        tags = obj.tags
        is_border = obj.id in border_ways or (
            tags.get("boundary") == "administrative" and _level(tags.get("admin_level"))
        )
        water = next((f"{k}={v}" for k, v in _WATER_TAGS if tags.get(k) == v), None)
        coast = tags.get("natural") == "coastline"
        if not (is_border or water or coast):
            continue
        try:
            coords = [(n.lon, n.lat) for n in obj.nodes]
        except osmium.InvalidLocationError:
            continue
        if len(coords) < 2:
            continue
        if water and len(coords) >= 4 and obj.is_closed():
            poly = shapely.Polygon(coords)
            if poly.is_valid and poly.area >= MIN_WATER_AREA_DEG2:
                kinds.append("water")
                classes.append(water)
                geoms.append(poly)
        elif coast:
            kinds.append("water")
            classes.append("coastline")
            geoms.append(shapely.LineString(coords))
        if is_border:
            kinds.append("border")
            classes.append(f"admin_level={tags.get('admin_level', '')}")
            geoms.append(shapely.LineString(coords))
    frame = _frame(kinds, classes, geoms)
    if bbox is not None and len(frame):
        frame = frame.clip(shapely.box(*bbox))
        frame = frame[~frame.geometry.is_empty].reset_index(drop=True)
    return frame


def network_context(network: RoadNetwork, osm_file: str | Path | None = None) -> gpd.GeoDataFrame:
    """The network's roads, plus borders and water from ``osm_file`` (an ``.osm.pbf``)."""
    roads = road_context(network)
    if osm_file is None or not str(osm_file).endswith(".pbf"):
        return roads
    box = (
        float(network.node_lon.min()),
        float(network.node_lat.min()),
        float(network.node_lon.max()),
        float(network.node_lat.max()),
    )
    extra = pbf_context(osm_file, box)
    if not len(extra):
        return roads
    return gpd.GeoDataFrame(
        pd.concat([extra, roads], ignore_index=True), geometry="geometry", crs="EPSG:4326"
    )


def _level(value: str | None) -> bool:
    try:
        return value is not None and int(value) <= MAX_ADMIN_LEVEL
    except ValueError:
        return False


def write_context(context: gpd.GeoDataFrame, folder: str | Path) -> Path:
    """Write ``context.gpkg`` into ``folder`` atomically and return its path."""
    path = Path(folder) / CONTEXT_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written in a temporary folder beside it (the driver wants a .gpkg name), then moved.
    with tempfile.TemporaryDirectory(prefix=".context-", dir=path.parent) as tmp:
        part = Path(tmp) / CONTEXT_FILE
        context.to_file(part, driver="GPKG", layer="context")
        os.chmod(part, 0o644)
        os.replace(part, path)
    return path


def read_context(folder: str | Path) -> gpd.GeoDataFrame | None:
    """The context layer saved beside the results, or ``None`` if there is none."""
    path = Path(folder) / CONTEXT_FILE
    if not path.is_file():
        return None
    return gpd.read_file(path, layer="context")
