"""The result files' formats: CSVs with a provenance header, rounded, in a stable order.

:mod:`geo.results` writes and reads a whole results folder with these.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

_COORD_COLS = {"lon", "lat"}


def _round(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].round(6 if col in _COORD_COLS else 3)
    return out


def _header_text(value: Any) -> str:
    """A header value on one line, read back exactly by :func:`read_header`.

    Plain text stays as it is; text that is not plain (a line break, other control
    characters, edge spaces, or text that reads as JSON such as ``"123"``) and structured
    values are written as JSON.
    """
    if isinstance(value, str) and value == value.strip() and value.isprintable():
        try:
            json.loads(value)
        except ValueError:
            return value
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=json_default)


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
    called "NA" stays "NA").
    """
    path = Path(path)
    return pd.read_csv(
        path, skiprows=len(_header_lines(path)), keep_default_na=False, na_values=[""]
    )


def write_csv(df: pd.DataFrame, path: Path, provenance: dict[str, Any]) -> None:
    """Write a table with its provenance header, rounded, with ``\\n`` line ends."""
    body = _round(df).to_csv(index=False, lineterminator="\n")
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
