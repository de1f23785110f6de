"""OSRM's representative point of a road leaving a junction, on padded arrays of roads.

OSRM does not take a road's bearing at a junction from its first segment. Its extractor
picks a *representative coordinate* along each road leaving the junction and measures the
bearing from the junction to that point: ``getIntersectionOutgoingGeometries`` in
``src/extractor/intersection/intersection_analysis.cpp`` calls
``CoordinateExtractor::ExtractRepresentativeCoordinate`` of
``src/extractor/intersection/coordinate_extractor.cpp`` (osrm-backend 5.2x-26.x) wherever
more than two roads meet, and the turn angle handed to ``car.lua``'s ``process_turn`` is
the difference of two such bearings. The rules, in their order there (``L`` = 3.25 m, its
``ASSUMED_LANE_WIDTH``; ``lanes`` = 2 where untagged, times 2.5 on motorways and trunks,
1.5 on primaries):

1. a road of two points: its far end; a roundabout: the point 2 m along; a road OSRM may
   ignore (service, track, ...): the point 10 m along;
2. a first segment longer than ``lanes * L + 10`` m: its end;
3. the road cut at ``40 + lanes * L`` m (keeping the segment that crosses that length
   whole, as OSRM's length cache does): its end if no point lies half a lane off the
   chord; the point 5 m along if it runs straight (a quarter lane) for ``lanes * L + 10`` m;
4. a least-squares line through points every metre of its first 40 m, if every point lies
   within 0.35 lanes of it: that line's far end moved back by 90 % of its offset at the
   junction (``GetCorrectedCoordinate``); likewise for a road that starts with a lane-wide
   offset and then runs straight (``IsDirectOffset``), a curve (``IsCurve``: a bend of more
   than 20° bulging to one side, with no long straight piece), and the line through the
   road past its first ``0.64 * lanes * L`` m;
5. else the point 10 m along (``LOOKAHEAD_DISTANCE_WITHOUT_LANES``).

Rows are roads as points in metres from their junction (at 0, 0), padded with NaN; every
step works on all rows at once (loops run over point positions, never over roads). The
quirks of OSRM's helpers are kept where they change the point: its length cache holds
segment lengths, so a trim keeps the segment that crosses the length whole unless that
segment alone is longer (``TrimCoordinatesToLength``), and its regression line is a
segment over the samples' span, so feet on it are clamped (``leastSquareRegression``).
"""

from __future__ import annotations

import numpy as np

from ..base.arrays import BoolArray, FloatArray, IntArray
from ._osrm_lines import (
    LANE_M,
    Lines,
    corrected,
    deviation,
    direct_offset,
    point_at,
    regression,
    straight_prefix,
)


def _turn_angles(lines: Lines) -> FloatArray:
    """Angle at each inner point (180 = straight), ``computeAngle``'s convention."""
    ax, ay = lines.x[:, :-2] - lines.x[:, 1:-1], lines.y[:, :-2] - lines.y[:, 1:-1]
    bx, by = lines.x[:, 2:] - lines.x[:, 1:-1], lines.y[:, 2:] - lines.y[:, 1:-1]
    return np.asarray(np.degrees(np.arctan2(by, bx) - np.arctan2(ay, ax)) % 360.0)


def _off_straight(a: FloatArray) -> FloatArray:
    return np.asarray(np.abs(((a - 180.0) + 180.0) % 360.0 - 180.0))


def _curve_shape(lines: Lines, seg: FloatArray, total: FloatArray, width: FloatArray) -> BoolArray:
    """First half of OSRM ``IsCurve``: bends by > 20°, bulges to one side, rises then falls."""
    r = np.arange(len(lines.n))
    n = lines.n
    lx, ly = lines.last()
    b0 = np.degrees(np.arctan2(lines.x[:, 1], lines.y[:, 1]))
    b1 = np.degrees(np.arctan2(lx - lines.x[r, n - 2], ly - lines.y[r, n - 2]))
    turns = _off_straight(b1 - b0 + 180.0) > 20.0
    cols = np.arange(lines.x.shape[1])
    inner = (cols >= 1) & (cols < (n - 1)[:, None])
    side = (lx[:, None] * lines.y - ly[:, None] * lines.x) > 0
    one_side = (np.where(inner, side == side[:, 1:2], True)).all(axis=1) | (n <= 3)
    t = np.clip(
        (lines.x * lx[:, None] + lines.y * ly[:, None])
        / np.maximum(lx * lx + ly * ly, 1e-12)[:, None],
        0,
        1,
    )
    dev = np.where(
        lines.valid, np.hypot(t * lx[:, None] - lines.x, t * ly[:, None] - lines.y), -np.inf
    )
    drop = (dev[:, 1:] < dev[:, :-1]) & (cols[1:] >= 2) & lines.valid[:, 1:]
    has_drop = drop.any(axis=1)
    j = np.where(has_drop, drop.argmax(axis=1) + 1, n)
    rise_after = (dev[:, 1:] > dev[:, :-1]) & (cols[1:] > j[:, None]) & lines.valid[:, 1:]
    up_down = ~rise_after.any(axis=1) | (n == 3)
    peak = np.where(n == 3, 1, np.where(has_drop, j - 1, n - 1))
    peak_dev = np.where(n == 3, dev[:, 1], np.where(has_drop, dev[r, np.maximum(j - 1, 0)], 0.0))
    to_peak = np.cumsum(seg, axis=1)[r, np.minimum(peak, lines.x.shape[1] - 1)]
    normal = ((to_peak <= 0.35 * total) | (peak_dev < np.maximum(0.3 * width, 0.5 * LANE_M))) & (
        total > 10
    )
    return np.asarray(turns & one_side & up_down & ~normal & (total > 2 * width))


def _curve_valid(lines: Lines, seg: FloatArray, total: FloatArray, width: FloatArray) -> BoolArray:
    """Second half of ``IsCurve``: no change of direction, no long straight piece."""
    ang = _turn_angles(lines)
    rows = len(lines.n)
    bad = np.zeros(rows, dtype=bool)
    last_straight = np.zeros(rows, dtype=bool)
    straight_d = np.maximum(0.0, seg[:, 1] - width)
    for k in range(1, ang.shape[1]):
        live = (k + 2 < lines.n) & ~bad
        if not live.any():
            break
        prev, cur = ang[:, k - 1], ang[:, k]
        switch = (
            (_off_straight(prev) > 25) & (_off_straight(cur) > 25) & ((prev > 180) == (cur < 180))
        )
        straight = _off_straight(cur) < 5
        here = seg[:, k + 1]
        grown = straight_d + here
        stop = switch | np.where(
            straight, last_straight & (grown > 0.3 * total), straight_d > 0.3 * total
        )
        bad |= live & stop
        keep = live & ~stop
        straight_d = np.where(keep, np.where(straight, grown, here), straight_d)
        last_straight = np.where(keep, straight, last_straight)
    return ~bad


def _cached_trim(lines: Lines, seg: FloatArray, length: float) -> tuple[Lines, FloatArray]:
    """OSRM ``TrimCoordinatesToLength`` with its length cache: rows whose last segment is
    shorter than ``length`` stay whole; others end ``length`` past the previous *segment*
    length along their first segment that long (the cache holds segment lengths)."""
    r = np.arange(len(lines.n))
    keep = seg[r, lines.n - 1] < length
    long_seg = (seg >= length) & lines.valid
    long_seg[:, 0] = False
    i = np.where(long_seg.any(axis=1), long_seg.argmax(axis=1), lines.n - 1)
    before = np.where(i > 1, seg[r, i - 1], 0.0)
    f = np.clip((length - before) / np.maximum(seg[r, i] - before, 1e-12), 0, 1)
    x, y = lines.x.copy(), lines.y.copy()
    x[r, i] = np.where(keep, x[r, i], x[r, i - 1] + f * (lines.x[r, i] - x[r, i - 1]))
    y[r, i] = np.where(keep, y[r, i], y[r, i - 1] + f * (lines.y[r, i] - y[r, i - 1]))
    out = Lines(x, y, np.where(keep, lines.n, i + 1))
    return out, np.where(out.valid, seg, 0.0)


def _curve_point(lines: Lines, seg: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The corrected point of a curve: from 4 m towards 6 m along (OSRM's trims)."""
    six, seg6 = _cached_trim(lines, seg, 6.0)
    r = np.arange(len(six.n))
    seg6 = seg6.copy()
    seg6[r, six.n - 1] = six.seg()[r, six.n - 1]
    head = six.last()
    four, _ = _cached_trim(six, seg6, 4.0)
    return corrected(four.last(), head)


def _front_trimmed(lines: Lines, seg: FloatArray, length: FloatArray) -> Lines:
    """The lines without their first ``length`` metres (``TrimCoordinatesByLengthFront``),
    shifted so that they start at 0, 0 again is *not* done: points stay where they are."""
    r = np.arange(len(lines.n))
    cum = np.cumsum(seg, axis=1)
    reach = (cum >= length[:, None]) & lines.valid
    reach[:, 0] = False
    found = reach.any(axis=1)
    i = np.where(found, reach.argmax(axis=1), 1)
    f = np.clip((length - cum[r, i - 1]) / np.maximum(seg[r, i], 1e-12), 0, 1)
    k = lines.x.shape[1]
    cols = np.arange(k)
    src = np.clip(cols[None, :] + (i - 1)[:, None], 0, k - 1)
    x, y = lines.x[r[:, None], src], lines.y[r[:, None], src]
    x[:, 0] = lines.x[r, i - 1] + f * (lines.x[r, i] - lines.x[r, i - 1])
    y[:, 0] = lines.y[r, i - 1] + f * (lines.y[r, i] - lines.y[r, i - 1])
    return Lines(x, y, np.where(found, lines.n - (i - 1), 0))


def _fallbacks(
    lines: Lines,
    seg: FloatArray,
    total: FloatArray,
    lanes: FloatArray,
    s_idx: IntArray,
    s_dist: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """Rules 4-5 of the module doc, for roads that are neither straight nor straight-started."""
    r = np.arange(len(lines.n))
    px, py = point_at(10.0, seg, lines)
    done = np.zeros(len(r), dtype=bool)

    def put(rows: BoolArray, p: tuple[FloatArray, FloatArray]) -> None:
        nonlocal px, py, done
        rows = rows & ~done
        px, py = np.where(rows, p[0], px), np.where(rows, p[1], py)
        done |= rows

    a, b = regression(lines)
    put(deviation(lines, lines.valid, a, b) < 0.35 * LANE_M, corrected(a, b))
    off = np.maximum(1, s_idx)
    o1 = np.minimum(off + 1, lines.x.shape[1] - 1)
    put(
        direct_offset(lines, seg, s_idx, s_dist, total, lanes),
        corrected((lines.x[r, off], lines.y[r, off]), (lines.x[r, o1], lines.y[r, o1])),
    )
    width = lanes * LANE_M
    curve = ~done & _curve_shape(lines, seg, total, width)
    curve &= _curve_valid(lines, seg, total, width)
    put(curve & (total <= 2), lines.last())
    put(curve, _curve_point(lines, seg))
    cut = _front_trimmed(lines, seg, 0.64 * width)
    enough = (cut.n >= 2) & (total >= 0.8 * width + 2)
    if (enough & ~done).any():
        ca, cb = regression(cut)
        put(enough & (deviation(cut, cut.valid, ca, cb) < 0.5 * LANE_M), corrected(ca, cb))
    return px, py


def representative(
    lines: Lines, whole: BoolArray, ring: BoolArray, minor: BoolArray, lanes: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """OSRM's representative point of each road (rules 1-5), in its metres."""
    seg = lines.seg()
    px, py = lines.last()
    done = (lines.n <= 2) & whole
    ax, ay = point_at(np.where(ring, 2.0, 10.0), seg, lines)
    px, py = np.where(~done & (ring | minor), ax, px), np.where(~done & (ring | minor), ay, py)
    done |= ring | minor
    far = ~done & (seg[:, 1] > lanes * LANE_M + 10)
    px, py = np.where(far, lines.x[:, 1], px), np.where(far, lines.y[:, 1], py)
    done |= far
    rest = np.flatnonzero(~done)
    if len(rest) == 0:
        return px, py
    sub = lines.take(rest)
    look = 40.0 + lanes[rest] * LANE_M
    cum = np.cumsum(sub.seg(), axis=1)
    beyond = (cum >= look[:, None]) & sub.valid
    cut_n = np.where(beyond.any(axis=1), beyond.argmax(axis=1) + 1, sub.n)
    sub = Lines(sub.x, sub.y, cut_n)
    sseg = sub.seg()
    rr = np.arange(len(rest))
    lastseg = sseg[rr, sub.n - 1]
    # OSRM's trim interpolates only where the crossing segment alone is that long.
    lng = lastseg >= look
    prev = np.where(sub.n - 1 > 1, sseg[rr, np.maximum(sub.n - 2, 0)], 0.0)
    f = np.clip((look - prev) / np.maximum(lastseg - prev, 1e-12), 0, 1)
    lx, ly = sub.last()
    i = sub.n - 1
    sub.x = sub.x.copy()
    sub.y = sub.y.copy()
    sub.x[rr, i] = np.where(lng, sub.x[rr, i - 1] + f * (lx - sub.x[rr, i - 1]), lx)
    sub.y[rr, i] = np.where(lng, sub.y[rr, i - 1] + f * (ly - sub.y[rr, i - 1]), ly)
    sseg[rr, i] = np.minimum(lastseg, look)
    total = sseg.sum(axis=1)
    qx, qy = sub.last()
    short = (sub.n == 2) | (total <= 2)
    bent = ~short & (
        deviation(sub, sub.valid, (sub.x[:, 0], sub.y[:, 0]), (qx, qy)) >= 0.5 * LANE_M
    )
    loop = ~short & ~bent & (np.hypot(qx, qy) == 0)
    bx, by = point_at(2.0, sseg, sub)
    qx, qy = np.where(loop, bx, qx), np.where(loop, by, qy)
    s_idx, s_dist = straight_prefix(sub, sseg)
    started = bent & (s_dist >= lanes[rest] * LANE_M + 10)
    fx, fy = point_at(5.0, sseg, sub)
    qx, qy = np.where(started, fx, qx), np.where(started, fy, qy)
    other = np.flatnonzero(bent & ~started)
    if len(other):
        o = sub.take(other)
        ox, oy = _fallbacks(
            o,
            sseg[other, : o.x.shape[1]],
            total[other],
            lanes[rest][other],
            s_idx[other],
            s_dist[other],
        )
        qx[other], qy[other] = ox, oy
    px[rest], py[rest] = qx, qy
    return px, py
