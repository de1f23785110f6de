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

from ..base.arrays import FloatArray, ObjectArray

#: WGS84 semi-major axis (m) and first eccentricity squared.
_A = 6_378_137.0
_E2 = 6.694379990141316e-3

#: Fewest metres in a degree of latitude (the meridian degree at the equator) and metres
#: in a degree of longitude at the equator (fewer at other latitudes, by ``cos(lat)``).
_M_PER_DEG_LAT_MIN = 110_574.0
_M_PER_DEG_LON_EQ = 111_319.0

#: Distances within this of the best count as ties (an edge and its reverse twin).
TIE_M = 1e-6


@dataclass(frozen=True)
class Joins:
    """Where places meet roads: one row per (place, edge) join; ties give several rows.

    Attributes
    ----------
    place, edge
        Per join: the index of the place (into the input arrays) and of the edge it joins.
    fraction
        Per join: where along the edge, 0 at its start, 1 at its end.
    snap_m
        Per place: distance to the road (NaN where none is within reach).
    nearest_m
        Per place: distance to the nearest edge, within reach or not (NaN without edges).
    """

    place: npt.NDArray[np.int64]
    edge: npt.NDArray[np.int64]
    fraction: npt.NDArray[np.float64]
    snap_m: npt.NDArray[np.float64]
    nearest_m: npt.NDArray[np.float64]


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
    return _east_north(_ecef(lon, lat) - _ecef(lon0, lat0), lon0, lat0)


def _east_north(
    d: npt.NDArray[np.float64], lon0: npt.ArrayLike, lat0: npt.ArrayLike
) -> npt.NDArray[np.float64]:
    """Earth-centred offsets ``d`` from origins, turned into east and north metres there."""
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
        return Joins(none, none, np.empty(0), snap_m, snap_m.copy())
    tree = tree if tree is not None else shapely.STRtree(edges)
    # An upper bound of each place's distance to the roads: its exact distance to the
    # edge nearest in lon/lat degrees (a cheap tree search).
    near_place, near_edge = tree.query_nearest(shapely.points(lon, lat))
    _, bound = _measure(edges[near_edge], lon[near_place], lat[near_place])
    radius = np.full(n_places, np.inf)
    np.minimum.at(radius, near_place, bound)
    # The true nearest edge is within that bound in the local plane, but the tree holds
    # lon/lat boxes: a straight segment in the plane and the same segment in degrees part
    # by up to the curvature slack, so the box grows by it (and by 1% for the metre to
    # degree conversion) and the degree-nearest edges are always candidates too.
    reach = (radius + curvature_slack_m(edges)) * 1.01 + 0.01
    dlat = reach / _M_PER_DEG_LAT_MIN
    far_lat = np.minimum(np.abs(lat) + dlat, 89.9)
    dlon = np.minimum(reach / (_M_PER_DEG_LON_EQ * np.cos(np.radians(far_lat))), 180.0)
    boxes = shapely.box(lon - dlon, lat - dlat, lon + dlon, lat + dlat)
    place, edge = tree.query(boxes)
    place = np.concatenate([place, near_place])
    edge = np.concatenate([edge, near_edge])
    pairs = np.unique(np.column_stack([place, edge]).astype(np.int64), axis=0)
    place, edge = pairs[:, 0], pairs[:, 1]
    lines, dist = _measure(edges[edge], lon[place], lat[place])
    origin = shapely.points(np.zeros((len(lines), 2)))

    best = np.full(n_places, np.inf)
    np.minimum.at(best, place, dist)
    nearest_m = np.where(np.isfinite(best), best, np.nan)
    keep = (dist <= best[place] + TIE_M) & (best[place] <= limit_m)
    joined = np.isfinite(best) & (best <= limit_m)
    snap_m[joined] = best[joined]
    fraction = shapely.line_locate_point(lines[keep], origin[keep], normalized=True)
    # A zero-length edge has no direction: join at its start.
    fraction = np.nan_to_num(np.asarray(fraction, dtype=float), nan=0.0)
    return Joins(place[keep], edge[keep], fraction, snap_m, nearest_m)


def curvature_slack_m(edges: npt.NDArray[np.object_]) -> float:
    """How far a segment drawn straight in lon/lat can part from the same segment drawn
    straight in a local east-north plane (m), for the longest segment of ``edges``.

    The plane's coordinates are smooth functions of lon/lat whose second derivatives are
    at most about the earth's radius per radian²; a chord of a curve whose second
    derivative is bounded by ``K`` departs from it by at most ``K · L² / 8``. Twice that
    bound is returned, plus a metre, to leave room for the terms it neglects.
    """
    coords, which = shapely.get_coordinates(edges, return_index=True)
    if len(coords) < 2:
        return 1.0
    same = which[1:] == which[:-1]
    step = np.radians(np.abs(np.diff(coords, axis=0)[same]))
    longest = float(np.hypot(step[:, 0], step[:, 1]).max()) if len(step) else 0.0
    return 2.0 * _A * longest**2 / 8.0 + 1.0


def nearest_distances_brute_force(
    edges: npt.NDArray[np.object_], lon: npt.ArrayLike, lat: npt.ArrayLike
) -> npt.NDArray[np.float64]:
    """Each place's distance to the nearest edge, measuring every segment of every edge.

    A reference for tests and checks of :func:`join_places`: no index and no candidate
    box, and its own point-to-segment arithmetic (numpy) in the same local plane as
    :func:`_measure`, so that it cannot share a mistake with the search.
    """
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    out = np.full(len(lon), np.nan)
    if not len(edges):
        return out
    coords, which = shapely.get_coordinates(edges, return_index=True)
    # Segment k joins coordinates k and k + 1 of the same edge.
    seg = np.flatnonzero(which[1:] == which[:-1])
    xyz = _ecef(coords[:, 0], coords[:, 1])
    for i in range(len(lon)):
        local = _east_north(xyz - _ecef(lon[i], lat[i]), lon[i], lat[i])
        a, b = local[seg], local[seg + 1]
        d = b - a
        length2 = np.einsum("ij,ij->i", d, d)
        with np.errstate(invalid="ignore", divide="ignore"):
            t = np.clip(-np.einsum("ij,ij->i", a, d) / length2, 0.0, 1.0)
        t = np.where(length2 > 0, t, 0.0)
        nearest = a + t[:, None] * d
        out[i] = float(np.sqrt(np.einsum("ij,ij->i", nearest, nearest).min()))
    return out


def cut_off_places(
    dropped: ObjectArray, lon: FloatArray, lat: FloatArray, nearest_m: FloatArray, limit_m: float
) -> npt.NDArray[np.bool_]:
    """Places whose nearest road is on a part the network dropped as not connected to it.

    Such a place (Victoria on Gozo) would otherwise get an access leg straight across
    the sea to the nearest connected road. A dropped road counts when it is nearer than
    the network by more than the leg that would be drawn past it, i.e. at most half as
    far as the network's nearest road and farther than a kilometre from it.
    """
    if len(dropped) == 0 or len(lon) == 0:
        return np.zeros(len(lon), dtype=bool)
    other = join_places(dropped, lon, lat, limit_m).nearest_m
    with np.errstate(invalid="ignore"):
        return (other <= limit_m) & (other <= 0.5 * nearest_m) & (nearest_m - other > 1000.0)
