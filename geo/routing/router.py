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
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from scipy.sparse import csr_array
from scipy.sparse.csgraph import dijkstra

from ..errors import RoutingError, UralAccessWarning
from ..network.profile import load_profile, weight_factors
from ..network.road_network import RoadNetwork
from ..study.options import DEFAULT_DETOUR_FACTOR, DEFAULT_LIMIT_KM, DEFAULT_SPEED_KPH
from ._movements import MovementSearch
from ._paths import TreePaths
from ._route import Route
from ._snap import cut_off_places, join_places
from ._tree import NO_PRED, SNAP_COLUMNS, ShortestPathTree, Snap
from .last_mile import AccessLeg
from .turns import TurnGraph, build_turn_graph, closed_edges

if TYPE_CHECKING:
    from ..study.definition import Study

__all__ = ["Route", "Router", "ShortestPathTree", "Snap"]


class Router(MovementSearch, TreePaths):
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
        name = profile or str(network.provenance.get("speed_model", {}).get("name", "ru"))
        self.profile = load_profile(name)
        self.snap = Snap(pd.DataFrame(columns=list(SNAP_COLUMNS)))
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
        # A place joins the nearest road a car may drive: not a closed one (a road
        # closed by a scenario, or by its access), whose movements the turn graph leaves out.
        closed = closed_edges(net, self.profile)
        open_roads = net.geometry.copy()
        open_roads[closed] = None
        joins = join_places(open_roads, lon, lat, leg.limit_m)
        if closed.any():
            self._warn_closed_nearest(places, net.geometry[closed], joins.nearest_m)
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
                    "connected to it by road (an island, a part reached by ferry only, or a gap in "
                    "the road data), "
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

    def _warn_closed_nearest(
        self, places: pd.DataFrame, closed: npt.NDArray[np.object_], open_m: npt.NDArray[np.float64]
    ) -> None:
        """Warn where a place's nearest road is closed to cars, so that it joins a farther
        open one: its times may then differ either way from those with that road open."""
        lon = places["lon"].to_numpy(dtype=float)
        lat = places["lat"].to_numpy(dtype=float)
        closed_m = join_places(closed, lon, lat, self.access.limit_m).nearest_m
        with np.errstate(invalid="ignore"):
            moved = (closed_m < np.nan_to_num(open_m, nan=np.inf) - 1.0) & (
                closed_m <= self.access.limit_m
            )
        names = places["name"] if "name" in places else places["place_id"].map(repr)
        for i in np.flatnonzero(moved):
            far = f"{open_m[i] / 1000:.1f} km away" if np.isfinite(open_m[i]) else "none in reach"
            warnings.warn(
                f"{names.iloc[i]}: its nearest road ({closed_m[i] / 1000:.1f} km away) is closed "
                f"to cars, so it joins the nearest open road ({far}); its drive times may "
                "differ either way from those with that road open",
                UralAccessWarning,
                stacklevel=4,
            )

    def place_joins(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """(network edge, place row) of every join: each road a place is joined to (both
        pieces of a split edge give one pair), sorted by edge, then place."""
        n_places = len(self.snap.table)
        piece = (self.edge_base >= 0) & (
            (self.edge_u >= self.n_base) | (self.edge_v >= self.n_base)
        )
        # A piece runs from or to its place's join point, node n_base + n_places + row.
        row = np.maximum(self.edge_u[piece], self.edge_v[piece]) - self.n_base - n_places
        pairs = np.unique(np.column_stack([self.edge_base[piece], row]).astype(np.int64), axis=0)
        return pairs[:, 0], pairs[:, 1]

    def place_nodes(self, place_ids: Sequence[object] | npt.ArrayLike) -> npt.NDArray[np.int64]:
        """Graph node of each place (-1 for places not joined to the network)."""
        lookup = dict(zip(self.snap.table["place_id"], self.snap.table["node"], strict=True))
        return np.array(
            [int(lookup.get(p, -1)) for p in np.asarray(place_ids).tolist()], dtype=np.int64
        )

    # ------------------------------------------------------------------ search
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
        pred = np.where(best >= 0, self.edge_u[edge], NO_PRED).astype(np.int32)
        pred[source] = NO_PRED
        return ShortestPathTree(
            source,
            time,
            pred,
            self,
            state_time=state_time,
            state_pred=state_pred,
            best_state=best,
        )


def _left_hand(side: object) -> bool:
    if side in (None, "right"):
        return False
    if side == "left":
        return True
    raise RoutingError(f"driving_side must be 'right' or 'left', got {side!r}")
