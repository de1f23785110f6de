"""The graph of road-to-road movements, for drive times with turn costs and restrictions.

A route is a sequence of directed edges; what happens at a node between two edges (a
turn, a U-turn, a traffic light, a forbidden turn) depends on both. So the search runs on
the *edge-expanded* graph: one state per directed edge ("about to drive edge ``e``"), one
arc per allowed movement ``e → f`` at the node where ``e`` ends and ``f`` starts, weighted
``time(e) + turn cost(e, f) + delay of the node``. The time to reach a node is the best
over the edges that end there of (time to the edge's start + its time).

Built here, vectorised, for a :class:`~geo.routing.Router`'s edges (places included):

- **turn restrictions** (``type=restriction`` relations via a node): ``no_*`` removes the
  movement from the ``from`` way onto the ``to`` way at the via node, ``only_*`` every
  other movement from the ``from`` way there; via ways: copies of the via edges' states
  (:mod:`geo._via_ways`);
- **barriers** that stop cars: at such a node only turning back is allowed;
- **junction costs** (:class:`~geo.profiles.TurnCosts`): a cost by turn angle where more
  than two roads meet, a U-turn cost, delays at traffic signals, stop and give-way nodes
  and gates; U-turns where the profile allows them (``dead_end``: only where no other
  movement is allowed, as OSRM; ``anywhere``), never in the middle of a road (at a place);
- **local-only roads** (``destination``, ``delivery``, ...): usable at the start or the
  end of a trip, never as a short cut through. Their edges get a second state, "in the
  destination zone": an open road may lead into it, and from it only local-only roads go
  on; the first states of a local-only edge are reached only from the trip's start zone.
  Closed edges (``no``, ``private`` in ``ru``) have no state at all.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from scipy.sparse import csr_array

from ..base.arrays import FloatArray, IntArray
from ..network.profile import (
    BACKWARD_OBSTACLES,
    CLOSED,
    FORWARD_OBSTACLES,
    LOCAL_ONLY,
    OBSTACLE_BARRIER,
    OPEN,
    Profile,
    blocked_ways,
    closed_by_size,
    edge_access,
    left_hand_edges,
)
from ..network.road_network import RoadNetwork
from ._osrm_bearings import RoadEnds, perceived_bearings
from ._via_ways import split_via_ways

__all__ = ["TurnGraph", "build_turn_graph"]


@dataclass
class TurnGraph:
    """The edge-expanded graph: states are (edge, zone) pairs, arcs are allowed movements."""

    matrix: csr_array
    """Arc weights: ``matrix[s, t]`` = cost of state ``s``'s edge (its time, or its route
    weight where the profile weighs roads, :mod:`geo._way_rules`) + movement cost (s)."""
    state_edge: IntArray
    """Router edge of each state; states ``0 .. n_edges - 1`` are edge ``i`` itself."""
    n_edges: int
    out_start: IntArray
    """States a trip from node ``x`` starts on: ``out_states[out_start[x]:out_start[x+1]]``."""
    out_states: IntArray
    n_forbidden: int
    """Movements removed by turn restrictions via a node (for the summary)."""
    n_via_way_rules: int = 0
    """Turn restrictions via ways applied (:mod:`geo._via_ways`: copies of their states)."""

    @property
    def n_states(self) -> int:
        return len(self.state_edge)


def _bearings(geometry: npt.NDArray[np.object_]) -> tuple[FloatArray, FloatArray]:
    """Compass bearing (degrees) of each line at its start and at its end."""
    _, coords, (offsets,) = shapely.to_ragged_array(geometry)
    first, last = offsets[:-1], offsets[1:] - 1

    def bearing(a: IntArray, b: IntArray) -> FloatArray:
        lat = np.radians((coords[a, 1] + coords[b, 1]) / 2)
        dx = (coords[b, 0] - coords[a, 0]) * np.cos(lat)
        dy = coords[b, 1] - coords[a, 1]
        return np.asarray(np.degrees(np.arctan2(dx, dy)), dtype=np.float64)

    return bearing(first, first + 1), bearing(last - 1, last)


def _movement_bearings(
    net: RoadNetwork, profile: Profile, n_roads: IntArray | None = None
) -> tuple[FloatArray, FloatArray]:
    """Each edge's bearing leaving its start and arriving at its end, as the profile says
    (``n_roads``: how many other nodes each node shares a road with, if known)."""
    if profile.turns.bearings != "osrm":
        return _bearings(net.geometry)
    if n_roads is None:
        n_roads = _neighbour_counts(net.u, net.v, net.n_nodes)
    assert net.node_obstacle is not None  # filled in by RoadNetwork.__post_init__
    ends = RoadEnds(
        geometry=net.geometry,
        u=net.u,
        v=net.v,
        highway=net.highway,
        junction=net.rules["junction"],
        name=net.name,
        oneway=net.oneway,
        length_m=net.length_m,
        n_roads=n_roads,
        barrier=net.node_obstacle == OBSTACLE_BARRIER,
    )
    return perceived_bearings(ends)


def closed_edges(network: RoadNetwork, profile: Profile) -> npt.NDArray[np.bool_]:
    """Whether no car of ``profile`` may drive each network edge (its access, its size
    limits, or a rule that blocks the way): such an edge has no movement, and no place
    is joined to it."""
    rules = network.rules
    closed = edge_access(rules["access"], profile) == CLOSED
    return np.asarray(
        closed | closed_by_size(rules, profile.way) | blocked_ways(rules, profile.way), dtype=bool
    )


def build_turn_graph(
    *,
    edge_u: IntArray,
    edge_v: IntArray,
    edge_cost: FloatArray,
    edge_base: IntArray,
    n_nodes: int,
    n_base_nodes: int,
    network: RoadNetwork,
    profile: Profile,
    left_hand: bool = False,
) -> TurnGraph:
    """The edge-expanded graph of a router's edges (sorted by ``edge_u``) under a profile.

    ``edge_cost`` is what driving each edge costs the search (its time, or its route
    weight); ``edge_base`` maps each router edge to the network edge it is (part of), or
    is -1 for a place's access leg (open to all, on no OSM way); nodes from
    ``n_base_nodes`` on are places and the points where they join a road. ``left_hand``:
    traffic keeps left where no way says otherwise (its ``driving_side`` tag); turn costs
    are mirrored by the side of the road a movement comes from
    (:meth:`~geo.profiles.TurnCosts.angle_cost_s`).
    """
    net = network
    m = len(edge_u)
    leg = edge_base < 0
    edge_base = np.where(leg, 0, edge_base)  # legs take no attribute of a network edge
    base_access = edge_access(net.rules["access"], profile)
    no_road = closed_by_size(net.rules, profile.way) | blocked_ways(net.rules, profile.way)
    base_access[no_road] = CLOSED
    access = np.where(leg, OPEN, base_access[edge_base])
    usable = access != CLOSED
    local = access == LOCAL_ONLY
    way = np.where(leg, -1, net.osm_way_id[edge_base])

    # Every movement e -> f at node x = v[e] = u[f] (edges are sorted by u).
    indptr = np.zeros(n_nodes + 1, dtype=np.int64)
    np.cumsum(np.bincount(edge_u, minlength=n_nodes), out=indptr[1:])
    count = indptr[edge_v + 1] - indptr[edge_v]
    e = np.repeat(np.arange(m), count)
    first = np.repeat(indptr[edge_v], count)
    f = first + np.arange(len(e)) - np.repeat(np.cumsum(count) - count, count)
    x = edge_v[e]
    keep = usable[e] & usable[f]
    e, f, x = e[keep], f[keep], x[keep]
    uturn = edge_v[f] == edge_u[e]
    real = x < n_base_nodes
    xr = np.where(real, x, 0)

    # Turn restrictions at their via node.
    forbidden = np.zeros(len(e), dtype=bool)
    restr = net.restrictions
    if restr is not None and len(restr):
        via = np.searchsorted(net.node_osmid, restr[:, 3])
        found = via < len(net.node_osmid)
        found[found] = net.node_osmid[via[found]] == restr[found, 3]
        rules = pd.DataFrame(
            {"x": via[found], "win": restr[found, 2], "wout": restr[found, 4]}
        ).assign(only=restr[found, 1] == 1)
        arcs = pd.DataFrame({"x": x, "win": way[e], "wout": way[f], "i": np.arange(len(e))})
        no = arcs.merge(rules[~rules.only], on=["x", "win", "wout"])
        forbidden[no["i"].to_numpy()] = True
        only = arcs.merge(rules[rules.only], on=["x", "win"], suffixes=("", "_only"))
        # Several only_* rules from one way at one node: a movement onto any of them stays.
        allowed = only[only.wout == only.wout_only]["i"].unique()
        forbidden[np.setdiff1d(only["i"].unique(), allowed)] = True

    blocked = np.zeros(n_nodes, dtype=bool)
    obstacle = net.node_obstacle
    assert obstacle is not None  # filled in by RoadNetwork.__post_init__
    blocked[:n_base_nodes] = obstacle == OBSTACLE_BARRIER
    ok = ~forbidden & real | (~real & ~uturn)  # no U-turn in the middle of a road
    ok &= ~(blocked[x] & ~uturn)  # a barrier lets nothing through: turn back only
    # U-turns: anywhere (profile permitting), or only where nothing else is allowed.
    if profile.turns.u_turns == "dead_end":
        others = np.bincount(e[ok & ~uturn], minlength=m)
        ok &= ~uturn | (others[e] == 0) | blocked[x]
    e, f, x, uturn, real, xr = e[ok], f[ok], x[ok], uturn[ok], real[ok], xr[ok]

    # Movement costs: angle (where more than two roads meet, or turning back) and delays.
    # A way too small for the car is no road at its junctions (OSRM drops it).
    roads = _neighbour_counts(net.u[~no_road], net.v[~no_road], n_base_nodes)
    start_b, end_b = _movement_bearings(net, profile, roads)
    angle = (start_b[edge_base[f]] - end_b[edge_base[e]] + 180.0) % 360.0 - 180.0
    angle = np.where(uturn, 180.0, angle)
    junction = real & ((roads[xr] > 2) | uturn)
    turns = profile.turns
    # OSRM charges no wait for oncoming traffic into or out of a roundabout (one-way ring)
    # nor on a U-turn (its own penalty pays for crossing).
    ring = np.isin(net.rules["junction"], ("roundabout",))
    oncoming = ~(ring[edge_base[e]] & ~leg[e]) & ~(ring[edge_base[f]] & ~leg[f]) & ~uturn
    left = left_hand_edges(net.rules["driving_side"], "left" if left_hand else "right")
    keeps_left = np.where(leg[e], left_hand, left[edge_base[e]])
    cost = np.where(junction, turns.angle_cost_s(angle, oncoming, keeps_left), 0.0)
    cost += np.where(uturn & real, turns.u_turn_penalty_s, 0.0)
    delay = turns.node_delay_s(obstacle)
    # A signal for one direction delays the traffic along its ways in that direction only.
    along = net.rules["way_direction"][edge_base[e]] != "b"
    code = obstacle[xr]
    other_way = (np.isin(code, FORWARD_OBSTACLES) & ~along) | (
        np.isin(code, BACKWARD_OBSTACLES) & along
    )
    cost += np.where(real & ~other_way, delay[xr], 0.0)
    weight = edge_cost[e] + turns.stepped(cost)

    # Destination zones: second states for local-only edges (see the module doc).
    zone = np.full(m, -1, dtype=np.int64)
    zone[local] = m + np.arange(int(local.sum()))
    # A place's access leg only ever starts or ends a trip (no U-turn at its town): from a
    # leg the trip starts on a local road as at its first edge, and from a zone it may
    # end on a leg.
    into_zone = ~local[e] & local[f] & ~leg[e]
    in_zone = local[e] & (local[f] | leg[f])
    zone_to = np.where(leg[f], f, zone[f])
    src = np.concatenate([e[~into_zone], e[into_zone], zone[e[in_zone]]])
    dst = np.concatenate([f[~into_zone], zone[f[into_zone]], zone_to[in_zone]])
    w = np.concatenate([weight[~into_zone], weight[into_zone], weight[in_zone]])
    state_edge = np.concatenate([np.arange(m), np.flatnonzero(local)])
    (src, dst, w), copy_edge, n_via = split_via_ways(
        (src, dst, w),
        state_edge,
        restrictions=restr if restr is not None else np.zeros((0, 5), np.int64),
        edge_u=edge_u,
        edge_v=edge_v,
        way=way,
    )
    state_edge = np.concatenate([state_edge, copy_edge])
    n_states = len(state_edge)
    # By source state, then target: one int64 key sorts 2-3x faster than a lexsort.
    order = np.argsort(src * np.int64(n_states) + dst, kind="stable")
    src, dst, w = src[order], dst[order], w[order]
    sptr = np.zeros(n_states + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n_states), out=sptr[1:])
    # Explicit zeros stay arcs in csgraph (a zero-length edge is a real road).
    matrix = csr_array((w, dst, sptr), shape=(n_states, n_states))
    starts = np.flatnonzero(usable)
    out_start = np.zeros(n_nodes + 1, dtype=np.int64)
    np.cumsum(np.bincount(edge_u[starts], minlength=n_nodes), out=out_start[1:])
    return TurnGraph(
        matrix=matrix,
        state_edge=state_edge,
        n_edges=m,
        out_start=out_start,
        out_states=starts,
        n_forbidden=int(forbidden.sum()),
        n_via_way_rules=n_via,
    )


def _neighbour_counts(u: IntArray, v: IntArray, n: int) -> IntArray:
    """How many other nodes each node shares a road with (a two-way road counts once).

    Each node pair is one int64 key, sorted once: ``np.unique(..., axis=0)`` on the pairs
    sorts them as structured rows, 40x slower (1.5 s on Brandenburg's 395 k edges).
    """
    lo = np.minimum(u, v).astype(np.int64)
    hi = np.maximum(u, v).astype(np.int64)
    keys = np.sort(lo * n + hi)
    keys = keys[np.r_[True, keys[1:] != keys[:-1]]] if len(keys) else keys
    return np.bincount(np.concatenate([keys // n, keys % n]), minlength=n)
