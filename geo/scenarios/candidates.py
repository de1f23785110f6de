"""Candidate sections: today's main routes cut between major junctions.

The corridors are the fastest routes today from every first-tier city to every
agglomeration centre and between every two centres. Each is cut where it passes a major
junction (a node where roads of class secondary or above lead to three or more other
nodes), into sections of at least ``min_km``; a section found on several routes is one
candidate. A candidate covers its roads in both directions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations, pairwise
from typing import Any

import numpy as np
import pandas as pd
import shapely

from ..base.arrays import IntArray
from ..network.road_network import RoadNetwork
from ..routing.router import Router
from ._select import reverse_twins
from .edits import Edit

__all__ = [
    "MAJOR_CLASSES",
    "Candidate",
    "candidate_lines",
    "corridor_candidates",
    "major_junctions",
    "road_km",
]

#: Road classes whose crossings cut a corridor into sections.
MAJOR_CLASSES = ("motorway", "trunk", "primary", "secondary")


@dataclass(frozen=True)
class Candidate:
    """A section of road to upgrade (or close), both directions; or an edit of the
    user's list (:mod:`.candidate_list`)."""

    key: str
    """``S001``, ``S002``, ... in the order the corridors are walked; ``U01``, ``U02``, ...
    for the user's list, in its order."""
    label: str
    """Where it is: the corridor, the kilometres along it, and the roads' ref if known;
    the edit's name for the user's list."""
    edges: IntArray
    """Network edges, both directions, sorted (none for a new road)."""
    km: float
    """Road length (each road counted once, not per direction)."""
    edit: Edit | None = None
    """The user's edit (a candidate section of today's routes has none)."""
    line: Any = None
    """What to draw (a shapely geometry); ``None``: the edges' own geometry."""


def candidate_lines(network: RoadNetwork, candidates: Sequence[Candidate]) -> list[Any]:
    """Each candidate's geometry (lon/lat): its drawn line, or its edges merged."""
    return [
        c.line
        if c.line is not None
        else shapely.set_precision(
            shapely.line_merge(shapely.union_all(network.geometry[c.edges])), 1e-6
        )
        for c in candidates
    ]


def major_junctions(network: RoadNetwork) -> np.ndarray:
    """Whether each node is a major junction (see the module doc)."""
    major = np.isin(np.char.replace(network.highway.astype(str), "_link", ""), MAJOR_CLASSES)
    lo = np.minimum(network.u[major], network.v[major]).astype(np.int64)
    hi = np.maximum(network.u[major], network.v[major]).astype(np.int64)
    pairs = np.unique(lo * network.n_nodes + hi)
    ends = np.concatenate([pairs // network.n_nodes, pairs % network.n_nodes])
    return np.bincount(ends, minlength=network.n_nodes) >= 3


def road_km(network: RoadNetwork, edges: IntArray) -> float:
    """Kilometres of road of ``edges`` (a two-way road's two edges count once)."""
    weight = np.where(network.oneway[edges], 1.0, 0.5)
    return float((network.length_m[edges] * weight).sum() / 1000.0)


def _route(router: Router, tree_source: int, target: int) -> IntArray:
    """Network edges of the fastest route, in order, access legs left out."""
    tree = router.tree(tree_source)
    edges, _ = router.path_edges(tree, target)
    base = router.edge_base[edges]
    base = base[base >= 0]
    keep = np.r_[True, base[1:] != base[:-1]] if len(base) else np.zeros(0, bool)
    return base[keep].astype(np.int64)


def _chains(pairs: set[tuple[int, int]]) -> list[list[int]]:
    """The corridor network's chains: node paths between nodes where it branches or ends."""
    nbrs: dict[int, list[int]] = {}
    for a, b in sorted(pairs):
        nbrs.setdefault(a, []).append(b)
        nbrs.setdefault(b, []).append(a)
    done: set[tuple[int, int]] = set()
    chains = []

    def walk(a: int, b: int) -> list[int]:
        path = [a, b]
        done.add((min(a, b), max(a, b)))
        while len(nbrs[path[-1]]) == 2 and path[-1] != path[0]:
            nxt = [n for n in nbrs[path[-1]] if (min(n, path[-1]), max(n, path[-1])) not in done]
            if not nxt:
                break
            done.add((min(nxt[0], path[-1]), max(nxt[0], path[-1])))
            path.append(nxt[0])
        return path

    for node in sorted(nbrs):
        if len(nbrs[node]) != 2:
            for b in nbrs[node]:
                if (min(node, b), max(node, b)) not in done:
                    chains.append(walk(node, b))
    for a, b in sorted(pairs):  # rings without a branch
        if (a, b) not in done:
            chains.append(walk(a, b))
    return chains


def _split(
    path: list[int], length: dict[tuple[int, int], float], junction: np.ndarray, min_km: float
) -> list[list[int]]:
    """A chain cut at major junctions into pieces of at least ``min_km`` (the last short
    piece joins the one before)."""
    pieces, start, km = [], 0, 0.0
    for i in range(1, len(path)):
        km += length[(min(path[i - 1], path[i]), max(path[i - 1], path[i]))]
        if i < len(path) - 1 and junction[path[i]] and km >= min_km:
            pieces.append(path[start : i + 1])
            start, km = i, 0.0
    if pieces and km < min_km:
        pieces[-1] = pieces[-1] + path[start + 1 :]
    else:
        pieces.append(path[start:])
    return pieces


def corridor_candidates(
    network: RoadNetwork,
    router: Router,
    cities: Sequence[tuple[str, int]],
    centres: Sequence[tuple[str, int]],
    min_km: float = 5.0,
) -> list[Candidate]:
    """The sections of today's fastest routes city → centre and centre → centre.

    The routes' roads form a corridor network; it is cut where corridors meet or part
    and at major junctions (pieces of at least ``min_km``), so each road belongs to one
    section whichever route it was found on. ``cities`` and ``centres`` are (name,
    router node) pairs; a place off the network (node -1) has no corridor.
    """
    junction = major_junctions(network)
    pairs = [(c, a) for c in cities for a in centres if c[1] != a[1]]
    pairs += list(combinations(centres, 2))
    routes: list[tuple[str, IntArray]] = []
    for (a_name, a_node), (b_name, b_node) in pairs:
        if a_node >= 0 and b_node >= 0:
            routes.append((f"{a_name} - {b_name}", _route(router, a_node, b_node)))
    if not routes:
        return []
    every = reverse_twins(network, np.unique(np.concatenate([r for _, r in routes])))
    lo, hi = (
        np.minimum(network.u[every], network.v[every]),
        np.maximum(network.u[every], network.v[every]),
    )
    by_pair: dict[tuple[int, int], list[int]] = {}
    for e, a, b in zip(every.tolist(), lo.tolist(), hi.tolist(), strict=True):
        if a != b:
            by_pair.setdefault((a, b), []).append(e)
    length = {k: float(network.length_m[v].min()) / 1000.0 for k, v in by_pair.items()}
    # Where each road lies along the first route that takes it (for the label).
    where: dict[tuple[int, int], tuple[int, float, float]] = {}
    for i, (_, route) in enumerate(routes):
        km = np.r_[0.0, np.cumsum(network.length_m[route]) / 1000.0]
        for j, e in enumerate(route.tolist()):
            key = (
                min(int(network.u[e]), int(network.v[e])),
                max(int(network.u[e]), int(network.v[e])),
            )
            where.setdefault(key, (i, float(km[j]), float(km[j + 1])))
    out: list[Candidate] = []
    for chain in _chains(set(by_pair)):
        for piece in _split(chain, length, junction, min_km):
            keys = [(min(a, b), max(a, b)) for a, b in pairwise(piece)]
            edges = np.unique(np.concatenate([by_pair[k] for k in keys])).astype(np.int64)
            spots = [where[k] for k in keys if k in where]
            first = min(i for i, _, _ in spots)
            kms = [(a, b) for i, a, b in spots if i == first]
            refs = pd.Series(network.ref[edges]).replace("", np.nan).dropna()
            ref = f" ({refs.mode().iloc[0]})" if len(refs) else ""
            label = f"{routes[first][0]}, km {min(a for a, _ in kms):.0f}-{max(b for _, b in kms):.0f}{ref}"
            out.append(Candidate("", label, edges, road_km(network, edges)))
    # Numbered in the order of the routes and the kilometres along them.
    order = sorted(range(len(out)), key=lambda i: _order_key(out[i].label, [r for r, _ in routes]))
    return [
        Candidate(f"S{n + 1:03d}", out[i].label, out[i].edges, out[i].km)
        for n, i in enumerate(order)
    ]


def _order_key(label: str, routes: list[str]) -> tuple[int, float, str]:
    name, _, rest = label.partition(", km ")
    return routes.index(name), float(rest.split("-")[0]), label
