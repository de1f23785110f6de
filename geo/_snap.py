"""Join places to the nearest point of the nearest road, for all places at once.

Distances are measured in each place's own local east-north plane (WGS84 ellipsoid,
earth-centred coordinates rotated to the place's tangent plane): within a snap limit of a
few kilometres this is exact to well under a millimetre, with no map projection's scale
error and no per-place projection object, so every step is one vectorised call.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely

#: WGS84 semi-major axis (m) and first eccentricity squared.
_A = 6_378_137.0
_E2 = 6.694379990141316e-3

#: Distances within this of the best count as ties (an edge and its reverse twin).
TIE_M = 1e-6


@dataclass(frozen=True)
class Joins:
    """Where places meet roads: one row per (place, edge) join; ties give several rows."""

    place: npt.NDArray[np.int64]
    """Index of the place (into the input arrays)."""
    edge: npt.NDArray[np.int64]
    """Index of the edge it joins."""
    fraction: npt.NDArray[np.float64]
    """Where along the edge, 0 at its start, 1 at its end."""
    snap_m: npt.NDArray[np.float64]
    """Distance from the place to the road, per place (NaN where none is within reach)."""


def _ecef(lon: npt.ArrayLike, lat: npt.ArrayLike) -> npt.NDArray[np.float64]:
    lam, phi = np.radians(lon), np.radians(lat)
    n = _A / np.sqrt(1.0 - _E2 * np.sin(phi) ** 2)
    return np.stack(
        [n * np.cos(phi) * np.cos(lam), n * np.cos(phi) * np.sin(lam), n * (1 - _E2) * np.sin(phi)],
        axis=-1,
    )


def local_east_north(
    lon: npt.ArrayLike, lat: npt.ArrayLike, lon0: npt.ArrayLike, lat0: npt.ArrayLike
) -> npt.NDArray[np.float64]:
    """East and north metres of points from origins (element-wise), in the origins' planes."""
    d = _ecef(lon, lat) - _ecef(lon0, lat0)
    lam, phi = np.radians(lon0), np.radians(lat0)
    east = -np.sin(lam) * d[:, 0] + np.cos(lam) * d[:, 1]
    north = (
        -np.sin(phi) * np.cos(lam) * d[:, 0]
        - np.sin(phi) * np.sin(lam) * d[:, 1]
        + np.cos(phi) * d[:, 2]
    )
    return np.column_stack([east, north])


def _measure(
    lines: npt.NDArray[np.object_], lon: npt.NDArray[np.float64], lat: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.float64]]:
    """Each line in the local plane of its point (the point at the origin), and the distance."""
    coords, which = shapely.get_coordinates(lines, return_index=True)
    local = local_east_north(coords[:, 0], coords[:, 1], lon[which], lat[which])
    planar = shapely.linestrings(local, indices=which)
    return planar, shapely.distance(planar, shapely.points(np.zeros((len(planar), 2))))


def join_places(
    edges: npt.NDArray[np.object_],
    lon: npt.NDArray[np.float64],
    lat: npt.NDArray[np.float64],
    limit_m: float,
    tree: shapely.STRtree | None = None,
) -> Joins:
    """Join each place to the nearest point of the nearest edge within ``limit_m``.

    Parameters
    ----------
    edges
        Edge geometries (lon/lat linestrings).
    lon, lat
        The places.
    limit_m
        Largest allowed distance; places farther from every edge get no join.
    tree
        An STRtree over ``edges``, if one is at hand.

    Returns
    -------
    Joins
        Every edge at the best distance (within :data:`TIE_M`) for each joined place,
        sorted by place, then edge index, so the result does not depend on tree order.
    """
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    n_places = len(lon)
    snap_m = np.full(n_places, np.nan)
    none = np.empty(0, dtype=np.int64)
    if n_places == 0 or len(edges) == 0:
        return Joins(none, none, np.empty(0), snap_m)
    tree = tree if tree is not None else shapely.STRtree(edges)
    # An upper bound of each place's distance to the roads: its exact distance to the
    # edge nearest in lon/lat degrees (a cheap tree search). The true nearest edge lies
    # within that distance, so only edges in a box of that size need measuring.
    near_place, near_edge = tree.query_nearest(shapely.points(lon, lat))
    _, bound = _measure(edges[near_edge], lon[near_place], lat[near_place])
    radius = np.full(n_places, float(limit_m))
    radius[near_place] = np.minimum(bound, limit_m)
    dlat = (radius * 1.001 + 0.01) / 110_000.0  # a degree of latitude is >= 110.5 km
    dlon = dlat / np.maximum(np.cos(np.radians(lat)), 0.05)
    boxes = shapely.box(lon - dlon, lat - dlat, lon + dlon, lat + dlat)
    place, edge = tree.query(boxes)
    if len(place) == 0:
        return Joins(none, none, np.empty(0), snap_m)
    order = np.lexsort((edge, place))
    place, edge = place[order].astype(np.int64), edge[order].astype(np.int64)
    lines, dist = _measure(edges[edge], lon[place], lat[place])
    origin = shapely.points(np.zeros((len(lines), 2)))

    best = np.full(n_places, np.inf)
    np.minimum.at(best, place, dist)
    keep = (dist <= best[place] + TIE_M) & (best[place] <= limit_m)
    joined = np.isfinite(best) & (best <= limit_m)
    snap_m[joined] = best[joined]
    fraction = shapely.line_locate_point(lines[keep], origin[keep], normalized=True)
    # A zero-length edge has no direction: join at its start.
    fraction = np.nan_to_num(np.asarray(fraction, dtype=float), nan=0.0)
    return Joins(place[keep], edge[keep], fraction, snap_m)
