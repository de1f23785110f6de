"""Stage 4, routing: exact fastest routes on the network's arrays.

- :class:`Router` — places joined to the roads, shortest-path trees, routes;
- :class:`AccessLeg` — the last mile from a town to the road it meets;
- :func:`travel_times` — points in, a long table of drive times out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..base.lazy import lazy_objects

_OBJECTS = {
    "Router": ".router",
    "AccessLeg": ".last_mile",
    "travel_times": ".travel_times",
}
__all__ = [
    "AccessLeg",
    "Router",
    "travel_times",
]
__getattr__, __dir__ = lazy_objects(__name__, _OBJECTS)

if TYPE_CHECKING:
    from .last_mile import AccessLeg
    from .router import Router
    from .travel_times import travel_times
