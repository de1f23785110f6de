"""GeoJSON for the maps: compact coordinates and feature collections."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import shapely

#: Decimals kept in map coordinates (5 ≈ 1 m): small files, no visible loss.
COORD_DECIMALS = 5

#: The coarsest simplification the vertex budget may reach (about 1 km).
MAX_TOLERANCE_DEG = 0.01


def compact(
    geoms: Any,
    tolerance_deg: float = 0.0,
    max_vertices: int | None = None,
    keep_topology: bool = True,
) -> Any:
    """Simplify (optionally) and round coordinates so the HTML stays small.

    With ``max_vertices``, the tolerance is doubled until the geometries hold at most that
    many vertices (or the tolerance reaches :data:`MAX_TOLERANCE_DEG`), so that a region
    with a fine-meshed road network still gives a map a browser opens quickly. Without
    ``keep_topology`` the simplification is plain Douglas-Peucker: enough for lines drawn
    as a backdrop, and keeping topology on a state's merged streets takes minutes.
    """
    src = np.asarray(geoms, dtype=object)

    def simplified(tol: float) -> Any:
        return shapely.simplify(src, tol, preserve_topology=keep_topology)

    arr = simplified(tolerance_deg) if tolerance_deg > 0 else src
    if max_vertices is not None and tolerance_deg > 0:
        tol = tolerance_deg
        while shapely.get_num_coordinates(arr).sum() > max_vertices and tol < MAX_TOLERANCE_DEG:
            tol *= 2.0
            arr = simplified(tol)
    return shapely.transform(arr, lambda c: np.round(c, COORD_DECIMALS))


def feature_collection(geoms: Any, props: list[dict[str, Any]]) -> dict[str, Any]:
    """A GeoJSON FeatureCollection from geometries and property dicts."""
    features = [
        {"type": "Feature", "geometry": json.loads(shapely.to_geojson(g)), "properties": p}
        for g, p in zip(geoms, props, strict=True)
        if g is not None and not g.is_empty
    ]
    return {"type": "FeatureCollection", "features": features}
