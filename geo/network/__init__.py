"""Stage 3, the road network: a directed graph in compact arrays with drive-time weights.

- :class:`RoadNetwork` (:meth:`RoadNetwork.from_osm`) — built once from OSM, then cached;
- :class:`Profile` (:func:`load_profile`) — speeds, access rules and junction costs;
- :func:`pull_network` — build and cache a study's network anew.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..base.lazy import lazy_objects

_OBJECTS = {
    "RoadNetwork": ".road_network",
    "Profile": ".profile",
    "load_profile": ".profile",
    "pull_network": ".pull",
}
__all__ = [
    "Profile",
    "RoadNetwork",
    "load_profile",
    "pull_network",
]
__getattr__, __dir__ = lazy_objects(__name__, _OBJECTS)

if TYPE_CHECKING:
    from .profile import Profile, load_profile
    from .pull import pull_network
    from .road_network import RoadNetwork
