"""The network cache: a :class:`~geo.network.RoadNetwork` as plain arrays on disk.

``network.npz`` holds every per-node and per-edge array (geometries as shapely's ragged
arrays, strings as fixed-width text: nothing pickled, so a planted file runs no code),
``provenance.json`` the provenance and the cache format. Written atomically: a folder
holds a whole network or none.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import shapely

from ..base.atomic import atomic_dir, write_layer
from ..errors import CacheError

if TYPE_CHECKING:
    import geopandas as gpd

    from .road_network import RoadNetwork

#: Bumped whenever the cache layout changes, so old caches are rebuilt, not misread.
CACHE_FORMAT = 5

#: Per-node and per-edge numbers, stored under their attribute names.
_NUMERIC_COLUMNS = (
    "node_osmid", "node_lon", "node_lat", "u", "v", "length_m", "oneway", "osm_way_id",
    "speed_kph", "travel_time_s",
)  # fmt: skip
_STRING_COLUMNS = ("highway", "maxspeed", "name", "ref")
#: What every cache must hold (the loader takes the rule columns, obstacles and
#: restrictions as optional).
_ARRAY_COLUMNS = (*_NUMERIC_COLUMNS, *_STRING_COLUMNS, "geom_coords", "geom_offsets")

#: Per-edge tag columns the profiles read (each resolved for the edge's direction),
#: stored as ``rule_<name>``.
RULE_COLUMNS = (
    *("access", "maxspeed_advisory", "surface", "tracktype", "smoothness", "urban", "junction"),
    *("service", "width", "lanes", "lane_markings", "side_road", "priority", "oneway"),
    *("driving_side", "narrow", "way_direction", "maxheight", "maxwidth", "maxlength"),
    *("maxweight", "impassable", "status", "construction"),
)


def write_network(
    network: RoadNetwork,
    folder: Path,
    layers: tuple[gpd.GeoDataFrame, gpd.GeoDataFrame] | None = None,
) -> Path:
    """Write ``network`` into ``folder`` atomically; ``layers`` (edges, nodes) also go into
    ``network.gpkg`` for GIS use."""
    with atomic_dir(folder, guard=False) as tmp:
        arrays: dict[str, Any] = {col: getattr(network, col) for col in _NUMERIC_COLUMNS}
        for col in _STRING_COLUMNS:
            arrays[col] = np.asarray(getattr(network, col), dtype=str)
        for col in RULE_COLUMNS:
            arrays[f"rule_{col}"] = np.asarray(network.rules[col], dtype=str)
        arrays["node_obstacle"] = network.node_obstacle
        arrays["restrictions"] = network.restrictions
        _, coords, (offsets,) = shapely.to_ragged_array(network.geometry)
        arrays["geom_coords"] = coords
        arrays["geom_offsets"] = offsets
        if len(network.dropped_geometry):
            _, coords, (offsets,) = shapely.to_ragged_array(network.dropped_geometry)
            arrays["dropped_coords"] = coords
            arrays["dropped_offsets"] = offsets
        np.savez(tmp / "network.npz", **arrays)
        meta = dict(network.provenance, cache_format=CACHE_FORMAT)
        (tmp / "provenance.json").write_text(
            json.dumps(meta, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )
        if layers is not None:
            write_layer(layers[0], tmp / "network.gpkg", "edges")
            write_layer(layers[1], tmp / "network.gpkg", "nodes")
    return folder


def read_network(folder: Path) -> dict[str, Any]:
    """The keyword arguments of a :class:`~geo.network.RoadNetwork` saved in ``folder``.

    Raises
    ------
    CacheError
        The folder or a file is missing, unreadable, or from another cache format.
    """
    npz_path, meta_path = folder / "network.npz", folder / "provenance.json"
    if not npz_path.is_file() or not meta_path.is_file():
        raise CacheError(
            f"no cached network in {str(folder)!r}; build it first with `ural-access pull`"
        )
    refresh = "rebuild it with `ural-access pull` (or add --refresh to route/run)"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if not isinstance(meta, dict):
            raise ValueError(f"provenance.json holds a JSON {type(meta).__name__}")
        if meta.get("cache_format") != CACHE_FORMAT:
            raise CacheError(
                f"cached network in {str(folder)!r} has format {meta.get('cache_format')}, "
                f"this version reads {CACHE_FORMAT}; {refresh}"
            )
        with np.load(npz_path, allow_pickle=False) as z:
            data = {k: z[k] for k in z.files}
        geometry, dropped = _cached_geometries(data)
    except CacheError:
        raise
    except Exception as exc:  # a damaged file: zip, npy, JSON or shapely errors
        raise CacheError(
            f"cached network in {str(folder)!r} is damaged ({type(exc).__name__}: {exc}); {refresh}"
        ) from exc
    meta.pop("cache_format", None)
    rules = {col: data.pop(f"rule_{col}") for col in RULE_COLUMNS if f"rule_{col}" in data}
    return dict(geometry=geometry, provenance=meta, rules=rules, dropped_geometry=dropped, **data)


def _cached_geometries(
    data: dict[str, Any],
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.object_]]:
    """Check the arrays of a cached ``network.npz`` and take its geometries out of ``data``.

    A damaged or hand-edited cache must fail here (``ValueError``), not as an index error
    in the middle of routing.
    """
    missing = sorted(set(_ARRAY_COLUMNS) - set(data))
    if missing:
        raise ValueError(f"network.npz lacks {', '.join(missing)}")
    geometry = shapely.from_ragged_array(
        shapely.GeometryType.LINESTRING, data.pop("geom_coords"), (data.pop("geom_offsets"),)
    )
    dropped = np.empty(0, dtype=object)
    if "dropped_coords" in data:
        dropped = shapely.from_ragged_array(
            shapely.GeometryType.LINESTRING,
            data.pop("dropped_coords"),
            (data.pop("dropped_offsets"),),
        )
    n_nodes, n_edges = len(data["node_osmid"]), len(data["u"])
    edge_cols = ("v", "length_m", "oneway", "osm_way_id", "speed_kph", "travel_time_s")
    rule_cols = [k for k in data if k.startswith("rule_")]
    if (
        len(geometry) != n_edges
        or any(len(data[k]) != n_edges for k in (*edge_cols, *_STRING_COLUMNS, *rule_cols))
        or any(len(data[k]) != n_nodes for k in ("node_lon", "node_lat"))
        or ("node_obstacle" in data and len(data["node_obstacle"]) != n_nodes)
    ):
        raise ValueError("network.npz arrays differ in length")
    if n_edges and (
        min(data["u"].min(), data["v"].min()) < 0
        or max(data["u"].max(), data["v"].max()) >= n_nodes
    ):
        raise ValueError("network.npz edges refer to nodes that do not exist")
    return geometry, dropped
