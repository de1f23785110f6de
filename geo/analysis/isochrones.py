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

Steps 1 and 2 (the raster) are in :mod:`geo.analysis._time_raster`; this module checks the
inputs and makes the polygons (steps 3 and 4) with :mod:`geo.analysis._polygons`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import CRS

from ..base.arrays import ObjectArray
from ..errors import ParameterError, UralAccessWarning
from ..network.road_network import RoadNetwork
from ..study.options import check_increasing
from ._polygons import COORD_PRECISION as COORD_PRECISION
from ._polygons import (
    EMPTY,
    areas_m2,
    as_multipolygons,
    contour_rings,
    coverage_simplify,
    metric_crs,
    positive,
    to_lonlat,
)
from ._time_raster import MAX_CELLS as MAX_CELLS
from ._time_raster import road_cells, time_field

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["COORD_PRECISION", "MAX_CELLS", "band_rings", "isochrones"]


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
    >>> iso = isochrones(network, tree.time_s, study.routing.bands_min, study.local_crs(),
    ...                  study.routing.isochrone_buffer_m)  # doctest: +SKIP
    """
    import geopandas

    bands = np.asarray(check_increasing("bands_min", bands_min))
    buffer_m = positive("buffer_m", buffer_m)
    cell = buffer_m / 4.0 if cell_m is None else positive("cell_m", cell_m)
    if cell > buffer_m / 2.0:
        raise ParameterError(
            f"cell_m must be at most buffer_m / 2 = {buffer_m / 2:g}, got {cell_m!r}"
        )
    if simplify_m is None:
        tol = buffer_m / 2.0
    else:
        tol = positive("simplify_m", simplify_m) if simplify_m != 0 else 0.0
    times = np.asarray(node_time_s, dtype=np.float64)
    if times.ndim != 1 or len(times) < network.n_nodes:
        raise ParameterError(
            f"node_time_s must give a time for each of the network's {network.n_nodes:,} "
            f"nodes, got shape {times.shape}"
        )
    metric = metric_crs(crs)
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
        geoms = np.array([EMPTY] * len(bands), dtype=object)
        areas = np.zeros(len(bands))
    else:
        rings = contour_rings(field, x, y, limits_s)
        if tol > 0:
            rings = coverage_simplify(rings, tol)
        rings = to_lonlat(rings, metric)
        areas = np.cumsum(areas_m2(rings))
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
    rings = as_multipolygons(rings)
    out = gdf.copy()
    out["area_km2"] = np.round(areas_m2(rings) / 1e6, 3)
    return out.set_geometry(rings, crs=gdf.crs)


# ---------------------------------------------------------------------- polygons
def _cumulative_union(rings: ObjectArray) -> ObjectArray:
    """Band k = rings 0…k, dissolved along their shared edges."""
    out = np.empty_like(rings)
    acc = EMPTY
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
    return as_multipolygons(out)
