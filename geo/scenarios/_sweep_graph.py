"""The turn graph as plain arrays, with exact full and incremental searches after an edit.

A candidate upgrade or closure changes the drive time of some network edges. On the
turn graph (:mod:`geo.routing.turns`) the weight of a movement ``s → t`` is the time of
state ``s``'s edge plus the movement's cost (turn, junction, delay), so changing an
edge's time changes the weight of every movement out of that edge's states, and nothing
else. :class:`SweepGraph` keeps the movement costs apart (the turn graph built once
with zero edge times: ``0 + cost`` is ``cost`` exactly), so an edited weight is computed
with the same floating-point operation a rebuilt turn graph would use.

Two ways to get the times to the start of every state after an edit:

- :meth:`SweepGraph.full` — scipy's Dijkstra on the whole edited graph;
- :meth:`SweepGraph.incremental` — from today's times, only what changes: after an
  upgrade (weights only decrease), a Dijkstra-ordered propagation from the edited
  movements that touches only states reached sooner; after a closure (weights only
  increase), the states whose fastest route used an edited movement (their subtree in
  today's tree) are searched again from their neighbours outside it.

Both give the same floating-point numbers: every value is a left-to-right sum of
movement weights along some route, relaxation only ever lowers a value to such a sum,
and at the end no movement can lower any value, which is what Dijkstra's result is too.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_array
from scipy.sparse.csgraph import dijkstra

from ..base.arrays import FloatArray, IntArray
from ..routing.router import Router
from ._relax import relax
from ._relax import relax_loop as relax_in_python
from ._sweep_build import sweep_fields
from ._sweep_closure import ClosureReset

_INF = float("inf")


@dataclass
class SweepGraph(ClosureReset):
    """A router's turn graph and today's trees from some source nodes, as arrays only
    (cheap to send to another process or machine)."""

    indptr: IntArray
    indices: IntArray
    weight: FloatArray
    """Today's movement weights (the turn graph's)."""
    cost: FloatArray
    """Each movement's cost beyond its edge's time."""
    state_edge: IntArray
    edge_time: FloatArray
    """Router edges' times today."""
    edge_piece: npt.NDArray[np.int8]
    """0: the router edge is a whole network edge; 1: its first piece (``f1 · t``);
    2: its second piece (``(1 − f0) · t``); -1: an access leg."""
    edge_f: FloatArray
    base_ptr: IntArray
    base_members: IntArray
    """Router edges of network edge ``e``: ``base_members[base_ptr[e]:base_ptr[e+1]]``."""
    state_ptr: IntArray
    state_members: IntArray
    """States of router edge ``r``."""
    source_nodes: IntArray
    sources: list[IntArray]
    """Start states of each source node."""
    base_time: list[FloatArray]
    """Today's time to the start of every state, from each source."""
    base_pred: list[npt.NDArray[np.int32]]
    targets: IntArray
    """Graph nodes whose arrival times are asked for (``arrivals``)."""
    arrive_ptr: IntArray
    arrive_states: IntArray
    compiled: bool = True
    """Run the incremental update's loop compiled (:mod:`._relax`, numba) where it can."""
    bound: list[float] = field(default_factory=list)
    """Per source: the latest finite arrival today at a target."""
    _lists: dict[Any, Any] = field(default_factory=dict, repr=False)

    # ------------------------------------------------------------------ building
    @classmethod
    def from_router(cls, router: Router, sources: IntArray, targets: IntArray) -> SweepGraph:
        """The graph of ``router`` (built with ``turns=True``) and today's trees from
        ``sources``; arrival times will be given for ``targets`` (graph nodes)."""
        graph = cls(**sweep_fields(router, sources, targets))
        graph.grow_trees()
        return graph

    def grow_trees(self) -> None:
        """Today's trees from every source, and each source's latest target arrival."""
        self.base_time, self.base_pred, self.bound = [], [], []
        self._lists.clear()
        for i in range(len(self.sources)):
            time, pred = self.search(self.weight, i, preds=True)
            self.base_time.append(time)
            self.base_pred.append(pred)
            today = self.arrivals(i, time, np.zeros(0, np.int64), np.zeros(0))
            finite = today[np.isfinite(today)]
            self.bound.append(float(finite.max()) if len(finite) else _INF)

    # ------------------------------------------------------------------ edits
    def edit(self, network_edges: IntArray, new_time: FloatArray) -> tuple[IntArray, FloatArray]:
        """Router edges of ``network_edges`` and their times if those edges took ``new_time``.

        The pieces of an edge split by a place's join take ``f1 · t`` and ``(1 − f0) · t``,
        the same operations the router uses.
        """
        parts, times = [], []
        for e, t in zip(
            np.asarray(network_edges).tolist(), np.asarray(new_time).tolist(), strict=True
        ):
            members = self.base_members[self.base_ptr[e] : self.base_ptr[e + 1]]
            parts.append(members)
            piece = self.edge_piece[members]
            f = self.edge_f[members]
            with np.errstate(invalid="ignore"):  # 0 * inf on a closed whole edge, not taken
                times.append(np.where(piece == 1, f * t, np.where(piece == 2, (1 - f) * t, t)))
        if not parts:
            return np.zeros(0, np.int64), np.zeros(0)
        return np.concatenate(parts).astype(np.int64), np.concatenate(times)

    def movements(
        self, edges: IntArray, times: FloatArray
    ) -> tuple[IntArray, IntArray, FloatArray]:
        """(states, movements, new weights) of the movements out of ``edges``' states."""
        counts = self.state_ptr[edges + 1] - self.state_ptr[edges]
        states = np.concatenate(
            [self.state_members[self.state_ptr[r] : self.state_ptr[r + 1]] for r in edges.tolist()]
            or [np.zeros(0, np.int64)]
        ).astype(np.int64)
        state_time = np.repeat(times, counts)
        n_arcs = self.indptr[states + 1] - self.indptr[states]
        starts = np.repeat(self.indptr[states], n_arcs)
        arcs = starts + np.arange(int(n_arcs.sum())) - np.repeat(np.cumsum(n_arcs) - n_arcs, n_arcs)
        new = np.repeat(state_time, n_arcs) + self.cost[arcs]
        return states, arcs.astype(np.int64), new

    # ------------------------------------------------------------------ searches
    def search(
        self, weight: FloatArray, source: int, preds: bool = False, limit: float = _INF
    ) -> tuple[FloatArray, npt.NDArray[np.int32]]:
        """scipy's Dijkstra from source ``source``'s start states on ``weight`` (states
        farther than ``limit`` are left at ``inf``)."""
        starts = self.sources[source]
        n = len(self.indptr) - 1
        if len(starts) == 0:
            return np.full(n, np.inf), np.full(n, -9999, np.int32)
        matrix = csr_array((weight, self.indices, self.indptr), shape=(n, n))
        out = dijkstra(
            matrix,
            directed=True,
            indices=starts,
            min_only=True,
            return_predecessors=preds,
            limit=limit,
        )
        if preds:
            return np.asarray(out[0]), np.asarray(out[1], dtype=np.int32)
        return np.asarray(out), np.empty(0, np.int32)

    def full(
        self, source: int, arcs: IntArray, new: FloatArray, increase: bool = False
    ) -> FloatArray:
        """Times to the states after the edit, by a full search. After an upgrade the
        search stops past today's latest target arrival (a state reached later cannot
        make any target sooner), so only :meth:`arrivals` may be read from it."""
        weight = self.weight.copy()
        weight[arcs] = new
        return self.search(weight, source, limit=_INF if increase else self.bound[source])[0]

    def _as_lists(self) -> dict[Any, Any]:
        if "base" not in self._lists:
            self._lists.update(
                indptr=self.indptr.tolist(),
                indices=self.indices.tolist(),
                weight=self.weight.tolist(),
                base=[t.tolist() for t in self.base_time],
            )
        return self._lists

    def incremental(
        self,
        source: int,
        states: IntArray,
        arcs: IntArray,
        new: FloatArray,
        increase: bool,
        max_steps: int | None = None,
    ) -> dict[int, float] | None:
        """New times of the states whose time changes after the edit (after an upgrade,
        only those that can still make a target sooner: the rest cannot change
        :meth:`arrivals`).

        ``increase``: every edited weight went up (a closure), else every one went down
        (an upgrade); mixing both is not supported. ``max_steps``: give up (return
        ``None``) after settling that many states, when a full search is the faster way.

        Runs :mod:`._relax`'s loop, compiled (numba) where it can be, else the same function
        by Python (``compiled=False``, or no numba).
        """
        base = self.base_time[source]
        # Per thread: workers of a threaded Dask cluster share one graph.
        scratch = self._lists.setdefault(("compiled", threading.get_ident()), {})
        if source not in scratch:
            scratch[source] = base.copy()
        cur: FloatArray = scratch[source]
        if "edited" not in scratch:
            scratch["edited"] = np.zeros(len(self.indptr) - 1, dtype=bool)
            scratch["arc_new"] = np.zeros(len(self.indices))
        edited, arc_new = scratch["edited"], scratch["arc_new"]
        edited[states] = True
        arc_new[arcs] = new
        lost = np.zeros(0, np.int64)
        try:
            if increase:
                over: dict[int, float] = {}
                heap: list[tuple[float, int]] = []
                changed = dict(zip(arcs.tolist(), new.tolist(), strict=True))
                self._reset_subtrees(source, states, changed, over, heap)
                lost = np.fromiter(over, np.int64, len(over))
                cur[lost] = np.fromiter(over.values(), np.float64, len(over))
                seed_t = np.array([t for t, _ in heap], dtype=np.float64)
                seed_s = np.array([y for _, y in heap], dtype=np.int64)
                bound = _INF
            else:
                src = np.searchsorted(self.indptr, arcs, side="right") - 1
                y = self.indices[arcs]
                c = base[src] + new
                order = np.lexsort((c, y))
                y, c = y[order], c[order]
                first = np.r_[True, y[1:] != y[:-1]] if len(y) else np.zeros(0, bool)
                y, c = y[first], c[first]
                better = c < cur[y]
                seed_s, seed_t = y[better], c[better]
                cur[seed_s] = seed_t
                bound = self.bound[source]
            budget = max_steps if max_steps is not None else len(base)
            loop = relax if relax is not None and self.compiled else relax_in_python
            touched, done = loop(
                self.indptr,
                self.indices,
                self.weight,
                arc_new,
                edited,
                cur,
                seed_t,
                seed_s,
                bound,
                budget,
            )
            touched = np.unique(np.concatenate([touched, lost]))
            result = (
                dict(zip(touched.tolist(), cur[touched].tolist(), strict=True)) if done else None
            )
            cur[touched] = base[touched]
            return result
        finally:
            edited[states] = False
            arc_new[arcs] = 0.0

    # ------------------------------------------------------------------ arrivals
    def arrivals(
        self,
        source: int,
        state_time: FloatArray | dict[int, float],
        edges: IntArray,
        times: FloatArray,
    ) -> FloatArray:
        """Time to each target node: the best over the states ending there of the time to
        the state's start plus its edge's (edited) time, as the router computes it."""
        states = self.arrive_states
        if isinstance(state_time, dict):
            start = self.base_time[source][states]
            if state_time:
                hit = np.flatnonzero(np.isin(states, np.fromiter(state_time, np.int64)))
                start[hit] = [state_time[s] for s in states[hit].tolist()]
        else:
            start = state_time[states]
        edge = self.state_edge[states]
        edge_time = self.edge_time[edge]
        if len(edges):
            lookup = dict(zip(edges.tolist(), times.tolist(), strict=True))
            hit = np.flatnonzero(np.isin(edge, edges))
            edge_time[hit] = [lookup[e] for e in edge[hit].tolist()]
        arrive = start + edge_time
        out = np.full(len(self.targets), np.inf)
        has = np.flatnonzero(np.diff(self.arrive_ptr) > 0)
        if len(arrive):
            out[has] = np.minimum.reduceat(arrive, self.arrive_ptr[has])
        out[self.targets == self.source_nodes[source]] = 0.0
        return out


def with_edit(graph: SweepGraph, edges: IntArray, times: FloatArray) -> SweepGraph:
    """A copy of ``graph`` whose today is after the edit (router ``edges`` take ``times``):
    weights, edge times and the trees from every source recomputed in full."""
    _, arcs, new = graph.movements(edges, times)
    weight = graph.weight.copy()
    weight[arcs] = new
    edge_time = graph.edge_time.copy()
    edge_time[edges] = times
    out = SweepGraph(
        **{
            **{k: getattr(graph, k) for k in graph.__dataclass_fields__ if not k.startswith("_")},
            "weight": weight,
            "edge_time": edge_time,
            "base_time": [],
            "base_pred": [],
            "bound": [],
        }
    )
    out.grow_trees()
    return out
