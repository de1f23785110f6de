"""The bundled speed-model tables (``data/speed_model_<name>.toml``), read and checked.

:func:`load_model` reads a table once per process and checks every number and source;
:mod:`geo.speeds` and :mod:`geo.profiles` take their class defaults from it.
"""

from __future__ import annotations

import hashlib
import math
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from ..base.resources import bundled_data
from ..errors import ParameterError, UralAccessError
from ..study.options import SPEED_MODELS

#: Folder of the bundled speed-model tables.
MODELS_DIR = bundled_data()


@dataclass(frozen=True)
class SpeedModel:
    """A speed-model table as loaded from ``data/speed_model_<name>.toml``."""

    name: str
    version: str
    title: str
    path: Path
    sha256: str
    fallback_kph: float
    fallback_source: str
    tagged_share: float
    """Share of a tagged limit that free-flow driving reaches (GraphHopper: 0.9)."""
    tagged_share_source: str
    speeds_kph: dict[str, float]
    """Default speed by highway class, from the most to the least important class."""
    legal_kph: dict[str, float]
    default_sources: dict[str, str]
    sources: dict[str, str]
    rank: dict[str, int]


def check_model_name(model: str) -> None:
    if model not in SPEED_MODELS:
        known = ", ".join(repr(m) for m in SPEED_MODELS)
        raise ParameterError(f"unknown speed model {model!r}; known models: {known}")


def _positive(value: object, where: str, path: Path) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise UralAccessError(f"{path}: {where} must be a number, not {value!r}")
    number = float(value)
    if not (math.isfinite(number) and number > 0):
        raise UralAccessError(f"{path}: {where} must be positive and finite, not {value!r}")
    return number


@cache
def load_model(model: str) -> SpeedModel:
    """Read and check a bundled speed-model table (once per process)."""
    check_model_name(model)
    path = MODELS_DIR / f"speed_model_{model}.toml"
    try:
        raw_bytes = path.read_bytes()
        raw: dict[str, Any] = tomllib.loads(raw_bytes.decode("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UralAccessError(f"cannot read speed model table {path}: {exc}") from exc
    meta = raw.get("model", {})
    rows = raw.get("highway", {})
    sources = {str(k): str(v) for k, v in raw.get("sources", {}).items()}
    if not isinstance(rows, dict) or not rows:
        raise UralAccessError(f"{path}: no [highway] table")
    speeds: dict[str, float] = {}
    legal: dict[str, float] = {}
    default_sources: dict[str, str] = {}
    for highway, row in rows.items():
        if not isinstance(row, dict):
            raise UralAccessError(f"{path}: highway.{highway} must be a table")
        speeds[highway] = _positive(row.get("speed_kph"), f"highway.{highway}.speed_kph", path)
        legal[highway] = _positive(row.get("legal_kph"), f"highway.{highway}.legal_kph", path)
        source = str(row.get("source", ""))
        if source not in sources:
            raise UralAccessError(f"{path}: highway.{highway}.source {source!r} not in [sources]")
        default_sources[highway] = source
    return SpeedModel(
        name=str(meta.get("name", model)),
        version=str(meta.get("version", "")),
        title=str(meta.get("title", "")),
        path=path,
        sha256=hashlib.sha256(raw_bytes).hexdigest(),
        fallback_kph=_positive(meta.get("fallback_kph"), "model.fallback_kph", path),
        fallback_source=str(meta.get("fallback_source", "")),
        tagged_share=_positive(meta.get("tagged_share"), "model.tagged_share", path),
        tagged_share_source=str(meta.get("tagged_share_source", "")),
        speeds_kph=speeds,
        legal_kph=legal,
        default_sources=default_sources,
        sources=sources,
        rank={highway: i for i, highway in enumerate(speeds)},
    )
