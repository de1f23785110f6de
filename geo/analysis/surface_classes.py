"""The drive-time surface in classes: polygons of ``≤ 30``, ``30–60``, …, ``> last`` minutes.

:func:`surface_polygons` cuts the grids of :func:`geo.analysis.surface.surface_raster`
into the study's ``bands_min`` classes plus one above the last, and contours them as the
isochrones are contoured (:mod:`geo.analysis._polygons`): per origin the classes are
non-overlapping polygons whose shared edges stay shared.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import shapely
from pyproj import CRS

from ..base.arrays import FloatArray, ObjectArray
from ..study.options import check_increasing
from ._polygons import areas_m2, contour_rings, coverage_simplify, to_lonlat
from .surface import SurfaceRaster

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["class_labels", "class_limits", "surface_polygons"]


def class_limits(bands_min: Sequence[float]) -> FloatArray:
    """Upper limits of the surface's classes in minutes: the bands, then ``inf``."""
    limits: FloatArray = np.r_[
        np.asarray(check_increasing("bands_min", bands_min), dtype=np.float64), np.inf
    ]
    return limits


def class_labels(bands_min: Sequence[float]) -> list[str]:
    """``≤30``, ``30–60``, …, ``>240``: the classes' limits in minutes, no words."""
    b = [f"{x:g}" for x in check_increasing("bands_min", bands_min)]
    return [f"≤{b[0]}", *(f"{lo}–{hi}" for lo, hi in itertools.pairwise(b)), f">{b[-1]}"]


def surface_polygons(
    raster: SurfaceRaster,
    bands_min: Sequence[float],
    simplify_m: float | None = None,
) -> gpd.GeoDataFrame:
    """The surface as polygons: per origin, one (multi)polygon per time class.

    Parameters
    ----------
    raster
        :func:`surface_raster`'s grids.
    bands_min
        Upper limits of the classes in minutes (the study's ``bands_min``); the last
        class is everything above the last limit.
    simplify_m
        Tolerance of the simplification, ``None`` for half a cell, ``0`` for none.

    Returns
    -------
    geopandas.GeoDataFrame
        In EPSG:4326, rows ordered by origin (cities, then :data:`NEARER`) and class:
        ``origin`` (name), ``origin_key``, ``kind`` (``time``; and one row of kind
        ``beyond_limit``, ``origin_key`` ``""``, for the study area farther than the
        access limit from every road), ``band`` (class number from 0; -1 for that row),
        ``lower_min``, ``upper_min`` (NaN above the last band), ``label`` and
        ``area_km2``. Classes an origin does not reach are left out.
    """
    import geopandas

    limits = class_limits(bands_min)
    labels = class_labels(bands_min)
    tol = raster.cell_m / 2.0 if simplify_m is None else float(simplify_m)
    metric = CRS.from_wkt(raster.crs_wkt)
    x, y = raster.centres()
    rows: list[tuple[str, str, str, int, float, float, str]] = []
    geoms: list[ObjectArray] = []
    for key, grid in raster.minutes.items():
        rings = _polygons(np.asarray(grid, dtype=np.float64), x, y, limits, tol, metric)
        geoms.append(rings)
        for k in range(len(limits)):
            lower = 0.0 if k == 0 else float(limits[k - 1])
            rows.append((raster.names[key], key, "time", k, lower, float(limits[k]), labels[k]))
    beyond = np.where(raster.beyond, 0.0, np.nan)
    geoms.append(_polygons(beyond, x, y, np.array([1.0]), tol, metric))
    rows.append(("", "", "beyond_limit", -1, np.nan, np.nan, f">{raster.limit_km:g} km"))
    geometry = np.concatenate(geoms)
    frame = geopandas.GeoDataFrame(
        {
            "origin": [r[0] for r in rows],
            "origin_key": [r[1] for r in rows],
            "kind": [r[2] for r in rows],
            "band": np.array([r[3] for r in rows], dtype=np.int64),
            "lower_min": [r[4] for r in rows],
            "upper_min": [r[5] if np.isfinite(r[5]) else np.nan for r in rows],
            "label": [r[6] for r in rows],
            "area_km2": np.round(areas_m2(geometry) / 1e6, 3),
        },
        geometry=geometry,
        crs="EPSG:4326",
    )
    frame = frame[~shapely.is_empty(geometry)].reset_index(drop=True)
    frame.attrs.update({"cell_m": raster.cell_m, "simplify_m": tol, "limit_km": raster.limit_km})
    return frame


def _polygons(
    field: FloatArray,
    x: FloatArray,
    y: FloatArray,
    limits: FloatArray,
    tol: float,
    metric: CRS,
) -> ObjectArray:
    """One lon/lat MultiPolygon per class of ``field`` (NaN cells in none)."""
    if not np.isfinite(field).any():
        return np.array([shapely.MultiPolygon()] * len(limits), dtype=object)
    rings = contour_rings(field, x, y, limits)
    if tol > 0:
        rings = coverage_simplify(rings, tol)
    return to_lonlat(rings, metric)
