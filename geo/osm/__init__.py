"""Stage 2, OpenStreetMap: where a study's roads come from and how they are read.

- :func:`road_source` — the one rule for which road data a study reads;
- :class:`OSMRoads` (:func:`read_roads`) — the roads of the study area as flat arrays,
  from an ``.osm.pbf``/``.osm`` file (:func:`read_osm_file`) or Overpass.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..base.lazy import lazy_objects

_OBJECTS = {
    "OSMRoads": ".roads",
    "read_osm_file": ".roads",
    "read_roads": ".sources",
    "road_source": ".sources",
    "RoadSource": ".sources",
}
__all__ = [
    "OSMRoads",
    "RoadSource",
    "read_osm_file",
    "read_roads",
    "road_source",
]
__getattr__, __dir__ = lazy_objects(__name__, _OBJECTS)

if TYPE_CHECKING:
    from .roads import OSMRoads, read_osm_file
    from .sources import RoadSource, read_roads, road_source
