"""Drive times between any points: GeoDataFrames of origins and destinations in, a long
table keyed by (origin id, place id) out (the r5py way), the shape of every drive-time table."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..errors import (
    DuplicateIdError,
    InputError,
    MissingColumnError,
    MissingCRSError,
    UralAccessWarning,
)
from ..network.road_network import RoadNetwork
from ..study.options import DEFAULT_LIMIT_KM
from .router import Router, ShortestPathTree

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["check_points", "travel_times", "tree_table"]


def tree_table(
    trees: Mapping[Any, ShortestPathTree | None],
    nodes: npt.NDArray[np.int64],
    place_ids: npt.ArrayLike,
) -> pd.DataFrame:
    """Fastest-route trees as one long table: drive time and route length from each tree's
    origin to each place.

    Parameters
    ----------
    trees
        Origin id → its tree (None: the origin is off the network, so NaN throughout).
    nodes
        Each place's node in the trees' graph (-1: not joined to the network).
    place_ids
        Each place's id, in the same order.

    Returns
    -------
    pandas.DataFrame
        One row per (``origin_id``, ``place_id``), origins in the order of ``trees``:
        ``time_min`` and ``dist_km``, NaN where there is no route.
    """
    ids = np.asarray(place_ids)
    ok = nodes >= 0
    time = np.full((len(trees), len(ids)), np.nan)
    dist = np.full((len(trees), len(ids)), np.nan)
    for i, tree in enumerate(trees.values()):
        if tree is None:
            continue
        time[i, ok] = tree.time_s[nodes[ok]] / 60.0
        reached = ok & np.isfinite(time[i])
        # the route lengths of the reached places only, in one walk of the tree
        dist[i, reached] = tree.dist_to(nodes[reached]) / 1000.0
    time[~np.isfinite(time)] = np.nan
    dist[np.isnan(time)] = np.nan
    return pd.DataFrame(
        {
            "origin_id": np.repeat(np.asarray(list(trees)), len(ids)),
            "place_id": np.tile(ids, len(trees)),
            "time_min": time.ravel(),
            "dist_km": dist.ravel(),
        }
    )


def check_points(points: Any, what: str, id_column: str) -> pd.DataFrame:
    """Ids and lon/lat of a GeoDataFrame of points, checked.

    Raises
    ------
    InputError
        Not a GeoDataFrame, an empty one, a geometry that is not a point, or a missing id.
    MissingColumnError
        No ``id_column``.
    MissingCRSError
        No CRS, so the points cannot be placed.
    DuplicateIdError
        An id repeats.
    """
    import geopandas as gpd

    if not isinstance(points, gpd.GeoDataFrame):
        raise InputError(f"{what} must be a GeoDataFrame of points, got {type(points).__name__}")
    if id_column not in points.columns:
        raise MissingColumnError(
            f"{what} has no {id_column!r} column (it has {', '.join(map(str, points.columns))}); "
            "name the id column with id_column="
        )
    if points.crs is None:
        raise MissingCRSError(
            f"{what} has no CRS; set the one its coordinates are in, e.g. "
            f"{what}.set_crs('EPSG:4326')"
        )
    ids = points[id_column]
    if ids.isna().any():
        raise InputError(f"{what} has rows without an id in {id_column!r}")
    repeated = ids[ids.duplicated()].drop_duplicates().tolist()
    if repeated:
        raise DuplicateIdError(f"{what} repeats ids in {id_column!r}: {repeated[:5]}")
    geom = points.geometry.to_crs(4326)
    bad = ~(geom.geom_type == "Point") | geom.is_empty
    if bad.any():
        first = ids[bad.to_numpy()].tolist()[0]
        raise InputError(
            f"{what} must be points; {id_column}={first!r} is a {geom[bad].geom_type.iloc[0]} "
            "(use .centroid or .representative_point())"
        )
    return pd.DataFrame({"id": ids.to_numpy(), "lon": geom.x.to_numpy(), "lat": geom.y.to_numpy()})


def travel_times(
    network: RoadNetwork,
    origins: gpd.GeoDataFrame,
    destinations: gpd.GeoDataFrame | None = None,
    *,
    id_column: str = "id",
    snap_limit_km: float = DEFAULT_LIMIT_KM,
) -> pd.DataFrame:
    """Fastest drive time and its route length from every origin to every destination.

    Parameters
    ----------
    network
        The road network (its ``travel_time_s`` are the weights).
    origins, destinations
        GeoDataFrames of points in any CRS, with unique ids in ``id_column``;
        ``destinations`` defaults to the origins.
    id_column
        The id column of both tables.
    snap_limit_km
        A point farther than this from every road is left out (NaN, with a warning).

    Points are joined to the nearest point of the nearest road, as the study's places
    are (:class:`geo.routing.Router`); the same point given twice is one place.

    Returns
    -------
    pandas.DataFrame
        One row per (``origin_id``, ``place_id``: the destination's id), origins in their
        order, then destinations: ``time_min`` and ``dist_km``, NaN (with a warning) where
        there is no route (:func:`tree_table`, the shape of every drive-time table).

    Raises
    ------
    InputError, MissingColumnError, MissingCRSError, DuplicateIdError
        The tables cannot be used as they are (see :func:`check_points`).
    """
    orig = check_points(origins, "origins", id_column)
    dest = orig if destinations is None else check_points(destinations, "destinations", id_column)
    # Ids of origins and destinations may clash, so the router numbers the points itself;
    # a point given twice (an origin that is also a destination) is joined once, so that
    # the time from it to itself is 0.
    lonlat = np.column_stack([np.r_[orig["lon"], dest["lon"]], np.r_[orig["lat"], dest["lat"]]])
    unique, first, which = np.unique(lonlat, axis=0, return_index=True, return_inverse=True)
    labels = [f"origin {i!r}" for i in orig["id"]] + [f"destination {i!r}" for i in dest["id"]]
    places = pd.DataFrame(
        {
            "place_id": np.arange(len(unique)),
            "name": [labels[i] for i in first],
            "lon": unique[:, 0],
            "lat": unique[:, 1],
        }
    )
    router = Router(network, places, snap_limit_km=snap_limit_km)
    nodes = router.place_nodes(places["place_id"])[which.ravel()]
    o_nodes, d_nodes = nodes[: len(orig)], nodes[len(orig) :]
    trees = {
        origin: router.tree(int(node)) if node >= 0 else None
        for origin, node in zip(orig["id"].tolist(), o_nodes.tolist(), strict=True)
    }
    table = tree_table(trees, d_nodes, dest["id"].to_numpy())
    lost = table[table["time_min"].isna() & np.tile(d_nodes >= 0, len(orig))]
    for origin, rows in lost.groupby("origin_id", sort=False):
        if trees[origin] is not None:
            warnings.warn(
                f"{len(rows)} destination(s) cannot be reached from origin {origin!r} by road "
                f"(e.g. {rows['place_id'].tolist()[:3]}): NaN",
                UralAccessWarning,
                stacklevel=2,
            )
    return table
