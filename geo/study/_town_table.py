"""Reading a user's town table (CSV or GeoPackage) cell by cell, for
:func:`geo.study.places.read_town_table`: every cell as text, then names, numbers and
yes/no flags checked, each refusal naming the file, row and column."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..errors import TownTableError

#: Columns of a user's town table (``region`` optional).
TOWN_TABLE_COLUMNS = ("name", "lat", "lon", "population")

#: Spaces that separate thousands in whole numbers ("12 345", as Russian exports write
#: them): space, no-break space, thin space, narrow no-break space.
_GROUP_SPACES = re.compile("(?<=[0-9])[ \u00a0\u2009\u202f](?=[0-9]{3}(?![0-9]))")
#: A comma or point before exactly three digits in a whole number ("2,000", "2.000"):
#: a thousands separator or a decimal mark, one cannot tell.
_GROUP_MARK = re.compile(r"^[+-]?[0-9]{1,3}([.,][0-9]{3})+$")


#: Spellings of yes and no in a town table's flag column (an empty cell: not given).
_FLAG_VALUES = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}


def town_flags(raw: pd.DataFrame, names: pd.Series, col: str, name: str) -> pd.Series:
    """A yes/no column (true/false, yes/no, 1/0; empty: not given) as pandas booleans."""
    text = raw[col].str.strip().str.lower()
    bad = ~(text.isin(list(_FLAG_VALUES)) | text.eq(""))
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise TownTableError(
            f"town table {name}, row {i + 2} ({names.iloc[i]!r}): {col} must be true or "
            f"false (or empty), got {raw[col].iloc[i]!r}"
        )
    return text.map(_FLAG_VALUES).astype("boolean").reset_index(drop=True)


def town_table_text(path: Path) -> pd.DataFrame:
    """Every cell of a town table as text, columns in lower case."""
    if not path.is_file():
        raise TownTableError(f"town table {str(path)!r} does not exist")
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".gpkg"):
        raise TownTableError(
            f"town table {path.name}: use a .csv or .gpkg file, not {suffix or 'no suffix'!r}"
        )
    try:
        if suffix == ".csv":
            raw = pd.read_csv(
                path, sep=_csv_separator(path), dtype=str, keep_default_na=False, encoding="utf-8"
            )
        else:
            raw = _gpkg_town_text(path)
    except TownTableError:
        raise
    except (OSError, ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise TownTableError(f"town table {str(path)!r} is unreadable: {exc}") from exc
    raw.columns = [str(c).strip().lower() for c in raw.columns]
    return raw


def _csv_separator(path: Path) -> str:
    """``;`` for a CSV whose header has semicolons and no comma (spreadsheets in locales
    whose decimal mark is the comma, Russian among them, write such files), else ``,``."""
    with open(path, encoding="utf-8", errors="replace") as handle:
        header = handle.readline()
    return ";" if ";" in header and "," not in header else ","


def _gpkg_town_text(path: Path) -> pd.DataFrame:
    """A GeoPackage's attributes as text; ``lat``/``lon`` from its points if not columns."""
    import geopandas as gpd

    gdf = gpd.read_file(path)
    if not {"lat", "lon"} <= set(gdf.columns) and len(gdf) and gdf.geometry is not None:
        pts = gdf.geometry.to_crs(4326) if gdf.crs else gdf.geometry
        if not (pts.geom_type == "Point").all():
            raise TownTableError(
                f"town table {path.name}: give lat and lon columns or point geometries"
            )
        gdf = gdf.assign(lon=pts.x, lat=pts.y)
    return pd.DataFrame(gdf.drop(columns="geometry", errors="ignore")).astype(str)


def town_names(raw: pd.DataFrame, name: str) -> pd.Series:
    """The ``name`` column, once every needed column is there and no name is empty."""
    missing = [c for c in TOWN_TABLE_COLUMNS if c not in raw.columns]
    if missing:
        raise TownTableError(
            f"town table {name} lacks the column(s) {', '.join(missing)}; it has "
            f"{', '.join(raw.columns) or 'none'} (needed: name, lat, lon, population, optional region)"
        )
    if raw.empty:
        raise TownTableError(f"town table {name} has no rows")
    names = raw["name"].str.strip()
    empty = np.flatnonzero(names.eq("").to_numpy())
    if len(empty):
        raise TownTableError(f"town table {name}, row {int(empty[0]) + 2}: the name is empty")
    return names


def whole_number_text(text: pd.Series, names: pd.Series, name: str) -> pd.Series:
    """A whole-number column's text with thousands spaces taken out ("12 345" → "12345").

    Raises
    ------
    TownTableError
        A value has a comma or point before exactly three digits ("2,000", "2.000"):
        it could be two thousand or two, so the row is refused rather than guessed.
    """
    stripped = text.str.strip()
    marked = stripped.str.match(_GROUP_MARK).to_numpy()
    if marked.any():
        i = int(np.flatnonzero(marked)[0])
        raise TownTableError(
            f"town table {name}, row {i + 2} ({names.iloc[i]!r}): population "
            f"{text.iloc[i]!r} has a thousands separator or a decimal mark, one cannot "
            "tell which; write the whole number without it (2000) or with spaces (2 000)"
        )
    return stripped.str.replace(_GROUP_SPACES, "", regex=True)


def town_numbers(
    raw: pd.DataFrame, names: pd.Series, col: str, low: float, high: float, name: str
) -> npt.NDArray[np.float64]:
    """A numeric column (``,`` or ``.`` as decimal mark), each value within ``[low, high]``."""
    values = pd.to_numeric(raw[col].str.strip().str.replace(",", ".", regex=False), errors="coerce")
    bad = ~values.between(low, high)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise TownTableError(
            f"town table {name}, row {i + 2} ({names.iloc[i]!r}): {col} must be a "
            f"number from {low:g} to {high:g}, got {raw[col].iloc[i]!r}"
        )
    numbers: npt.NDArray[np.float64] = values.to_numpy(dtype=float)
    return numbers
