"""Routes along a :class:`~geo.routing._tree.ShortestPathTree`, for
:class:`~geo.routing.router.Router`: the edges and nodes of one route, its line with
cumulative time and distance, and an edge weight summed along every route or a few."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import LineString

from ..base.arrays import FloatArray, IntArray
from ..errors import RoutingError
from ..network.road_network import RoadNetwork
from ._route import Route, substring_of, sum_to_root
from ._tree import ShortestPathTree
from .turns import TurnGraph


class TreePaths:
    """Route queries on a search's tree; mixed into :class:`~geo.routing.router.Router`,
    which sets the attributes below."""

    n: int
    network: RoadNetwork
    turn_graph: TurnGraph | None
    node_lon: npt.NDArray[np.float64]
    node_lat: npt.NDArray[np.float64]
    edge_u: npt.NDArray[np.int64]
    edge_v: npt.NDArray[np.int64]
    edge_time: npt.NDArray[np.float64]
    edge_length: npt.NDArray[np.float64]
    edge_base: npt.NDArray[np.int64]
    edge_f0: npt.NDArray[np.float64]
    edge_f1: npt.NDArray[np.float64]
    _keys: npt.NDArray[np.int64]

    def edge_index(self, u: npt.ArrayLike, v: npt.ArrayLike) -> npt.NDArray[np.int64]:
        """Index of edge ``u → v`` in the (de-duplicated) edge arrays."""
        keys = np.asarray(u, dtype=np.int64) * self.n + np.asarray(v, dtype=np.int64)
        idx = np.searchsorted(self._keys, keys)
        if np.any(idx >= len(self._keys)) or np.any(
            self._keys[idx.clip(max=len(self._keys) - 1)] != keys
        ):
            raise RoutingError("asked for an edge that is not in the graph")
        return idx

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
