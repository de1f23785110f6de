"""The drive-time surface as ESRI ASCII grids (``.asc`` with a ``.prj``) for QGIS.

An ASCII grid is plain text that GDAL, and so QGIS, opens by drag and drop: a six-line
header (size, lower-left corner, cell size, the value of empty cells), then one line of
values per row, the northern row first. The ``.prj`` beside it holds the grid's CRS
(the study's metric CRS, as ESRI WKT). No raster library is needed to write it.
Values are whole minutes; empty cells (outside the study area, beyond the access
limit, unreached) are :data:`NODATA`. Same surface, same bytes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
from pyproj import CRS

from ..analysis.surface import SurfaceRaster

#: The value of cells without a time.
NODATA = -1


def surface_file_name(key: str) -> str:
    """``surface-<origin key>.asc``: the grid of one origin (or of the nearer city)."""
    return f"surface-{key}.asc"


def grid_text(minutes: npt.NDArray[np.floating], raster: SurfaceRaster) -> str:
    """The ``.asc`` text of one origin's minutes on ``raster``'s grid."""
    rows, cols = minutes.shape
    values = np.where(np.isfinite(minutes), np.rint(minutes), NODATA).astype(np.int64)
    header = (
        f"ncols {cols}\nnrows {rows}\nxllcorner {raster.x0:.3f}\nyllcorner {raster.y0:.3f}\n"
        f"cellsize {raster.cell_m:.3f}\nNODATA_value {NODATA}\n"
    )
    # north first; one join over all values is fast where savetxt formats cell by cell
    text = values[::-1].astype(str)
    body = "\n".join(" ".join(row) for row in text.tolist())
    return header + body + "\n"


def write_surface_grids(raster: SurfaceRaster, folder: Path) -> list[Path]:
    """Write ``surface-<key>.asc`` and its ``.prj`` for every origin of ``raster``."""
    prj = CRS.from_wkt(raster.crs_wkt).to_wkt("WKT1_ESRI")
    written = []
    for key, minutes in raster.minutes.items():
        path = folder / surface_file_name(key)
        path.write_text(grid_text(minutes, raster), encoding="ascii")
        path.with_suffix(".prj").write_text(prj + "\n", encoding="ascii")
        written.append(path)
    return written
