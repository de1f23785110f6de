"""Building a :class:`~geo.scenarios._sweep_graph.SweepGraph` from a router: its turn
graph checked to be edge time plus movement cost, the movements' costs apart, and the
router's edges, states and target arrivals grouped as arrays."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..base.arrays import IntArray
from ..errors import ScenarioError
from ..routing.router import Router
from ..routing.turns import build_turn_graph


def groups(keys: IntArray, n: int) -> tuple[IntArray, IntArray]:
    """(pointer, members): the indices with key ``k`` are ``members[ptr[k]:ptr[k+1]]``."""
    order = np.argsort(keys, kind="stable")
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys, minlength=n), out=ptr[1:])
    return ptr, order.astype(np.int64)


def sweep_fields(router: Router, sources: IntArray, targets: IntArray) -> dict[str, Any]:
    """The fields of :meth:`~geo.scenarios._sweep_graph.SweepGraph.from_router`'s graph
    (today's trees not grown yet)."""
    tg = router.turn_graph
    if tg is None:
        raise ScenarioError("the sweep needs a router built with turns=True")
    if router.weighted:
        raise ScenarioError(
            f"profile {router.profile.name!r} weighs roads beyond their time (route "
            "weights): ranking candidates supports profiles that route by time, as ru"
        )
    zero = build_turn_graph(
        edge_u=router.edge_u,
        edge_v=router.edge_v,
        edge_cost=np.zeros(len(router.edge_time)),
        edge_base=router.edge_base,
        n_nodes=router.n,
        n_base_nodes=router.n_base,
        network=router.network,
        profile=router.profile,
        left_hand=router.network.provenance.get("driving_side") == "left",
    )
    if not (
        np.array_equal(zero.matrix.indptr, tg.matrix.indptr)
        and np.array_equal(zero.matrix.indices, tg.matrix.indices)
    ):
        raise AssertionError("the turn graph's movements depend on its edge times")
    arc_state = np.repeat(np.arange(tg.n_states), np.diff(tg.matrix.indptr))
    rebuilt = router.edge_time[tg.state_edge[arc_state]] + zero.matrix.data
    if not np.array_equal(rebuilt, tg.matrix.data):
        raise AssertionError("edge time + movement cost differs from the turn graph's weight")
    f0, f1, base = router.edge_f0, router.edge_f1, router.edge_base
    piece = np.where(base < 0, -1, np.where((f0 == 0) & (f1 == 1), 0, np.where(f0 == 0, 1, 2)))
    n_edges = router.network.n_edges
    base_ptr, base_members = groups(np.where(base < 0, n_edges, base), n_edges + 1)
    state_ptr, state_members = groups(tg.state_edge, len(router.edge_time))
    ends = router.edge_v[tg.state_edge]
    node_ptr, node_states = groups(ends, router.n)
    targets = np.asarray(targets, dtype=np.int64)
    counts = node_ptr[targets + 1] - node_ptr[targets]
    arrive_ptr = np.zeros(len(targets) + 1, dtype=np.int64)
    np.cumsum(counts, out=arrive_ptr[1:])
    take = np.concatenate(
        [node_states[node_ptr[t] : node_ptr[t + 1]] for t in targets.tolist()]
        or [np.zeros(0, np.int64)]
    ).astype(np.int64)
    return dict(
        indptr=tg.matrix.indptr.astype(np.int64),
        indices=tg.matrix.indices.astype(np.int64),
        weight=np.asarray(tg.matrix.data, dtype=np.float64),
        cost=np.asarray(zero.matrix.data, dtype=np.float64),
        state_edge=tg.state_edge.astype(np.int64),
        edge_time=router.edge_time.astype(np.float64),
        edge_piece=piece.astype(np.int8),
        edge_f=np.where(piece == 1, f1, f0),
        base_ptr=base_ptr,
        base_members=base_members,
        state_ptr=state_ptr,
        state_members=state_members,
        source_nodes=np.asarray(sources, dtype=np.int64),
        sources=[
            tg.out_states[tg.out_start[s] : tg.out_start[s + 1]].astype(np.int64)
            if s >= 0
            else np.zeros(0, np.int64)  # a city not joined to the network: no start
            for s in np.asarray(sources).tolist()
        ],
        base_time=[],
        base_pred=[],
        targets=targets,
        arrive_ptr=arrive_ptr,
        arrive_states=take,
    )
