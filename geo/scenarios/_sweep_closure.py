"""After a closure, the incremental update first takes today's times away from every
state below an edited one in today's tree (:class:`ClosureReset`, mixed into
:class:`~geo.scenarios._sweep_graph.SweepGraph`)."""

from __future__ import annotations

import heapq
from typing import Any

import numpy as np
import numpy.typing as npt

from ..base.arrays import IntArray
from ._sweep_build import groups

_INF = float("inf")


class ClosureReset:
    """The subtree reset of :meth:`~geo.scenarios._sweep_graph.SweepGraph.incremental`;
    the graph sets the attributes below."""

    indptr: IntArray
    indices: IntArray
    base_pred: list[npt.NDArray[np.int32]]
    _lists: dict[Any, Any]

    def _as_lists(self) -> dict[Any, Any]:
        raise NotImplementedError  # the graph's own

    def _reset_subtrees(
        self,
        source: int,
        states: IntArray,
        changed: dict[int, float],
        over: dict[int, float],
        heap: list[tuple[float, int]],
    ) -> None:
        """After a closure: the states below the edited ones in today's tree lose their
        times and are seeded from their in-neighbours outside that subtree."""
        lists = self._as_lists()
        indices, weight = lists["indices"], lists["weight"]
        base: list[float] = lists["base"][source]
        kids_ptr, kids = self._children(source)
        in_ptr, in_arc, in_src = self._incoming()
        todo = [k for s in np.unique(states).tolist() for k in kids[kids_ptr[s] : kids_ptr[s + 1]]]
        lost: set[int] = set()
        while todo:
            y = todo.pop()
            if y in lost:
                continue
            lost.add(y)
            todo.extend(kids[kids_ptr[y] : kids_ptr[y + 1]])
        for y in lost:
            over[y] = _INF
        for y in lost:
            best = _INF
            for k in range(in_ptr[y], in_ptr[y + 1]):
                p = in_src[k]
                if p in lost:
                    continue
                a = in_arc[k]
                w = changed.get(a)
                c = base[p] + (weight[a] if w is None else w)
                if c < best:
                    best = c
            if best < _INF:
                over[y] = best
                heap.append((best, y))
        heapq.heapify(heap)
        del indices  # (the propagation reads the lists itself)

    def _children(self, source: int) -> tuple[list[int], list[int]]:
        key = f"kids{source}"
        if key not in self._lists:
            pred = self.base_pred[source].astype(np.int64)
            n = len(pred)
            has = np.flatnonzero(pred >= 0)
            ptr, order = groups(pred[has], n)
            self._lists[key] = (ptr.tolist(), has[order].tolist())
        out: tuple[list[int], list[int]] = self._lists[key]
        return out

    def _incoming(self) -> tuple[list[int], list[int], list[int]]:
        if "incoming" not in self._lists:
            n = len(self.indptr) - 1
            src = np.repeat(np.arange(n), np.diff(self.indptr))
            ptr, order = groups(self.indices, n)
            self._lists["incoming"] = (ptr.tolist(), order.tolist(), src[order].tolist())
        out: tuple[list[int], list[int], list[int]] = self._lists["incoming"]
        return out
