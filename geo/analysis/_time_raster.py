"""The time raster under the isochrones: where roads enter grid cells, and when.

Steps 1 and 2 of the method described in :mod:`geo.isochrones`: :func:`road_cells`
projects and densifies a network's edges once per network, CRS and cell size (cached),
keeping the point where each edge enters each cell; :func:`time_field` turns one
origin's node times into the earliest time a road within the buffer of each cell is
reached. :mod:`geo.isochrones` contours that raster into polygons.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import shapely
from pyproj import CRS, Transformer
from scipy.ndimage import minimum_filter1d

from ..base.arrays import FloatArray, IntArray

if TYPE_CHECKING:
    from ..network.road_network import RoadNetwork

#: Largest raster (cells) over a network's extent; a coarser cell is used beyond it.
MAX_CELLS = 25_000_000

# Projecting many points: interpolate on a lattice (see project).
_LATTICE_MIN_POINTS = 200_000
_LATTICE_SIZE = 257
_LATTICE_TOL_M = 0.5


@dataclass(frozen=True)
class RoadCells:
    """Where each edge enters each grid cell it crosses (origin-independent, cached).

    One entry per (edge, cell) crossing: ``edge`` enters cell (``col``, ``row``) at
    ``frac`` of its length. Cell (0, 0) has its lower-left corner at (``x0``, ``y0``),
    metres in the metric CRS, and cells are ``cell_m`` square.
    """

    edge: IntArray
    frac: FloatArray
    col: IntArray
    row: IntArray
    x0: float
    y0: float
    cell_m: float


# A few networks' cells, per (network, CRS, cell size); the network is only weakly held.
_CACHE: dict[tuple[int, str, float], tuple[weakref.ref[RoadNetwork], RoadCells]] = {}
_CACHE_SIZE = 4


# ---------------------------------------------------------------------- road cells
def road_cells(network: RoadNetwork, crs: CRS, cell_m: float) -> RoadCells:
    """The entry points of every edge into every cell, from the cache or computed.

    The cache holds the geometry only (times are read afresh on each call); a network
    is treated as immutable, as :meth:`RoadNetwork.with_speeds` does (it returns a copy).
    """
    key = (id(network), crs.to_wkt(), float(cell_m))
    hit = _CACHE.get(key)
    if hit is not None and hit[0]() is network:
        return hit[1]
    cells = _compute_road_cells(network, crs, cell_m)
    for k in [k for k, (ref, _) in _CACHE.items() if ref() is None]:
        del _CACHE[k]
    while len(_CACHE) >= _CACHE_SIZE:
        del _CACHE[next(iter(_CACHE))]
    _CACHE[key] = (weakref.ref(network), cells)
    return cells


def _compute_road_cells(network: RoadNetwork, crs: CRS, cell_m: float) -> RoadCells:
    coords, edge_of = shapely.get_coordinates(network.geometry, return_index=True)
    if len(coords) == 0:
        empty = np.empty(0, dtype=np.int64)
        return RoadCells(empty, np.empty(0), empty, empty, 0.0, 0.0, cell_m)
    lon, lat = coords[:, 0], coords[:, 1]
    # Length along each edge at each vertex (equirectangular: exact enough for fractions).
    n = len(lon)
    same = edge_of[1:] == edge_of[:-1]  # vertex i and i + 1 are on the same edge
    seg = np.hypot(np.diff(lon) * np.cos(np.radians(lat[:-1])), np.diff(lat)) * same
    cum = np.empty(n)
    cum[0] = 0.0
    np.cumsum(seg * (np.pi / 180.0 * 6_371_008.8), out=cum[1:])
    first = np.r_[0, np.flatnonzero(~same) + 1]
    last = np.r_[first[1:] - 1, n - 1]
    along = cum - np.repeat(cum[first], last - first + 1)
    total = np.zeros(network.n_edges)
    total[edge_of[last]] = along[last]
    # Thin: keep each edge's last vertex and its first vertex in each stretch of half a
    # cell (winding roads have a vertex every few metres; the chords between the kept
    # ones are within a quarter cell of the road).
    stretch = np.floor(along / (cell_m / 2.0))
    keep = np.r_[True, (stretch[1:] != stretch[:-1]) | ~same]
    keep[last] = True
    lon, lat, along, edge_of = lon[keep], lat[keep], along[keep], edge_of[keep]
    del coords, seg, cum, stretch, keep
    px, py = project(lon, lat, crs)

    # Grid: a coarser cell if the extent would need more than MAX_CELLS cells.
    span_x, span_y = float(np.ptp(px)), float(np.ptp(py))
    while (span_x / cell_m + 1) * (span_y / cell_m + 1) > MAX_CELLS:
        cell_m *= 1.25
    # Densify: each vertex gives itself and, before a chord longer than half a cell,
    # evenly spaced points along it; points stay ordered by edge, then along it.
    n = len(px)
    chord = np.zeros(n)
    chord[:-1] = np.hypot(np.diff(px), np.diff(py)) * (edge_of[1:] == edge_of[:-1])
    n_pts = np.maximum(np.ceil(chord / (cell_m / 2.0)), 1).astype(np.int64)
    rep = np.repeat(np.arange(n), n_pts)
    t = (np.arange(len(rep)) - np.repeat(np.cumsum(n_pts) - n_pts, n_pts)) / n_pts[rep]
    nxt = np.minimum(rep + 1, n - 1)
    xs = px[rep] + t * (px[nxt] - px[rep])
    ys = py[rep] + t * (py[nxt] - py[rep])
    edge = edge_of[rep]
    length = total[edge]
    dist = along[rep] + t * (along[nxt] - along[rep])
    frac = np.divide(dist, length, out=np.zeros(len(rep)), where=length > 0)
    del rep, t, nxt, dist

    x0, y0 = float(xs.min()), float(ys.min())
    col = np.floor((xs - x0) / cell_m).astype(np.int64)
    row = np.floor((ys - y0) / cell_m).astype(np.int64)
    del xs, ys
    # Keep the first point of each edge in each cell: time only grows along an edge.
    key = (edge * (int(row.max()) + 1) + row) * (int(col.max()) + 1) + col
    run_start = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    _, first_seen = np.unique(key[run_start], return_index=True)  # the smallest fraction
    keep_pt = np.sort(run_start[first_seen])
    return RoadCells(
        edge=edge[keep_pt],
        frac=frac[keep_pt],
        col=col[keep_pt],
        row=row[keep_pt],
        x0=x0,
        y0=y0,
        cell_m=cell_m,
    )


def project(lon: FloatArray, lat: FloatArray, crs: CRS) -> tuple[FloatArray, FloatArray]:
    """Project lon/lat points to ``crs``, fast for millions of points.

    PROJ needs about 2 µs a point for an ellipsoidal azimuthal projection (30 s for the
    vertices of a million edges). For many points, the projection is computed exactly
    on a lattice over their extent and interpolated bilinearly; the interpolation is
    checked against PROJ at the lattice's cell centres (where its error is largest) and
    PROJ is used for every point if it is off by more than :data:`_LATTICE_TOL_M`.
    """
    fwd = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    if len(lon) < _LATTICE_MIN_POINTS:
        x, y = fwd.transform(lon, lat)
        return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    lon0, lon1, lat0, lat1 = lon.min(), lon.max(), lat.min(), lat.max()
    k = _LATTICE_SIZE
    glon, glat = np.linspace(lon0, lon1, k), np.linspace(lat0, lat1, k)
    gx, gy = (np.asarray(a) for a in fwd.transform(*np.meshgrid(glon, glat)))
    if np.isfinite(gx).all() and np.isfinite(gy).all():
        mlon, mlat = np.meshgrid((glon[:-1] + glon[1:]) / 2, (glat[:-1] + glat[1:]) / 2)
        ex, ey = fwd.transform(mlon.ravel(), mlat.ravel())
        ix, iy = _bilinear(gx, gy, mlon.ravel(), mlat.ravel(), glon, glat)
        if max(np.abs(ix - ex).max(), np.abs(iy - ey).max()) <= _LATTICE_TOL_M:
            return _bilinear(gx, gy, lon, lat, glon, glat)
    x, y = fwd.transform(lon, lat)
    return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)


def _bilinear(
    gx: FloatArray,
    gy: FloatArray,
    lon: FloatArray,
    lat: FloatArray,
    glon: FloatArray,
    glat: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """Bilinear interpolation of the lattice values ``gx``, ``gy`` (rows: lat) at points."""
    fx = (lon - glon[0]) / (glon[1] - glon[0]) if glon[-1] > glon[0] else np.zeros_like(lon)
    fy = (lat - glat[0]) / (glat[1] - glat[0]) if glat[-1] > glat[0] else np.zeros_like(lat)
    i = np.clip(np.floor(fx).astype(np.int64), 0, len(glon) - 2)
    j = np.clip(np.floor(fy).astype(np.int64), 0, len(glat) - 2)
    fx -= i
    fy -= j
    flat = j * len(glon) + i
    up = len(glon)
    w00, w01, w10, w11 = (1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy

    def interp(g: FloatArray) -> FloatArray:
        g = g.ravel()
        return np.asarray(
            w00 * g[flat] + w01 * g[flat + 1] + w10 * g[flat + up] + w11 * g[flat + up + 1],
            dtype=np.float64,
        )

    return interp(gx), interp(gy)


# ---------------------------------------------------------------------- time raster
def time_field(
    network: RoadNetwork,
    node_time: FloatArray,
    cells: RoadCells,
    buffer_m: float,
    limit_s: float,
) -> tuple[FloatArray | None, FloatArray, FloatArray]:
    """Earliest time a road within ``buffer_m`` of each cell is reached (cropped raster).

    Returns the raster (rows × columns, ``inf`` where nothing is reached) and the x and
    y of its cell centres; ``None`` if no road is reached within ``limit_s``.
    """
    t_u = node_time[network.u]
    t = t_u[cells.edge] + cells.frac * network.travel_time_s[cells.edge]
    reached = t <= limit_s  # False for inf and NaN
    if not reached.any():
        return None, np.empty(0), np.empty(0)
    t, col, row = t[reached], cells.col[reached], cells.row[reached]
    # The polygons' edges run through the centres of the outermost reached cells, so a
    # cell counts if its centre is within buffer_m of a cell a road enters.
    radius = buffer_m / cells.cell_m
    pad = int(np.ceil(radius)) + 2
    c0, r0 = int(col.min()) - pad, int(row.min()) - pad
    n_col, n_row = int(col.max()) - c0 + pad + 1, int(row.max()) - r0 + pad + 1
    field = np.full(n_row * n_col, np.inf)
    np.minimum.at(field, (row - r0) * n_col + (col - c0), t)
    field = disk_minimum(field.reshape(n_row, n_col), radius)
    x = cells.x0 + (np.arange(n_col, dtype=np.float64) + c0 + 0.5) * cells.cell_m
    y = cells.y0 + (np.arange(n_row, dtype=np.float64) + r0 + 0.5) * cells.cell_m
    return field, x, y


def disk_minimum(field: FloatArray, radius: float) -> FloatArray:
    """Minimum over a disk of ``radius`` cells around each cell.

    The disk is the union of the rectangles ``|dx| ≤ w(h), |dy| ≤ h``; the minimum over
    a rectangle is separable (two 1-D running minima), so this costs a few passes over
    the raster whatever the radius.
    """
    if radius < 1:
        return field
    h = np.arange(int(np.floor(radius)) + 1)
    w = np.floor(np.sqrt(radius**2 - h**2) + 1e-9).astype(int)
    # For each width keep the tallest rectangle; the shorter ones lie inside it.
    tallest = {int(wi): int(hi) for hi, wi in zip(h, w, strict=True)}
    out = np.full_like(field, np.inf)
    for wi, hi in tallest.items():  # a handful of rectangles, not a loop over data
        rect = minimum_filter1d(field, 2 * hi + 1, axis=0, mode="constant", cval=np.inf)
        rect = minimum_filter1d(rect, 2 * wi + 1, axis=1, mode="constant", cval=np.inf)
        np.minimum(out, rect, out=out)
    return out
