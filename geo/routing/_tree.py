"""What a :class:`~geo.routing.router.Router` search gives: where places meet the network
(:class:`Snap`) and the fastest routes from one node (:class:`ShortestPathTree`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd

if TYPE_CHECKING:
    from .router import Router


NO_PRED = -9999  # scipy's marker for "no predecessor"

SNAP_COLUMNS = (
    "place_id",
    "lon",
    "lat",
    "node",
    "snap_m",
    "edge",
    "fraction",
    "nearest_road_m",
    "cut_off",
    "join_lon",
    "join_lat",
    "access_m",
    "access_s",
)


@dataclass(frozen=True)
class Snap:
    """Where each place meets the network (one row per place)."""

    table: pd.DataFrame
    """Columns: place_id, lon, lat, node (the town's node, -1 if not joined), snap_m
    (straight-line join distance), edge, fraction (where on the edge), nearest_road_m
    (within the limit or not), cut_off, join_lon, join_lat, access_m and access_s (the
    access leg's road length and drive time)."""


@dataclass
class ShortestPathTree:
    """Fastest routes from one source node to every node."""

    source: int
    time_s: npt.NDArray[np.float64]
    """Drive time to each node; ``inf`` where unreachable."""
    pred: npt.NDArray[np.int32]
    """Previous node on the fastest route; -9999 at the source and unreachable nodes."""
    router: Router = field(repr=False)
    _dist_m: npt.NDArray[np.float64] | None = field(default=None, repr=False)
    state_time: npt.NDArray[np.float64] | None = field(default=None, repr=False)
    """Movement search only: time to the start of each state's edge."""
    state_pred: npt.NDArray[np.int32] | None = field(default=None, repr=False)
    """Movement search only: previous state (-9999 at the start states)."""
    best_state: npt.NDArray[np.int64] | None = field(default=None, repr=False)
    """Movement search only: the state whose edge reaches each node first (-1 if none)."""

    @property
    def dist_m(self) -> npt.NDArray[np.float64]:
        """Length of the fastest route to every node; ``nan`` where unreachable.

        Summed over the whole tree on first use (pointer jumping); for the few
        destinations a table needs, :meth:`dist_to` walks only their routes.
        """
        if self._dist_m is None:
            if self.state_pred is None:
                self._dist_m = self.router.accumulate(
                    self.source, self.pred, self.router.edge_length
                )
            else:
                self._dist_m = self.router._state_lengths(self)
        return self._dist_m

    def dist_to(self, targets: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Length of the fastest route to each of ``targets``; ``nan`` where unreachable."""
        nodes = np.asarray(targets, dtype=np.int64)
        if self._dist_m is not None:
            return self._dist_m[nodes]
        return self.router.path_sums(self, nodes, self.router.edge_length)
