"""The result files' formats: CSVs with a provenance header, rounded, in a stable order.

:mod:`geo.results` writes and reads a whole results folder with these.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "FORMULA_START",
    "json_default",
    "neutral_cell",
    "neutral_frame",
    "provenance_header",
    "read_header",
    "read_table",
    "restored_cell",
    "restored_frame",
    "role_order",
    "write_csv",
]

_COORD_COLS = {"lon", "lat"}

#: The first characters that make a spreadsheet read a cell as a formula (OWASP's list:
#: ``=``, ``+``, ``-``, ``@``, tab and carriage return).
FORMULA_START = "=+-@\t\r"
_GUARDED = re.compile(f"^'*[{re.escape(FORMULA_START)}]")
_NEUTRALISED = re.compile(f"^'+[{re.escape(FORMULA_START)}]")
#: A cell break (comma or semicolon, the list separators of spreadsheets) followed by a
#: formula start, perhaps after spaces or a quote: how a header line could open a cell.
_CELL_BREAK = re.compile(f"[,;]\\s*[\"']*[{re.escape(FORMULA_START)}]")
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def neutral_cell(value: object) -> object:
    """A text cell that no spreadsheet runs as a formula; other values unchanged.

    Text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (after any
    number of apostrophes) gets one apostrophe in front, the mark spreadsheets show as
    "text"; :func:`restored_cell` takes exactly that apostrophe off again, so every text
    round-trips (a name that really starts with ``'=`` is written ``''=``).

    Parameters
    ----------
    value
        A cell of a table about to be written (CSV or spreadsheet).

    Returns
    -------
    object
        ``value``, with the apostrophe in front when it is text that needs it.
    """
    if isinstance(value, str) and _GUARDED.match(value):
        return "'" + value
    return value


def restored_cell(value: object) -> object:
    """The text :func:`neutral_cell` was given: its added apostrophe taken off.

    Parameters
    ----------
    value
        A cell as read back from a table this project wrote.

    Returns
    -------
    object
        ``value`` without the one apostrophe :func:`neutral_cell` put in front.
    """
    if isinstance(value, str) and _NEUTRALISED.match(value):
        return value[1:]
    return value


def neutral_frame(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with :func:`neutral_cell` applied to every text column (a copy).

    Parameters
    ----------
    df
        A table about to be written to a CSV or spreadsheet.

    Returns
    -------
    pandas.DataFrame
        The same table whose text cells no spreadsheet runs as formulas.
    """
    out = df.copy()
    for col in out.columns:
        if not (pd.api.types.is_numeric_dtype(out[col]) or pd.api.types.is_bool_dtype(out[col])):
            out[col] = out[col].map(neutral_cell)
    return out


def restored_frame(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with :func:`restored_cell` applied to every text column (a copy).

    Parameters
    ----------
    df
        A table as read from a CSV or spreadsheet this project wrote.

    Returns
    -------
    pandas.DataFrame
        The table as it was before :func:`neutral_frame`.
    """
    out = df.copy()
    for col in out.columns:
        if not (pd.api.types.is_numeric_dtype(out[col]) or pd.api.types.is_bool_dtype(out[col])):
            out[col] = out[col].map(restored_cell)
    return out


def _escape_json_strings(text: str) -> str:
    """JSON ``text`` whose strings cannot open a spreadsheet cell that is a formula.

    Inside every string, a comma or semicolon (a cell break) before a formula character
    is written as a ``\\u`` escape, and so is a formula character that starts the
    string; :func:`json.loads` reads the same value back.
    """

    def escape(match: re.Match[str]) -> str:
        body = _CELL_BREAK.sub(
            lambda m: f"\\u{ord(m.group(0)[0]):04x}" + m.group(0)[1:], match.group(0)[1:-1]
        )
        if body[:1] and body[0] in FORMULA_START:
            body = f"\\u{ord(body[0]):04x}" + body[1:]
        return f'"{body}"'

    return _JSON_STRING.sub(escape, text)


def _round(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].round(6 if col in _COORD_COLS else 3)
    return out


def _header_text(value: Any) -> str:
    """A header value on one line, read back exactly by :func:`read_header`.

    Plain text stays as it is; text that is not plain (a line break, other control
    characters, edge spaces, text that reads as JSON such as ``"123"``, or a comma or
    semicolon before a formula character, which a spreadsheet would open as a formula
    cell) and structured values are written as JSON whose strings hold no cell break.
    """
    if (
        isinstance(value, str)
        and value == value.strip()
        and value.isprintable()
        and not _CELL_BREAK.search(value)
    ):
        try:
            json.loads(value)
        except ValueError:
            return value
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, default=json_default)
    return _escape_json_strings(text)


def provenance_header(provenance: dict[str, Any]) -> str:
    """``# key: value`` lines, one per key, each value on one line (see :func:`read_header`)."""
    lines = []
    for key in sorted(provenance):
        name = str(key).replace("\n", " ").replace("\r", " ").replace(":", "_")
        lines.append(f"# {name}: {_header_text(provenance[key])}")
    return "\n".join(lines) + "\n"


def _header_lines(path: Path) -> list[str]:
    lines = []
    with open(path, encoding="utf-8", newline="") as handle:
        for line in handle:
            if not line.startswith("#"):
                break
            lines.append(line.rstrip("\r\n"))
    return lines


def read_header(path: str | Path) -> dict[str, Any]:
    """The provenance header of a result table, as written (values round-trip)."""
    out: dict[str, Any] = {}
    for line in _header_lines(Path(path)):
        key, _, text = line[2:].partition(": ")
        try:
            out[key] = json.loads(text)
        except ValueError:
            out[key] = text
    return out


def read_table(path: str | Path) -> pd.DataFrame:
    """A result table without its header; every text cell comes back as written.

    Equivalent to ``pandas.read_csv(path, skiprows=N, keep_default_na=False,
    na_values=[""])`` with N the number of leading ``#`` lines: no ``comment="#"`` (a
    ``#`` inside a name would cut it), and only empty cells are missing values (a town
    called "NA" stays "NA"); then the apostrophe :func:`write_csv` puts before text
    starting with a formula character is taken off (:func:`restored_cell`).
    """
    path = Path(path)
    table = pd.read_csv(
        path, skiprows=len(_header_lines(path)), keep_default_na=False, na_values=[""]
    )
    return restored_frame(table)


def write_csv(df: pd.DataFrame, path: Path, provenance: dict[str, Any]) -> None:
    """Write a table with its provenance header, rounded, with ``\\n`` line ends.

    Text cells that a spreadsheet would run as a formula are neutralised
    (:func:`neutral_cell`); :func:`read_table` reads them back as they were.
    """
    body = neutral_frame(_round(df)).to_csv(index=False, lineterminator="\n")
    path.write_text(provenance_header(provenance) + body, encoding="utf-8")


def role_order(col: pd.Series) -> pd.Series:
    """Sort key of the places table: first-tier cities, centres, members, settlements."""
    if col.name == "role":
        return col.map({"first_tier": 0, "center": 1, "member": 2, "settlement": 3}).fillna(9)
    return col


def json_default(value: Any) -> Any:
    """JSON for numpy scalars (and text for anything else), for ``json.dumps(default=...)``."""
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return str(value)
