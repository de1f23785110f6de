"""Named driving profiles: speeds, surface caps, access rules and junction costs for cars.

A profile is one bundled table, ``data/speed_model_<name>.toml`` (see
:data:`geo.speeds.SPEED_MODELS`): the class speeds and the share of a tagged limit that
:mod:`geo.speeds` reads, and the road rules this module reads:

- ``[maxspeed]``: which keys give a direction's limit, and what ``maxspeed=none`` means;
- ``[caps.surface]``, ``[caps.tracktype]``, ``[caps.smoothness]``: speed caps (km/h);
- ``[access]``: which ``access``-type values close a way to cars or keep it for local
  traffic only (usable at the start or the end of a trip, never through);
- ``[barriers]``: which barrier nodes a car passes, and with what delay;
- ``[turns]``: the turn-angle, U-turn and junction (signals, stop, give way) costs.

Two profiles are bundled: ``"osrm-car"`` (OSRM's car.lua, for validation against OSRM) and
``"ru"`` (the default: Russian traffic rules). ``docs/speed_model.md`` explains both.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..base.arrays import FloatArray
from ..errors import UralAccessError
from ..osm.roads import NodeRuleTags
from ..study.options import check_speed_factor
from ._driving_side import left_hand_edges as left_hand_edges
from ._maxspeed import parse_maxspeed
from ._speed_model import check_model_name, load_model
from ._speeds import edge_speeds_kph, speed_model_info
from ._speeds import travel_times_s as travel_times_s
from ._way_rules import WayRules, small_limits_kph, way_rules
from ._way_rules import blocked_ways as blocked_ways
from ._way_rules import closed_by_size as closed_by_size
from ._way_rules import weight_factors as weight_factors

__all__ = [
    "BACKWARD_OBSTACLES",
    "CLOSED",
    "FORWARD_OBSTACLES",
    "LOCAL_ONLY",
    "OBSTACLE_BARRIER",
    "OBSTACLE_GATE",
    "OBSTACLE_GIVE_WAY",
    "OBSTACLE_GIVE_WAY_BACKWARD",
    "OBSTACLE_GIVE_WAY_FORWARD",
    "OBSTACLE_NONE",
    "OBSTACLE_SIGNALS",
    "OBSTACLE_SIGNALS_BACKWARD",
    "OBSTACLE_SIGNALS_FORWARD",
    "OBSTACLE_STOP",
    "OBSTACLE_STOP_BACKWARD",
    "OBSTACLE_STOP_FORWARD",
    "OPEN",
    "Profile",
    "TurnCosts",
    "blocked_ways",
    "closed_by_size",
    "edge_access",
    "left_hand_edges",
    "load_profile",
    "node_obstacle_codes",
    "node_obstacles",
    "profile_info",
    "profile_speeds_kph",
    "travel_times_s",
    "weight_factors",
]


#: Access classes of a directed edge under a profile.
OPEN, LOCAL_ONLY, CLOSED = 0, 1, 2

#: Node obstacle codes (``RoadNetwork.node_obstacle``), set when the OSM data is read.
OBSTACLE_NONE, OBSTACLE_BARRIER, OBSTACLE_GATE = 0, 1, 2
OBSTACLE_SIGNALS, OBSTACLE_STOP, OBSTACLE_GIVE_WAY = 3, 4, 5
#: Traffic signals for one direction of the ways through the node only
#: (``traffic_signals:direction`` or ``direction`` = ``forward`` / ``backward``).
OBSTACLE_SIGNALS_FORWARD, OBSTACLE_SIGNALS_BACKWARD = 6, 7
#: Stop and give-way signs for one direction only (``direction`` = forward / backward).
OBSTACLE_STOP_FORWARD, OBSTACLE_STOP_BACKWARD = 8, 9
OBSTACLE_GIVE_WAY_FORWARD, OBSTACLE_GIVE_WAY_BACKWARD = 10, 11
#: Obstacles that delay only the traffic along their ways' direction, or against it.
FORWARD_OBSTACLES = (OBSTACLE_SIGNALS_FORWARD, OBSTACLE_STOP_FORWARD, OBSTACLE_GIVE_WAY_FORWARD)
BACKWARD_OBSTACLES = (
    OBSTACLE_SIGNALS_BACKWARD,
    OBSTACLE_STOP_BACKWARD,
    OBSTACLE_GIVE_WAY_BACKWARD,
)
_DIRECTED = {
    OBSTACLE_SIGNALS: (OBSTACLE_SIGNALS_FORWARD, OBSTACLE_SIGNALS_BACKWARD),
    OBSTACLE_STOP: (OBSTACLE_STOP_FORWARD, OBSTACLE_STOP_BACKWARD),
    OBSTACLE_GIVE_WAY: (OBSTACLE_GIVE_WAY_FORWARD, OBSTACLE_GIVE_WAY_BACKWARD),
}


@dataclass(frozen=True)
class TurnCosts:
    """Junction costs of a profile, in seconds (``[turns]`` of its table)."""

    turn_penalty_s: float
    turn_bias: float
    oncoming_turn_penalty_s: float
    u_turn_penalty_s: float
    traffic_signals_s: float
    stop_s: float
    give_way_s: float
    gate_s: float
    u_turns: str
    """``"dead_end"`` (only where no other way on is allowed, or at a barrier) or ``"anywhere"``."""
    bearings: str = "segment"
    """Where a road's bearing at a junction is measured for the turn angle: ``"segment"``
    (its first segment) or ``"osrm"`` (OSRM's representative point, :mod:`geo._osrm_bearings`)."""
    penalty_step_s: float = 0.0
    """A movement's cost is cut down to a whole number of these (0: kept as it is)."""

    def stepped(self, cost_s: FloatArray) -> FloatArray:
        """Movement costs cut down to whole ``penalty_step_s`` (OSRM: deciseconds)."""
        if self.penalty_step_s <= 0:
            return cost_s
        steps = np.floor(cost_s / self.penalty_step_s + 1e-9)
        return np.asarray(steps * self.penalty_step_s, dtype=np.float64)

    def angle_cost_s(
        self,
        angle_deg: FloatArray,
        crosses_oncoming: bool | npt.NDArray[np.bool_] = True,
        left_hand: bool | npt.NDArray[np.bool_] = False,
    ) -> FloatArray:
        """Cost of turning by ``angle_deg`` (0 straight on, > 0 right, < 0 left, ±180 back).

        OSRM car.lua ``process_turn``: a sigmoid of the angle levelling off at
        ``turn_penalty_s``, biased so that right turns cost less where traffic keeps
        right, plus ``oncoming_turn_penalty_s`` times a sigmoid for a left turn (it crosses
        oncoming traffic) where ``crosses_oncoming`` (OSRM: not into or out of a
        roundabout). Where traffic keeps left (``left_hand``, one flag or one per angle)
        all of it is mirrored, as car.lua does with ``1 / turn_bias``. The U-turn cost is
        added separately.
        """
        a = np.asarray(angle_deg, dtype=np.float64)
        a = np.where(np.asarray(left_hand, dtype=bool), -a, a)
        bias = self.turn_bias
        right = self.turn_penalty_s / (1 + np.exp(-((13 / bias) * a / 180 - 6.5 * bias)))
        left = self.turn_penalty_s / (1 + np.exp(-((13 * bias) * -a / 180 - 6.5 / bias)))
        cost = np.where(a >= 0, right, left)
        if np.any(crosses_oncoming):
            sharp = 1 / (1 + np.exp(-(13 * np.abs(a) / 180 - 3.25)))
            oncoming = (a < 0) & np.asarray(crosses_oncoming, dtype=bool)
            cost = cost + np.where(oncoming, self.oncoming_turn_penalty_s * sharp, 0.0)
        return np.asarray(cost, dtype=np.float64)

    def node_delay_s(self, obstacle: npt.NDArray[np.int8]) -> FloatArray:
        """Delay of passing each node, by its obstacle code (0 where none)."""
        table = np.zeros(12)
        table[OBSTACLE_GATE] = self.gate_s
        table[[OBSTACLE_SIGNALS, *_DIRECTED[OBSTACLE_SIGNALS]]] = self.traffic_signals_s
        table[[OBSTACLE_STOP, *_DIRECTED[OBSTACLE_STOP]]] = self.stop_s
        table[[OBSTACLE_GIVE_WAY, *_DIRECTED[OBSTACLE_GIVE_WAY]]] = self.give_way_s
        return np.asarray(table[np.asarray(obstacle, dtype=np.int64)], dtype=np.float64)


#: The ``[turns]`` numbers of a profile table (the gate delay comes from ``[barriers]``).
_TURN_NUMBERS = tuple(
    f.name
    for f in fields(TurnCosts)
    if f.name not in ("gate_s", "u_turns", "bearings", "penalty_step_s")
)


@dataclass(frozen=True)
class Profile:
    """A driving profile's road rules (the class speeds stay in :mod:`geo.speeds`)."""

    name: str
    maxspeed_keys: tuple[str, ...]
    maxspeed_none: str
    """A number in km/h as text (``"140"``) or ``"legal"``: the class's legal limit."""
    caps: dict[str, dict[str, float]]
    access_hierarchy: tuple[str, ...]
    access_open: frozenset[str]
    access_closed: frozenset[str]
    access_local_only: frozenset[str]
    barrier_passable: frozenset[str]
    barrier_delay_s: dict[str, float]
    turns: TurnCosts
    urban_limit: str
    """Limit of an untagged road inside a built-up area (``"RU:urban"``), ``""``: none."""
    way: WayRules = field(default_factory=WayRules)
    """Route weights, size limits, length measure (:mod:`geo._way_rules`)."""

    def info(self) -> dict[str, Any]:
        """Every parameter, JSON-serialisable (for provenance)."""
        return {
            "maxspeed_keys": list(self.maxspeed_keys),
            "maxspeed_none": self.maxspeed_none,
            "caps_kph": {k: dict(v) for k, v in self.caps.items()},
            "access": {
                "hierarchy": list(self.access_hierarchy),
                "open": sorted(self.access_open),
                "closed": sorted(self.access_closed),
                "local_only": sorted(self.access_local_only),
            },
            "barriers": {
                "passable": sorted(self.barrier_passable),
                "delay_s": dict(self.barrier_delay_s),
            },
            "settlements": {"urban_limit": self.urban_limit},
            "turns": asdict(self.turns),
            "way": self.way.info(),
        }


def _strings(raw: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = raw.get(key)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UralAccessError(f"{where}: {key} must be a list of strings")
    return tuple(value)


def _number(raw: dict[str, Any], key: str, where: str) -> float:
    value = raw.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise UralAccessError(f"{where}: {key} must be a finite number, not {value!r}")
    if value < 0:
        raise UralAccessError(f"{where}: {key} must be >= 0, not {value!r}")
    return float(value)


@cache
def load_profile(name: str = "ru") -> Profile:
    """The road rules of a bundled profile (read once per process).

    Raises
    ------
    ParameterError
        ``name`` is not a bundled profile.
    UralAccessError
        Its table lacks a section or holds a wrong value (a packaging bug).
    """
    check_model_name(name)
    table = load_model(name)
    path = table.path
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    where = str(path)
    try:
        maxspeed, caps_raw, access = raw["maxspeed"], raw["caps"], raw["access"]
        barriers, turns = raw["barriers"], raw["turns"]
    except KeyError as exc:
        raise UralAccessError(f"{where}: no [{exc.args[0]}] table") from exc
    caps = {
        kind: {str(k): _number(v, k, f"{where} [caps.{kind}]") for k in v}
        for kind, v in caps_raw.items()
        if isinstance(v, dict)
    }
    none = str(maxspeed.get("none", "legal"))
    if none != "legal" and math.isnan(parse_maxspeed(none)):
        raise UralAccessError(f"{where}: maxspeed.none must be 'legal' or km/h, not {none!r}")
    u_turns = str(turns.get("u_turns", ""))
    if u_turns not in {"dead_end", "anywhere"}:
        raise UralAccessError(f"{where}: turns.u_turns must be 'dead_end' or 'anywhere'")
    bearings = str(turns.get("bearings", "segment"))
    if bearings not in {"segment", "osrm"}:
        raise UralAccessError(f"{where}: turns.bearings must be 'segment' or 'osrm'")
    delay = barriers.get("delay_s", {})
    costs = TurnCosts(
        **{k: _number(turns, k, f"{where} [turns]") for k in _TURN_NUMBERS},
        gate_s=max([_number(delay, k, f"{where} [barriers.delay_s]") for k in delay] or [0.0]),
        u_turns=u_turns,
        bearings=bearings,
        penalty_step_s=_number(turns, "penalty_step_s", f"{where} [turns]")
        if "penalty_step_s" in turns
        else 0.0,
    )
    return Profile(
        name=name,
        maxspeed_keys=_strings(maxspeed, "keys", f"{where} [maxspeed]"),
        maxspeed_none=none,
        caps=caps,
        access_hierarchy=_strings(access, "hierarchy", f"{where} [access]"),
        access_open=frozenset(_strings(access, "open", f"{where} [access]")),
        access_closed=frozenset(_strings(access, "closed", f"{where} [access]")),
        access_local_only=frozenset(_strings(access, "local_only", f"{where} [access]")),
        barrier_passable=frozenset(_strings(barriers, "passable", f"{where} [barriers]")),
        barrier_delay_s={str(k): float(v) for k, v in delay.items()},
        turns=costs,
        urban_limit=str(raw.get("settlements", {}).get("urban_limit", "")),
        way=way_rules(raw, where),
    )


# --------------------------------------------------------------------------------------
# Access
# --------------------------------------------------------------------------------------


def _access_class(value: object, profile: Profile) -> int:
    """Class of one resolved access value; a list "a;b" takes its most permissive item."""
    if not isinstance(value, str) or not value:
        return OPEN
    items = [v.strip().lower() for v in value.split(";")]
    classes = [
        OPEN
        if v in profile.access_open
        else LOCAL_ONLY
        if v in profile.access_local_only
        else CLOSED
        if v in profile.access_closed
        else OPEN  # an unknown value does not close a road (OSRM: default speed)
        for v in items
        if v
    ]
    return min(classes) if classes else OPEN


def edge_access(access: npt.ArrayLike, profile: str | Profile = "ru") -> npt.NDArray[np.int8]:
    """Access class of each directed edge (:data:`OPEN`, :data:`LOCAL_ONLY`, :data:`CLOSED`).

    Parameters
    ----------
    access
        The edge's access value for cars in its direction of travel: the first of the
        ``access_hierarchy`` keys present (with ``:forward``/``:backward``), as
        :func:`geo.network.build_network` resolves it; ``""`` where none is tagged.
    profile
        A profile name or :class:`Profile`.
    """
    prof = load_profile(profile) if isinstance(profile, str) else profile
    values = np.asarray(access, dtype=object)
    return _per_value(values, lambda u: _access_class(u, prof), np.int8, missing=OPEN)


def _metres(value: object) -> float:
    """``maxheight`` as OSRM's car profile reads it: a bare number of metres, else NaN.

    Not :func:`parse_maxspeed`, whose plausible range is that of speeds (2 m is no speed).
    """
    try:
        return float(str(value))
    except ValueError:
        return math.nan


def node_obstacles(
    barrier: npt.ArrayLike,
    highway: npt.ArrayLike,
    access: npt.ArrayLike,
    bollard: npt.ArrayLike,
    kerb: npt.ArrayLike,
    maxheight: npt.ArrayLike,
    profile: str | Profile = "osrm-car",
    direction: npt.ArrayLike | None = None,
) -> npt.NDArray[np.int8]:
    """Obstacle code of each node from its tags, by OSRM car.lua ``process_node``.

    A node whose access for cars is closed blocks; else a ``barrier`` not passable
    (see ``[barriers]``) blocks, except a rising bollard, a lowered or flush kerb, a kerb
    on a crossing and a height restrictor higher than 2.0 m; a gate or lift gate delays;
    ``highway=traffic_signals``/``stop``/``give_way`` delay; those whose ``direction``
    (for signals ``traffic_signals:direction`` first) is ``forward`` or ``backward`` delay
    only that direction of the ways through the node (OSRM ``lib/obstacles.lua``).
    Each argument holds one value per node (None where the tag is absent).
    """
    prof = load_profile(profile) if isinstance(profile, str) else profile
    columns = [np.asarray(c, dtype=object) for c in (barrier, highway, access, bollard, kerb)]
    height = np.asarray(maxheight, dtype=object)
    out = np.zeros(len(columns[0]), dtype=np.int8)
    way_direction = (
        np.asarray(direction, dtype=object) if direction is not None else np.full(len(out), None)
    )
    for i, (bar, hw, acc, bol, krb) in enumerate(zip(*columns, strict=True)):
        cls = _access_class(acc, prof) if isinstance(acc, str) else None
        if cls == CLOSED:
            out[i] = OBSTACLE_BARRIER
        elif isinstance(bar, str) and cls is None:
            if bar in prof.barrier_delay_s:
                out[i] = OBSTACLE_GATE
            elif bar == "height_restrictor":
                limit = _metres(height[i])
                if limit < 2.0:
                    out[i] = OBSTACLE_BARRIER
            elif not (
                bar in prof.barrier_passable
                or bol == "rising"
                or krb in {"lowered", "flush"}
                or (bar == "kerb" and hw == "crossing")
            ):
                out[i] = OBSTACLE_BARRIER
        if out[i] == OBSTACLE_NONE and isinstance(hw, str):
            out[i] = {
                "traffic_signals": OBSTACLE_SIGNALS,
                "stop": OBSTACLE_STOP,
                "give_way": OBSTACLE_GIVE_WAY,
            }.get(hw, OBSTACLE_NONE)
            if out[i] in _DIRECTED and way_direction[i] in ("forward", "backward"):
                out[i] = _DIRECTED[int(out[i])][0 if way_direction[i] == "forward" else 1]
    return out


# --------------------------------------------------------------------------------------
# Speeds
# --------------------------------------------------------------------------------------


def _caps_kph(values: npt.ArrayLike, caps: dict[str, float]) -> FloatArray:
    """Cap (km/h) of each value; ``inf`` where the value does not cap."""
    return np.asarray(
        _per_value(
            np.asarray(values, dtype=object),
            lambda u: caps.get(str(u).strip().lower(), math.inf),
            np.float64,
            missing=math.inf,
        ),
        dtype=np.float64,
    )


def _per_value(
    values: npt.NDArray[np.object_],
    fn: Callable[[object], object],
    dtype: npt.DTypeLike,
    *,
    missing: object,
) -> npt.NDArray[Any]:
    """``fn`` of each value as an array of ``dtype``, called once per distinct value;
    ``missing`` where a value is None or NaN."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    table: npt.NDArray[Any] = np.array([fn(u) for u in uniques] + [missing], dtype=dtype)
    return table[np.asarray(codes, dtype=np.intp)]


def _test_per_value(
    values: npt.NDArray[np.object_], test: Callable[[object], object]
) -> npt.NDArray[np.bool_]:
    """``test`` of each value (``test(None)`` for missing ones), once per distinct value."""
    return np.asarray(
        _per_value(values, lambda u: bool(test(u)), bool, missing=bool(test(None))), dtype=bool
    )


def profile_speeds_kph(
    highway: npt.ArrayLike,
    maxspeed: npt.ArrayLike,
    profile: str = "ru",
    factor: float = 1.0,
    *,
    surface: npt.ArrayLike | None = None,
    tracktype: npt.ArrayLike | None = None,
    smoothness: npt.ArrayLike | None = None,
    maxspeed_advisory: npt.ArrayLike | None = None,
    urban: npt.ArrayLike | None = None,
) -> FloatArray:
    """Free-flow speed (km/h) of each edge under a profile.

    :func:`geo.speeds.edge_speeds_kph` (tagged limit × the profile's share, else the class
    speed), with ``maxspeed=none`` read as the profile says (a number, or the class's legal
    limit), an advisory limit first where the profile reads it, an untagged road inside a
    built-up area (``urban``) capped at the profile's urban limit, then capped by surface,
    track grade and smoothness (the lowest cap applies), then times ``factor``.
    Impassable surfaces (cap 0) give a speed of 1 km/h, not 0, so times stay finite;
    they are the exception OSRM routes around too.
    """
    prof = load_profile(profile)
    model = load_model(profile)
    hw = np.asarray(highway, dtype=object)
    ms = np.asarray(maxspeed, dtype=object).copy()
    if maxspeed_advisory is not None and "maxspeed:advisory" in prof.maxspeed_keys:
        adv = np.asarray(maxspeed_advisory, dtype=object)
        has = _test_per_value(adv, lambda a: isinstance(a, str) and a != "")
        ms[has] = adv[has]
    is_none = _test_per_value(ms, lambda m: isinstance(m, str) and m.strip().lower() == "none")
    if is_none.any():
        if prof.maxspeed_none == "legal":
            legal = np.array(
                [model.legal_kph.get(str(h), math.nan) for h in hw[is_none]], dtype=np.float64
            )
            ms[is_none] = [str(v) if math.isfinite(v) else None for v in legal]
        else:
            ms[is_none] = prof.maxspeed_none
    untagged = _test_per_value(ms, lambda m: not (isinstance(m, str) and m))
    speed = edge_speeds_kph(hw, ms, factor=1.0, model=profile)
    if prof.way.keep_below_floor:  # car.lua drives at a tagged 3 km/h too
        small = small_limits_kph(np.where(untagged, "", ms.astype(str)))
        speed = np.where(np.isfinite(small), small * model.tagged_share, speed)
    cap = np.full(len(speed), math.inf)
    if urban is not None and prof.urban_limit:
        inside = np.asarray(urban, dtype=bool) & untagged
        cap[inside] = parse_maxspeed(prof.urban_limit) * model.tagged_share
    for kind, values in (
        ("surface", surface),
        ("tracktype", tracktype),
        ("smoothness", smoothness),
    ):
        if values is not None and kind in prof.caps:
            cap = np.minimum(cap, _caps_kph(values, prof.caps[kind]))
    speed = np.minimum(speed, np.maximum(cap, 1.0))
    return np.asarray(speed * check_speed_factor(factor, "speed factor"), dtype=np.float64)


def profile_info(profile: str = "ru", factor: float = 1.0) -> dict[str, Any]:
    """Provenance of a profile: :func:`geo.speeds.speed_model_info` plus every road rule."""
    info = speed_model_info(profile, factor)
    info["rules"] = load_profile(profile).info()
    info["limits"] = "free flow: no traffic; junction costs as in rules.turns"
    return info


def node_obstacle_codes(
    n_nodes: int, rule_tags: NodeRuleTags | None, profile: str | Profile = "osrm-car"
) -> npt.NDArray[np.int8]:
    """Obstacle code of each of ``n_nodes`` road nodes from the tags OSM gave a few of.

    A node's access for cars is the first of ``motorcar``, ``motor_vehicle``, ``vehicle``
    and ``access`` it has (as OSRM's car profile reads it); :func:`node_obstacles` does the rest.
    """
    codes = np.zeros(n_nodes, dtype=np.int8)
    if rule_tags is None or len(rule_tags.index) == 0:
        return codes
    tags = rule_tags.tags
    access = tags["motorcar"].copy()
    for key in ("motor_vehicle", "vehicle", "access"):
        empty = np.array([v is None for v in access], dtype=bool)
        access[empty] = tags[key][empty]
    # lib/obstacles.lua: traffic_signals:direction trumps direction
    direction = tags["traffic_signals:direction"].copy()
    empty = np.array([v is None for v in direction], dtype=bool)
    direction[empty] = tags["direction"][empty]
    codes[rule_tags.index] = node_obstacles(
        tags["barrier"],
        tags["highway"],
        access,
        tags["bollard"],
        tags["kerb"],
        tags["maxheight"],
        profile,
        direction=direction,
    )
    return codes
