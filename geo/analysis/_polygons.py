"""Polygons from a time raster, shared by the isochrones and the drive-time surface.

A raster of times is cut into classes and contoured (:func:`contour_rings`), the rings
simplified together (:func:`coverage_simplify`), reprojected to lon/lat and rounded
(:func:`to_lonlat`); :func:`areas_m2` measures them. See :mod:`geo.analysis.isochrones`
for the method and why it is a raster.
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np
import shapely
from pyproj import CRS, Transformer

from ..base.arrays import FloatArray, IntArray, ObjectArray
from ..errors import ParameterError

#: Output coordinates are rounded to this grid (degrees; 1e-5° is about 1 m).
COORD_PRECISION = 1e-5

EMPTY = shapely.from_wkt("MULTIPOLYGON EMPTY")


def positive(name: str, value: Any) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"{name} must be a positive number, got {value!r}") from exc
    if not (np.isfinite(out) and out > 0):
        raise ParameterError(f"{name} must be a positive number, got {value!r}")
    return out


def metric_crs(crs: CRS | str) -> CRS:
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
def contour_rings(
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
    out = np.array([EMPTY] * len(limits_s), dtype=object)
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


def coverage_simplify(rings: ObjectArray, tol: float) -> ObjectArray:
    """Simplify the rings as one coverage: shared edges stay shared."""
    out = rings.copy()
    nonempty = ~shapely.is_empty(rings)
    if nonempty.any():
        out[nonempty] = shapely.coverage_simplify(rings[nonempty], tol)
    return out


def to_lonlat(rings: ObjectArray, crs: CRS) -> ObjectArray:
    """Reproject to lon/lat and round every coordinate to :data:`COORD_PRECISION`.

    Rounding is done vertex by vertex, so a vertex shared by two rings stays shared.
    """
    inv = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)

    def to_lonlat(xy: FloatArray) -> FloatArray:
        lon, lat = inv.transform(xy[:, 0], xy[:, 1])
        return np.round(np.column_stack([lon, lat]) / COORD_PRECISION) * COORD_PRECISION

    return make_valid(shapely.transform(rings, to_lonlat))


def areas_m2(geoms: ObjectArray) -> FloatArray:
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


def make_valid(geoms: ObjectArray) -> ObjectArray:
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
    out = group_polygons(parts, index, len(geoms))
    still = ~shapely.is_valid(out)  # e.g. two parts overlapping after rounding
    if still.any():
        out[still] = as_multipolygons(shapely.make_valid(out[still]))
    return out


def as_multipolygons(geoms: ObjectArray) -> ObjectArray:
    """Every geometry as a MultiPolygon (empty ones too), dropping any stray lines."""
    parts, index = shapely.get_parts(geoms, return_index=True)
    return group_polygons(parts, index, len(geoms))


def group_polygons(parts: ObjectArray, index: IntArray, n: int) -> ObjectArray:
    """MultiPolygons of the polygons among ``parts``, grouped by ``index`` (length n)."""
    # Parts may themselves be collections (from make_valid): flatten one more level.
    sub, where = shapely.get_parts(parts, return_index=True)
    index = index[where]
    is_polygon = shapely.get_type_id(sub) == shapely.GeometryType.POLYGON
    sub, index = sub[is_polygon], index[is_polygon]
    out = np.array([EMPTY] * n, dtype=object)
    if len(sub):
        groups, position = np.unique(index, return_inverse=True)
        out[groups] = shapely.multipolygons(sub, indices=position)
    return out
