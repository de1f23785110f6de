"""OSRM car.lua's way rules beyond speeds: route weights, size limits, small tagged limits.

Read from a profile table's ``[weights]``, ``[vehicle]``, ``[network]`` and
``[maxspeed] keep_below_floor`` (see ``data/speed_model_osrm-car.toml``); each rule reads
the per-edge tag columns of the network (``RoadNetwork.rules``) and parses values as
OSRM's Lua does (``lib/measure.lua``, ``lib/way_handlers.lua``), not as this project
parses limits elsewhere, so that the same tag means the same thing in both.

- :func:`weight_factors`: car.lua's ``penalties`` handler. An edge's route *weight* is its
  duration divided by the smallest factor that applies (service roads, narrow or
  single-lane two-way roads, roads without lane markings, alternating one-ways, side
  roads, the direction against ``priority``); the reported drive time stays the duration.
- :func:`closed_by_size`: ``handle_height``/``_width``/``_length``/``_weight``: a way whose
  limit is below the car's size is closed in that direction.
- :func:`blocked_ways`: ``blocked_ways`` and ``service``: reversible one-ways, impassable
  ways, roads under construction, emergency access roads are not routed at all.
- :func:`small_limits_kph`: a tagged limit under the 5 km/h plausibility floor that
  car.lua still drives at (it keeps every positive number it parses).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..base.arrays import FloatArray, StrArray
from ..errors import UralAccessError

_LEADING_DIGITS = re.compile(r"\d*")
_NUMBER = re.compile(r"\d+\.?\d*")
_FEET_INCHES = re.compile(r"'.*")
_INCHES = re.compile(r"\d+")
#: Way keys a profile's ``[blocked] values`` may name (per-edge columns of the network).
BLOCKING_KEYS = ("oneway", "impassable", "status", "service")

#: lib/measure.lua: non-numerical ``maxheight`` values meaning the default 4.5 m.
_DEFAULT_HEIGHT = {"default", "none", "no-sign", "unsigned"}


@dataclass(frozen=True)
class WayRules:
    """A profile's way rules (all off where its table has no such section)."""

    service: dict[str, float] = field(default_factory=dict)
    lane_markings_no: float = 1.0
    width_m: tuple[float, ...] = ()
    width_factor: tuple[float, ...] = ()
    single_lane: float = 1.0
    alternating: float = 1.0
    side_road: float = 1.0
    priority: float = 1.0
    vehicle: dict[str, float] = field(default_factory=dict)
    """``height_m``, ``width_m``, ``length_m``, ``weight_kg`` of the car (empty: no limits)."""
    length: str = "sphere"
    """Edge length measure: ``"sphere"`` (haversine) or ``"osrm"`` (OSRM's cheap ruler)."""
    keep_below_floor: bool = False
    blocked: dict[str, frozenset[str]] = field(default_factory=dict)
    """Values of way keys that close a way both ways (``[blocked] values``)."""
    construction_open: frozenset[str] | None = None
    """``construction`` values that leave a road open (None: the key is not read)."""

    @property
    def weighted(self) -> bool:
        """Whether route weights can differ from durations under these rules."""
        return bool(self.service) or any(
            f < 1.0
            for f in (
                self.lane_markings_no,
                *self.width_factor,
                self.single_lane,
                self.alternating,
                self.side_road,
                self.priority,
            )
        )

    def info(self) -> dict[str, Any]:
        """Every parameter, JSON-serialisable (for provenance)."""
        return {
            "weights": {
                "service": dict(self.service),
                "lane_markings_no": self.lane_markings_no,
                "width_m": list(self.width_m),
                "width_factor": list(self.width_factor),
                "single_lane": self.single_lane,
                "alternating": self.alternating,
                "side_road": self.side_road,
                "priority": self.priority,
            },
            "vehicle": dict(self.vehicle),
            "length": self.length,
            "keep_below_floor": self.keep_below_floor,
            "blocked": {k: sorted(v) for k, v in self.blocked.items()},
            "construction_open": sorted(self.construction_open)
            if self.construction_open is not None
            else None,
        }


def _factor(raw: dict[str, Any], key: str, where: str) -> float:
    value = raw.get(key, 1.0)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
        raise UralAccessError(f"{where}: {key} must be a factor in (0, 1], not {value!r}")
    return float(value)


def way_rules(raw: dict[str, Any], where: str) -> WayRules:
    """The way rules of a profile table (its parsed TOML).

    Raises
    ------
    UralAccessError
        A section holds a wrong value (a packaging bug).
    """
    weights = raw.get("weights", {})
    w = f"{where} [weights]"
    service = weights.get("service", {})
    widths = tuple(float(x) for x in weights.get("width_m", []))
    width_factor = tuple(float(x) for x in weights.get("width_factor", []))
    if len(widths) != len(width_factor) or list(widths) != sorted(widths):
        raise UralAccessError(f"{w}: width_m must rise and match width_factor in length")
    if any(not 0 < f <= 1 for f in width_factor):
        raise UralAccessError(f"{w}: width_factor values must lie in (0, 1]")
    vehicle = raw.get("vehicle", {})
    for key, value in vehicle.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise UralAccessError(f"{where} [vehicle]: {key} must be a positive number")
    blocked = raw.get("blocked", {})
    values = blocked.get("values", {})
    if not isinstance(values, dict) or not all(
        isinstance(v, list) and all(isinstance(x, str) for x in v) for v in values.values()
    ):
        raise UralAccessError(f"{where} [blocked]: values must map keys to lists of strings")
    unknown = set(values) - set(BLOCKING_KEYS)
    if unknown:
        raise UralAccessError(f"{where} [blocked]: keys not read: {sorted(unknown)}")
    construction_open = blocked.get("construction_open")
    length = str(raw.get("network", {}).get("length", "sphere"))
    if length not in {"sphere", "osrm"}:
        raise UralAccessError(f"{where} [network]: length must be 'sphere' or 'osrm'")
    return WayRules(
        service={str(k): _factor(service, k, w) for k in service},
        lane_markings_no=_factor(weights, "lane_markings_no", w),
        width_m=widths,
        width_factor=width_factor,
        single_lane=_factor(weights, "single_lane", w),
        alternating=_factor(weights, "alternating", w),
        side_road=_factor(weights, "side_road", w),
        priority=_factor(weights, "priority", w),
        vehicle={str(k): float(v) for k, v in vehicle.items()},
        length=length,
        keep_below_floor=bool(raw.get("maxspeed", {}).get("keep_below_floor", False)),
        blocked={str(k): frozenset(v) for k, v in values.items()},
        construction_open=frozenset(map(str, construction_open))
        if construction_open is not None
        else None,
    )


# --------------------------------------------------------------------------------------
# Values as OSRM's Lua reads them
# --------------------------------------------------------------------------------------


def lua_leading_number(text: str) -> float:
    """``tonumber(text:match("%d*"))``: the leading digits, NaN where there are none."""
    digits = _LEADING_DIGITS.match(text)
    return float(digits.group()) if digits and digits.group() else math.nan


def osrm_metres(text: str) -> float:
    """lib/measure.lua ``parse_value_meters``: the first number (``,`` as ``.``); a value
    with ``'`` is feet, and inches after it (``7'6"``). NaN where there is no number."""
    found = _NUMBER.search(text.replace(",", "."))
    if not found:
        return math.nan
    n = float(found.group())
    inches = _FEET_INCHES.search(text)
    if inches:
        n *= 12
        m = _INCHES.search(inches.group())
        if m:
            n += float(m.group())
        n *= 0.0254
    return n


def osrm_height_m(text: str) -> float:
    """lib/measure.lua ``get_max_height``: the default 4.5 m for ``none``, ``default``, …"""
    return 4.5 if text in _DEFAULT_HEIGHT else osrm_metres(text)


def osrm_kilograms(text: str) -> float:
    """lib/measure.lua ``parse_value_kilograms``: tonnes unless ``kg`` or ``lbs``."""
    found = _NUMBER.search(text.replace(",", "."))
    if not found:
        return math.nan
    n = float(found.group())
    if "lbs" in text:
        return n * 0.45359237
    return n if "kg" in text else n * 1000


def osrm_speed_kph(text: str) -> float:
    """lib/measure.lua ``parse_value_speed``: the leading digits, ``mph`` times 1.609."""
    n = lua_leading_number(text)
    if math.isfinite(n) and ("mph" in text or "mp/h" in text):
        n *= 1.609
    return n


def _per_value(values: StrArray, fn: Any) -> FloatArray:
    """``fn`` of each distinct text once (``""``: untagged, NaN)."""
    codes, uniques = pd.factorize(np.asarray(values, dtype=object))
    table = np.array([fn(str(u)) if u != "" else math.nan for u in uniques] + [math.nan])
    return np.asarray(table[np.asarray(codes, dtype=np.intp)], dtype=np.float64)


# --------------------------------------------------------------------------------------
# The rules
# --------------------------------------------------------------------------------------


def weight_factors(
    rules: dict[str, StrArray], oneway: npt.NDArray[np.bool_], way_rules: WayRules
) -> FloatArray:
    """Each edge's weight factor: its route weight is its duration divided by this.

    car.lua ``WayHandlers.penalties``: the smallest of the service, width, alternating,
    side-road and priority factors; the width factor is the lane-markings one, replaced by
    the one of the ``width`` band, replaced by the single-lane one (in that order, as
    car.lua assigns them); those three only on two-way roads (``oneway`` false).
    """
    n = len(oneway)
    out = np.ones(n)
    if not way_rules.weighted:
        return out
    two_way = ~np.asarray(oneway, dtype=bool)
    service = rules["service"]
    table = way_rules.service
    out = np.minimum(
        out, _per_value(service, lambda s: table.get(s, 1.0)).astype(float, copy=False)
    )
    out = np.where(np.isnan(out), 1.0, out)
    width_f = np.where(two_way & (rules["lane_markings"] == "no"), way_rules.lane_markings_no, 1.0)
    width = _per_value(rules["width"], osrm_metres)
    if way_rules.width_m:
        band = np.full(n, -1)
        for i, limit in reversed(list(enumerate(way_rules.width_m))):
            inside = width <= limit if i == 0 else width < limit
            band[inside] = i
        factor = np.asarray(way_rules.width_factor)[band.clip(0)]
        width_f = np.where(two_way & (band >= 0), factor, width_f)
    lanes = _per_value(rules["lanes"], lua_leading_number)
    width_f = np.where(two_way & (lanes <= 1), way_rules.single_lane, width_f)
    out = np.minimum(out, width_f)
    out = np.where(rules["oneway"] == "alternating", np.minimum(out, way_rules.alternating), out)
    side = np.isin(rules["side_road"], ["yes", "rotary"])
    out = np.where(side, np.minimum(out, way_rules.side_road), out)
    forward = rules["way_direction"] != "b"
    against = ((rules["priority"] == "forward") & ~forward) | (
        (rules["priority"] == "backward") & forward
    )
    return np.asarray(np.where(against, np.minimum(out, way_rules.priority), out), dtype=float)


def closed_by_size(rules: dict[str, StrArray], way_rules: WayRules) -> npt.NDArray[np.bool_]:
    """Edges whose height, width, length or weight limit (for their direction) is below
    the profile's car, as car.lua's ``handle_height``/``_width``/``_length``/``_weight``."""
    car = way_rules.vehicle
    n = len(rules["maxheight"])
    closed = np.zeros(n, dtype=bool)
    if not car:
        return closed
    checks = (
        ("maxheight", "height_m", osrm_height_m, np.less),
        ("maxwidth", "width_m", osrm_metres, np.less_equal),
        ("maxlength", "length_m", osrm_metres, np.less),
        ("maxweight", "weight_kg", osrm_kilograms, np.less),
    )
    for column, size, parse, below in checks:
        if size in car:
            limit = _per_value(rules[column], parse)
            closed |= np.asarray(below(limit, car[size]), dtype=bool)  # NaN compares false
    if car.get("width_m", 0.0) > 2.2:  # narrow=yes (narrower than 2.2 m) only stops wide cars
        closed |= (rules["narrow"] == "yes") | (rules["maxwidth"] == "narrow")
    return closed


def blocked_ways(rules: dict[str, StrArray], way_rules: WayRules) -> npt.NDArray[np.bool_]:
    """Edges of ways the profile does not route at all (car.lua ``blocked_ways``:
    ``oneway=reversible``, ``impassable``, ``status=impassable``, a ``construction`` value
    other than no/widening/minor; ``service=emergency_access``)."""
    out = np.zeros(len(rules["oneway"]), dtype=bool)
    for key, values in way_rules.blocked.items():
        out |= np.isin(rules[key], sorted(values))
    if way_rules.construction_open is not None:
        value = rules["construction"]
        out |= (value != "") & ~np.isin(value, sorted(way_rules.construction_open))
    return out


def small_limits_kph(maxspeed: StrArray) -> FloatArray:
    """The limit car.lua drives at where it lies below the 5 km/h floor (``maxspeed=3``),
    NaN elsewhere: OSRM keeps every positive leading number (``0.5`` reads as 0: none)."""

    def small(text: str) -> float:
        n = osrm_speed_kph(text.strip())
        return n if 0 < n < 5 else math.nan

    return _per_value(maxspeed, small)


# --------------------------------------------------------------------------------------
# OSRM's distance
# --------------------------------------------------------------------------------------

_RE_KM = 6378.137  # WGS84 equatorial radius (km)
_FE = 1 / 298.257223563  # WGS84 flattening
_E2 = _FE * (2 - _FE)
_STEP = 50_000  # OSRM: 1800 rulers over 90 degrees of latitude, in micro-degrees


def osrm_distance_m(
    lon1: npt.ArrayLike, lat1: npt.ArrayLike, lon2: npt.ArrayLike, lat2: npt.ArrayLike
) -> FloatArray:
    """Segment lengths (m) as OSRM measures them (``fccApproximateDistance``).

    Coordinates are OSRM's whole micro-degrees; the ruler is mapbox's cheap ruler on the
    WGS84 ellipsoid for the middle of the 0.05 degree band holding the segment's mean
    latitude (``CheapRulerContainer(1800)`` in src/util/coordinate_calculation.cpp).
    """
    x1, y1, x2, y2 = (
        np.round(np.asarray(a, dtype=np.float64) * 1e6) for a in (lon1, lat1, lon2, lat2)
    )
    mid = np.trunc((y1 + y2) / 2)  # FixedLatitude's integer division
    band = np.floor_divide(np.abs(mid) - 1, _STEP)
    lat = np.radians(_STEP * (band + 0.5) / 1e6)
    mul = math.pi / 180 * _RE_KM * 1000
    cos = np.cos(lat)
    w2 = 1 / (1 - _E2 * (1 - cos * cos))
    w = np.sqrt(w2)
    kx, ky = mul * w * cos, mul * w * w2 * (1 - _E2)
    dlon = (x1 - x2) / 1e6
    dlon = np.where(dlon > 180, dlon - 360, np.where(dlon < -180, dlon + 360, dlon))
    return np.asarray(np.hypot(dlon * kx, (y1 - y2) / 1e6 * ky), dtype=np.float64)
