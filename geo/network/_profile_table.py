"""A driving profile's road rules as read from its table (:func:`load_profile`), and the
access classes and node obstacle codes they sort roads and nodes into; public through
:mod:`geo.network.profile`."""

from __future__ import annotations

import math
import tomllib
from dataclasses import asdict, dataclass, field, fields
from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt

from ..base.arrays import FloatArray
from ..errors import UralAccessError
from ._maxspeed import parse_maxspeed
from ._speed_model import check_model_name, load_model
from ._way_rules import WayRules, way_rules

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
DIRECTED = {
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
        table[[OBSTACLE_SIGNALS, *DIRECTED[OBSTACLE_SIGNALS]]] = self.traffic_signals_s
        table[[OBSTACLE_STOP, *DIRECTED[OBSTACLE_STOP]]] = self.stop_s
        table[[OBSTACLE_GIVE_WAY, *DIRECTED[OBSTACLE_GIVE_WAY]]] = self.give_way_s
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
