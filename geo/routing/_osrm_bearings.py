"""Road bearings at junctions as OSRM perceives them, for turn angles that match its own.

OSRM does not take a road's bearing at a junction from its first segment: its extractor
picks a representative point along each road leaving a junction of three or more roads
and measures the bearing from the junction to it (``getIntersectionOutgoingGeometries``,
``src/extractor/intersection/intersection_analysis.cpp``, osrm-backend 5.2x-26.x); the
turn angle handed to ``car.lua``'s ``process_turn`` is the difference of two such
bearings. The point's rules are in :mod:`geo._osrm_coordinate`.

The road there is OSRM's *compressed* edge: it goes on through nodes where only two roads
meet (not barriers) while name, class and one-way-ness stay the same, so the network's
edges are chained round by round for all road ends at once. Distances are metres in the
plane tangent at the junction (OSRM: haversine; the same to < 0.01 % over these 60 m),
from coordinates rounded to OSRM's 1e-6 degrees. Not reproduced: OSRM's merging of the
two carriageways of a divided road into one bearing (``MergableRoadDetector``), and the
``lanes`` tag (every road counts as untagged, OSRM's 2 lanes).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from ..base.arrays import BoolArray, FloatArray, IntArray
from ._osrm_coordinate import representative
from ._osrm_lines import LANE_M, Lines

_LANES = 2.0  # OSRM ASSUMED_LANE_COUNT where a road has no lanes tag
_EARTH_M = 6372797.560856  # OSRM's haversine radius
_MAX_LANE_FACTOR = 2.5  # motorways and trunks (GetOffsetCorrectionFactor)
#: How far along a road OSRM may look: FAR_LOOKAHEAD_DISTANCE + the widest lanes.
_REACH_M = 40.0 + _MAX_LANE_FACTOR * _LANES * LANE_M
_MAX_CHAIN = 16
#: Roads OSRM's guidance treats as real roads (``lib/guidance.lua`` ``road_types``).
_ROAD_TYPES = (
    *("motorway", "motorway_link", "trunk", "trunk_link", "primary", "primary_link"),
    *("secondary", "secondary_link", "tertiary", "tertiary_link", "unclassified"),
    *("residential", "living_street"),
)


@dataclass
class RoadEnds:
    """What OSRM's extractor knows of the network's edges, for :func:`perceived_bearings`."""

    geometry: npt.NDArray[np.object_]
    u: IntArray
    v: IntArray
    highway: npt.NDArray[np.str_]
    junction: npt.NDArray[np.str_]
    name: npt.NDArray[np.str_]
    oneway: BoolArray
    length_m: FloatArray
    n_roads: IntArray
    """Roads (distinct neighbours) at each node: OSRM's out-degree of the node."""
    barrier: BoolArray
    """Nodes OSRM does not compress away (barriers)."""


def _pieces(ends: RoadEnds, start: IntArray, forward: BoolArray) -> tuple[IntArray, ...]:
    """The edges each road end runs along, through nodes of two roads (OSRM's compressed
    edge), as rows (end, order, edge, forward), built round by round for all ends at once."""
    u, v = ends.u, ends.v
    node = np.concatenate([u, v])
    order = np.argsort(node, kind="stable")
    slot_edge = np.concatenate([np.arange(len(u)), np.arange(len(u))])[order]
    slot_fwd = np.concatenate([np.ones(len(u), bool), np.zeros(len(u), bool)])[order]
    slot_other = np.concatenate([v, u])[order]
    first_slot = np.searchsorted(node[order], np.arange(len(ends.n_roads) + 1))
    length = ends.length_m
    names, classes = pd.factorize(ends.name)[0], pd.factorize(ends.highway)[0]
    key = names.astype(np.int64) * (int(classes.max(initial=0)) + 1) + classes
    rows = [(np.arange(len(start)), np.zeros(len(start), np.int64), start, forward)]
    end_id, edge, fwd = rows[0][0], start, forward
    origin = np.where(forward, u[start], v[start])
    run = length[start]
    for step in range(1, _MAX_CHAIN):
        far = np.where(fwd, v[edge], u[edge])
        prev = np.where(fwd, u[edge], v[edge])
        open_ = (run < _REACH_M) & (ends.n_roads[far] == 2) & ~ends.barrier[far] & (far != origin)
        if not open_.any():
            break
        end_id, edge, fwd, far, prev, run = (a[open_] for a in (end_id, edge, fwd, far, prev, run))
        origin = origin[open_]
        nxt = np.full(len(edge), -1)
        nxt_fwd = np.zeros(len(edge), bool)
        for k in range(4):
            s = first_slot[far] + k
            has = s < first_slot[far + 1]
            s = np.where(has, s, 0)
            cand = slot_edge[s]
            ok = has & (nxt < 0) & (slot_other[s] != prev)
            ok &= (key[cand] == key[edge]) & (ends.oneway[cand] == ends.oneway[edge])
            nxt, nxt_fwd = np.where(ok, cand, nxt), np.where(ok, slot_fwd[s], nxt_fwd)
        go = nxt >= 0
        end_id, edge, fwd, run, origin = end_id[go], nxt[go], nxt_fwd[go], run[go], origin[go]
        run = run + length[edge]
        rows.append((end_id, np.full(len(edge), step), edge, fwd))
    cat = [np.concatenate(c) for c in zip(*rows, strict=True)]
    return cat[0], cat[1], cat[2], cat[3]


def _seg_m(coords: FloatArray) -> FloatArray:
    """Length of each point's segment from the point before (the first: 0), in metres."""
    seg = np.zeros(len(coords))
    if len(coords) > 1:
        lat = np.radians((coords[1:, 1] + coords[:-1, 1]) / 2)
        dx = np.radians(np.diff(coords[:, 0])) * np.cos(lat)
        dy = np.radians(np.diff(coords[:, 1]))
        seg[1:] = _EARTH_M * np.hypot(dx, dy)
    return seg


def _near_ends(coords: FloatArray, offsets: IntArray) -> tuple[IntArray, IntArray]:
    """How many of each edge's points lie within ``_REACH_M`` of its start and of its end
    (each count takes the first point past that length too)."""
    seg = _seg_m(coords)
    seg[offsets[:-1]] = 0.0
    cum = np.cumsum(seg)
    counts = np.diff(offsets)
    edge = np.repeat(np.arange(len(counts)), counts)
    from_start = cum - cum[offsets[:-1]][edge]
    from_end = cum[offsets[1:] - 1][edge] - cum
    prev = np.concatenate([[0.0], from_start[:-1]])
    nxt = np.concatenate([from_end[1:], [0.0]])
    first, last = np.zeros(len(cum), bool), np.zeros(len(cum), bool)
    first[offsets[:-1]], last[offsets[1:] - 1] = True, True
    near_start = np.bincount(edge, weights=first | (prev < _REACH_M), minlength=len(counts))
    near_end = np.bincount(edge, weights=last | (nxt < _REACH_M), minlength=len(counts))
    return near_start.astype(np.int64), near_end.astype(np.int64)


def _road_points(
    ends: RoadEnds, start: IntArray, forward: BoolArray, ragged: tuple[FloatArray, IntArray]
) -> tuple[FloatArray, FloatArray, IntArray, BoolArray]:
    """Each end's road as points in metres from the junction (flat, ``offsets`` per end),
    cut past ``_REACH_M``; and whether that is the whole compressed edge."""
    coords, offsets = ragged
    end_id, order, edge, fwd = _pieces(ends, start, forward)
    sort = np.lexsort((order, end_id))
    end_id, order, edge, fwd = end_id[sort], order[sort], edge[sort], fwd[sort]
    near_start, near_end = _near_ends(coords, offsets)
    skip = (order > 0).astype(np.int64)  # later pieces repeat the node they start at
    n_pts = np.where(fwd, near_start[edge], near_end[edge]) - skip
    piece = np.repeat(np.arange(len(edge)), n_pts)
    within = np.arange(len(piece)) - np.repeat(np.cumsum(n_pts) - n_pts, n_pts) + skip[piece]
    idx = np.where(fwd[piece], offsets[edge[piece]] + within, offsets[edge[piece] + 1] - 1 - within)
    owner = end_id[piece]
    # OSRM holds coordinates to 1e-6 degrees and drops repeated ones (std::unique).
    pts = np.round(coords[idx], 6)
    repeat = np.zeros(len(owner), dtype=bool)
    repeat[1:] = (owner[1:] == owner[:-1]) & (pts[1:] == pts[:-1]).all(axis=1)
    owner, pts = owner[~repeat], pts[~repeat]
    seg = _seg_m(pts)
    bounds = np.searchsorted(owner, np.arange(len(start) + 1))
    seg[bounds[:-1]] = 0.0
    cum = np.cumsum(seg)
    cum -= np.repeat(cum[bounds[:-1]], np.diff(bounds))
    prev_cum = np.concatenate([[0.0], cum[:-1]])
    keep = prev_cum < _REACH_M
    keep[bounds[:-1]] = True
    kept = np.bincount(owner[keep], minlength=len(start))
    cut_piece = n_pts < np.diff(offsets)[edge] - skip
    whole = (kept == np.diff(bounds)) & (np.bincount(end_id[cut_piece], minlength=len(start)) == 0)
    pts = pts[keep]
    off = np.concatenate([[0], np.cumsum(kept)])
    lon0 = np.repeat(pts[off[:-1], 0], kept)
    lat0 = np.repeat(pts[off[:-1], 1], kept)
    x = np.radians(pts[:, 0] - lon0) * np.cos(np.radians(lat0)) * _EARTH_M
    y = np.radians(pts[:, 1] - lat0) * _EARTH_M
    return x, y, off, whole


#: Cells (roads x points) per batch: padded arrays are that big, so roads go in batches of
#: similar point counts, many short roads at once, fewer long ones.
_BATCH_CELLS = 2_000_000


def perceived_bearings(ends: RoadEnds) -> tuple[FloatArray, FloatArray]:
    """Compass bearing (degrees) of each edge where it leaves its start node and where it
    arrives at its end node (direction of travel), as OSRM perceives them at junctions.

    At nodes of at most two roads (no turn cost there) it is the first or last segment's
    bearing; elsewhere the bearing towards OSRM's representative point.
    """
    m = len(ends.u)
    _, coords, (offsets,) = shapely.to_ragged_array(ends.geometry)
    first = _bearing_deg(coords[offsets[:-1]], coords[offsets[:-1] + 1])
    last = _bearing_deg(coords[offsets[1:] - 2], coords[offsets[1:] - 1])
    start = np.concatenate([np.arange(m), np.arange(m)])
    forward = np.concatenate([np.ones(m, bool), np.zeros(m, bool)])
    at = np.where(forward, ends.u[start], ends.v[start])
    rows = np.flatnonzero(ends.n_roads[at] > 2)
    bearing = np.concatenate([first, (last + 180.0) % 360.0])
    if len(rows):
        seen = _junction_bearings(ends, start[rows], forward[rows], (coords, offsets))
        # A road of one repeated point has no direction: keep its segment's (0 degrees).
        bearing[rows] = np.where(np.isfinite(seen), seen, bearing[rows])
    return bearing[:m] % 360.0, (bearing[m:] + 180.0) % 360.0


def _bearing_deg(a: FloatArray, b: FloatArray) -> FloatArray:
    lat = np.radians((a[:, 1] + b[:, 1]) / 2)
    dx = (b[:, 0] - a[:, 0]) * np.cos(lat)
    return np.asarray(np.degrees(np.arctan2(dx, b[:, 1] - a[:, 1])), dtype=np.float64)


def _junction_bearings(
    ends: RoadEnds, start: IntArray, forward: BoolArray, ragged: tuple[FloatArray, IntArray]
) -> FloatArray:
    """Bearing towards OSRM's representative point of each road leaving a junction."""
    x, y, off, whole = _road_points(ends, start, forward, ragged)
    n = np.diff(off)
    hw = ends.highway[start]
    factor = np.where(
        np.isin(hw, ("motorway", "motorway_link", "trunk", "trunk_link")),
        _MAX_LANE_FACTOR,
        np.where(hw == "primary", 1.5, 1.0),
    )
    ring = np.isin(ends.junction[start], ("roundabout", "circular"))
    minor = ~np.isin(hw, _ROAD_TYPES)
    out = np.zeros(len(start))
    order = np.argsort(n, kind="stable")
    # Batches of roads whose point counts lie within the same power of two.
    width = 2 ** np.ceil(np.log2(np.maximum(n[order], 3)))
    cuts = np.flatnonzero(np.diff(width)) + 1
    groups = np.split(order, cuts)
    batches = [
        part
        for group in groups
        for part in np.array_split(group, -(-len(group) * int(n[group[-1]]) // _BATCH_CELLS))
    ]
    for rows in batches:
        k = max(int(n[rows].max()), 3)
        pos = off[rows][:, None] + np.arange(k)
        inside = np.arange(k) < n[rows][:, None]
        pos = np.where(inside, pos, 0)
        lines = Lines(np.where(inside, x[pos], np.nan), np.where(inside, y[pos], np.nan), n[rows])
        px, py = representative(lines, whole[rows], ring[rows], minor[rows], factor[rows] * _LANES)
        out[rows] = np.degrees(np.arctan2(px, py))
    return out
