"""The drive-time surface: the time from a first-tier city to every point of the study area.

The isochrones (:mod:`geo.analysis.isochrones`) colour the land within a buffer of a reached road;
on a network of main roads that is a few per cent of the study area. The surface gives
every point a time, under the same model as the towns' access legs
(:mod:`geo.routing.last_mile`): one drives to the point of the road nearest to it and leaves the
road there, then covers the straight-line distance times the detour factor at the
off-network speed. A point farther than the access limit from every road has no time
(``NaN``): there is no road within that distance in this data.

Method (a raster, vectorised)
-----------------------------
1. A grid of ``cell_m`` cells over the study area in its metric CRS, each k × k cells of
   the isochrones' time raster (:func:`geo.analysis._time_raster.road_cells`, cached per
   network, CRS and cell size, so computed once for both): the cells a road enters are
   known with the fraction of the edge where it enters them.
2. Once for all origins: the Euclidean distance from every cell to the nearest road cell
   and which one it is (``scipy.ndimage.distance_transform_edt`` with indices).
3. Per origin: the earliest time a road reaches each road cell (``np.minimum.at`` over
   the entry points, timed as in the isochrones), then per cell the nearest road cell's
   time plus the access leg of the distance. The nearer city's surface is the minimum
   of the cities' surfaces.
4. :func:`geo.analysis.surface_classes.surface_polygons` cuts the minutes into classes (``≤ 30``, ``30–60``, …,
   ``> last``) and contours them into non-overlapping polygons, as the isochrones are
   contoured (shared edges stay shared).

Precision: distances run between cell centres, so a leg is off by up to about a cell
(500 m by default, 1 min at 40 km/h with a detour of 1.3): small beside 30-minute
classes. Like a town's, a point's leg goes to the nearest road, not to a faster one
slightly farther away.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import CRS, Transformer
from scipy.ndimage import distance_transform_edt

from ..base.arrays import BoolArray, FloatArray
from ..errors import ParameterError
from ..network.road_network import RoadNetwork
from ..routing.last_mile import AccessLeg
from ..study.definition import Study
from ._polygons import (
    metric_crs,
    positive,
)
from ._time_raster import road_cells
from .agglomeration import Trees

__all__ = [
    "DEFAULT_CELL_M",
    "MAX_SURFACE_CELLS",
    "NEARER",
    "SurfaceRaster",
    "study_surface",
    "surface_raster",
    "surface_record",
]

log = logging.getLogger(__name__)

#: Side of the surface's cells in metres (about 1 min of access leg at 40 km/h).
DEFAULT_CELL_M = 500.0

#: Origin key of the nearer city's surface (the cities' own keys are their column keys).
NEARER = "nearest"

#: Largest surface grid (cells); a coarser cell is used beyond it.
MAX_SURFACE_CELLS = 16_000_000


@dataclass(frozen=True)
class SurfaceRaster:
    """Drive time in minutes to every cell of the study area, per origin.

    Row 0 is the southern edge: cell (``row``, ``col``) has its lower-left corner at
    (``x0 + col · cell_m``, ``y0 + row · cell_m``) in the metric CRS ``crs_wkt``.
    """

    minutes: dict[str, npt.NDArray[np.float32]]
    """By origin key (each city's, then :data:`NEARER`): minutes, NaN outside the study
    area, beyond the access limit, or on roads the origin does not reach."""
    names: dict[str, str]
    """Origin key → the origin's name (the nearer city's: :data:`NEARER`)."""
    inside: BoolArray
    """Cells whose centre lies in the study area."""
    beyond: BoolArray
    """Cells of the study area farther than the access limit from every road."""
    x0: float
    y0: float
    cell_m: float
    crs_wkt: str
    limit_km: float
    """The access limit the surface was cut at."""

    @property
    def shape(self) -> tuple[int, int]:
        """(rows, columns) of the grid."""
        return (int(self.inside.shape[0]), int(self.inside.shape[1]))

    def centres(self) -> tuple[FloatArray, FloatArray]:
        """x of the columns' and y of the rows' cell centres (metres)."""
        rows, cols = self.shape
        x = self.x0 + (np.arange(cols, dtype=np.float64) + 0.5) * self.cell_m
        y = self.y0 + (np.arange(rows, dtype=np.float64) + 0.5) * self.cell_m
        return x, y

    def covered_share(self, key: str) -> float:
        """Share of the study area's cells that have a time from origin ``key``."""
        n = int(self.inside.sum())
        return float(np.isfinite(self.minutes[key]).sum() / n) if n else 0.0


def surface_raster(
    network: RoadNetwork,
    node_times: Mapping[str, tuple[str, npt.ArrayLike]],
    area: shapely.Geometry,
    crs: CRS | str,
    leg: AccessLeg,
    cell_m: float = DEFAULT_CELL_M,
    *,
    road_cell_m: float | None = None,
) -> SurfaceRaster:
    """Minutes from each origin to every cell of ``area`` (see the module notes).

    Parameters
    ----------
    network
        The road network the times were computed on.
    node_times
        Origin key → (origin name, drive time in seconds to each node, ``inf`` where
        unreachable: a :class:`~geo.routing.router.ShortestPathTree`'s ``time_s``).
    area
        The study area, a lon/lat polygon (:meth:`geo.study.definition.Study.area`).
    crs
        A projected CRS in metres (the study's :meth:`~geo.study.definition.Study.local_crs`).
    leg
        The access leg's model: limit, detour factor, speed (the study's, with its speed
        factor applied to the speed).
    cell_m
        Side of the cells in metres, rounded to a whole multiple of the road raster's
        cell; a study area of more than :data:`MAX_SURFACE_CELLS` cells gets coarser ones.
    road_cell_m
        Cell size of the road raster the times are read from
        (:func:`geo.analysis._time_raster.road_cells`, cached): the isochrones' cell
        (``isochrone_buffer_m / 4``) reuses theirs; ``None`` for ``cell_m`` itself.

    Returns
    -------
    SurfaceRaster
        With one grid per origin and, given two or more, the nearer origin's
        (:data:`NEARER`).

    Raises
    ------
    ParameterError
        ``cell_m`` is not positive, ``crs`` is not metric, ``area`` is empty, a time
        array is shorter than the network's nodes, or a key is :data:`NEARER`.
    """
    cell = positive("cell_m", cell_m)
    metric = metric_crs(crs)
    if area is None or shapely.is_empty(area):
        raise ParameterError("the study area is empty: no surface to compute")
    if NEARER in node_times:
        raise ParameterError(f"{NEARER!r} names the nearer city's surface, not an origin")
    fwd = Transformer.from_crs("EPSG:4326", metric, always_xy=True)
    region = shapely.transform(area, lambda c: np.column_stack(fwd.transform(c[:, 0], c[:, 1])))
    xmin, ymin, xmax, ymax = shapely.bounds(region)
    fine = cell if road_cell_m is None else min(cell, positive("road_cell_m", road_cell_m))
    cells = road_cells(network, metric, fine)  # cached: the isochrones' when theirs
    # A surface cell is k × k road cells (the road raster may be coarser than asked for).
    k = max(1, round(cell / cells.cell_m))
    while ((xmax - xmin) / (k * cells.cell_m) + 1) * (
        (ymax - ymin) / (k * cells.cell_m) + 1
    ) > MAX_SURFACE_CELLS:
        k += 1
    cell = k * cells.cell_m
    # The grid: the road raster's cells, cut to the area's bounds.
    c_off = int(np.floor((xmin - cells.x0) / cell))
    r_off = int(np.floor((ymin - cells.y0) / cell))
    n_col = int(np.floor((xmax - cells.x0) / cell)) - c_off + 1
    n_row = int(np.floor((ymax - cells.y0) / cell)) - r_off + 1
    x0, y0 = cells.x0 + c_off * cell, cells.y0 + r_off * cell
    xc = x0 + (np.arange(n_col) + 0.5) * cell
    yc = y0 + (np.arange(n_row) + 0.5) * cell
    shapely.prepare(region)
    inside = shapely.contains_xy(region, *np.meshgrid(xc, yc))

    col, row = cells.col // k - c_off, cells.row // k - r_off
    on_grid = (col >= 0) & (col < n_col) & (row >= 0) & (row < n_row)
    flat = (row * n_col + col)[on_grid]
    edge, frac = cells.edge[on_grid], cells.frac[on_grid]
    road = np.zeros(n_row * n_col, dtype=bool)
    road[flat] = True
    if not road.any():
        raise ParameterError("no road of the network lies in the study area")
    dist_cells, (ir, ic) = distance_transform_edt(
        ~road.reshape(n_row, n_col), return_distances=True, return_indices=True
    )
    nearest = (ir * n_col + ic).ravel()
    dist_m = dist_cells.ravel() * cell
    leg_min = leg.time_s(dist_m) / 60.0
    within = inside.ravel() & (dist_m <= leg.limit_m)

    minutes: dict[str, npt.NDArray[np.float32]] = {}
    names: dict[str, str] = {}
    for key, (name, times) in node_times.items():  # a few origins, each vectorised
        node_s = _node_times(network, times)
        entry_s = node_s[network.u[edge]] + frac * network.travel_time_s[edge]
        road_min = np.full(n_row * n_col, np.inf)
        np.minimum.at(road_min, flat, entry_s / 60.0)
        value = road_min[nearest] + leg_min
        value[~within | ~np.isfinite(value)] = np.nan
        minutes[key] = value.reshape(n_row, n_col).astype(np.float32)
        names[key] = name
    if len(minutes) >= 2:
        minutes[NEARER] = np.fmin.reduce(np.stack(list(minutes.values())), axis=0)
        names[NEARER] = NEARER
    beyond = (inside.ravel() & (dist_m > leg.limit_m)).reshape(n_row, n_col)
    return SurfaceRaster(
        minutes=minutes,
        names=names,
        inside=inside,
        beyond=beyond,
        x0=float(x0),
        y0=float(y0),
        cell_m=float(cell),
        crs_wkt=metric.to_wkt(),
        limit_km=leg.limit_m / 1000.0,
    )


def _node_times(network: RoadNetwork, times: npt.ArrayLike) -> FloatArray:
    out = np.asarray(times, dtype=np.float64)
    if out.ndim != 1 or len(out) < network.n_nodes:
        raise ParameterError(
            f"node times must give a time for each of the network's {network.n_nodes:,} "
            f"nodes, got shape {out.shape}"
        )
    out = out[: network.n_nodes]
    return np.where(np.isnan(out), np.inf, out)


def study_surface(
    study: Study, network: RoadNetwork, trees: Trees, cell_m: float | None = None
) -> SurfaceRaster | None:
    """The surface of a study from its first-tier cities' fastest-route trees.

    The access leg is the study's (``snap_limit_km``, ``access_detour_factor``,
    ``access_speed_kph`` times the speed factor, as for the towns); ``None`` when no
    first-tier city is on the network. ``cell_m`` defaults to :data:`DEFAULT_CELL_M`, or
    half the study's ``isochrone_buffer_m`` where that is finer (a city's streets: the
    Ekaterinburg study's 200 m buffer gives 100 m cells).
    """
    routing = study.routing
    if cell_m is None:
        cell_m = min(DEFAULT_CELL_M, routing.isochrone_buffer_m / 2.0)
    leg = AccessLeg(
        limit_m=routing.snap_limit_km * 1000.0,
        detour_factor=routing.access_detour_factor,
        speed_kph=routing.access_speed_kph * study.speed.factor,
    )
    times: dict[str, tuple[str, npt.ArrayLike]] = {}
    for city, key in study.city_keys():
        tree = trees.get(city.geonameid)
        if tree is not None:
            times[key] = (city.name, tree.time_s)
    if not times:
        return None
    log.info("drive-time surface from %s (%g m cells)", ", ".join(times), cell_m)
    road_cell = routing.isochrone_buffer_m / 4.0  # the isochrones' raster, cached
    return surface_raster(
        network, times, study.area(), study.local_crs(), leg, cell_m, road_cell_m=road_cell
    )


def surface_record(raster: SurfaceRaster) -> dict[str, object]:
    """What the provenance says of a surface: cell size, access limit, shares of the
    study area with a time (per origin) and with no road within the limit."""
    n = int(raster.inside.sum())
    beyond = float(raster.beyond.sum() / n) if n else 0.0
    shares = {key: round(raster.covered_share(key), 4) for key in raster.minutes}
    return {
        "cell_m": raster.cell_m,
        "access_limit_km": raster.limit_km,
        "study_area_cells": n,
        "share_with_time": shares,
        "share_beyond_access_limit": round(beyond, 4),
        "note": (
            f"{100 * max(shares.values()):.0f} % of the study area has a drive time (road "
            f"time plus an access leg); {100 * beyond:.0f} % has no road within "
            f"{raster.limit_km:g} km in this data"
        ),
    }
