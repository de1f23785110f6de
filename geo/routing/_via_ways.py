"""Turn restrictions via ways, in the graph of road-to-road movements (:mod:`geo.turns`).

A restriction via a way forbids (``no_*``) or prescribes (``only_*``) a *sequence* of
edges: the ``from`` way's edge into the via ways, the via ways' edges, and the ``to``
way's edge out of them. One movement cannot say that, so, as OSRM does, the via edges get
copies of their states, entered only from that ``from`` edge: on the copies the forbidden
way out is missing (``no_*``) or the only way on is the prescribed one (``only_*``), and
every other movement is the original's. Restrictions that share their first edges share
copies (a trie of edge sequences), so two rules from one approach both apply.

Rows come from :func:`geo._osm_rules.restriction_rows`: ``(relation, only, from way,
-via way, to way)``, one per via way (a via node's id is positive). The path through the
via ways is found on the graph (the fewest edges along them from the ``from`` edge's end
to a node the ``to`` way leaves); a restriction whose ways do not meet so is skipped.
A copy keeps its edge's movements, including one redirected into another restriction's
copies, so a rule whose ``from`` edge is another's via edge holds on the copies too.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from ..base.arrays import FloatArray, IntArray


@dataclass
class _Rule:
    """The copies' constraints at one trie node (a sequence ``from edge, via edges``)."""

    copy: int
    forbidden: set[int] = field(default_factory=set)
    only: set[int] = field(default_factory=set)


def _via_path(
    start: int, via: set[int], to_way: int, out_ptr: IntArray, edge_v: IntArray, way: IntArray
) -> tuple[list[int], int] | None:
    """Fewest via-way edges from node ``start`` to a node the ``to`` way leaves, and the
    ``to`` way's edge there (breadth first over the via ways' edges)."""
    reached_by: dict[int, tuple[int, int]] = {start: (-1, -1)}  # node -> (edge, from node)
    queue = deque([start])
    while queue:
        x = queue.popleft()
        out = range(int(out_ptr[x]), int(out_ptr[x + 1]))
        exit_edge = next((g for g in out if way[g] == to_way), None) if x != start else None
        if exit_edge is not None:
            path: list[int] = []
            while reached_by[x][0] >= 0:
                path.append(reached_by[x][0])
                x = reached_by[x][1]
            return path[::-1], exit_edge
        for g in out:
            y = int(edge_v[g])
            if way[g] in via and y not in reached_by:
                reached_by[y] = (g, x)
                queue.append(y)
    return None


def split_via_ways(
    arcs: tuple[IntArray, IntArray, FloatArray],
    state_edge: IntArray,
    *,
    restrictions: IntArray,
    edge_u: IntArray,
    edge_v: IntArray,
    way: IntArray,
) -> tuple[tuple[IntArray, IntArray, FloatArray], IntArray, int]:
    """Arcs with the via-way restrictions applied, the copies' edges, and how many applied.

    ``arcs`` are ``(src, dst, weight)`` over the states of ``state_edge`` (router edge of
    each state; states ``0 .. m - 1`` are edge ``i`` itself); ``edge_u`` is sorted.
    Returns the new arcs, the edge of each new state (numbered on from the last) and the
    number of restrictions applied.
    """
    src, dst, w = arcs
    n_states = len(state_edge)
    rows = restrictions[restrictions[:, 3] < 0] if len(restrictions) else restrictions
    m = len(edge_u)
    if len(rows) == 0:
        return arcs, np.zeros(0, np.int64), 0
    out_ptr = np.zeros(int(max(edge_u.max(), edge_v.max())) + 2, dtype=np.int64)
    np.cumsum(np.bincount(edge_u, minlength=len(out_ptr) - 1), out=out_ptr[1:])
    trie: dict[tuple[int, ...], _Rule] = {}
    copies: list[int] = []
    applied = 0
    for rel in np.unique(rows[:, 0]).tolist():
        mine = rows[rows[:, 0] == rel]
        only, from_way, to_way = (int(v) for v in mine[0, [1, 2, 4]])
        via = set((-mine[:, 3]).tolist())
        hit = False
        for e0 in np.flatnonzero(way == from_way).tolist():
            found = _via_path(int(edge_v[e0]), via, to_way, out_ptr, edge_v, way)
            if found is None or not found[0]:
                continue
            path, exit_edge = found
            key: tuple[int, ...] = (e0,)
            for i, p in enumerate(path):
                key = (*key, p)
                if key not in trie:
                    trie[key] = _Rule(n_states + len(copies))
                    copies.append(p)
                if only:
                    trie[key].only.add(path[i + 1] if i + 1 < len(path) else exit_edge)
            if not only:
                trie[key].forbidden.add(exit_edge)
            hit = True
        applied += hit
    if not trie:
        return arcs, np.zeros(0, np.int64), 0
    copy_edge = np.asarray(copies, dtype=np.int64)
    edge_of = np.concatenate([state_edge, copy_edge])
    return _rewire(src, dst, w, trie, m, edge_of), copy_edge, applied


def _rewire(
    src: IntArray,
    dst: IntArray,
    w: FloatArray,
    trie: dict[tuple[int, ...], _Rule],
    m: int,
    edge_of: IntArray,
) -> tuple[IntArray, IntArray, FloatArray]:
    """Entry arcs into the copies redirected, and each copy's arcs (its edge's, constrained)."""
    order = np.argsort(src, kind="stable")
    ptr = np.searchsorted(src[order], np.arange(int(src.max()) + 2))
    dst = dst.copy()
    # First every entry arc (the from edge onto the first via edge) goes to its copy, so
    # that a copy inheriting such an arc enters the other restriction's copies too.
    for key, rule in trie.items():
        if len(key) == 2:
            arcs = order[ptr[key[0]] : ptr[key[0] + 1]]
            dst[arcs[dst[arcs] == key[1]]] = rule.copy
    new_src: list[int] = []
    new_dst: list[int] = []
    new_w: list[float] = []
    for key, rule in trie.items():
        state = key[-1]
        for a in order[ptr[state] : ptr[state + 1]].tolist():
            target = int(dst[a])
            edge = int(edge_of[target])
            if edge in rule.forbidden or (rule.only and edge not in rule.only):
                continue
            child = trie.get((*key, target)) if target < m else None
            new_src.append(rule.copy)
            new_dst.append(child.copy if child is not None else target)
            new_w.append(float(w[a]))
    return (
        np.concatenate([src, np.asarray(new_src, dtype=np.int64)]),
        np.concatenate([dst, np.asarray(new_dst, dtype=np.int64)]),
        np.concatenate([w, np.asarray(new_w, dtype=np.float64)]),
    )
