"""networkx on the router's own graph of road-to-road movements: the exact reference.

The turn-aware search runs on :class:`geo.turns.TurnGraph` (states are edges, arcs are
allowed movements). The tests and ``scripts/bench_routing.py`` check it against networkx's
Dijkstra on the very same arcs; this is the one place that builds that graph and turns its
state times back into node times.
"""

from __future__ import annotations

from collections.abc import Mapping

import networkx as nx
import numpy as np
import numpy.typing as npt
from ural_access.geo.routing.router import Router
from ural_access.geo.routing.turns import TurnGraph


def _turn_graph(router: Router) -> TurnGraph:
    tg = router.turn_graph
    assert tg is not None, "the router was built without turns"
    return tg


def movement_digraph(router: Router) -> nx.DiGraph:
    """Every state of the router's turn graph as a node, every movement as a weighted arc."""
    tg = _turn_graph(router)
    coo = tg.matrix.tocoo()
    graph = nx.DiGraph()
    graph.add_nodes_from(range(tg.n_states))
    graph.add_weighted_edges_from(
        zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist(), strict=True)
    )
    return graph


def start_states(router: Router, source: int) -> set[int]:
    """The states a trip from graph node ``source`` starts on."""
    tg = _turn_graph(router)
    return set(tg.out_states[tg.out_start[source] : tg.out_start[source + 1]].tolist())


def node_times(
    router: Router, source: int, state_time: Mapping[int, float]
) -> npt.NDArray[np.float64]:
    """Node times from state times: the best arrival over the edges ending at each node
    (a state's time is when its edge is entered), 0 at ``source``, inf where unreached."""
    tg = _turn_graph(router)
    states = np.fromiter(state_time.keys(), dtype=np.int64, count=len(state_time))
    at = np.fromiter(state_time.values(), dtype=np.float64, count=len(state_time))
    edge = tg.state_edge[states]
    times = np.full(router.n, np.inf)
    np.minimum.at(times, router.edge_v[edge], at + router.edge_time[edge])
    times[source] = 0.0
    return times


def networkx_node_times(router: Router, graph: nx.DiGraph, source: int) -> npt.NDArray[np.float64]:
    """Drive time from ``source`` to every node, by networkx on :func:`movement_digraph`.

    Where the profile weighs roads (``router.weighted``: arcs are route weights), the time
    is the duration along networkx's lightest route to the node: each arc's weight less
    its edge's weight in excess of its time.
    """
    starts = start_states(router, source)
    if not router.weighted:
        state_time = (
            nx.multi_source_dijkstra_path_length(graph, starts, weight="weight") if starts else {}
        )
        return node_times(router, source, state_time)
    tg = _turn_graph(router)
    weight, paths = nx.multi_source_dijkstra(graph, starts, weight="weight") if starts else ({}, {})
    excess = router.edge_weight - router.edge_time
    over: dict[int, float] = {}
    for s in sorted(weight, key=lambda k: (len(paths[k]), weight[k])):
        path = paths[s]
        over[s] = 0.0 if len(path) == 1 else over[path[-2]] + excess[tg.state_edge[path[-2]]]
    states = np.fromiter(weight.keys(), dtype=np.int64, count=len(weight))
    w = np.fromiter(weight.values(), dtype=np.float64, count=len(weight))
    edge = tg.state_edge[states]
    arrive_w = w + router.edge_weight[edge]
    arrive_t = w - np.array([over[int(s)] for s in states]) + router.edge_time[edge]
    node = router.edge_v[edge]
    order = np.lexsort((arrive_w, node))
    first = order[np.r_[True, node[order][1:] != node[order][:-1]]] if len(order) else order
    times = np.full(router.n, np.inf)
    times[node[first]] = arrive_t[first]
    times[source] = 0.0
    return times
