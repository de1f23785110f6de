"""Level junctions where a new road crosses the network's roads (``join = "crossings"``).

Each crossed edge is cut at the crossing into consecutive edges (both directions of a
two-way road, at the same new node); the pieces keep every attribute of the edge they
come from, share its length in proportion to their geodesic lengths (so they add up to
it) and take their times from the same speed. The new road is cut at the same nodes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely

from ..base.arrays import FloatArray, IntArray
from ..base.distance import geodesic_m
from ..network.profile import travel_times_s

__all__ = [
    "NODE_FIELDS",
    "SCENARIO_NODE_ID",
    "Junctions",
    "join_crossings",
    "piece_shares",
    "split_line",
]

#: The per-node arrays of a :class:`~geo.network.road_network.RoadNetwork`.
NODE_FIELDS = ("node_osmid", "node_lon", "node_lat", "node_obstacle")
#: The smallest id a junction added by a scenario gets: far above OSM's node ids, so
#: ``node_osmid`` stays sorted (turn restrictions look their via node up in it).
SCENARIO_NODE_ID = 10**18
#: Metres: a crossing this close to an end of the crossed edge is at that end's node (no
#: stub of a few metres; a drawn end a little past the node it joins crosses the roads
#: there: that is the end join).
SNAP_M = 10.0
#: Degrees: points this close are one (a touch at the drawn line's end is no crossing).
_AT_NODE_DEG = 1e-7


@dataclass(frozen=True)
class Junctions:
    """Where a new road meets the network between its ends, in order along it."""

    nodes: IntArray
    """The network node of each junction (new nodes or nodes the road passes through)."""
    points: FloatArray
    """``(k, 2)`` lon/lat of each junction on the new road."""


def piece_shares(pieces: list[FloatArray]) -> FloatArray:
    """Each piece's share of the pieces' geodesic length (they add up to 1)."""
    metres = np.array([geodesic_m(p[:-1, 0], p[:-1, 1], p[1:, 0], p[1:, 1]).sum() for p in pieces])
    total = metres.sum()
    if total <= 0:
        return np.full(len(pieces), 1.0 / len(pieces))
    shares: FloatArray = metres / total
    return shares


def split_line(coords: FloatArray, points: FloatArray) -> list[FloatArray]:
    """``coords`` (a lon/lat line) cut at ``points`` (on it, in order along it)."""
    seg = np.hypot(*np.diff(coords, axis=0).T)
    cum = np.r_[0.0, np.cumsum(seg)]
    line = shapely.LineString(coords)
    along = shapely.line_locate_point(line, shapely.points(points))
    at = np.clip(np.searchsorted(cum, along, side="right") - 1, 0, len(coords) - 2)
    pieces: list[FloatArray] = []
    start, head = 0, coords[:0]
    for k, point in zip(at.tolist(), points, strict=True):
        piece = np.vstack([head, coords[start : k + 1], point[None, :]])
        pieces.append(_distinct(piece))
        start, head = k + 1, point[None, :]
    pieces.append(_distinct(np.vstack([head, coords[start:]])))
    return pieces


def _distinct(coords: FloatArray) -> FloatArray:
    """``coords`` without repeated consecutive points (two points at least)."""
    keep = np.r_[True, np.any(np.diff(coords, axis=0) != 0, axis=1)]
    out = coords[keep]
    return out if len(out) >= 2 else np.vstack([out[:1], out[:1]])


def _crossed(
    arrays: dict[str, Any], line: shapely.LineString, classes: tuple[str, ...]
) -> tuple[IntArray, FloatArray]:
    """Edges the line meets between its ends (of ``classes``, if given) and where."""
    geometry = arrays["geometry"]
    hits = shapely.STRtree(geometry).query(line, predicate="intersects")
    if classes:
        kinds = np.char.replace(arrays["highway"][hits].astype(str), "_link", "")
        hits = hits[np.isin(kinds, np.asarray(classes))]
    parts, which = shapely.get_parts(shapely.intersection(geometry[hits], line), return_index=True)
    point = shapely.get_type_id(parts) == 0  # a stretch along a road is no crossing
    edges, xy = hits[which[point]], shapely.get_coordinates(parts[point])
    along = shapely.line_locate_point(line, parts[point])
    inside = (along > _AT_NODE_DEG) & (along < line.length - _AT_NODE_DEG)
    order = np.lexsort((along[inside], edges[inside]))
    return edges[inside][order], xy[inside][order]


def _along(coords: FloatArray, points: FloatArray) -> FloatArray:
    """``points`` on the line ``coords`` in order along it, each once."""
    order = np.argsort(
        shapely.line_locate_point(shapely.LineString(coords), shapely.points(points)),
        kind="stable",
    )
    points = points[order]
    keep = np.r_[True, np.hypot(*np.diff(points, axis=0).T) >= _AT_NODE_DEG]
    once: FloatArray = points[keep[: len(points)]]
    return once


def _twin_groups(arrays: dict[str, Any], edges: IntArray) -> list[list[int]]:
    """The crossed edges grouped by road: an edge and its reverse twin (same way, same
    nodes the other way, same line reversed) share one group; the first leads it."""
    groups: dict[tuple[int, int, int], list[int]] = {}
    for e in np.unique(edges).tolist():
        u, v, way = int(arrays["u"][e]), int(arrays["v"][e]), int(arrays["osm_way_id"][e])
        key = (min(u, v), max(u, v), way)
        lead = groups.get(key)
        if lead is not None and _reversed(arrays["geometry"][lead[0]], arrays["geometry"][e]):
            lead.append(e)
        else:
            groups[key if lead is None else (u, v, -e - 1)] = [e]
    return list(groups.values())


def _reversed(a: shapely.LineString, b: shapely.LineString) -> bool:
    ca, cb = shapely.get_coordinates(a), shapely.get_coordinates(b)
    return ca.shape == cb.shape and bool(np.array_equal(ca, cb[::-1]))


def join_crossings(
    arrays: dict[str, Any],
    rules: dict[str, npt.NDArray[np.str_]],
    nodes: dict[str, Any],
    line: shapely.LineString,
    classes: tuple[str, ...],
) -> tuple[dict[str, Any], dict[str, npt.NDArray[np.str_]], dict[str, Any], Junctions]:
    """The edge, rule and node arrays with every road ``line`` crosses split at a new
    node there, and the junctions in order along ``line``.

    ``line`` crosses an edge where they meet other than at its ends; within
    :data:`SNAP_M` of the edge's end, the junction is that end's node (the edge is not
    split). Edges keep their indices: an edge becomes its first piece, the others are
    added after the last edge; new nodes are added after the last node.

    Parameters
    ----------
    arrays, rules
        The per-edge arrays (:data:`.apply.EDGE_FIELDS`) and rule columns, as edited so far.
    nodes
        The per-node arrays (:data:`NODE_FIELDS`).
    line
        The new road as drawn (lon/lat): the links from its ends to the nodes they join
        are the end joins, not crossings.
    classes
        Only roads of these classes (and their ``_link`` roads) are met; all if empty.

    Returns
    -------
    tuple
        The edge arrays, rule columns and node arrays, and the :class:`Junctions`
        (possibly none) between the new road's ends.
    """
    edges, xy = _crossed(arrays, line, classes)
    new_xy: list[FloatArray] = []
    n_nodes = len(nodes["node_osmid"])
    pieces_of: list[tuple[int, int, int, int, float, shapely.LineString]] = []
    junction_nodes: list[int] = []
    junction_xy: list[FloatArray] = []
    for group in _twin_groups(arrays, edges):
        lead = group[0]
        coords = shapely.get_coordinates(arrays["geometry"][lead])
        pts = xy[edges == lead] if np.any(edges == lead) else xy[edges == group[1]]
        pts = _along(coords, pts)
        at_u = geodesic_m(pts[:, 0], pts[:, 1], *coords[0]) < SNAP_M
        at_v = ~at_u & (geodesic_m(pts[:, 0], pts[:, 1], *coords[-1]) < SNAP_M)
        for su, sv in zip(at_u.tolist(), at_v.tolist(), strict=True):
            if su or sv:  # it passes through the edge's end node: a junction there
                junction_nodes.append(int(arrays["u" if su else "v"][lead]))
                junction_xy.append(coords[0] if su else coords[-1])
        pts = pts[~(at_u | at_v)]
        if len(pts) == 0:
            continue
        mid = n_nodes + len(new_xy) + np.arange(len(pts))
        new_xy += list(pts)
        junction_nodes += mid.tolist()
        junction_xy += list(pts)
        pieces = split_line(coords, pts)
        shares = piece_shares(pieces)
        for e in group:
            forward = e == lead
            chain = [int(arrays["u"][e]), *(mid if forward else mid[::-1]).tolist()]
            chain.append(int(arrays["v"][e]))
            mine = pieces if forward else [p[::-1] for p in pieces[::-1]]
            share = shares if forward else shares[::-1]
            length = float(arrays["length_m"][e])
            for i, piece in enumerate(mine):
                geom = shapely.LineString(piece)
                pieces_of.append((e, i, chain[i], chain[i + 1], length * float(share[i]), geom))
    arrays, rules = _with_pieces(arrays, rules, pieces_of)
    first_id = max(SCENARIO_NODE_ID, int(nodes["node_osmid"].max()) + 1)
    nodes = _with_nodes(nodes, np.reshape(new_xy, (-1, 2)), first_id)
    at = np.reshape(junction_xy, (-1, 2))
    order = np.argsort(shapely.line_locate_point(line, shapely.points(at)), kind="stable")
    chain_nodes = np.asarray(junction_nodes, dtype=np.int64)[order]
    keep = np.r_[True, np.diff(chain_nodes) != 0][: len(order)]
    return arrays, rules, nodes, Junctions(chain_nodes[keep], at[order][keep])


def _with_pieces(
    arrays: dict[str, Any],
    rules: dict[str, npt.NDArray[np.str_]],
    pieces: list[tuple[int, int, int, int, float, shapely.LineString]],
) -> tuple[dict[str, Any], dict[str, npt.NDArray[np.str_]]]:
    """Arrays with each split edge's first piece in its place and the others added
    after the last edge, copying the edge they come from (``(edge, piece, u, v,
    length_m, geometry)`` per piece)."""
    if not pieces:
        return arrays, rules
    m = len(arrays["u"])
    edge = np.array([p[0] for p in pieces], dtype=np.int64)
    first = np.array([p[1] == 0 for p in pieces])
    rows = np.r_[np.flatnonzero(first), np.flatnonzero(~first)]
    index = np.r_[np.arange(m), edge[~first]]
    out = {k: np.asarray(v)[index] for k, v in arrays.items()}
    at = np.r_[edge[first], m + np.arange(int((~first).sum()))]
    out["u"][at] = np.array([pieces[r][2] for r in rows.tolist()], dtype=np.int64)
    out["v"][at] = np.array([pieces[r][3] for r in rows.tolist()], dtype=np.int64)
    out["length_m"][at] = np.array([pieces[r][4] for r in rows.tolist()], dtype=float)
    geometry = np.empty(len(rows), dtype=object)
    geometry[:] = [pieces[r][5] for r in rows.tolist()]
    out["geometry"][at] = geometry
    out["travel_time_s"][at] = travel_times_s(out["length_m"][at], out["speed_kph"][at])
    return out, {k: v[index] for k, v in rules.items()}


def _with_nodes(nodes: dict[str, Any], xy: FloatArray, first_id: int) -> dict[str, Any]:
    """The node arrays with the new junctions added (no obstacle at a level junction)."""
    n = len(xy)
    if n == 0:
        return nodes
    return {
        "node_osmid": np.r_[nodes["node_osmid"], first_id + np.arange(n, dtype=np.int64)],
        "node_lon": np.r_[nodes["node_lon"], xy[:, 0]],
        "node_lat": np.r_[nodes["node_lat"], xy[:, 1]],
        "node_obstacle": np.r_[nodes["node_obstacle"], np.zeros(n, dtype=np.int8)],
    }
