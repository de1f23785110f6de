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


def provenance_header(provenance: dict[str, Any]) -> str:
    """``# key: value`` lines (values as JSON when structured)."""
    lines = []
    for key in sorted(provenance):
        value = provenance[key]
        text = (
            value
            if isinstance(value, str)
            else json.dumps(value, sort_keys=True, ensure_ascii=False)
        )
        lines.append(f"# {key}: {text}")
    return "\n".join(lines) + "\n"


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
