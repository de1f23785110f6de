"""A study's options: the ``[network]``, ``[speed]``, ``[routing]``, ``[zones]`` and
``[huff]`` sections.

Each section is declared once, as a frozen dataclass whose fields are the section's
keys in the study file, with their defaults. Everything else follows from that one
declaration: the check of a study file's table (unknown keys, with the closest valid
spelling; value types), the flat parameter names used by the command line,
:meth:`geo.study.Study.with_overrides` and the provenance record
(:func:`parameter_fields`), and the validation, which runs whenever a section is built
(``__post_init__``), so ``dataclasses.replace`` cannot make an impossible one either.

The checks here are the only ones: :mod:`geo.network.profile` and :mod:`geo.analysis.isochrones` use
:func:`check_speed_factor` and :func:`check_increasing` too.
"""

from __future__ import annotations

import difflib
import types
import typing
from dataclasses import dataclass, field, fields
from functools import cache
from typing import Any

from ..errors import ParameterError
from ._checks import (
    FACTOR_MAX,
    KEY_RE,
    MAX_MINUTE_VALUES,
    UPPER_BOUNDS,
    as_number,
    check_bbox,
    check_choice,
    check_increasing,
    check_key,
    check_not_negative,
    check_positive,
    check_speed_factor,
)

__all__ = [
    "DECAY_FUNCTIONS",
    "DEFAULT_DETOUR_FACTOR",
    "DEFAULT_LIMIT_KM",
    "DEFAULT_SPEED_KPH",
    "FACTOR_MAX",
    "HUFF_ATTRACTIVENESS",
    "HUFF_DECAYS",
    "KEY_RE",
    "MAX_MINUTE_VALUES",
    "ROAD_CLASSES",
    "SECTIONS",
    "SPEED_MODELS",
    "UPPER_BOUNDS",
    "ZONE_KINDS",
    "DecayOptions",
    "HuffOptions",
    "NetworkOptions",
    "RoutingOptions",
    "SpeedOptions",
    "ZoneOptions",
    "check_bbox",
    "check_choice",
    "check_increasing",
    "check_key",
    "check_not_negative",
    "check_positive",
    "check_speed_factor",
    "check_table",
    "flat_parameters",
    "parameter_fields",
    "read_section",
    "table_schema",
]

#: The access leg's defaults (the last mile, :mod:`geo.routing.last_mile`, cites them).
#: Road distance over straight-line distance of the leg (see the module notes).
DEFAULT_DETOUR_FACTOR = 1.3

#: Speed on the leg, km/h (the ``ru`` model's tertiary-road speed).
DEFAULT_SPEED_KPH = 40.0

#: Largest straight-line join distance given a leg, km.
DEFAULT_LIMIT_KM = 15.0

#: Names of the bundled speed models; model ``m`` is read from ``data/speed_model_m.toml``.
SPEED_MODELS: tuple[str, ...] = ("ru", "osrm-car")

#: Road classes from the most to the least important; a study keeps classes down to one.
ROAD_CLASSES = (
    "motorway",
    "trunk",
    "primary",
    "secondary",
    "tertiary",
    "unclassified",
    "residential",
    "living_street",
    "service",
)

#: Distance-decay functions of drive time t for the consumer-overflow potential.
DECAY_FUNCTIONS = ("exponential", "gaussian")

#: How an agglomeration's zone is drawn: the radius, a drive time from the centre, or both.
ZONE_KINDS = ("radius", "time", "both")

#: What makes an agglomeration attractive in the competing-destination (Huff) model.
HUFF_ATTRACTIVENESS = ("population", "revenue")

#: Distance decay of the Huff model: Huff's power of drive time, or the study's decay.
HUFF_DECAYS = ("power", "study")


def _set(obj: Any, name: str, value: Any) -> None:
    object.__setattr__(obj, name, value)  # normalising a frozen dataclass in __post_init__


def _positive_float(obj: Any, parameter: str, name: str) -> None:
    """Check field ``name`` (flat name ``parameter``) is positive and keep it as a float."""
    _set(obj, name, float(check_positive(parameter, getattr(obj, name))))


# ---------------------------------------------------------------------- the sections
@dataclass(frozen=True)
class DecayOptions:
    """Distance-decay of the consumer-overflow potential.

    ``exponential``: ``f(t) = 2 ** (-t / half_life)``; ``gaussian``:
    ``f(t) = 2 ** (-(t / half_life) ** 2)``. Both are 1 at t = 0 and 1/2 at the half-life.
    """

    function: str = "exponential"
    half_life_min: float = 60.0

    def __post_init__(self) -> None:
        check_choice("decay_function", self.function, DECAY_FUNCTIONS, "decay function")
        _positive_float(self, "decay_half_life_min", "half_life_min")


@dataclass(frozen=True)
class NetworkOptions:
    """``[network]``: which roads make the network."""

    road_classes: str = "tertiary"
    """Lowest road class kept (motorway … this class, and their links)."""
    osm_file: str | None = field(default=None, metadata={"parameter": "default_osm_file"})
    """The study's default road data, read when no other is asked for: an ``.osm.pbf``
    beside the study file or bundled in ``data/osm/``. Without one, Overpass."""

    def __post_init__(self) -> None:
        check_choice("road_classes", self.road_classes, ROAD_CLASSES, "road class")
        if self.osm_file is not None and (not isinstance(self.osm_file, str) or not self.osm_file):
            raise ParameterError(f"osm_file must be a file name, got {self.osm_file!r}")


@dataclass(frozen=True)
class SpeedOptions:
    """``[speed]``: how fast each road is driven."""

    model: str = field(default="ru", metadata={"parameter": "speed_model"})
    """Speed model (see ``docs/speed_model.md``)."""
    factor: float = field(default=1.0, metadata={"parameter": "speed_factor"})
    """Real-world driving as a share of the limit, ``0 < factor <= 1.5``."""

    def __post_init__(self) -> None:
        if not isinstance(self.model, str) or self.model not in SPEED_MODELS:
            raise ParameterError(
                f"speed_model must be one of {', '.join(SPEED_MODELS)}, got {self.model!r}"
            )
        check_speed_factor(self.factor)


@dataclass(frozen=True)
class RoutingOptions:
    """``[routing]``: joining places to roads, bands, coverage and the potential."""

    snap_limit_km: float = DEFAULT_LIMIT_KM
    """Largest straight-line distance from a place to the network (its access leg);
    places farther from every road are left out (their times are NaN)."""
    access_detour_factor: float = DEFAULT_DETOUR_FACTOR
    """The access leg's road distance over its straight-line distance (>= 1)."""
    access_speed_kph: float = DEFAULT_SPEED_KPH
    """Speed on the access leg (times the speed factor, like every road)."""
    bands_min: tuple[float, ...] = (30.0, 60.0, 90.0, 120.0, 180.0, 240.0)
    """Upper limits of the drive-time classes in minutes, increasing: the isochrones' bands
    and the surface's classes (which add one above the last)."""
    coverage_min: tuple[float, ...] = (60.0, 90.0, 120.0, 180.0)
    """Drive times for the zone's population shares, increasing."""
    decay_function: str = "exponential"
    """``exponential`` or ``gaussian`` (see :class:`DecayOptions`)."""
    decay_half_life_min: float = 60.0
    """Drive time at which the potential halves."""
    isochrone_buffer_m: float = 1000.0
    """Width of the band polygons around reachable roads."""

    def __post_init__(self) -> None:
        check_positive("snap_limit_km", self.snap_limit_km)
        check_positive("access_speed_kph", self.access_speed_kph)
        if not as_number("access_detour_factor", self.access_detour_factor) >= 1:
            raise ParameterError(
                "access_detour_factor (road over straight-line distance) must be at least 1, "
                f"got {self.access_detour_factor!r}"
            )
        check_positive("isochrone_buffer_m", self.isochrone_buffer_m)
        _set(self, "bands_min", check_increasing("bands_min", self.bands_min))
        _set(self, "coverage_min", check_increasing("coverage_min", self.coverage_min))
        _set(self, "decay_half_life_min", self.decay.half_life_min)  # checked there

    @property
    def decay(self) -> DecayOptions:
        """The decay function and half-life, as :func:`geo.agglomeration.decay` takes them."""
        return DecayOptions(self.decay_function, self.decay_half_life_min)


@dataclass(frozen=True)
class ZoneOptions:
    """``[zones]``: how an agglomeration's zone is drawn (:mod:`geo.analysis.drive_zones`).

    ``radius``: the centre and every town within ``radius_km`` (the source's definition);
    ``time``: every town whose drive time from the centre is at most ``zone_minutes``;
    ``both``: the tables and layers give both, side by side.
    """

    zone: str = "radius"
    """``radius``, ``time`` or ``both``."""
    zone_minutes: float = 45.0
    """The drive-time zone's limit from the centre, in minutes."""

    def __post_init__(self) -> None:
        check_choice("zone", self.zone, ZONE_KINDS, "zone")
        _positive_float(self, "zone_minutes", "zone_minutes")

    @property
    def kinds(self) -> tuple[str, ...]:
        """The zone definitions the tables give: ``("radius",)``, ``("time",)`` or both."""
        return ("radius", "time") if self.zone == "both" else (self.zone,)


@dataclass(frozen=True)
class HuffOptions:
    """``[huff]``: the competing-destination model (:mod:`geo.analysis.huff`).

    The probability that a trip from first-tier city ``c`` goes to agglomeration ``i`` is
    ``A_i^alpha f(t_ci) / sum_k A_k^alpha f(t_ck)`` (Huff 1963, 1964), with ``A`` the
    attractiveness, ``alpha`` its exponent and ``f`` the decay: ``t^-lambda`` (Huff's
    power, ``lambda`` = ``decay_exponent``) or the study's potential decay.
    """

    attractiveness: str = field(default="population", metadata={"parameter": "huff_attractiveness"})
    """``population`` (the zone's population) or ``revenue`` (the source's net revenue)."""
    exponent: float = field(default=1.0, metadata={"parameter": "huff_exponent"})
    """``alpha``, the exponent of the attractiveness."""
    decay: str = field(default="power", metadata={"parameter": "huff_decay"})
    """``power`` (``t^-lambda``, Huff's form) or ``study`` (the ``[routing]`` decay)."""
    decay_exponent: float = field(default=2.0, metadata={"parameter": "huff_decay_exponent"})
    """``lambda``, the exponent of the drive time in the power decay."""
    trips_per_person: float = field(default=1.0, metadata={"parameter": "huff_trips_per_person"})
    """Trips each first-tier city's resident makes, for the expected visitors."""

    def __post_init__(self) -> None:
        check_choice(
            "huff_attractiveness", self.attractiveness, HUFF_ATTRACTIVENESS, "attractiveness"
        )
        check_choice("huff_decay", self.decay, HUFF_DECAYS, "Huff decay")
        _positive_float(self, "huff_exponent", "exponent")
        _positive_float(self, "huff_decay_exponent", "decay_exponent")
        _positive_float(self, "huff_trips_per_person", "trips_per_person")


#: The study file's option sections, by table name.
SECTIONS: dict[str, type] = {
    "network": NetworkOptions,
    "speed": SpeedOptions,
    "routing": RoutingOptions,
    "zones": ZoneOptions,
    "huff": HuffOptions,
}


# ---------------------------------------------------------------------- derived from them
@cache
def parameter_fields(cls: type) -> dict[str, str]:
    """Flat parameter name → field name of a dataclass (``speed_factor`` → ``factor``).

    A field's parameter name is its own unless its metadata's ``"parameter"`` gives
    another, or ``False`` (not a parameter). The flat names are what the command line,
    ``Study.with_overrides`` and the provenance record use.
    """
    out = {}
    for f in fields(cls):
        name = f.metadata.get("parameter", f.name)
        if name is not False:
            out[name] = f.name
    return out


@cache
def flat_parameters() -> dict[str, tuple[str, str]]:
    """Flat parameter name → (section, field) for every settings section."""
    return {
        name: (section, f)
        for section, cls in SECTIONS.items()
        for name, f in parameter_fields(cls).items()
    }


def _toml_types(hint: Any) -> tuple[type, ...]:
    """The TOML value types a field's annotation accepts (floats take integers too)."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        return tuple(
            t for arg in typing.get_args(hint) if arg is not type(None) for t in _toml_types(arg)
        )
    origin = typing.get_origin(hint) or hint
    if origin is float:
        return (int, float)
    if origin in (tuple, list):
        return (list,)
    return (origin,)


@cache
def table_schema(cls: type) -> dict[str, tuple[type, ...]]:
    """Key → accepted TOML types of the study-file table a dataclass declares.

    Fields whose metadata has ``"table": False`` are not read from the file.
    """
    hints = typing.get_type_hints(cls)
    return {
        f.name: _toml_types(hints[f.name]) for f in fields(cls) if f.metadata.get("table", True)
    }


def check_table(where: str, table: Any, schema: dict[str, tuple[type, ...]]) -> dict[str, Any]:
    """Check a study-file table against a schema: a table, known keys, right value types.

    Raises
    ------
    ParameterError
        With the key at fault (and the closest valid spelling of an unknown one).
    """
    if not isinstance(table, dict):
        raise ParameterError(f"{where} must be a table, got {type(table).__name__}")
    for key, value in table.items():
        if key not in schema:
            close = difflib.get_close_matches(key, list(schema), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else f"; allowed: {', '.join(schema)}"
            raise ParameterError(f"unknown field {key!r} in {where}{hint}")
        expected = schema[key]
        if isinstance(value, bool) or not isinstance(value, expected):
            want = " or ".join(t.__name__ for t in expected)
            raise ParameterError(f"field {key!r} in {where} must be {want}, got {value!r}")
    return table


def read_section(name: str, table: Any) -> Any:
    """Build the ``[name]`` section from its study-file table (checked, then validated)."""
    cls = SECTIONS[name]
    return cls(**check_table(f"[{name}]", table, table_schema(cls)))
