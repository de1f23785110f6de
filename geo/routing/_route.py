"""A fastest route as a line, and sums along a tree of fastest routes.

:class:`Route` is what :meth:`geo.routing.Router.route_line` gives: the route's line with
the drive time and distance at every vertex, cut by time for the maps' segments.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import numpy.typing as npt
from shapely.geometry import LineString


@dataclass
class Route:
    """A fastest route: its line (lon/lat) and the time and distance at each vertex."""

    line: LineString
    cum_time_s: npt.NDArray[np.float64]
    cum_dist_m: npt.NDArray[np.float64]

    @property
    def time_s(self) -> float:
        return float(self.cum_time_s[-1])

    @property
    def dist_m(self) -> float:
        return float(self.cum_dist_m[-1])

    def split_by_time(self, step_s: float) -> list[tuple[float, float, LineString]]:
        """Cut the route every ``step_s`` seconds: ``(start_s, end_s, piece)`` in order.

        Cut points are placed exactly, by interpolating between vertices by time.
        """
        t = self.cum_time_s
        xy = np.asarray(self.line.coords)
        cuts = np.arange(step_s, t[-1], step_s)
        # Each cut lands between two vertices; insert it there (vertices stay in order).
        cx = np.interp(cuts, t, xy[:, 0])
        cy = np.interp(cuts, t, xy[:, 1])
        all_t = np.concatenate([t, cuts])
        all_xy = np.vstack([xy, np.column_stack([cx, cy])])
        # Cuts sort after a vertex of equal time, so each piece begins exactly at its cut.
        order = np.lexsort((np.r_[np.zeros(len(t)), np.ones(len(cuts))], all_t))
        all_t, all_xy = all_t[order], all_xy[order]
        bounds = np.r_[0.0, cuts, t[-1]]
        pieces = []
        for start, end in pairwise(bounds):
            sel = (all_t >= start) & (all_t <= end)
            pts = all_xy[sel]
            if len(pts) >= 2:
                pieces.append((float(start), float(end), LineString(pts)))
        return pieces


def substring_of(geom: LineString, f0: float, f1: float) -> LineString:
    """The part of ``geom`` between fractions ``f0`` and ``f1`` of its length (a line
    even when it has no length)."""
    from shapely.ops import substring

    part = substring(geom, f0, f1, normalized=True)
    if part.geom_type == "Point":  # a zero-length piece
        return LineString([part, part])
    return part


def sum_to_root(
    parent: npt.NDArray[np.int64], own: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Sum of ``own`` over each element and its ancestors (``parent`` is itself at a root),
    by pointer jumping: O(n log depth)."""
    items = np.arange(len(parent))
    total = own
    while True:
        grand = parent[parent]
        if np.array_equal(grand, parent):
            return total
        total = total + total[parent] * (parent != items)
        parent = grand
