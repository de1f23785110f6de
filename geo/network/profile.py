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
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..base.arrays import FloatArray
from ..osm.roads import NodeRuleTags
from ..study.options import check_speed_factor
from ._driving_side import left_hand_edges as left_hand_edges
from ._maxspeed import parse_maxspeed
from ._profile_table import (
    BACKWARD_OBSTACLES,
    CLOSED,
    DIRECTED,
    FORWARD_OBSTACLES,
    LOCAL_ONLY,
    OBSTACLE_BARRIER,
    OBSTACLE_GATE,
    OBSTACLE_GIVE_WAY,
    OBSTACLE_GIVE_WAY_BACKWARD,
    OBSTACLE_GIVE_WAY_FORWARD,
    OBSTACLE_NONE,
    OBSTACLE_SIGNALS,
    OBSTACLE_SIGNALS_BACKWARD,
    OBSTACLE_SIGNALS_FORWARD,
    OBSTACLE_STOP,
    OBSTACLE_STOP_BACKWARD,
    OBSTACLE_STOP_FORWARD,
    OPEN,
    Profile,
    TurnCosts,
    load_profile,
)
from ._speed_model import load_model
from ._speeds import edge_speeds_kph, speed_model_info
from ._speeds import travel_times_s as travel_times_s
from ._way_rules import blocked_ways as blocked_ways
from ._way_rules import closed_by_size as closed_by_size
from ._way_rules import small_limits_kph
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
            if out[i] in DIRECTED and way_direction[i] in ("forward", "backward"):
                out[i] = DIRECTED[int(out[i])][0 if way_direction[i] == "forward" else 1]
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
