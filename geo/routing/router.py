"""Exact fastest-route search on compact arrays (``scipy.sparse.csgraph``).

:class:`Router` holds the network as a CSR matrix of travel times, with every study
place inserted as an extra node at the exact point where it meets the nearest road (the
road's edge is split there, in each direction it can be driven). One-to-all searches
give a :class:`ShortestPathTree`: times, predecessors, and route lengths along the
fastest routes, all as arrays over the nodes.

With ``turns=True`` (the default) the search runs on the graph of road-to-road movements
(:mod:`geo.turns`): turn restrictions, barriers, local-only roads, turn and junction
costs of the network's profile apply. ``turns=False`` is the plain node graph.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from scipy.sparse import csr_array
from scipy.sparse.csgraph import dijkstra
from shapely.geometry import LineString

from ..base.arrays import FloatArray, IntArray
from ..errors import RoutingError, UralAccessWarning
from ..network.profile import load_profile, weight_factors
from ..network.road_network import RoadNetwork
from ..study.options import DEFAULT_DETOUR_FACTOR, DEFAULT_LIMIT_KM, DEFAULT_SPEED_KPH
from ._route import Route, substring_of, sum_to_root
from ._snap import cut_off_places, join_places
from .last_mile import AccessLeg
from .turns import TurnGraph, build_turn_graph

if TYPE_CHECKING:
    from ..study.definition import Study

__all__ = ["Route", "Router", "ShortestPathTree", "Snap"]

_NO_PRED = -9999  # scipy's marker for "no predecessor"

_SNAP_COLUMNS = (
    "place_id",
    "lon",
    "lat",
    "node",
    "snap_m",
    "edge",
    "fraction",
    "nearest_road_m",
    "cut_off",
    "join_lon",
    "join_lat",
    "access_m",
    "access_s",
)


@dataclass(frozen=True)
class Snap:
    """Where each place meets the network (one row per place)."""

    table: pd.DataFrame
    """Columns: place_id, lon, lat, node (the town's node, -1 if not joined), snap_m
    (straight-line join distance), edge, fraction (where on the edge), nearest_road_m
    (within the limit or not), cut_off, join_lon, join_lat, access_m and access_s (the
    access leg's road length and drive time)."""


@dataclass
class ShortestPathTree:
    """Fastest routes from one source node to every node."""

    source: int
    time_s: npt.NDArray[np.float64]
    """Drive time to each node; ``inf`` where unreachable."""
    pred: npt.NDArray[np.int32]
    """Previous node on the fastest route; -9999 at the source and unreachable nodes."""
    router: Router = field(repr=False)
    _dist_m: npt.NDArray[np.float64] | None = field(default=None, repr=False)
    state_time: npt.NDArray[np.float64] | None = field(default=None, repr=False)
    """Movement search only: time to the start of each state's edge."""
    state_pred: npt.NDArray[np.int32] | None = field(default=None, repr=False)
    """Movement search only: previous state (-9999 at the start states)."""
    best_state: npt.NDArray[np.int64] | None = field(default=None, repr=False)
    """Movement search only: the state whose edge reaches each node first (-1 if none)."""

    @property
    def dist_m(self) -> npt.NDArray[np.float64]:
        """Length of the fastest route to every node; ``nan`` where unreachable.

        Summed over the whole tree on first use (pointer jumping); for the few
        destinations a table needs, :meth:`dist_to` walks only their routes.
        """
        if self._dist_m is None:
            if self.state_pred is None:
                self._dist_m = self.router.accumulate(
                    self.source, self.pred, self.router.edge_length
                )
            else:
                self._dist_m = self.router._state_lengths(self)
        return self._dist_m

    def dist_to(self, targets: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Length of the fastest route to each of ``targets``; ``nan`` where unreachable."""
        nodes = np.asarray(targets, dtype=np.int64)
        if self._dist_m is not None:
            return self._dist_m[nodes]
        return self.router.path_sums(self, nodes, self.router.edge_length)


class Router:
    """A road network in CSR form, with places inserted as nodes.

    Each place is two extra nodes: the town itself and its join point, the nearest point
    of the nearest road, where that road's edge is split in each direction it can be
    driven. An access leg (:class:`~geo.access_leg.AccessLeg`) links town and join point
    both ways, so every route from or to a town includes its last mile.

    Parameters
    ----------
    network
        The road network with ``travel_time_s`` per edge.
    places
        Optional table with columns ``place_id``, ``lon``, ``lat`` (and ``name``, for
        warnings). Each place is joined to the nearest road within ``snap_limit_km``; a
        place farther away gets node -1 (its results become NaN) and one warning, and a
        place whose nearest road lies on a part cut off from the network (an island)
        gets node -1 and a warning saying so.
    snap_limit_km
        Largest allowed straight-line distance between a place and the road it joins, km
        (the study's ``[routing] snap_limit_km``; keyword only, so that no caller can give
        metres by position, as an older version took).
    detour_factor, access_speed_kph
        The access leg's road distance over straight-line distance, and its speed.
    turns
        Search the graph of movements (turn restrictions, barriers, local-only roads, turn
        and junction costs of ``profile``); False: the plain node graph.
    profile
        Profile whose access rules and junction costs apply; default: the network's.
    driving_side
        ``"right"`` or ``"left"`` (traffic keeps left: turn costs mirrored); default: the
        network's ``provenance["driving_side"]``, else right.
    """

    def __init__(
        self,
        network: RoadNetwork,
        places: pd.DataFrame | None = None,
        *,
        snap_limit_km: float = DEFAULT_LIMIT_KM,
        detour_factor: float = DEFAULT_DETOUR_FACTOR,
        access_speed_kph: float = DEFAULT_SPEED_KPH,
        turns: bool = True,
        profile: str | None = None,
        driving_side: str | None = None,
    ) -> None:
        self.network = network
        self.n_base = network.n_nodes
        self.access = AccessLeg(snap_limit_km * 1000.0, detour_factor, access_speed_kph)
        # Coordinates of every node, the places' town and join nodes included.
        self.node_lon, self.node_lat = network.node_lon, network.node_lat
        # Augmented edge list: network edges, then place pieces. A piece covers the
        # fraction [f0, f1] of network edge `base` (for geometry).
        u, v = network.u, network.v
        time, length = network.travel_time_s, network.length_m
        base = np.arange(network.n_edges)
        f0 = np.zeros(network.n_edges)
        f1 = np.ones(network.n_edges)
        self.snap = Snap(pd.DataFrame(columns=list(_SNAP_COLUMNS)))
        if places is not None and len(places):
            table, pieces = self._snap_places(places)
            self.snap = Snap(table)
            if len(pieces):
                u = np.concatenate([u, pieces["u"].to_numpy()])
                v = np.concatenate([v, pieces["v"].to_numpy()])
                time = np.concatenate([time, pieces["time"].to_numpy()])
                length = np.concatenate([length, pieces["length"].to_numpy()])
                base = np.concatenate([base, pieces["base"].to_numpy()])
                f0 = np.concatenate([f0, pieces["f0"].to_numpy()])
                f1 = np.concatenate([f1, pieces["f1"].to_numpy()])
        self.n = self.n_base + 2 * len(self.snap.table)
        # Route weights (profiles that weigh roads, geo._way_rules): time / factor.
        name = profile or str(network.provenance.get("speed_model", {}).get("name", "ru"))
        self.profile = load_profile(name)
        factor = weight_factors(network.rules, network.oneway, self.profile.way)
        self.weighted = bool(turns and np.any(factor < 1.0))
        weight = time / np.where(base >= 0, factor[base.clip(0)], 1.0) if self.weighted else time
        # Parallel edges: keep the lightest (then fastest, shortest), as Dijkstra would.
        order = np.lexsort((length, time, weight, u.astype(np.int64) * self.n + v))
        u, v, time, length = u[order], v[order], time[order], length[order]
        base, f0, f1, weight = base[order], f0[order], f1[order], weight[order]
        first = np.ones(len(u), dtype=bool)
        first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
        self.edge_u, self.edge_v = u[first], v[first]
        self.edge_time, self.edge_length = time[first], length[first]
        self.edge_weight = weight[first]
        """Route weight of each edge: its time, divided by its weight factor where the
        profile weighs roads (the search minimises weight, reports time)."""
        self.edge_base, self.edge_f0, self.edge_f1 = base[first], f0[first], f1[first]
        # Weight is at least the time; a search limited to T seconds may need weight T / f.
        self._weight_reach = float(1.0 / factor.min()) if self.weighted and len(factor) else 1.0
        self._keys = self.edge_u * self.n + self.edge_v
        indptr = np.zeros(self.n + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.edge_u, minlength=self.n), out=indptr[1:])
        # Explicit zeros stay edges in csgraph (zero-length segments are real roads).
        self.matrix = csr_array((self.edge_time, self.edge_v, indptr), shape=(self.n, self.n))
        self.turn_graph: TurnGraph | None = None
        if turns:
            self.turn_graph = build_turn_graph(
                edge_u=self.edge_u,
                edge_v=self.edge_v,
                edge_cost=self.edge_weight,
                edge_base=self.edge_base,
                n_nodes=self.n,
                n_base_nodes=self.n_base,
                network=network,
                profile=self.profile,
                left_hand=_left_hand(driving_side or network.provenance.get("driving_side")),
            )
            tg = self.turn_graph
            # States grouped by the node their edge ends at, for "best arrival" per node.
            ends = self.edge_v[tg.state_edge]
            self._arrive_order = np.argsort(ends, kind="stable")
            self._arrive_ptr = np.zeros(self.n + 1, dtype=np.int64)
            np.cumsum(np.bincount(ends, minlength=self.n), out=self._arrive_ptr[1:])

    # ------------------------------------------------------------------ snapping
    @classmethod
    def for_study(cls, network: RoadNetwork, places: pd.DataFrame, study: Study) -> Router:
        """A router whose access legs are the study's.

        ``snap_limit_km`` and ``access_detour_factor`` of ``[routing]``, and its
        ``access_speed_kph`` times the study's speed factor, like every road of
        ``network`` (which must already carry the study's speed model and factor).

        Parameters
        ----------
        network
            The road network with ``travel_time_s`` per edge.
        places
            Table with ``place_id``, ``name``, ``lon`` and ``lat``.
        study
            The study whose ``[routing]`` and ``[speed]`` options apply.

        Returns
        -------
        Router
            Over the movement graph, with the network's profile and driving side.
        """
        routing = study.routing
        return cls(
            network,
            places,
            snap_limit_km=routing.snap_limit_km,
            detour_factor=routing.access_detour_factor,
            access_speed_kph=routing.access_speed_kph * study.speed.factor,
        )

    def _snap_places(self, places: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        net, leg = self.network, self.access
        n_places = len(places)
        lon = places["lon"].to_numpy(dtype=float)
        lat = places["lat"].to_numpy(dtype=float)
        joins = join_places(net.geometry, lon, lat, leg.limit_m)
        cut_off = cut_off_places(net.dropped_geometry, lon, lat, joins.nearest_m, leg.limit_m)
        keep = ~cut_off[joins.place]
        place, edge_j, frac_j = joins.place[keep], joins.edge[keep], joins.fraction[keep]
        joined = np.zeros(n_places, dtype=bool)
        joined[place] = True
        # Town i is node n_base + i, its join point node n_base + n_places + i.
        town = np.where(joined, self.n_base + np.arange(n_places), -1)
        join_node = self.n_base + n_places + np.arange(n_places)
        # The first join of each place (lowest edge index) describes it in the table.
        first = np.r_[True, place[1:] != place[:-1]][: len(place)]
        edge = np.full(n_places, -1, dtype=np.int64)
        fraction = np.full(n_places, np.nan)
        edge[place[first]] = edge_j[first]
        fraction[place[first]] = frac_j[first]
        join_m = np.where(joined, joins.snap_m, np.nan)
        join_pt = shapely.line_interpolate_point(
            net.geometry[np.maximum(edge, 0)], np.nan_to_num(fraction), normalized=True
        )
        join_xy = np.where(joined[:, None], shapely.get_coordinates(join_pt), np.nan)
        self.node_lon = np.concatenate([net.node_lon, lon, join_xy[:, 0]])
        self.node_lat = np.concatenate([net.node_lat, lat, join_xy[:, 1]])
        table = pd.DataFrame(
            {
                "place_id": places["place_id"].to_numpy(),
                "lon": lon,
                "lat": lat,
                "node": town,
                "snap_m": join_m,
                "edge": edge,
                "fraction": fraction,
                "nearest_road_m": joins.nearest_m,
                "cut_off": cut_off,
                "join_lon": join_xy[:, 0],
                "join_lat": join_xy[:, 1],
                "access_m": leg.length_m(join_m),
                "access_s": leg.time_s(join_m),
            }
        )
        # Each join splits its edge in two pieces: edge start -> join point -> edge end;
        # the access leg links the join point and the town both ways (base -1: no road).
        e, f, at = edge_j, frac_j, join_node[place]
        t, length = net.travel_time_s[e], net.length_m[e]
        towns = np.flatnonzero(joined)
        leg_t, leg_len = leg.time_s(join_m[towns]), leg.length_m(join_m[towns])
        no_road = np.full(2 * len(towns), -1)
        pieces = pd.DataFrame(
            {
                "u": np.concatenate([net.u[e], at, join_node[towns], town[towns]]),
                "v": np.concatenate([at, net.v[e], town[towns], join_node[towns]]),
                "time": np.concatenate([f * t, (1 - f) * t, leg_t, leg_t]),
                "length": np.concatenate([f * length, (1 - f) * length, leg_len, leg_len]),
                "base": np.concatenate([e, e, no_road]),
                "f0": np.concatenate([np.zeros(len(e)), f, np.zeros(2 * len(towns))]),
                "f1": np.concatenate([f, np.ones(len(e)), np.ones(2 * len(towns))]),
            }
        )
        names = places["name"] if "name" in places else places["place_id"].map(repr)
        for i in np.flatnonzero(~joined):
            where = f"{names.iloc[i]} ({lat[i]:.4f} N, {lon[i]:.4f} E)"
            if cut_off[i]:
                message = (
                    f"{where} is cut off from the road network: its nearest roads are not "
                    "connected to it by road (an island, or a part reached by ferry only), "
                    "so its drive times are NaN"
                )
            elif np.isfinite(joins.nearest_m[i]):
                message = (
                    f"{where} is {joins.nearest_m[i] / 1000:.1f} km from the nearest road of "
                    f"the network, beyond the {leg.limit_m / 1000:g} km access limit: its "
                    "drive times are NaN"
                )
            else:
                message = f"{where}: the network has no roads, so its drive times are NaN"
            warnings.warn(message, UralAccessWarning, stacklevel=3)
        return table, pieces

    def place_nodes(self, place_ids: Sequence[object] | npt.ArrayLike) -> npt.NDArray[np.int64]:
        """Graph node of each place (-1 for places not joined to the network)."""
        lookup = dict(zip(self.snap.table["place_id"], self.snap.table["node"], strict=True))
        return np.array(
            [int(lookup.get(p, -1)) for p in np.asarray(place_ids).tolist()], dtype=np.int64
        )

    # ------------------------------------------------------------------ search
    def edge_index(self, u: npt.ArrayLike, v: npt.ArrayLike) -> npt.NDArray[np.int64]:
        """Index of edge ``u → v`` in the (de-duplicated) edge arrays."""
        keys = np.asarray(u, dtype=np.int64) * self.n + np.asarray(v, dtype=np.int64)
        idx = np.searchsorted(self._keys, keys)
        if np.any(idx >= len(self._keys)) or np.any(
            self._keys[idx.clip(max=len(self._keys) - 1)] != keys
        ):
            raise RoutingError("asked for an edge that is not in the graph")
        return idx

    def times(self, sources: npt.ArrayLike, limit_s: float = np.inf) -> npt.NDArray[np.float64]:
        """Drive times (s) from each source node to every node, shape ``(k, n)``."""
        src = np.atleast_1d(np.asarray(sources, dtype=np.int64))
        if self.turn_graph is None:
            return np.atleast_2d(dijkstra(self.matrix, directed=True, indices=src, limit=limit_s))
        out = np.empty((len(src), self.n))
        for i, s in enumerate(src.tolist()):
            state_weight, state_pred = self._state_search(s, limit_s, self.weighted)
            state_time = self._state_durations(state_weight, state_pred)
            out[i] = self._arrivals(s, state_weight, state_time, limit_s)[0]
        return out

    def tree(self, source: int, limit_s: float = np.inf) -> ShortestPathTree:
        """The fastest-route tree from one node (route lengths follow on demand)."""
        if not 0 <= source < self.n:
            raise RoutingError(f"source node {source} is not in the graph")
        if self.turn_graph is None:
            time, pred = dijkstra(
                self.matrix, directed=True, indices=source, return_predecessors=True, limit=limit_s
            )
            return ShortestPathTree(source, time, pred, self)
        state_weight, state_pred = self._state_search(source, limit_s, True)
        state_time = self._state_durations(state_weight, state_pred)
        time, best = self._arrivals(source, state_weight, state_time, limit_s)
        edge = self.turn_graph.state_edge[best.clip(0)]
        pred = np.where(best >= 0, self.edge_u[edge], _NO_PRED).astype(np.int32)
        pred[source] = _NO_PRED
        return ShortestPathTree(
            source,
            time,
            pred,
            self,
            state_time=state_time,
            state_pred=state_pred,
            best_state=best,
        )

    # ------------------------------------------------------------------ movements
    def _state_search(
        self, source: int, limit_s: float, preds: bool
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int32]]:
        """Route weights to the start of every state from the states leaving ``source``
        (times where the profile weighs no road), and the states' predecessors."""
        tg = self.turn_graph
        assert tg is not None
        starts = tg.out_states[tg.out_start[source] : tg.out_start[source + 1]]
        if len(starts) == 0:
            return np.full(tg.n_states, np.inf), np.full(tg.n_states, _NO_PRED, np.int32)
        result = dijkstra(
            tg.matrix,
            directed=True,
            indices=starts,
            min_only=True,
            return_predecessors=preds,
            limit=limit_s * self._weight_reach,
        )
        if preds:
            return result[0], result[1]
        return result, np.empty(0, np.int32)

    def _state_durations(
        self, state_weight: npt.NDArray[np.float64], state_pred: npt.NDArray[np.int32]
    ) -> npt.NDArray[np.float64]:
        """Time to the start of every state along the lightest routes.

        An arc's weight is its edge's weight plus the movement's cost, its time the edge's
        time plus the same cost; so a state's time is its weight less the edges' weight in
        excess of their time, summed back to the start (pointer jumping).
        """
        tg = self.turn_graph
        if not self.weighted or tg is None:
            return state_weight
        pred = state_pred.astype(np.int64)
        has_pred = pred >= 0
        parent = np.where(has_pred, pred, np.arange(len(pred)))
        excess = self.edge_weight - self.edge_time
        over = sum_to_root(parent, np.where(has_pred, excess[tg.state_edge[parent]], 0.0))
        return np.asarray(state_weight - over, dtype=np.float64)

    def _arrivals(
        self,
        source: int,
        state_weight: npt.NDArray[np.float64],
        state_time: npt.NDArray[np.float64],
        limit_s: float,
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
        """Time to each node along the lightest route there (the best over the edges
        ending there, by weight) and the state giving it."""
        tg = self.turn_graph
        assert tg is not None
        order = self._arrive_order
        arrive = (state_weight + self.edge_weight[tg.state_edge])[order]
        light = np.full(self.n, np.inf)
        best = np.full(self.n, -1, dtype=np.int64)
        has = np.flatnonzero(np.diff(self._arrive_ptr) > 0)
        if len(arrive):
            light[has] = np.minimum.reduceat(arrive, self._arrive_ptr[has])
            # The first state reaching the minimum, per node (ties: lowest position).
            node_of = np.repeat(np.arange(self.n), np.diff(self._arrive_ptr))
            hit = np.flatnonzero((arrive == light[node_of]) & np.isfinite(arrive))
            first = hit[np.r_[True, node_of[hit][1:] != node_of[hit][:-1]]] if len(hit) else hit
            best[node_of[first]] = order[first]
        if not self.weighted:
            time = light
        else:
            time = np.full(self.n, np.inf)
            ok = best >= 0
            time[ok] = state_time[best[ok]] + self.edge_time[tg.state_edge[best[ok]]]
        beyond = time > limit_s
        time[beyond] = np.inf
        best[beyond] = -1
        time[source] = 0.0
        best[source] = -1
        return time, best

    def _state_lengths(self, tree: ShortestPathTree) -> npt.NDArray[np.float64]:
        """Route length to each node along a movement tree (pointer jumping over states)."""
        tg = self.turn_graph
        assert tg is not None and tree.state_pred is not None and tree.best_state is not None
        pred = tree.state_pred.astype(np.int64)
        has_pred = pred >= 0
        parent = np.where(has_pred, pred, np.arange(len(pred)))
        total = sum_to_root(
            parent, np.where(has_pred, self.edge_length[tg.state_edge[parent]], 0.0)
        )
        best = tree.best_state
        out = np.full(self.n, np.nan)
        ok = best >= 0
        out[ok] = total[best[ok]] + self.edge_length[tg.state_edge[best[ok]]]
        out[tree.source] = 0.0
        return out

    def path_edges(
        self, tree: ShortestPathTree, target: int
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """Edges of the fastest route to ``target`` and the time each is entered."""
        if target < 0 or target == tree.source or not np.isfinite(tree.time_s[target]):
            return np.zeros(0, np.int64), np.zeros(0)
        if tree.state_pred is None or tree.best_state is None:
            nodes = self.path_nodes(tree, target)
            edges = self.edge_index(nodes[:-1], nodes[1:])
            return edges, np.r_[0.0, np.cumsum(self.edge_time[edges])[:-1]]
        tg = self.turn_graph
        assert tg is not None and tree.state_time is not None
        chain = [int(tree.best_state[target])]
        while tree.state_pred[chain[-1]] >= 0:
            chain.append(int(tree.state_pred[chain[-1]]))
        states = np.array(chain[::-1], dtype=np.int64)
        return tg.state_edge[states], tree.state_time[states]

    def accumulate(
        self, source: int, pred: npt.NDArray[np.int32], weight: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.float64]:
        """Sum an edge weight along every tree path, by pointer jumping (O(n log depth))."""
        nodes = np.arange(len(pred))
        has_pred = pred >= 0
        parent = np.where(has_pred, pred, nodes).astype(np.int64)
        own = np.zeros(len(pred))
        own[has_pred] = weight[self.edge_index(pred[has_pred], nodes[has_pred])]
        out = np.where(has_pred, sum_to_root(parent, own), np.nan)
        out[source] = 0.0
        return out

    def path_sums(
        self,
        tree: ShortestPathTree,
        targets: npt.NDArray[np.int64],
        weight: npt.NDArray[np.float64],
    ) -> npt.NDArray[np.float64]:
        """Sum an edge weight along the tree path to each target only (``nan`` if none).

        All targets step back towards the source together, one edge per step, so the
        work is the targets' route lengths in edges, not the tree's size. On a movement
        tree the steps are states (an edge entered): a target's sum starts with the edge of
        the state that reaches it first and adds the edge of every earlier state.
        """
        out = np.full(len(targets), np.nan)
        if tree.state_pred is None or tree.best_state is None:
            reached = np.isfinite(tree.time_s[targets]) & (targets >= 0)
            source = tree.source

            def node_back(node: IntArray) -> tuple[IntArray, FloatArray]:
                prev = tree.pred[node].astype(np.int64)
                return prev, weight[self.edge_index(prev, node)]

            out[reached] = _walk_back(targets[reached], node_back, lambda at: at == source)
            return out
        tg = self.turn_graph
        assert tg is not None
        state_pred, best = tree.state_pred, tree.best_state
        ok = targets >= 0
        out[ok & (targets == tree.source)] = 0.0
        ok &= targets != tree.source
        ok[ok] = best[targets[ok]] >= 0

        def state_back(state: IntArray) -> tuple[IntArray, FloatArray]:
            return state_pred[state].astype(np.int64), weight[tg.state_edge[state]]

        out[ok] = _walk_back(best[targets[ok]].astype(np.int64), state_back, lambda at: at < 0)
        return out

    def path_nodes(self, tree: ShortestPathTree, target: int) -> list[int]:
        """Nodes of the fastest route from the tree's source to ``target`` (empty if none)."""
        if target < 0 or not np.isfinite(tree.time_s[target]):
            return []
        if tree.state_pred is not None and target != tree.source:
            edges, _ = self.path_edges(tree, target)
            return [*self.edge_u[edges].tolist(), int(target)]
        path = [int(target)]
        while path[-1] != tree.source:
            path.append(int(tree.pred[path[-1]]))
        return path[::-1]

    def route_line(self, tree: ShortestPathTree, target: int) -> Route | None:
        """The fastest route to ``target`` as a line with cumulative time and distance."""
        edges, entered = self.path_edges(tree, target)
        if len(edges) == 0:
            return None
        coords: list[npt.NDArray[np.float64]] = []
        times: list[npt.NDArray[np.float64]] = []
        dists: list[npt.NDArray[np.float64]] = []
        d0 = 0.0
        for e, t0 in zip(edges.tolist(), entered.tolist(), strict=True):
            if self.edge_base[e] < 0:  # an access leg: drawn straight
                a, b = self.edge_u[e], self.edge_v[e]
                xy = np.array(
                    [[self.node_lon[a], self.node_lat[a]], [self.node_lon[b], self.node_lat[b]]]
                )
            else:
                geom = self.network.geometry[self.edge_base[e]]
                f0, f1 = self.edge_f0[e], self.edge_f1[e]
                if f0 > 0 or f1 < 1:
                    geom = substring_of(geom, float(f0), float(f1))
                xy = shapely.get_coordinates(geom)
            seg = np.r_[0.0, np.cumsum(np.hypot(*np.diff(xy, axis=0).T))]
            share = seg / seg[-1] if seg[-1] > 0 else np.linspace(0, 1, len(seg))
            start = 1 if coords else 0
            coords.append(xy[start:])
            times.append(t0 + share[start:] * self.edge_time[e])
            dists.append(d0 + share[start:] * self.edge_length[e])
            d0 += float(self.edge_length[e])
        return Route(
            line=LineString(np.vstack(coords)),
            cum_time_s=np.concatenate(times),
            cum_dist_m=np.concatenate(dists),
        )


def _walk_back(
    start: IntArray,
    back: Callable[[IntArray], tuple[IntArray, FloatArray]],
    done: Callable[[IntArray], npt.NDArray[np.bool_]],
) -> FloatArray:
    """Sums along tree paths, all of them stepping back together from ``start``.

    ``back`` gives each item's parent and the weight of the step to it; an item for which
    ``done`` holds adds nothing more. The work is the paths' lengths, not the tree's size.
    """
    at = start.copy()
    total = np.zeros(len(at))
    live = np.flatnonzero(~done(at))
    while len(live):
        parent, step = back(at[live])
        total[live] += step
        at[live] = parent
        live = live[~done(parent)]
    return total


def _left_hand(side: object) -> bool:
    if side in (None, "right"):
        return False
    if side == "left":
        return True
    raise RoutingError(f"driving_side must be 'right' or 'left', got {side!r}")
