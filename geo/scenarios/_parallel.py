"""Evaluating many candidates: in this process, on local processes, or on a Dask cluster.

An evaluator is a :class:`SweepGraph` (edge times changed, today's trees updated) or a
:class:`~._rebuild.Rebuild` (the edited network routed from scratch). Each worker gets the
evaluator once (a process pool's initializer; on Dask,
``Client.scatter(..., broadcast=True)``), then only the candidates' edited edges travel.
Every way runs the same code on the same arrays, so the results are the same numbers.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any

import numpy as np

from ..base.arrays import FloatArray, IntArray
from ..errors import ClusterError
from ._rebuild import Rebuild, RebuildJob
from ._relax import relax
from ._sweep_graph import SweepGraph

log = logging.getLogger(__name__)

#: One candidate: network edges and their times after the edit.
Job = tuple[IntArray, FloatArray]
#: What evaluates candidates, and a candidate it evaluates.
Evaluator = SweepGraph | Rebuild
AnyJob = Job | RebuildJob


#: The incremental update gives way to a full search once it has settled this share of
#: the states. In Python a settled state costs about 15 states of scipy's search
#: (Brandenburg, scripts/bench_scenarios.py), so an update that gives up has cost at most
#: a quarter of a full search more; compiled (numba) it costs about as much as one, and
#: the update may go on longer.
PYTHON_SHARE, COMPILED_SHARE = 1 / 64, 1 / 4


def evaluate(graph: SweepGraph, job: Job, increase: bool, incremental: bool = True) -> FloatArray:
    """Times (s) from each source to each target after one edit, shape (sources, targets).

    ``incremental``: update today's trees from the edit, falling back to a full search
    where the update would settle more than :data:`COMPILED_SHARE` of the states
    (:data:`PYTHON_SHARE` without numba; the two give the same numbers); else always the
    full search.
    """
    edges, times = graph.edit(*job)
    states, arcs, new = graph.movements(edges, times)
    out = np.empty((len(graph.sources), len(graph.targets)))
    share = COMPILED_SHARE if graph.compiled and relax is not None else PYTHON_SHARE
    steps = max(1000, int(share * (len(graph.indptr) - 1)))
    for i in range(len(graph.sources)):
        over = graph.incremental(i, states, arcs, new, increase, steps) if incremental else None
        if over is not None:
            out[i] = graph.arrivals(i, over, edges, times)
        else:
            out[i] = graph.arrivals(i, graph.full(i, arcs, new, increase), edges, times)
    return out


def evaluate_chunk(
    evaluator: Evaluator, jobs: Sequence[AnyJob], increase: bool, incremental: bool = True
) -> list[FloatArray]:
    """:func:`evaluate` (or :meth:`Rebuild.evaluate`) over several candidates."""
    out = []
    for job in jobs:
        if isinstance(evaluator, Rebuild) and isinstance(job, RebuildJob):
            out.append(evaluator.evaluate(job))
        elif isinstance(evaluator, SweepGraph) and isinstance(job, tuple):
            out.append(evaluate(evaluator, job, increase, incremental))
        else:
            raise TypeError(f"{type(evaluator).__name__} cannot evaluate a {type(job).__name__}")
    return out


_WORKER_GRAPH: list[Evaluator] = []


def _init_worker(evaluator: Evaluator) -> None:
    _WORKER_GRAPH[:] = [evaluator]


def _chunk_in_worker(jobs: Sequence[AnyJob], increase: bool, incremental: bool) -> list[FloatArray]:
    return evaluate_chunk(_WORKER_GRAPH[0], jobs, increase, incremental)


def _chunks(jobs: Sequence[AnyJob], n: int) -> list[list[AnyJob]]:
    size = max(1, -(-len(jobs) // n))
    return [list(jobs[i : i + size]) for i in range(0, len(jobs), size)]


def default_workers() -> int:
    """The cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def evaluate_all(
    graph: Evaluator,
    jobs: Sequence[AnyJob],
    *,
    increase: bool,
    incremental: bool = True,
    workers: int = 1,
    scheduler: str | None = None,
    timeout_s: float = 10.0,
) -> list[FloatArray]:
    """:func:`evaluate` for every job, in order: here (``workers=1``), on ``workers``
    local processes, or on the Dask cluster whose scheduler is at ``scheduler``.

    Raises
    ------
    ClusterError
        The scheduler cannot be reached within ``timeout_s``, or the cluster fails.
    """
    if scheduler is not None:
        return _on_dask(graph, jobs, increase, incremental, scheduler, timeout_s)
    if workers <= 1 or len(jobs) <= 1:
        return evaluate_chunk(graph, jobs, increase, incremental)
    # No more processes than the cores (each would only wait for one) or the candidates.
    if workers > min(default_workers(), len(jobs)):
        workers = min(default_workers(), len(jobs))
        log.info("%d processes: as many as this machine's cores or the candidates", workers)
    chunks = _chunks(jobs, 4 * workers)
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=get_context("spawn"),
        initializer=_init_worker,
        initargs=(graph,),
    ) as pool:
        parts = pool.map(
            _chunk_in_worker, chunks, [increase] * len(chunks), [incremental] * len(chunks)
        )
        return [r for part in parts for r in part]


def connect(scheduler: str, timeout_s: float) -> Any:
    """A Dask client of the scheduler at ``scheduler`` (the caller closes it).

    Raises
    ------
    ClusterError
        ``scheduler`` is no scheduler address, or cannot be reached within ``timeout_s``.
    """
    from distributed import Client
    from distributed.comm.addressing import parse_address, parse_host_port
    from distributed.comm.registry import get_backend

    if not timeout_s > 0:  # distributed would call it a malformed address
        raise ClusterError(f"a Dask timeout of {timeout_s:g} s: give more than 0 seconds")
    try:  # checked before a Client starts its event loop
        scheme, location = parse_address(scheduler)
        get_backend(scheme)
        if scheme in ("tcp", "tls", "ws", "wss"):
            parse_host_port(location)
        return Client(scheduler, timeout=timeout_s, set_as_default=False)
    except ValueError as exc:  # distributed's words for a malformed address
        raise ClusterError(
            f"{scheduler!r} is not a Dask scheduler address ({exc}); give tcp://host:8786"
        ) from None
    except (OSError, TimeoutError) as exc:
        raise ClusterError(
            f"cannot reach the Dask scheduler at {scheduler!r} within {timeout_s:g} s ({exc})"
        ) from None


def _on_dask(
    graph: Evaluator,
    jobs: Sequence[AnyJob],
    increase: bool,
    incremental: bool,
    scheduler: str,
    timeout_s: float,
) -> list[FloatArray]:
    client = connect(scheduler, timeout_s)
    try:
        n_workers = max(1, len(client.scheduler_info().get("workers", {})))
        log.info("Dask: %d workers at %s; sending the graph once to each", n_workers, scheduler)
        shared = client.scatter(graph, broadcast=True, hash=False)
        chunks = _chunks(jobs, 4 * n_workers)
        futures = client.map(
            evaluate_chunk,
            [shared] * len(chunks),
            chunks,
            [increase] * len(chunks),
            [incremental] * len(chunks),
            pure=False,
        )
        parts = client.gather(futures)
    except (OSError, TimeoutError) as exc:
        raise ClusterError(f"the Dask cluster at {scheduler!r} failed: {exc}") from None
    finally:
        client.close()
    return [r for part in parts for r in part]
