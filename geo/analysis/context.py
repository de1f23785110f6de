"""What a map shows under the results: the network's roads, water and region borders.

:func:`road_context` takes every road of the routing network (one line per road, both
directions merged), grouped by class. :func:`pbf_context` reads, from an ``.osm.pbf``
that has them, administrative borders (``boundary=administrative`` ways with
``admin_level`` ≤ 4, or the ways of such relations) and large water (closed ways tagged
``natural=water`` / ``waterway=riverbank`` / ``landuse=reservoir`` above a size, and
``natural=coastline`` and ``waterway=river`` lines; rivers from ``.osm.pbf`` files only).
Both give a GeoDataFrame with columns ``kind`` (``road``, ``water``, ``border``),
``class`` and ``geometry`` (lon/lat), which
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

from ..base.atomic import write_layer
from ..network.road_network import RoadNetwork
from ..osm.extras import (
    cached_map_extras,
    is_drawn_border,
    place_row,
    read_osm_extras,
    water_class,
)
from ..osm.sources import RoadSource, road_source
from ..study.definition import Study

__all__ = [
    "CONTEXT_FILE",
    "MIN_WATER_AREA_DEG2",
    "network_context",
    "overpass_context",
    "pbf_context",
    "read_context",
    "road_context",
    "study_context",
    "write_context",
]

#: File name of the context layer in a results folder.
CONTEXT_FILE = "context.gpkg"

#: Water polygons smaller than this (square degrees, about 2 km² at 57° N) are left out.
MIN_WATER_AREA_DEG2 = 4e-4


def _frame(kinds: list[str], classes: list[str], geoms: list[Any]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"kind": kinds, "class": classes}, geometry=list(geoms), crs="EPSG:4326"
    )


def road_context(network: RoadNetwork) -> gpd.GeoDataFrame:
    """Every road of ``network`` once (a two-way road's two edges merged), one row per class."""
    lo = np.minimum(network.u, network.v).astype(np.int64)
    hi = np.maximum(network.u, network.v).astype(np.int64)
    # One road: its two end nodes and its way. Sorted as one key per edge (node pair,
    # then way) with a stable sort, the first edge of each run is the road's first edge.
    pair = lo * max(network.n_nodes, 1) + hi
    order = np.lexsort((network.osm_way_id, pair))
    pair = pair[order]
    way = network.osm_way_id[order]
    new = np.r_[True, (pair[1:] != pair[:-1]) | (way[1:] != way[:-1])]
    first = np.sort(order[new])
    classes = np.char.replace(network.highway[first].astype(str), "_link", "")
    geoms = network.geometry[first]
    kinds, names, lines = [], [], []
    for cls in sorted(set(classes.tolist())):
        kinds.append("road")
        names.append(cls)
        lines.append(shapely.multilinestrings(list(geoms[classes == cls])))
    return _frame(kinds, names, lines)


def pbf_context(
    path: str | Path,
    bbox: tuple[float, float, float, float] | None = None,
    sha256: str | None = None,
) -> gpd.GeoDataFrame:
    """Region borders, large water and named places from an ``.osm.pbf`` (empty if none).

    Parameters
    ----------
    path
        The OSM file the network was read from.
    bbox
        ``(west, south, east, north)``: geometry is clipped to it.
    sha256
        The file's content hash: :func:`geo.osm.read_osm_file` caches the context it
        read beside the roads under it, so the file is not read again.

    Returns
    -------
    geopandas.GeoDataFrame
        Rows of kind ``water`` (lakes, reservoirs and riverbanks as closed ways or
        multipolygon relations, assembled by libosmium; coastlines and rivers as lines
        of class ``coastline`` and ``waterway=river``), ``border`` and
        ``place`` (``place=*`` nodes with a Russian name: columns ``name`` and
        ``name_ru``).
    """
    extras = cached_map_extras(sha256) if sha256 else None
    if extras is None:
        extras = read_osm_extras(Path(path), None, built_up=False, context=True).context
        assert extras is not None
    water = np.asarray(shapely.from_wkb(extras.water, on_invalid="ignore"), dtype=object)
    water = water.reshape(-1)
    keep = ~shapely.is_missing(water)
    keep[keep] = shapely.area(water[keep]) >= MIN_WATER_AREA_DEG2
    parts = [
        _frame(
            ["water"] * int(keep.sum()), list(np.asarray(extras.water_class)[keep]), water[keep]
        ),
        _frame(extras.line_kind, extras.line_class, extras.lines),
        _place_rows(extras.places),
    ]
    parts = [p for p in parts if len(p)]
    if not parts:
        return _frame([], [], [])
    frame = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs="EPSG:4326")
    return _clipped(frame, bbox) if bbox is not None else frame


def _clipped(frame: gpd.GeoDataFrame, bbox: tuple[float, float, float, float]) -> Any:
    """``frame`` cut to ``(west, south, east, north)``; rows left empty are dropped."""
    frame = frame.clip(shapely.box(*bbox))
    return frame[~frame.geometry.is_empty].reset_index(drop=True)


def overpass_context(area: Any, lowest_class: str = "tertiary") -> gpd.GeoDataFrame:
    """Borders, coastlines, named water and named places from Overpass.

    Read from the cached answers the network was downloaded with (the query asks for them:
    :func:`geo.overpass.context_statements`); nothing is downloaded here. The ``place``
    rows are those :func:`pbf_context` keeps, from the answers' ``place=*`` nodes.
    """
    from ..osm.extras import tagged_areas
    from ..osm.overpass import cached_answers

    nodes: dict[int, tuple[float, float]] = {}
    node_tags: dict[int, dict[str, str]] = {}
    ways: dict[int, tuple[list[int], dict[str, str]]] = {}
    relations: dict[int, tuple[list[tuple[str, int, str]], dict[str, str]]] = {}
    for answer in cached_answers(area, lowest_class):
        for el in answer["elements"]:
            kind, tags = el["type"], el.get("tags", {})
            if kind == "node":
                nodes[el["id"]] = (float(el["lon"]), float(el["lat"]))
                if "place" in tags:
                    node_tags[el["id"]] = tags
            elif kind == "way":
                ways[el["id"]] = ([int(r) for r in el.get("nodes", [])], tags)
            else:
                members = [(m["type"], int(m["ref"]), m.get("role", "")) for m in el["members"]]
                relations[el["id"]] = (members, tags)
    parts = [
        _water_frame(tagged_areas(ways, relations, nodes, lambda t: bool(water_class(t)))),
        _lines_frame(ways, nodes),
        _place_rows(
            [
                row
                for node_id, tags in sorted(node_tags.items())
                if (row := place_row(tags, *nodes[node_id])) is not None
            ]
        ),
    ]
    parts = [p for p in parts if len(p)]
    if not parts:
        return _frame([], [], [])
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs="EPSG:4326")


def _water_frame(geoms: Any) -> gpd.GeoDataFrame:
    geoms = np.asarray(geoms, dtype=object).reshape(-1)
    keep = shapely.area(geoms) >= MIN_WATER_AREA_DEG2 if len(geoms) else np.zeros(0, bool)
    return _frame(["water"] * int(keep.sum()), ["water"] * int(keep.sum()), geoms[keep])


def _lines_frame(
    ways: dict[int, tuple[list[int], dict[str, str]]], nodes: dict[int, tuple[float, float]]
) -> gpd.GeoDataFrame:
    """Border and coastline ways of an Overpass answer as lines."""
    kinds: list[str] = []
    classes: list[str] = []
    geoms: list[Any] = []
    for _way_id, (refs, tags) in sorted(ways.items()):
        coast = tags.get("natural") == "coastline"
        border = is_drawn_border(tags)
        coords = [nodes[r] for r in refs if r in nodes]
        if not (coast or border) or len(coords) < 2 or len(coords) < len(refs):
            continue
        kinds.append("water" if coast else "border")
        classes.append("coastline" if coast else f"admin_level={tags['admin_level']}")
        geoms.append(shapely.LineString(coords))
    return _frame(kinds, classes, geoms)


def _place_rows(rows: list[tuple[str, str, str, float, float]]) -> gpd.GeoDataFrame:
    frame = _frame(["place"] * len(rows), [r[0] for r in rows],
                   shapely.points([(r[3], r[4]) for r in rows]) if rows else [])  # fmt: skip
    frame["name"] = [r[1] for r in rows]
    frame["name_ru"] = [r[2] for r in rows]
    return frame


def network_context(
    network: RoadNetwork,
    osm_file: str | Path | None = None,
    *,
    overpass_area: Any = None,
    lowest_class: str = "tertiary",
) -> gpd.GeoDataFrame:
    """The network's roads, plus borders, water and named places from ``osm_file`` (an
    ``.osm.pbf``) or, with ``overpass_area``, from the Overpass answers of that area."""
    roads = road_context(network)
    box = (
        float(network.node_lon.min()),
        float(network.node_lat.min()),
        float(network.node_lon.max()),
        float(network.node_lat.max()),
    )
    if overpass_area is not None:
        extra = overpass_context(overpass_area, lowest_class)
        if len(extra):
            extra = _clipped(extra, box)
    elif osm_file is not None and str(osm_file).endswith(".pbf"):
        sha256 = network.provenance.get("osm_file", {}).get("sha256")
        extra = pbf_context(osm_file, box, sha256=sha256)
    else:
        return roads
    if not len(extra):
        return roads
    return gpd.GeoDataFrame(
        pd.concat([extra, roads], ignore_index=True), geometry="geometry", crs="EPSG:4326"
    )


def study_context(study: Study, network: RoadNetwork) -> gpd.GeoDataFrame:
    """The map context of a study's run: the network's roads, and what its road data has
    beside them (from the file it was read from, or the Overpass answers of the area).

    The road data is the network's :attr:`~RoadNetwork.road_source` when it came through
    :meth:`RoadNetwork.from_osm`, else what :func:`geo.osm.sources.road_source` picks for the
    study; a file's context is read from the cache the road read left under its content hash.
    """
    road = network.road_source
    if road is None:
        source = str(network.provenance.get("source", ""))
        if source.startswith("overpass"):
            road = RoadSource("overpass", None, "overpass")
        elif source.startswith("file:"):  # the study's own file, if the name says so
            guess = road_source(study)
            road = guess if guess.path is not None and source == f"file:{guess.path.name}" else None
    if road is None:  # an osmnx graph or arrays built in code: roads only
        return network_context(network)
    if road.kind == "overpass":
        return network_context(
            network, overpass_area=study.area(), lowest_class=study.network.road_classes
        )
    return network_context(network, road.path if road.kind == "pbf" else None)


def write_context(context: gpd.GeoDataFrame, folder: str | Path) -> Path:
    """Write ``context.gpkg`` into ``folder`` atomically and return its path."""
    path = Path(folder) / CONTEXT_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written in a temporary folder beside it (the driver wants a .gpkg name), then moved.
    with tempfile.TemporaryDirectory(prefix=".context-", dir=path.parent) as tmp:
        part = Path(tmp) / CONTEXT_FILE
        write_layer(context, part, "context")
        os.chmod(part, 0o644)
        os.replace(part, path)
    return path


def read_context(folder: str | Path) -> gpd.GeoDataFrame | None:
    """The context layer saved beside the results, or ``None`` if there is none."""
    path = Path(folder) / CONTEXT_FILE
    if not path.is_file():
        return None
    return gpd.read_file(path, layer="context")
