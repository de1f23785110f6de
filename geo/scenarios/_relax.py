"""The incremental update's inner loop, compiled with numba when it is installed.

:func:`relax` settles states in Dijkstra order from a heap of (time, state) seeds over
``cur`` (today's times, lowered in place), (``c + w``, compared with ``<``). The same function runs compiled by numba
(:data:`relax`) or by Python (:func:`relax_loop`, where numba is missing or the graph asks
for it); compiled, a settled state costs about what one of scipy's does, in Python far more.
"""

from __future__ import annotations

import heapq
from typing import Any

import numpy as np

from ..base.arrays import FloatArray, IntArray

try:  # an optional speed-up: without numba the same loop runs in Python
    from numba import njit
except ImportError:  # pragma: no cover - numba is a dependency; kept for odd platforms
    njit = None  # type: ignore[assignment]


def relax_loop(
    indptr: IntArray,
    indices: IntArray,
    weight: FloatArray,
    arc_new: FloatArray,
    edited: Any,
    cur: FloatArray,
    seed_time: FloatArray,
    seed_state: IntArray,
    bound: float,
    budget: int,
) -> tuple[IntArray, bool]:
    """Relax from the seeds; returns the states whose time was lowered (with repeats) and
    whether it finished within ``budget`` settled states (else ``cur`` is partial)."""
    heap = [(seed_time[i], seed_state[i]) for i in range(len(seed_time))]
    heapq.heapify(heap)
    touched = np.empty(max(16, 2 * len(seed_state)), dtype=np.int64)
    n = 0
    for i in range(len(seed_state)):
        if n == len(touched):
            touched = np.concatenate((touched, np.empty(len(touched), dtype=np.int64)))
        touched[n] = seed_state[i]
        n += 1
    while len(heap) > 0:
        c, x = heapq.heappop(heap)
        if c > bound:
            break
        if c > cur[x]:
            continue
        budget -= 1
        if budget < 0:
            return touched[:n], False
        for a in range(indptr[x], indptr[x + 1]):
            y = indices[a]
            cy = c + (arc_new[a] if edited[x] else weight[a])
            if cy < cur[y]:
                cur[y] = cy
                if n == len(touched):
                    touched = np.concatenate((touched, np.empty(len(touched), dtype=np.int64)))
                touched[n] = y
                n += 1
                heapq.heappush(heap, (cy, y))
    return touched[:n], True


#: The compiled loop (``None`` without numba: callers use their Python loop). Compiled on
#: first use (about 2 s), cached on disk by numba for the next process.
relax = njit(cache=True, nogil=True)(relax_loop) if njit is not None else None
