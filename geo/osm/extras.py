"""What OSM holds beside the roads, for the maps: water, borders, rivers and place names.

The public face of the readers (``.osm.pbf`` through libosmium, Overpass answers) that the
map context of :mod:`geo.analysis.context` is built from.
"""

from __future__ import annotations

from ._areas import tagged_areas
from ._extras import cached_map_extras, is_drawn_border, place_row, read_osm_extras, water_class

__all__ = [
    "cached_map_extras",
    "is_drawn_border",
    "place_row",
    "read_osm_extras",
    "tagged_areas",
    "water_class",
]
