"""Speeds and travel times of road edges, from OSM ``maxspeed`` and the highway class.

Every edge gets a free-flow car speed in km/h:

1. its OSM ``maxspeed`` tag, parsed by :func:`parse_maxspeed` (numbers, units, several
   values, country implicit values such as ``RU:urban``), when that gives a usable number;
2. otherwise the default speed of its highway class from a fixed, sourced table
   (``data/speed_model_<model>.toml``; :func:`default_speed_kph`) -- never an average of
   other edges, so an edge's speed does not depend on which other edges were downloaded;

then multiplied by one global ``factor`` (real-world driving as a share of the limit).
:func:`travel_times_s` turns lengths and speeds into seconds. The model, its sources and
its limits are documented in ``docs/speed_model.md``.

Bad OSM tags never raise: an unusable ``maxspeed`` is NaN ("use the class default") and an
unknown highway class gets the model's documented fallback speed. Bad *settings* (an unknown
model, a factor out of range) raise :class:`~geo.errors.ParameterError`. Tag values are
OSM text; the Python lists of osmnx's merged edges are turned into it by the osmnx
adapter (:mod:`geo._osmnx`), not here.

The ``maxspeed`` parsing is in :mod:`geo._maxspeed` and the reading of the model tables in
:mod:`geo._speed_model`; their public names are importable from here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..base.arrays import FloatArray
from ..errors import ParameterError, UralAccessError
from ..study.options import SPEED_MODELS as SPEED_MODELS
from ..study.options import check_speed_factor
from ._maxspeed import (
    GENERIC_IMPLICIT_KPH,
    IMPLICIT_MAXSPEEDS_KPH,
    KNOT_KPH,
    LIST_SPLIT_RE,
    MAX_VALID_KPH,
    MIN_VALID_KPH,
    MPH_KPH,
    WALK_KPH,
    is_implausible,
    parse_maxspeed,
)
from ._speed_model import MODELS_DIR as MODELS_DIR
from ._speed_model import load_model

#: Per-edge tag values: an array or any sequence of OSM text (strings, None/NaN).
TagValues: TypeAlias = npt.ArrayLike | Sequence[object]


# --------------------------------------------------------------------------------------
# Default speeds by highway class
# --------------------------------------------------------------------------------------


def _highway_class(value: object, rank: dict[str, int]) -> str | None:
    """The one highway class an edge stands for, lower case; None when there is none.

    Several values (``"secondary;primary"``) give the most important class known to the
    model, else the first value.
    """
    if not isinstance(value, str):
        return None  # None, NaN, a number: no class
    items = [part.strip() for part in LIST_SPLIT_RE.split(value.strip().lower())]
    items = [item for item in items if item]
    if not items:
        return None
    known = [item for item in items if item in rank]
    return min(known, key=rank.__getitem__) if known else items[0]


def default_speed_kph(highway: object, model: str = "ru") -> float:
    """Default free-flow speed (km/h) of a highway class, for edges without a usable maxspeed.

    Parameters
    ----------
    highway
        OSM ``highway`` value (``"primary"``, ``"trunk_link"``, ...). Several values
        (``"primary;secondary"``) stand for the most important class. Unknown or missing values
        (``None``, NaN, anything that is not text) get the model's fallback speed.
    model
        Name of the speed model, one of :data:`SPEED_MODELS`.

    Returns
    -------
    float
        Speed in km/h from ``data/speed_model_<model>.toml``; always positive and finite.

    Raises
    ------
    ParameterError
        If ``model`` is not a known speed model.
    """
    table = load_model(model)
    key = _highway_class(highway, table.rank)
    if key is None:
        return table.fallback_kph
    return table.speeds_kph.get(key, table.fallback_kph)


# --------------------------------------------------------------------------------------
# Vectorised edge speeds and travel times
# --------------------------------------------------------------------------------------


def _as_1d(values: object, name: str) -> npt.NDArray[Any]:
    """A 1-D array of the values (object dtype unless already an array)."""
    if isinstance(values, np.ndarray):
        if values.ndim == 0:
            values = values.reshape(1)
        if values.ndim != 1:
            raise ParameterError(f"{name} must be one-dimensional, not of shape {values.shape}")
        return values
    if isinstance(values, pd.Series | pd.Index):
        objects: npt.NDArray[Any] = values.to_numpy(dtype=object)
        return objects
    if values is None or isinstance(values, str | float | int):
        out = np.empty(1, dtype=object)
        out[0] = values
        return out
    try:
        items = list(values)  # type: ignore[call-overload]  # any iterable; else a TypeError
    except TypeError as exc:
        raise ParameterError(f"{name} must be an array of values, not {values!r}") from exc
    listed: npt.NDArray[Any] = pd.Series(items, dtype=object).to_numpy()
    return listed


def _factorize(values: npt.NDArray[Any], name: str) -> tuple[npt.NDArray[np.intp], list[object]]:
    """Integer codes (-1 for missing) and the unique values they point to."""
    try:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
    except TypeError as exc:  # unhashable items: lists, as osmnx merges edges' tags
        raise ParameterError(
            f"{name} holds lists (osmnx's merged edges?); tag values must be OSM text: "
            "read osmnx graphs with RoadNetwork.from_networkx, which flattens them"
        ) from exc
    return np.asarray(codes, dtype=np.intp), list(uniques)


def edge_speeds_kph(
    highway: TagValues,
    maxspeed: TagValues | None,
    factor: float = 1.0,
    model: str = "ru",
) -> FloatArray:
    """Free-flow speed (km/h) of every edge: parsed ``maxspeed``, else the class default.

    Each distinct ``maxspeed`` and ``highway`` value is parsed once (``pandas.factorize``)
    and mapped back, so millions of edges cost about as much as their few hundred distinct
    tag values.

    Parameters
    ----------
    highway
        OSM ``highway`` value of each edge (OSM text, ``"a;b"`` for several values;
        None/NaN for none, which gets the fallback speed).
    maxspeed
        OSM ``maxspeed`` value of each edge, same length as ``highway``; None, ``""`` or
        NaN for untagged edges. ``None`` instead of an array: no edge is tagged.
    factor
        Multiplies every speed, ``0 < factor <= 1.5``: the share of the limit (or of the
        typical speed) that real driving reaches. 1.0 keeps the model's speeds.
    model
        Name of the speed model, one of :data:`SPEED_MODELS`.

    Returns
    -------
    numpy.ndarray
        float64 speeds in km/h, one per edge, all positive and finite.

    Raises
    ------
    ParameterError
        If ``model`` is unknown, ``factor`` is out of range, the arrays differ in length,
        or they hold lists (osmnx graphs: read them with ``RoadNetwork.from_networkx``).
    """
    value = check_speed_factor(factor, "speed factor")
    table = load_model(model)
    highways = _as_1d(highway, "highway")
    n = len(highways)

    hw_codes, hw_uniques = _factorize(highways, "highway")
    class_speeds = np.array(
        [default_speed_kph(h, model) for h in hw_uniques] + [table.fallback_kph],
        dtype=np.float64,
    )
    speeds = class_speeds[hw_codes]  # code -1 picks the appended fallback

    if maxspeed is not None:
        maxspeeds = _as_1d(maxspeed, "maxspeed")
        if len(maxspeeds) != n:
            raise ParameterError(
                f"highway and maxspeed differ in length ({n} and {len(maxspeeds)})"
            )
        ms_codes, ms_uniques = _factorize(maxspeeds, "maxspeed")
        parsed = np.array(
            [parse_maxspeed(m) for m in ms_uniques] + [math.nan],
            dtype=np.float64,
        )
        # A limit is a ceiling, not the speed driven: take the model's share of it, so
        # tagged and untagged roads of a class are on the same footing.
        tagged = parsed[ms_codes] * table.tagged_share
        speeds = np.where(np.isnan(tagged), speeds, tagged)

    speeds = speeds * value
    if not np.all(np.isfinite(speeds) & (speeds > 0)):  # pragma: no cover - guarded above
        raise UralAccessError("a speed came out non-positive or non-finite (a bug)")
    return speeds


def implausible_maxspeeds(maxspeed: TagValues | None) -> dict[str, object]:
    """Edges whose ``maxspeed`` is a number outside the plausible range (they get the
    class default instead): ``{"edges": count, "values": up to 20 distinct values}``."""
    if maxspeed is None:
        return {"edges": 0, "values": []}
    codes, uniques = _factorize(_as_1d(maxspeed, "maxspeed"), "maxspeed")
    bad = np.array([is_implausible(u) for u in uniques] + [False], dtype=bool)
    hits = bad[codes]
    values = sorted({str(u) for u, b in zip(uniques, bad[:-1], strict=True) if b})
    return {"edges": int(hits.sum()), "values": values[:20]}


def travel_times_s(length_m: npt.ArrayLike, speed_kph: npt.ArrayLike) -> FloatArray:
    """Travel time in seconds of edges: ``length_m / (speed_kph / 3.6)``.

    Parameters
    ----------
    length_m
        Edge lengths in metres (finite, >= 0).
    speed_kph
        Edge speeds in km/h (finite, > 0), e.g. from :func:`edge_speeds_kph`; a scalar
        applies to every edge.

    Returns
    -------
    numpy.ndarray
        float64 seconds, broadcast shape of the two inputs.

    Raises
    ------
    ParameterError
        If a speed is not positive and finite, a length is negative or not finite, or the
        shapes do not broadcast.
    """
    length = np.asarray(length_m, dtype=np.float64)
    speed = np.asarray(speed_kph, dtype=np.float64)
    if not np.all(np.isfinite(speed) & (speed > 0)):
        raise ParameterError("every speed must be positive and finite (km/h)")
    if not np.all(np.isfinite(length) & (length >= 0)):
        raise ParameterError("every length must be finite and >= 0 (metres)")
    try:
        return np.asarray(length / (speed / 3.6), dtype=np.float64)
    except ValueError as exc:
        raise ParameterError(
            f"lengths {length.shape} and speeds {speed.shape} do not match"
        ) from exc


def speed_model_info(model: str = "ru", factor: float = 1.0) -> dict[str, object]:
    """Provenance of a speed model, to record with every result (JSON-serialisable).

    Parameters
    ----------
    model
        Name of the speed model, one of :data:`SPEED_MODELS`.
    factor
        The global speed factor the results used.

    Returns
    -------
    dict
        ``name``, ``title``, ``version``, ``factor``, ``table`` (file name) and
        ``table_sha256``, ``sources``, ``defaults_kph`` / ``legal_limits_kph`` /
        ``default_sources`` by highway class, ``fallback_kph``, and ``maxspeed_rules``.

    Raises
    ------
    ParameterError
        If ``model`` is unknown or ``factor`` is out of range.
    """
    value = check_speed_factor(factor, "speed factor")
    table = load_model(model)
    return {
        "name": table.name,
        "title": table.title,
        "version": table.version,
        "factor": value,
        "table": f"data/{table.path.name}",
        "table_sha256": table.sha256,
        "sources": dict(table.sources),
        "defaults_kph": dict(table.speeds_kph),
        "legal_limits_kph": dict(table.legal_kph),
        "default_sources": dict(table.default_sources),
        "fallback_kph": table.fallback_kph,
        "fallback_source": table.fallback_source,
        "tagged_share": table.tagged_share,
        "tagged_share_source": table.tagged_share_source,
        "maxspeed_rules": {
            "lists": "minimum of the values that parse (';' several values, '|' per lane)",
            "none_signals_variable": "class default",
            "walk_kph": WALK_KPH,
            "valid_range_kph": [MIN_VALID_KPH, MAX_VALID_KPH],
            "mph_kph": MPH_KPH,
            "knot_kph": KNOT_KPH,
            "implicit_kph": dict(IMPLICIT_MAXSPEEDS_KPH),
            "generic_implicit_kph": dict(GENERIC_IMPLICIT_KPH),
        },
        "limits": "free flow: no traffic, no turn costs, no junction delays",
    }
