"""Drive-time isochrones: nested polygons of what is reachable within each time band.

:func:`isochrones` turns one origin's drive times (a :class:`geo.routing.ShortestPathTree`'s
``time_s``) into one polygon per band (everything reachable within 30 min, within 60 min,
…), cumulative and nested; :func:`band_rings` cuts them into non-overlapping rings for
display.

What "reachable within T" means
-------------------------------
A point of a road edge ``u → v`` at the fraction ``f`` of its length is reached at
``time_s[u] + f · travel_time_s[e]``: the car enters the edge at ``u`` and drives along it
(a two-way road is two edges, so its points are also timed from ``v``, and the earlier
time counts). An edge whose ``u`` is unreachable adds nothing; an edge reached only
part-way by ``T`` counts up to the point reached at ``T``. A band's polygon is the land
within ``buffer_m`` of a road point reached by ``T``. Land farther than ``buffer_m`` from
any such road (a gulf, a desert between roads) is left out, as holes where roads
surround it.

Method: a time raster, contoured
--------------------------------
1. Once per network, CRS and cell size (cached): the edge geometries are projected to the
   metric CRS (through a checked interpolation lattice when there are many vertices) and
   densified to points at most half a cell apart, each with its edge and its fraction
   along the edge. Per (edge, grid cell) only the first point is kept (where the edge
   enters the cell): time only grows along an edge.
2. Per origin: each kept point's arrival time; the minimum per cell
   (``np.minimum.at``); then the minimum over a disk of radius ``buffer_m``, computed as
   a few rectangles of separable running minima (``scipy.ndimage.minimum_filter1d``).
   A cell's value is the earliest time a road within ``buffer_m`` is reached; cells with
   no reached road are masked.
3. The cells' band numbers (0 for the first band, …) are contoured between half-integer
   levels with ``contourpy``: filled contours between neighbouring levels share their
   boundary lines exactly, so the rings (band k minus band k-1) form a polygon coverage
   (holes included) straight away, with no overlay operation. Polygon edges next to the
   masked, unreached cells run through the centres of the last reached cells, the same
   line for every band, so no sliver ring hugs the outer edge of the reached area.
4. The rings are simplified together with ``shapely.coverage_simplify`` (shared edges
   stay shared, no gaps or overlaps appear), reprojected to lon/lat, rounded to 5
   decimals (about 1 m), and summed up with ``shapely.coverage_union``: band k is the
   union of rings 0…k, so every band contains the previous one exactly.

Why a raster, not a union of buffered edges: both were measured (bands every 30 min to
6 h, 1 km buffer). On Djibouti (830 edges) both take well under a second. On a synthetic
network of a million edges over about 750 × 670 km (the Andorra extract tiled 24 × 24),
buffering the reached edges and merging them band by band with ``shapely.union_all``
took 54 s for an origin reaching 4 % of the network and 132 s for one reaching 13 %; the
raster took 0.2 s and 0.6 s for the same origins, and about 6 s when all 140,000 km² are
reached (after a one-off 4–5 s per network to project and densify 17.6 million vertices).
The raster's cost grows with the area reached, not with the number of edges; its price
is a precision of about one cell (``cell_m``, by default ``buffer_m / 4``) on the
polygons' edges, below the default simplification tolerance: the polygons' area is within
a few per cent of the exact union of buffers.

Limits: an origin inserted mid-edge (``Router.place_nodes``) is timed from its edge's end
nodes only (its own edge may show up to one edge's travel time late); ``area_km2`` is
measured in a Lambert azimuthal equal-area projection centred on the polygons.

Steps 1 and 2 (the raster) are in :mod:`geo._time_raster`; this module checks the
inputs and makes the polygons (steps 3 and 4).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import CRS, Transformer

from ..base.arrays import FloatArray, IntArray, ObjectArray
from ..errors import ParameterError, UralAccessWarning
from ..network.road_network import RoadNetwork
from ..study.options import check_increasing
from ._time_raster import MAX_CELLS as MAX_CELLS
from ._time_raster import road_cells, time_field

if TYPE_CHECKING:
    import geopandas as gpd

#: Output coordinates are rounded to this grid (degrees; 1e-5° is about 1 m).
COORD_PRECISION = 1e-5


_EMPTY = shapely.from_wkt("MULTIPOLYGON EMPTY")


def isochrones(
    network: RoadNetwork,
    node_time_s: npt.ArrayLike,
    bands_min: Sequence[float],
    crs: CRS | str,
    buffer_m: float = 1000.0,
    simplify_m: float | None = None,
    *,
    cell_m: float | None = None,
) -> gpd.GeoDataFrame:
    """Polygons of everything reachable from one origin within each drive-time band.

    Parameters
    ----------
    network
        The road network the times were computed on: its edges' geometry and travel
        times place the reached points.
    node_time_s
        Drive time (s) from the origin to each node, ``inf`` (or NaN) where unreachable:
        a :class:`~geo.routing.ShortestPathTree`'s ``time_s``. Its first
        ``network.n_nodes`` values are used; place nodes after them are ignored.
    bands_min
        Upper limits of the bands in minutes, positive and strictly increasing,
        e.g. ``range(30, 361, 30)`` or the study's ``bands_min``.
    crs
        A projected CRS in metres to build and simplify the polygons in, e.g. the
        study's :meth:`~geo.study.Study.local_crs`.
    buffer_m
        Width of land on each side of a reached road that counts as reached (the
        study's ``isochrone_buffer_m``).
    simplify_m
        Tolerance of the simplification in metres; ``None`` for half of ``buffer_m``,
        ``0`` for none.
    cell_m
        Size of the time raster's cells, at most ``buffer_m / 2``; ``None`` for
        ``buffer_m / 4``. A network spanning more than :data:`MAX_CELLS` cells gets
        coarser cells.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per band, in EPSG:4326: ``band_min`` (upper limit), ``lower_min``
        (previous band's limit, 0 for the first), ``area_km2`` and the cumulative
        MultiPolygon (with holes where roads surround unreached land) of everything
        reachable within ``band_min``. Each band contains the previous one. The
        parameters used are in ``gdf.attrs``.

    Raises
    ------
    ParameterError
        The bands are empty, not positive or not increasing; ``node_time_s`` is shorter
        than the network's nodes; ``buffer_m``, ``cell_m`` or ``simplify_m`` is out of
        range; or ``crs`` is not a projected CRS in metres.

    Warns
    -----
    UralAccessWarning
        The origin reaches no road within the last band: every geometry is empty.

    Examples
    --------
    >>> tree = router.tree(int(router.place_nodes(["Djibouti"])[0]))  # doctest: +SKIP
    >>> iso = isochrones(network, tree.time_s, study.bands_min, study.local_crs(),
    ...                  study.isochrone_buffer_m)  # doctest: +SKIP
    """
    import geopandas

    bands = np.asarray(check_increasing("bands_min", bands_min))
    buffer_m = _positive("buffer_m", buffer_m)
    cell = buffer_m / 4.0 if cell_m is None else _positive("cell_m", cell_m)
    if cell > buffer_m / 2.0:
        raise ParameterError(
            f"cell_m must be at most buffer_m / 2 = {buffer_m / 2:g}, got {cell_m!r}"
        )
    if simplify_m is None:
        tol = buffer_m / 2.0
    else:
        tol = _positive("simplify_m", simplify_m) if simplify_m != 0 else 0.0
    times = np.asarray(node_time_s, dtype=np.float64)
    if times.ndim != 1 or len(times) < network.n_nodes:
        raise ParameterError(
            f"node_time_s must give a time for each of the network's {network.n_nodes:,} "
            f"nodes, got shape {times.shape}"
        )
    metric = _metric_crs(crs)
    cells = road_cells(network, metric, cell)
    if cells.cell_m > buffer_m / 2.0:
        raise ParameterError(
            f"the network spans too many {cell:g} m cells (more than {MAX_CELLS:,}); "
            f"use a buffer_m of at least {2 * cells.cell_m:.0f} m"
        )

    limits_s = bands * 60.0
    field, x, y = time_field(network, times[: network.n_nodes], cells, buffer_m, limits_s[-1])
    if field is None:
        warnings.warn(
            f"the origin reaches no road within {bands[-1]:g} min: the isochrones are empty",
            UralAccessWarning,
            stacklevel=2,
        )
        geoms = np.array([_EMPTY] * len(bands), dtype=object)
        areas = np.zeros(len(bands))
    else:
        rings = _contour_rings(field, x, y, limits_s)
        if tol > 0:
            rings = _coverage_simplify(rings, tol)
        rings = _to_lonlat(rings, metric)
        areas = np.cumsum(_areas_m2(rings))
        geoms = _cumulative_union(rings)
    gdf = geopandas.GeoDataFrame(
        {
            "band_min": bands,
            "lower_min": np.r_[0.0, bands[:-1]],
            "area_km2": np.round(areas / 1e6, 3),
        },
        geometry=geoms,
        crs="EPSG:4326",
    )
    gdf.attrs.update(
        {
            "buffer_m": buffer_m,
            "cell_m": cells.cell_m,
            "simplify_m": tol,
            "metric_crs": metric.to_string(),
        }
    )
    return gdf


def band_rings(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The non-overlapping rings of :func:`isochrones`' bands, for display.

    Ring ``k`` is band ``k`` minus band ``k - 1`` (the first ring is the first band): the
    land first reached between ``lower_min`` and ``band_min``. ``area_km2`` becomes the
    ring's own area.
    """
    geoms = np.asarray(gdf.geometry.to_numpy(), dtype=object)
    rings = geoms.copy()
    if len(geoms) > 1:
        rings[1:] = shapely.difference(geoms[1:], geoms[:-1], grid_size=COORD_PRECISION)
    rings = _as_multipolygons(rings)
    out = gdf.copy()
    out["area_km2"] = np.round(_areas_m2(rings) / 1e6, 3)
    return out.set_geometry(rings, crs=gdf.crs)


# ---------------------------------------------------------------------- checks
def _positive(name: str, value: Any) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"{name} must be a positive number, got {value!r}") from exc
    if not (np.isfinite(out) and out > 0):
        raise ParameterError(f"{name} must be a positive number, got {value!r}")
    return out


def _metric_crs(crs: CRS | str) -> CRS:
    try:
        out = CRS.from_user_input(crs)
    except Exception as exc:  # pyproj raises CRSError, a plain Exception subclass
        raise ParameterError(f"crs {crs!r} is not a valid CRS: {exc}") from exc
    units = {a.unit_name for a in out.axis_info}
    if not out.is_projected or units - {"metre"}:
        raise ParameterError(
            f"crs must be a projected CRS in metres (e.g. the study's local_crs()), got {out.name!r}"
        )
    return out


# ---------------------------------------------------------------------- polygons
def _contour_rings(
    field: FloatArray,
    x: FloatArray,
    y: FloatArray,
    limits_s: FloatArray,
) -> ObjectArray:
    """The rings as metric (multi)polygons: the cells' band numbers, contoured."""
    import contourpy

    reached = np.isfinite(field)
    band = np.ma.masked_array(
        np.searchsorted(limits_s, field, side="left").astype(np.float64), mask=~reached
    )
    gen = contourpy.contour_generator(
        x, y, band, corner_mask=True, fill_type="ChunkCombinedOffsetOffset", chunk_size=0
    )
    out = np.array([_EMPTY] * len(limits_s), dtype=object)
    for k in range(len(limits_s)):  # one contour call per band
        filled = cast(tuple[list[Any], list[Any], list[Any]], gen.filled(k - 0.5, k + 0.5))
        points, offsets, outer = filled  # one chunk: [array] or [None] each
        if points[0] is None:
            continue
        polygons = shapely.from_ragged_array(
            shapely.GeometryType.POLYGON,
            np.asarray(points[0]),
            (np.asarray(offsets[0], dtype=np.int64), np.asarray(outer[0], dtype=np.int64)),
        )
        out[k] = shapely.multipolygons(polygons)
    return out


def _coverage_simplify(rings: ObjectArray, tol: float) -> ObjectArray:
    """Simplify the rings as one coverage: shared edges stay shared."""
    out = rings.copy()
    nonempty = ~shapely.is_empty(rings)
    if nonempty.any():
        out[nonempty] = shapely.coverage_simplify(rings[nonempty], tol)
    return out


def _to_lonlat(rings: ObjectArray, crs: CRS) -> ObjectArray:
    """Reproject to lon/lat and round every coordinate to :data:`COORD_PRECISION`.

    Rounding is done vertex by vertex, so a vertex shared by two rings stays shared.
    """
    inv = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)

    def to_lonlat(xy: FloatArray) -> FloatArray:
        lon, lat = inv.transform(xy[:, 0], xy[:, 1])
        return np.round(np.column_stack([lon, lat]) / COORD_PRECISION) * COORD_PRECISION

    return _make_valid(shapely.transform(rings, to_lonlat))


def _cumulative_union(rings: ObjectArray) -> ObjectArray:
    """Band k = rings 0…k, dissolved along their shared edges."""
    out = np.empty_like(rings)
    acc = _EMPTY
    for k, ring in enumerate(rings):  # a running sum over the bands
        if not shapely.is_empty(ring):
            try:
                merged = shapely.coverage_union(acc, ring)
            except shapely.errors.GEOSException:
                # Rounding left edges that no longer match exactly (GEOS >= 3.14 checks).
                merged = None
            if merged is None or not shapely.is_valid(merged):
                merged = shapely.union(acc, ring, grid_size=COORD_PRECISION)
            acc = merged
        out[k] = acc
    return _as_multipolygons(out)


def _areas_m2(geoms: ObjectArray) -> FloatArray:
    """Areas of lon/lat geometries, in a Lambert azimuthal equal-area projection."""
    if shapely.is_empty(geoms).all():
        return np.zeros(len(geoms))
    xmin, ymin, xmax, ymax = shapely.total_bounds(geoms)
    laea = CRS.from_proj4(
        f"+proj=laea +lat_0={(ymin + ymax) / 2:.6f} +lon_0={(xmin + xmax) / 2:.6f} "
        "+datum=WGS84 +units=m"
    )
    fwd = Transformer.from_crs("EPSG:4326", laea, always_xy=True)
    projected = shapely.transform(geoms, lambda c: np.column_stack(fwd.transform(c[:, 0], c[:, 1])))
    return np.asarray(shapely.area(projected), dtype=np.float64)


def _make_valid(geoms: ObjectArray) -> ObjectArray:
    """Repair invalid polygons, part by part (cheap when few parts are invalid).

    Contours of a raster can pinch: a ring touching itself where reached land meets
    only at a cell's corner, which OGC rules call invalid. Cutting such a ring at the
    pinch adds no vertex, so shared edges between rings stay shared.
    """
    parts, index = shapely.get_parts(geoms, return_index=True)
    bad = ~shapely.is_valid(parts)
    if bad.any():
        parts = parts.copy()
        parts[bad] = shapely.make_valid(parts[bad], method="structure", keep_collapsed=False)
    out = _group_polygons(parts, index, len(geoms))
    still = ~shapely.is_valid(out)  # e.g. two parts overlapping after rounding
    if still.any():
        out[still] = _as_multipolygons(shapely.make_valid(out[still]))
    return out


def _as_multipolygons(geoms: ObjectArray) -> ObjectArray:
    """Every geometry as a MultiPolygon (empty ones too), dropping any stray lines."""
    parts, index = shapely.get_parts(geoms, return_index=True)
    return _group_polygons(parts, index, len(geoms))


def _group_polygons(parts: ObjectArray, index: IntArray, n: int) -> ObjectArray:
    """MultiPolygons of the polygons among ``parts``, grouped by ``index`` (length n)."""
    # Parts may themselves be collections (from make_valid): flatten one more level.
    sub, where = shapely.get_parts(parts, return_index=True)
    index = index[where]
    is_polygon = shapely.get_type_id(sub) == shapely.GeometryType.POLYGON
    sub, index = sub[is_polygon], index[is_polygon]
    out = np.array([_EMPTY] * n, dtype=object)
    if len(sub):
        groups, position = np.unique(index, return_inverse=True)
        out[groups] = shapely.multipolygons(sub, indices=position)
    return out
