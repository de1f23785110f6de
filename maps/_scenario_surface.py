"""The change in drive time as a surface: the nearer city's surface after minus before.

Drawn when both results carry the drive-time surface
(:attr:`geo.results.access_results.AccessResults.surface_raster`) on the same grid, and
contoured into the classes of :data:`maps._scenario_layers.CHANGE_BREAKS` with
:func:`geo.analysis.surface_classes.surface_polygons` (the class limits shifted by
:data:`OFFSET` minutes, since that function's limits are positive minutes).
"""

from __future__ import annotations

from dataclasses import replace

import folium
import numpy as np

from ..geo.analysis.surface import NEARER, SurfaceRaster
from ..geo.analysis.surface_classes import surface_polygons
from ._geojson import compact, feature_collection
from ._scenario_layers import CHANGE_BREAKS, CHANGE_COLOURS, change_class
from .text import Lang

__all__ = ["OFFSET", "change_raster", "surface_layer"]

#: Minutes added to the change so that every class limit is a positive number of minutes.
OFFSET = 1000.0

#: The class drawn transparent: "about the same" (within a minute), most of the area.
SAME_CLASS = change_class(0.0)


def _same_grid(a: SurfaceRaster, b: SurfaceRaster) -> bool:
    return (
        a.shape == b.shape
        and (a.x0, a.y0, a.cell_m, a.crs_wkt) == (b.x0, b.y0, b.cell_m, b.crs_wkt)
        and NEARER in a.minutes
        and NEARER in b.minutes
    )


def change_raster(
    before: SurfaceRaster | None, after: SurfaceRaster | None
) -> SurfaceRaster | None:
    """The nearer city's minutes after minus before, shifted by :data:`OFFSET`, as a
    surface (``None`` unless both surfaces exist on one grid). Cells without a time
    before or after have none (a place cut off shows on its circle)."""
    if before is None or after is None or not _same_grid(before, after):
        return None
    change = np.asarray(after.minutes[NEARER], np.float64) - before.minutes[NEARER]
    return replace(
        after,
        minutes={NEARER: (change + OFFSET).astype(np.float32)},
        names={NEARER: "change"},
        beyond=np.zeros_like(after.beyond),
    )


def surface_layer(
    before: SurfaceRaster | None, after: SurfaceRaster | None, lang: Lang
) -> folium.GeoJson | None:
    """The change surface as filled polygons in the change classes' colours (the class
    "about the same" left clear), or ``None`` without both surfaces."""
    raster = change_raster(before, after)
    if raster is None:
        return None
    polygons = surface_polygons(raster, [OFFSET + b for b in CHANGE_BREAKS])
    polygons = polygons[(polygons["kind"] == "time") & (polygons["band"] != SAME_CLASS)]
    if polygons.empty:
        return None
    props = [{"colour": CHANGE_COLOURS[int(b)]} for b in polygons["band"]]
    return folium.GeoJson(
        feature_collection(compact(polygons.geometry.to_numpy()), props),
        name=lang("sc_layer_surface"),
        style_function=lambda f: {
            "stroke": False,
            "fillColor": f["properties"]["colour"],
            "fillOpacity": 0.55,
        },
    )
