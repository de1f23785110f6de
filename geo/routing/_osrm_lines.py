"""Roads leaving a junction as padded arrays of points (:class:`Lines`) and the geometry
OSRM's coordinate extractor measures them with: points along a road, deviation from a
chord, least-squares regression lines, straight prefixes and lane-wide offsets; for
:mod:`geo.routing._osrm_coordinate`, whose notes give the rules these serve."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..base.arrays import BoolArray, FloatArray, IntArray

#: OSRM ``ASSUMED_LANE_WIDTH`` (m), ``intersection/constants.hpp``.
LANE_M = 3.25
#: OSRM extends its regression segment by 1e-5 degrees each way (0.8-1.1 m here).
_REGRESSION_PAD_M = 1.0


@dataclass
class Lines:
    """Padded polylines in metres from their first point: ``x, y`` [rows, k], ``n`` points."""

    x: FloatArray
    y: FloatArray
    n: IntArray

    @property
    def valid(self) -> BoolArray:
        return np.asarray(np.arange(self.x.shape[1]) < self.n[:, None])

    def seg(self) -> FloatArray:
        s = np.zeros_like(self.x)
        s[:, 1:] = np.hypot(np.diff(self.x, axis=1), np.diff(self.y, axis=1))
        return np.where(self.valid, s, 0.0)

    def last(self) -> tuple[FloatArray, FloatArray]:
        r = np.arange(len(self.n))
        return self.x[r, self.n - 1], self.y[r, self.n - 1]

    def take(self, rows: IntArray) -> Lines:
        k = max(int(self.n[rows].max(initial=2)), 2)
        return Lines(self.x[rows, :k], self.y[rows, :k], self.n[rows])


def point_at(d: FloatArray | float, seg: FloatArray, lines: Lines) -> tuple[FloatArray, FloatArray]:
    """The point ``d`` metres along (OSRM ``ExtractCoordinateAtLength``), else the last one."""
    r = np.arange(len(lines.n))
    cum = np.cumsum(seg, axis=1)
    d = np.broadcast_to(np.asarray(d, dtype=np.float64), r.shape)
    reach = (cum >= d[:, None]) & lines.valid
    reach[:, 0] = False
    found = reach.any(axis=1)
    i = np.where(found, reach.argmax(axis=1), 1)
    before = cum[r, i - 1]
    f = np.clip((d - before) / np.where(seg[r, i] > 0, seg[r, i], 1.0), 0.0, 1.0)
    px = lines.x[r, i - 1] + f * (lines.x[r, i] - lines.x[r, i - 1])
    py = lines.y[r, i - 1] + f * (lines.y[r, i] - lines.y[r, i - 1])
    lx, ly = lines.last()
    return np.where(found, px, lx), np.where(found, py, ly)


def deviation(
    lines: Lines,
    mask: BoolArray,
    a: tuple[FloatArray, FloatArray],
    b: tuple[FloatArray, FloatArray],
) -> FloatArray:
    """Largest distance of the masked points from the segment a-b (``GetMaxDeviation``)."""
    ax, ay, bx, by = (v[:, None] for v in (*a, *b))
    sx, sy = bx - ax, by - ay
    sq = sx * sx + sy * sy
    t = np.clip(((lines.x - ax) * sx + (lines.y - ay) * sy) / np.where(sq > 0, sq, 1.0), 0, 1)
    t = np.where(sq > 0, t, 0.0)
    d = np.hypot(ax + t * sx - lines.x, ay + t * sy - lines.y)
    return np.asarray(np.where(mask & np.isfinite(d), d, 0.0).max(axis=1, initial=0.0))


def corrected(
    base: tuple[FloatArray, FloatArray], head: tuple[FloatArray, FloatArray]
) -> tuple[FloatArray, FloatArray]:
    """``head`` moved back by 90 % of ``base``'s offset from the junction (at 0, 0)."""
    near = np.hypot(head[0] - base[0], head[1] - base[1]) < 2.0
    return (
        np.where(near, head[0], head[0] - 0.9 * base[0]),
        np.where(near, head[1], head[1] - 0.9 * base[1]),
    )


def regression(lines: Lines) -> tuple[tuple[FloatArray, FloatArray], ...]:
    """Least-squares line through points every metre of the first 40 m (``RegressionLine``
    with ``SampleCoordinates``), as the feet of the lines' first and last points on it."""
    rows, k = lines.x.shape
    r = np.arange(rows)
    seg = lines.seg()
    cum = np.cumsum(seg, axis=1)
    total = cum[r, np.maximum(lines.n - 1, 0)]
    t = np.arange(1.0, 41.0)
    shift = (r * 1e9)[:, None]
    keys = np.where(lines.valid, cum, 1e8) + shift
    pos = np.searchsorted(keys.ravel(), (t[None, :] + shift).ravel()).reshape(rows, -1)
    i = np.clip(pos - r[:, None] * k, 1, k - 1)
    rr = r[:, None]
    f = np.clip((t - cum[rr, i - 1]) / np.where(seg[rr, i] > 0, seg[rr, i], 1.0), 0, 1)
    sx = lines.x[rr, i - 1] + f * (lines.x[rr, i] - lines.x[rr, i - 1])
    sy = lines.y[rr, i - 1] + f * (lines.y[rr, i] - lines.y[rr, i - 1])
    first = np.ones((rows, 1), dtype=bool)
    w = np.concatenate([first, t[None, :] <= np.minimum(total, 40.0)[:, None]], axis=1)
    sx = np.concatenate([lines.x[:, :1], sx], axis=1)
    sy = np.concatenate([lines.y[:, :1], sy], axis=1)
    return fit(lines, sx, sy, w)


def fit(
    lines: Lines, sx: FloatArray, sy: FloatArray, w: BoolArray
) -> tuple[tuple[FloatArray, FloatArray], ...]:
    """OSRM ``leastSquareRegression``: latitude on longitude, or the other way round where
    the samples spread more than twice as far north-south. Its line is a segment over the
    samples' span (plus 1e-5 degrees, about a metre, each side), so the feet of the lines'
    first and last points on it are clamped to that span."""
    mask = np.where(w, 1.0, np.nan)
    span_x = np.nanmax(sx * mask, axis=1) - np.nanmin(sx * mask, axis=1)
    span_y = np.nanmax(sy * mask, axis=1) - np.nanmin(sy * mask, axis=1)
    swap = span_y > 2 * span_x
    px = np.where(swap[:, None], sy, sx) * mask
    py = np.where(swap[:, None], sx, sy) * mask
    mx, my = np.nanmean(px, axis=1), np.nanmean(py, axis=1)
    vxx = np.nansum((px - mx[:, None]) ** 2, axis=1)
    vxy = np.nansum((px - mx[:, None]) * (py - my[:, None]), axis=1)
    flat = vxx <= 1e-12
    slope = np.where(flat, 0.0, vxy / np.where(flat, 1.0, vxx))
    lo, hi = np.nanmin(px, axis=1) - _REGRESSION_PAD_M, np.nanmax(px, axis=1) + _REGRESSION_PAD_M

    def foot(qx: FloatArray, qy: FloatArray) -> tuple[FloatArray, FloatArray]:
        ax, ay = np.where(swap, qy, qx), np.where(swap, qx, qy)
        t = np.clip(mx + ((ax - mx) + slope * (ay - my)) / (1 + slope * slope), lo, hi)
        fy = my + slope * (t - mx)
        out = (np.where(swap, fy, t), np.where(swap, t, fy))
        return np.where(flat, qx, out[0]), np.where(flat, qy, out[1])

    return foot(lines.x[:, 0], lines.y[:, 0]), foot(*lines.last())


def straight_prefix(lines: Lines, seg: FloatArray) -> tuple[IntArray, FloatArray]:
    """How far the road runs straight (within a quarter lane of the chord to each point)."""
    rows, k = lines.x.shape
    dist = seg[:, 1].copy()
    index = np.full(rows, 2)
    going = np.ones(rows, dtype=bool)
    cols = np.arange(k)
    for i in range(2, k):
        live = going & (i < lines.n)
        if not live.any():
            break
        dev = deviation(
            lines, cols < i, (lines.x[:, 0], lines.y[:, 0]), (lines.x[:, i], lines.y[:, i])
        )
        ok = live & (dev < 0.25 * LANE_M)
        dist += np.where(ok, seg[:, i], 0.0)
        index = np.where(ok, i + 1, index)
        going = ok
    return index - 1, dist


def direct_offset(
    lines: Lines,
    seg: FloatArray,
    s_idx: IntArray,
    s_dist: FloatArray,
    total: FloatArray,
    lanes: FloatArray,
) -> BoolArray:
    """OSRM ``IsDirectOffset``: a short lane-wide offset, then a straight road."""
    r = np.arange(len(lines.n))
    off = np.maximum(1, s_idx)
    enough = off + 1 < lines.n
    offc = np.minimum(off, lines.x.shape[1] - 1)
    cum = np.cumsum(seg, axis=1)
    near = cum[r, offc] - 0.5 * np.floor(lanes) * LANE_M < LANE_M
    rest = (total - np.maximum(s_dist, seg[:, 1])) >= 0.1 * total
    cols = np.arange(lines.x.shape[1])
    long_seg = (seg >= 30) & (cols >= off[:, None]) & lines.valid
    end = np.where(long_seg.any(axis=1), long_seg.argmax(axis=1) + 1, lines.n)
    end = np.minimum(end, lines.n)
    mask = (cols >= off[:, None]) & (cols < end[:, None])
    endc = np.clip(end - 1, 0, lines.x.shape[1] - 1)
    dev = deviation(
        lines, mask, (lines.x[r, offc], lines.y[r, offc]), (lines.x[r, endc], lines.y[r, endc])
    )
    return np.asarray(enough & near & (total >= 16) & rest & (dev < 0.5 * LANE_M))
