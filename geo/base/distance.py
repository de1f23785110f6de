"""Distances on the Earth, vectorised over numpy arrays."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from pyproj import Geod

from .arrays import FloatArray

__all__ = ["EARTH_RADIUS_M", "geodesic_circle", "geodesic_m", "great_circle_m"]

#: Mean Earth radius in metres (IUGG), as osmnx uses for great-circle lengths.
EARTH_RADIUS_M = 6_371_008.8

_WGS84 = Geod(ellps="WGS84")


def great_circle_m(
    lon1: npt.ArrayLike, lat1: npt.ArrayLike, lon2: npt.ArrayLike, lat2: npt.ArrayLike
) -> FloatArray:
    """Haversine distance in metres on a sphere of radius :data:`EARTH_RADIUS_M`.

    Used for road segment lengths (a few metres to a few km), where the sphere's error
    (< 0.5 %) is far below the uncertainty of the road geometry itself.
    """
    lon1r, lat1r, lon2r, lat2r = (
        np.radians(np.asarray(a, dtype=float)) for a in (lon1, lat1, lon2, lat2)
    )
    h = (
        np.sin((lat2r - lat1r) / 2) ** 2
        + np.cos(lat1r) * np.cos(lat2r) * np.sin((lon2r - lon1r) / 2) ** 2
    )
    metres: FloatArray = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    return metres


def geodesic_m(
    lon1: npt.ArrayLike, lat1: npt.ArrayLike, lon2: npt.ArrayLike, lat2: npt.ArrayLike
) -> FloatArray:
    """Geodesic distance in metres on the WGS84 ellipsoid (Karney's algorithm, pyproj).

    Used for the agglomeration radius, which the study defines geodesically.
    """
    a = np.broadcast_arrays(*(np.asarray(x, dtype=float) for x in (lon1, lat1, lon2, lat2)))
    _, _, dist = _WGS84.inv(a[0].ravel(), a[1].ravel(), a[2].ravel(), a[3].ravel())
    return np.asarray(dist, dtype=float).reshape(a[0].shape)


def geodesic_circle(lon: float, lat: float, radius_m: float, n: int = 128) -> FloatArray:
    """Vertices (lon, lat) of a geodesic circle, closed, shape ``(n + 1, 2)``."""
    az = np.linspace(0.0, 360.0, n, endpoint=False)
    lons, lats, _ = _WGS84.fwd(np.full(n, lon), np.full(n, lat), az, np.full(n, radius_m))
    ring = np.column_stack([lons, lats])
    return np.vstack([ring, ring[:1]])
