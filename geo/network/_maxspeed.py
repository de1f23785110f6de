"""Reading OSM ``maxspeed`` values: numbers, units, lists and country implicit limits.

:func:`parse_maxspeed` turns one tag value into km/h, or NaN where it holds no usable
number (the class default of :mod:`geo.speeds` applies there). The country implicit
limits (``RU:urban`` and the like) are read from ``data/implicit_maxspeeds.toml``, which
cites their sources. :mod:`geo.speeds` re-exports the public names.
"""

from __future__ import annotations

import math
import re
import tomllib
from typing import Any

import numpy as np

from ..base.resources import bundled_data
from ..errors import UralAccessError

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

#: Units of a number in a maxspeed value (and of the implicit table), in km/h.
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


def _implicit_tables() -> tuple[dict[str, float], dict[str, float]]:
    """Country implicit limits and the generic ones, in km/h, from :data:`IMPLICIT_TABLE`."""
    path = bundled_data(IMPLICIT_TABLE)
    try:
        raw: dict[str, dict[str, Any]] = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UralAccessError(f"cannot read implicit speed limits {path}: {exc}") from exc
    tables: dict[str, dict[str, float]] = {}
    for country, table in raw.items():
        per = _UNITS_KPH[table["unit"]]
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

_NUMBER_RE = re.compile(r"(\d+(?:[.,]\d+)?)\s*([^\d\s]*)")
_IMPLICIT_RE = re.compile(r"([a-z]{2})(-[a-z0-9]+)?\s*:\s*(.+)")
_ZONE_RE = re.compile(r"zone\s*:?\s*(\d+(?:\.\d+)?)")
#: Separators of several values (``;``) and of per-lane values (``|``).
LIST_SPLIT_RE = re.compile(r"[;|]")


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
    return _min_finite([_parse_single(part.strip()) for part in LIST_SPLIT_RE.split(text)])


def parse_maxspeed(value: object) -> float:
    """Parse an OSM ``maxspeed`` value into km/h.

    Never raises for a bad tag: anything without a usable number gives NaN, which
    :func:`geo.speeds.edge_speeds_kph` replaces with the default of the edge's highway class.

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
          :func:`geo.speeds.implausible_maxspeeds` counts the edges that had a number out of range.

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


def is_implausible(value: object) -> bool:
    """Whether a maxspeed value holds a number, but none in the plausible range."""
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, int | float | np.integer | np.floating):
        number = float(value)
        return not math.isnan(number) and math.isnan(_valid_kph(number))
    text = str(value).strip().lower()
    parts = [t.strip() for t in LIST_SPLIT_RE.split(text)]
    numeric = [t for t in parts if _NUMBER_RE.fullmatch(t) or _is_float_text(t)]
    return bool(numeric) and math.isnan(parse_maxspeed(value))


def _is_float_text(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False
