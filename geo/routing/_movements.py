"""The search over road-to-road movements (:mod:`geo.routing.turns`), for
:class:`~geo.routing.router.Router`: route weights to every state, the times along them,
the best arrival at each node, and route lengths along a movement tree."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from scipy.sparse.csgraph import dijkstra

from ._route import sum_to_root
from ._tree import NO_PRED, ShortestPathTree
from .turns import TurnGraph


class MovementSearch:
    """Searches on the movement graph; mixed into :class:`~geo.routing.router.Router`,
    which sets the attributes below."""

    n: int
    turn_graph: TurnGraph | None
    weighted: bool
    edge_time: npt.NDArray[np.float64]
    edge_length: npt.NDArray[np.float64]
    edge_weight: npt.NDArray[np.float64]
    _weight_reach: float
    _arrive_order: npt.NDArray[np.int64]
    _arrive_ptr: npt.NDArray[np.int64]

    def _state_search(
        self, source: int, limit_s: float, preds: bool
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int32]]:
        """Route weights to the start of every state from the states leaving ``source``
        (times where the profile weighs no road), and the states' predecessors."""
        tg = self.turn_graph
        assert tg is not None
        starts = tg.out_states[tg.out_start[source] : tg.out_start[source + 1]]
        if len(starts) == 0:
            return np.full(tg.n_states, np.inf), np.full(tg.n_states, NO_PRED, np.int32)
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
