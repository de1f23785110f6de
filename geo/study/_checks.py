"""The checks of a study's values (numbers, keys, bounding boxes, speed factor, drive
times, choices) and the bounds they hold values to; public through
:mod:`geo.study.options`."""

from __future__ import annotations

import math
import re
from itertools import pairwise
from typing import Any

from ..errors import ParameterError
from .places import POPULATION_MAX

#: Bounds of the global speed factor: ``0 < factor <= FACTOR_MAX``.
FACTOR_MAX = 1.5

#: Largest plausible value of each setting: a value above is a typo or a unit mistake
#: (a radius of 1e6 km builds a 71 MB table, then fails), refused like a negative one.
UPPER_BOUNDS: dict[str, float] = {
    "radius_km": 500.0,
    "min_population": POPULATION_MAX,
    "area_buffer_km": 1000.0,
    "snap_limit_km": 100.0,
    "decay_half_life_min": 10_000.0,
    "isochrone_buffer_m": 50_000.0,
    "minutes": 2880.0,  # each drive-time band or coverage threshold (48 h)
    "zone_minutes": 600.0,
    "huff_exponent": 10.0,
    "huff_decay_exponent": 10.0,
    "huff_trips_per_person": 1000.0,
}

#: Most drive-time bands or coverage thresholds one study may ask for.
MAX_MINUTE_VALUES = 100

#: A study (or place) key: a short identifier, safe as a file and folder name anywhere.
KEY_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


def as_number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        # numpy scalars are numbers too (np.float64 is a float; np.int64 is not an int)
        if not (hasattr(value, "dtype") and getattr(value.dtype, "kind", "") in "iuf"):
            raise ParameterError(f"{name} must be a number, got {value!r}")
    return float(value)


def _check_upper(name: str, value: Any) -> Any:
    high = UPPER_BOUNDS.get(name)
    if high is not None and float(value) > high:
        raise ParameterError(f"{name} must be at most {high:g} (a typo or unit?), got {value!r}")
    return value


def check_positive(name: str, value: Any) -> Any:
    """Check a setting is a finite number above zero and plausible; return it unchanged."""
    if not (math.isfinite(as_number(name, value)) and float(value) > 0):
        raise ParameterError(f"{name} must be positive, got {value!r}")
    return _check_upper(name, value)


def check_not_negative(name: str, value: Any) -> Any:
    """Check a setting is a finite number, zero or more, and plausible; return it unchanged."""
    if not (math.isfinite(as_number(name, value)) and float(value) >= 0):
        raise ParameterError(f"{name} must not be negative, got {value!r}")
    return _check_upper(name, value)


def check_key(key: Any, what: str = "study key") -> str:
    """A key: 1-64 lower-case letters, digits, ``_`` or ``-``, not starting with ``_``/``-``.

    Keys name output and cache folders, files and columns, so one can never be a path.
    """
    if not isinstance(key, str) or KEY_RE.fullmatch(key) is None:
        raise ParameterError(
            f"{what} must be 1-64 lower-case letters, digits, '_' or '-' (a name, not "
            f"a path), got {key!r}"
        )
    return key


def check_bbox(values: Any) -> tuple[float, float, float, float]:
    """``[west, south, east, north]`` in degrees: four finite numbers on the globe."""
    if isinstance(values, str) or not hasattr(values, "__len__") or len(values) != 4:
        raise ParameterError(f"bbox must be [west, south, east, north], got {values!r}")
    try:
        west, south, east, north = (as_number("bbox", v) for v in values)
    except ParameterError:
        raise ParameterError(f"bbox must be four numbers (degrees), got {values!r}") from None
    if not all(math.isfinite(v) for v in (west, south, east, north)):
        raise ParameterError(f"bbox must be finite numbers, got {values!r}")
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise ParameterError(
            "bbox must be [west, south, east, north] with west < east and south < north "
            f"within -180..180 and -90..90, got {values!r}"
        )
    return west, south, east, north


def check_speed_factor(value: Any, name: str = "speed_factor") -> float:
    """Check the global speed factor, ``0 < factor <= FACTOR_MAX``; return it as a float."""
    number = as_number(name, value)
    if not (math.isfinite(number) and 0.0 < number <= FACTOR_MAX):
        raise ParameterError(f"{name} must be positive and at most {FACTOR_MAX}, got {value!r}")
    return number


def check_increasing(name: str, values: Any) -> tuple[float, ...]:
    """Check a list of minutes is non-empty, finite, plausible and strictly increasing."""
    if isinstance(values, str | bytes | dict) or not hasattr(values, "__iter__"):
        raise ParameterError(f"{name} must be a list of numbers (minutes), got {values!r}")
    items = list(values)
    try:
        out = tuple(as_number(name, v) for v in items)
    except ParameterError:
        raise ParameterError(
            f"{name} must be a list of numbers (minutes), got {values!r}"
        ) from None
    if not out:
        raise ParameterError(f"{name} is empty; give at least one drive time in minutes")
    if len(out) > MAX_MINUTE_VALUES:
        raise ParameterError(f"{name} has {len(out)} values; at most {MAX_MINUTE_VALUES}")
    if not all(math.isfinite(v) for v in out):
        raise ParameterError(f"{name} must be finite numbers, got {items!r}")
    if out[0] <= 0 or any(b <= a for a, b in pairwise(out)):
        raise ParameterError(f"{name} must be positive and strictly increasing, got {items!r}")
    if out[-1] > UPPER_BOUNDS["minutes"]:
        raise ParameterError(
            f"{name} must be at most {UPPER_BOUNDS['minutes']:g} minutes, got {items!r}"
        )
    return out


def check_choice(name: str, value: Any, choices: tuple[str, ...], what: str) -> str:
    """Check a setting is one of a few names."""
    if value not in choices:
        raise ParameterError(f"{what} {value!r} unknown; use one of {', '.join(choices)}")
    return str(value)
