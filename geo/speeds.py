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
"""

from __future__ import annotations

import hashlib
import math
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd

from ._resources import bundled_data
from .errors import ParameterError, UralAccessError
from .parameters import check_speed_factor

FloatArray = npt.NDArray[np.float64]

#: Per-edge tag values: an array or any sequence of OSM text (strings, None/NaN).
TagValues: TypeAlias = npt.ArrayLike | Sequence[object]

#: Names of the bundled speed models; model ``m`` is read from ``data/speed_model_m.toml``.
SPEED_MODELS: tuple[str, ...] = ("ru", "osrm-car")

#: Folder of the bundled speed-model tables.
MODELS_DIR = bundled_data()

#: km/h in one international mile per hour (1 mile = 1609.344 m exactly).
MPH_KPH = 1.609344

#: km/h in one knot (1 nautical mile = 1852 m exactly).
KNOT_KPH = 1.852

#: Speed for ``maxspeed=walk`` ("walking pace", no number in law): 7 km/h, the value the
#: OSRM car profile uses for ``DE:living_street``, whose legal limit is walking pace.
WALK_KPH = 7.0

#: Parsed limits above this (km/h) are taken as tagging errors ("1000", "9999") -> NaN.
#: The highest signed limit on Russian roads is 130 km/h (ПДД РФ note to п. 10.3, 2013 N 621).
MAX_VALID_KPH = 200.0

#: Limits below this (km/h) are typos or wrong units (``0.5``, ``1e-7``): they would give
#: drive times of days, so the class default applies instead (``walk`` is 7 km/h).
MIN_VALID_KPH = 5.0

#: Bundled table of the country implicit limits, with the sources of its values.
IMPLICIT_TABLE = "implicit_maxspeeds.toml"

_UNIT_KPH = {"km/h": 1.0, "mph": MPH_KPH}


def _implicit_tables() -> tuple[dict[str, float], dict[str, float]]:
    """Country implicit limits and the generic ones, in km/h, from :data:`IMPLICIT_TABLE`."""
    path = MODELS_DIR / IMPLICIT_TABLE
    try:
        raw: dict[str, dict[str, Any]] = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UralAccessError(f"cannot read implicit speed limits {path}: {exc}") from exc
    tables: dict[str, dict[str, float]] = {}
    for country, table in raw.items():
        per = _UNIT_KPH[table["unit"]]
        tables[country] = {
            context: float(value) * per
            for context, value in table.items()
            if context not in ("unit", "source")
        }
    generic = tables.pop("other")
    by_key = {
        f"{c}:{context}": kph for c, table in tables.items() for context, kph in table.items()
    }
    return by_key, generic


#: Country implicit limits (``maxspeed=<country>:<context>``), keys lower case, in km/h:
#: RU from ПДД РФ, BY and UA from the OSM wiki, GB/UK national limits in mph (OSRM); the
#: values and their sources are in ``data/implicit_maxspeeds.toml``.
#: Contexts of any *other* country (:data:`GENERIC_IMPLICIT_KPH`), as OSRM's car profile
#: falls back to them (``maxspeed_table_default``). Countries listed in
#: :data:`IMPLICIT_MAXSPEEDS_KPH` do not fall back: an unknown context there (e.g.
#: ``RU:trunk``) is NaN, not a foreign guess.
IMPLICIT_MAXSPEEDS_KPH, GENERIC_IMPLICIT_KPH = _implicit_tables()

_OWN_TABLE_COUNTRIES = frozenset(key.split(":", 1)[0] for key in IMPLICIT_MAXSPEEDS_KPH)

#: Countries whose zone values (``GB:zone20``) are in miles per hour.
_MPH_COUNTRIES = frozenset({"gb", "uk", "us"})

#: Words that mean "no usable number here": the class default applies.
#: ``none`` (no limit) is not taken at face value: free flow on a road without a limit is
#: what the class default describes, not an unbounded speed.
_CLASS_DEFAULT_WORDS = frozenset(
    {"none", "signals", "variable", "unknown", "implicit", "no", "yes", "default"}
)

_UNITS_KPH: dict[str, float] = {
    "": 1.0,
    "km/h": 1.0,
    "kmh": 1.0,
    "kph": 1.0,
    "km/ч": 1.0,
    "км/ч": 1.0,
    "mph": MPH_KPH,
    "mp/h": MPH_KPH,
    "knots": KNOT_KPH,
    "knot": KNOT_KPH,
    "kn": KNOT_KPH,
    "kt": KNOT_KPH,
}

_NUMBER_RE = re.compile(r"(\d+(?:[.,]\d+)?)\s*([^\d\s]*)")
_IMPLICIT_RE = re.compile(r"([a-z]{2})(-[a-z0-9]+)?\s*:\s*(.+)")
_ZONE_RE = re.compile(r"zone\s*:?\s*(\d+(?:\.\d+)?)")
_LIST_SPLIT_RE = re.compile(r"[;|]")


# --------------------------------------------------------------------------------------
# maxspeed parsing
# --------------------------------------------------------------------------------------


def _valid_kph(value: float) -> float:
    """``value`` if it is a plausible limit in km/h, else NaN."""
    if math.isfinite(value) and MIN_VALID_KPH <= value <= MAX_VALID_KPH:
        return value
    return math.nan


def _min_finite(values: list[float]) -> float:
    """Smallest finite value, or NaN if there is none."""
    finite = [v for v in values if not math.isnan(v)]
    return min(finite) if finite else math.nan


def _parse_single(text: str) -> float:
    """One maxspeed value (no list separators), lower case and stripped, in km/h or NaN."""
    if not text:
        return math.nan
    if text == "walk":
        return WALK_KPH
    if text in _CLASS_DEFAULT_WORDS:
        return math.nan
    number = _NUMBER_RE.fullmatch(text)
    if number is not None:
        unit = _UNITS_KPH.get(number.group(2))
        if unit is None:
            return math.nan
        return _valid_kph(float(number.group(1).replace(",", ".")) * unit)
    zone = _ZONE_RE.fullmatch(text)
    if zone is not None:  # a bare "zone30"
        return _valid_kph(float(zone.group(1)))
    implicit = _IMPLICIT_RE.fullmatch(text)
    if implicit is None:
        return math.nan
    country, subdivision, context = implicit.group(1), implicit.group(2) or "", implicit.group(3)
    zone = _ZONE_RE.fullmatch(context)
    if zone is not None:  # RU:zone20, DE:zone:30, GB:zone20 (mph)
        unit = MPH_KPH if country in _MPH_COUNTRIES else 1.0
        return _valid_kph(float(zone.group(1)) * unit)
    for key in (f"{country}{subdivision}:{context}", f"{country}:{context}"):
        if key in IMPLICIT_MAXSPEEDS_KPH:
            return IMPLICIT_MAXSPEEDS_KPH[key]
    if country in _OWN_TABLE_COUNTRIES:
        return math.nan
    return GENERIC_IMPLICIT_KPH.get(context, math.nan)


def _parse_text(text: str) -> float:
    """A maxspeed string, possibly several values (``;``, ``|``), in km/h or NaN."""
    text = text.strip().lower()
    return _min_finite([_parse_single(part.strip()) for part in _LIST_SPLIT_RE.split(text)])


def parse_maxspeed(value: str | float | None) -> float:
    """Parse an OSM ``maxspeed`` value into km/h.

    Never raises for a bad tag: anything without a usable number gives NaN, which
    :func:`edge_speeds_kph` replaces with the default of the edge's highway class.

    Parameters
    ----------
    value
        The tag value: a string as in OSM, or what OSM readers make of it (``None`` or NaN
        for an untagged way, a number). Lists (osmnx's merged edges) are not tag values:
        :func:`geo._osmnx.flat_text` turns them into ``"a;b"`` first; here they give NaN.

    Returns
    -------
    float
        The limit in km/h, or NaN. The rules (see ``docs/speed_model.md``):

        - plain numbers are km/h: ``"60"`` -> 60, ``"60.5"`` -> 60.5, ``" 60 km/h "`` -> 60;
        - units: ``"40 mph"`` -> 64.37, ``"10 knots"`` -> 18.52 (case and spaces ignored);
        - lists ``"60;90"`` (several values) and ``"60|90"`` (per lane) -> the minimum of
          the values that parse (60): a list means different limits along the way or
          across its lanes, and a free-flow time should not be optimistic;
        - country implicit values: ``RU:urban`` 60, ``RU:rural`` 90, ``RU:motorway`` 110,
          ``RU:living_street`` 20 (ПДД РФ п. 10.2-10.3), zones ``RU:zone20`` -> 20, a few
          other countries (:data:`IMPLICIT_MAXSPEEDS_KPH`) and OSRM's generic fallback for
          the rest (:data:`GENERIC_IMPLICIT_KPH`);
        - ``walk`` -> :data:`WALK_KPH`;
        - ``none``, ``signals``, ``variable`` -> NaN (the class default applies);
        - junk (``"fast"``, ``""``, ``"-1"``, ``"0"``) and implausible numbers (below
          :data:`MIN_VALID_KPH`, such as ``0.5``, or above :data:`MAX_VALID_KPH`) -> NaN;
          :func:`implausible_maxspeeds` counts the edges that had a number out of range.

    Examples
    --------
    >>> parse_maxspeed("RU:rural")
    90.0
    >>> parse_maxspeed("60;90")
    60.0
    >>> round(parse_maxspeed("40 mph"), 2)
    64.37
    """
    if value is None or isinstance(value, bool | np.bool_):
        return math.nan
    if isinstance(value, str):
        return _parse_text(value)
    if isinstance(value, int | float | np.integer | np.floating):
        return _valid_kph(float(value))
    return math.nan


# --------------------------------------------------------------------------------------
# Default speeds by highway class
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _SpeedModel:
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


def _check_model_name(model: str) -> None:
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
def _load_model(model: str) -> _SpeedModel:
    """Read and check a bundled speed-model table (once per process)."""
    _check_model_name(model)
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
    return _SpeedModel(
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


def _highway_class(value: object, rank: dict[str, int]) -> str | None:
    """The one highway class an edge stands for, lower case; None when there is none.

    Several values (``"secondary;primary"``) give the most important class known to the
    model, else the first value.
    """
    if not isinstance(value, str):
        return None  # None, NaN, a number: no class
    items = [part.strip() for part in _LIST_SPLIT_RE.split(value.strip().lower())]
    items = [item for item in items if item]
    if not items:
        return None
    known = [item for item in items if item in rank]
    return min(known, key=rank.__getitem__) if known else items[0]


def default_speed_kph(highway: str, model: str = "ru") -> float:
    """Default free-flow speed (km/h) of a highway class, for edges without a usable maxspeed.

    Parameters
    ----------
    highway
        OSM ``highway`` value (``"primary"``, ``"trunk_link"``, ...). Several values
        (``"primary;secondary"``) stand for the most important class. Unknown or missing values get
        the model's fallback speed.
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
    table = _load_model(model)
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
        return values.to_numpy(dtype=object)
    if values is None or isinstance(values, str | float | int):
        out = np.empty(1, dtype=object)
        out[0] = values
        return out
    try:
        items = list(values)  # type: ignore[call-overload]
    except TypeError as exc:
        raise ParameterError(f"{name} must be an array of values, not {values!r}") from exc
    return pd.Series(items, dtype=object).to_numpy()


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
    table = _load_model(model)
    highways = _as_1d(highway, "highway")
    n = len(highways)

    hw_codes, hw_uniques = _factorize(highways, "highway")
    class_speeds = np.array(
        [default_speed_kph(h, model) for h in hw_uniques] + [table.fallback_kph],  # type: ignore[arg-type]
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
            [parse_maxspeed(m) for m in ms_uniques] + [math.nan],  # type: ignore[arg-type]
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


def _implausible(value: object) -> bool:
    """Whether a maxspeed value holds a number, but none in the plausible range."""
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, int | float | np.integer | np.floating):
        number = float(value)
        return not math.isnan(number) and math.isnan(_valid_kph(number))
    text = str(value).strip().lower()
    parts = [t.strip() for t in _LIST_SPLIT_RE.split(text)]
    numeric = [t for t in parts if _NUMBER_RE.fullmatch(t) or _is_float_text(t)]
    return bool(numeric) and math.isnan(parse_maxspeed(value))  # type: ignore[arg-type]


def _is_float_text(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def implausible_maxspeeds(maxspeed: TagValues | None) -> dict[str, object]:
    """Edges whose ``maxspeed`` is a number outside the plausible range (they get the
    class default instead): ``{"edges": count, "values": up to 20 distinct values}``."""
    if maxspeed is None:
        return {"edges": 0, "values": []}
    codes, uniques = _factorize(_as_1d(maxspeed, "maxspeed"), "maxspeed")
    bad = np.array([_implausible(u) for u in uniques] + [False], dtype=bool)
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
    table = _load_model(model)
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
