"""The result tables as an Excel workbook (``results.xlsx``) that opens right anywhere.

A CSV opened in a Russian-locale Excel is one column of garbled text (its list separator
is ``;`` and it reads files without a BOM as Windows-1251); the CSVs stay as they are,
for programs, and this workbook sits beside them for people:

- one sheet per table (agglomerations, places, zone towns, OD matrix) with headers in
  the run's language (``en`` or ``ru``, :mod:`geo.results._labels`), numbers as numbers
  (empty cells where there is none), yes/no as booleans, shares as percentages, the
  reason for a missing time in words (:func:`geo.analysis.estimates.no_time_text`);
- the provenance on its own sheet;
- text from the study or OSM that starts with ``=``, ``+``, ``-``, ``@`` (or a tab or
  carriage return) is stored as text and marked as such (``quotePrefix``): no
  spreadsheet runs it as a formula, and it reads back as written;
- the same results give the same bytes: the document's dates are the OSM data date,
  every zip entry has the same fixed time.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..analysis.estimates import no_time_text
from ._labels import PROVENANCE_HEADERS, header, is_share, role_label, sheet_name
from .files import json_default, neutral_cell

__all__ = ["WORKBOOK_FILE", "write_workbook"]

#: File name of the workbook in a results folder.
WORKBOOK_FILE = "results.xlsx"

#: Zip entry time of every part (the earliest a zip can record).
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_DEFAULT_DATE = datetime(1980, 1, 1)
_DATES = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")

_FORMATS = {"percent": "0.0%", "coord": "0.000000", "decimal": "0.0##", "integer": "0"}
#: The CSVs' rounding (geo.results.files): coordinates to 6 decimals, the rest to 3.
_COORDS = {"lon", "lat"}


def write_workbook(
    tables: dict[str, pd.DataFrame],
    provenance: dict[str, Any],
    path: str | Path,
    *,
    cities: dict[str, str],
    lang: str = "en",
    limit_km: float = float("nan"),
) -> Path:
    """Write ``tables`` (by table name: ``agglomerations``, ``places``, ``zone_towns``,
    ``od_matrix``) and the provenance to an ``.xlsx`` file.

    Parameters
    ----------
    tables
        The wide tables as the CSVs hold them.
    provenance
        The results' provenance (one row per key on its own sheet).
    path
        The file to write.
    cities
        Column key → the first-tier city's name in ``lang``, for the per-city headers.
    lang
        ``en`` or ``ru``.
    limit_km
        The access limit, for the reason of a missing time.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for table, frame in tables.items():
        sheet = book.create_sheet(sheet_name(table, lang))
        _fill(sheet, table, _readable(frame, lang, limit_km), cities, lang)
    _provenance_sheet(book.create_sheet(sheet_name("provenance", lang)), provenance, lang)
    date = _data_date(provenance)
    book.properties.created = book.properties.modified = date
    book.properties.creator = "ural-access"
    buffer = io.BytesIO()
    book.save(buffer)
    path = Path(path)
    path.write_bytes(_fixed_zip(buffer.getvalue(), date))
    return path


def _readable(frame: pd.DataFrame, lang: str, limit_km: float) -> pd.DataFrame:
    """Codes in words: the role, and the reason for a missing time."""
    out = frame.copy()
    if "role" in out:
        out["role"] = out["role"].map(lambda r: role_label(str(r), lang) if pd.notna(r) else r)
    if "no_time_reason" in out:
        nearest = out.get("nearest_road_km", pd.Series(np.nan, index=out.index))
        codes = out["no_time_reason"].fillna("").astype(str).tolist()
        kms = [float(km) for km in nearest]
        out["no_time_reason"] = [
            no_time_text(code, lang, limit_km=limit_km, nearest_km=km)
            for code, km in zip(codes, kms, strict=True)
        ]
    return out


def _fill(sheet: Any, table: str, frame: pd.DataFrame, cities: dict[str, str], lang: str) -> None:
    """Headers in ``lang``, then one row per table row, each cell typed and formatted."""
    from openpyxl.styles import Font

    columns = list(frame.columns)
    for j, col in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=j)
        _set_text(cell, header(str(col), cities, lang, table))
        cell.font = Font(bold=True)
    for j, col in enumerate(columns, start=1):
        kind = _kind(frame[col], str(col), cities)
        for i, value in enumerate(frame[col].tolist(), start=2):
            cell = sheet.cell(row=i, column=j)
            if isinstance(value, str):
                _set_text(cell, value)
                continue
            cell.value = _number(value, 6 if col in _COORDS else 3)
            if kind and cell.value is not None and not isinstance(cell.value, bool):
                cell.number_format = _FORMATS[kind]
    sheet.freeze_panes = "B2"


def _kind(series: pd.Series, column: str, cities: dict[str, str]) -> str:
    """The number format of a column (empty: none set)."""
    if pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series):
        return ""
    if is_share(column, cities):
        return "percent"
    if column in _COORDS:
        return "coord"
    return "decimal" if pd.api.types.is_float_dtype(series) else "integer"


def _number(value: Any, digits: int) -> Any:
    """A cell's value: Python numbers (rounded as in the CSVs) and booleans, ``None`` for
    missing ones."""
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, np.integer | int):
        return int(value)
    if isinstance(value, np.floating | float):
        return round(float(value), digits)
    return None if pd.isna(value) else str(value)


def _set_text(cell: Any, text: str) -> None:
    """Store ``text`` as text; text a spreadsheet would take for a formula is marked."""
    cell.value = text
    cell.data_type = "s"  # openpyxl would write "=…" as a formula
    if neutral_cell(text) != text:
        cell.quotePrefix = True


def _provenance_sheet(sheet: Any, provenance: dict[str, Any], lang: str) -> None:
    from openpyxl.styles import Font

    for j, text in enumerate(PROVENANCE_HEADERS.get(lang, PROVENANCE_HEADERS["en"]), start=1):
        _set_text(sheet.cell(row=1, column=j), text)
        sheet.cell(row=1, column=j).font = Font(bold=True)
    for i, key in enumerate(sorted(provenance), start=2):
        value = provenance[key]
        text = value if isinstance(value, str) else json.dumps(
            value, sort_keys=True, ensure_ascii=False, default=json_default
        )  # fmt: skip
        _set_text(sheet.cell(row=i, column=1), str(key))
        _set_text(sheet.cell(row=i, column=2), text)
    sheet.column_dimensions["A"].width = 32
    sheet.column_dimensions["B"].width = 120


def _data_date(provenance: dict[str, Any]) -> datetime:
    """The OSM data date (naive UTC), else 1980-01-01: the document's dates."""
    text = str(provenance.get("osm_timestamp") or "")
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).replace(tzinfo=None)
    except ValueError:
        return _DEFAULT_DATE


def _fixed_zip(data: bytes, date: datetime) -> bytes:
    """The workbook's zip again, every entry at one fixed time, the dates fixed."""
    stamp = date.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = _DATES.sub(lambda m: m.group(1) + stamp + m.group(2), body)
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, body)
    return out.getvalue()
