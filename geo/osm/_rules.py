"""Node obstacles, turn restrictions and built-up areas from OSM, beside the roads.

- Nodes: ``barrier``, ``highway`` (traffic signals, stop, give way), the access keys and
  the exceptions OSRM's car profile makes (``bollard``, ``kerb``, ``maxheight``), read by
  :mod:`geo.osm` as node tags (:data:`NODE_KEYS`), become one obstacle code per road
  node (:func:`geo.profiles.node_obstacles`).
- Relations: ``type=restriction`` with a ``from`` way, a ``via`` node and a ``to`` way
  become rows ``(relation id, only, from, via, to)``; with ``via`` ways, one row per via
  way with its id negated (:mod:`geo._via_ways`). The value is read from
  ``restriction:motorcar``, ``restriction:motor_vehicle``, ``restriction:vehicle`` or
  ``restriction`` (the first present, as OSRM's car profile ``restrictions``); a relation
  whose ``except`` names cars does not apply.
- Areas: ``landuse=residential`` and ``place`` polygons (:data:`BUILT_UP`), assembled
  with the rest by :func:`geo._osm_extras.read_osm_extras`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import numpy.typing as npt

#: Node keys read for obstacles.
NODE_KEYS = (
    "barrier",
    "highway",
    "motorcar",
    "motor_vehicle",
    "vehicle",
    "access",
    "bollard",
    "kerb",
    "maxheight",
    "traffic_signals:direction",
    "direction",
)
#: Of these, the ones that only qualify another key (a signal's direction).
_QUALIFIERS = ("traffic_signals:direction", "direction")

#: ``restriction`` keys for cars, most specific first.
_RESTRICTION_KEYS = ("restriction:motorcar", "restriction:motor_vehicle", "restriction:vehicle")
_CAR_WORDS = {"motorcar", "motor_vehicle", "vehicle"}


def restriction_kind(tags: dict[str, str]) -> int | None:
    """1 for an ``only_*`` restriction for cars, 0 for a ``no_*`` one, None otherwise."""
    if tags.get("type") != "restriction":
        return None
    value = next((tags[k] for k in _RESTRICTION_KEYS if k in tags), tags.get("restriction"))
    if not value or any(w.strip() in _CAR_WORDS for w in tags.get("except", "").split(";")):
        return None
    value = value.strip()
    return 0 if value.startswith("no_") else 1 if value.startswith("only_") else None


def restriction_rows(
    rel_id: int, tags: dict[str, str], members: Iterable[tuple[str, int, str]]
) -> list[tuple[int, int, int, int, int]]:
    """Rows ``(relation, only, from way, via, to way)`` of one relation (may be none).

    ``via`` is the via node's id, or a via way's id negated (one row per via way).

    ``members`` are ``(type, ref, role)`` with type ``"n"``/``"w"``/``"r"``.
    """
    only = restriction_kind(tags)
    if only is None:
        return []
    members = list(members)
    vias = [(kind, ref) for kind, ref, role in members if role == "via"]
    froms = [ref for kind, ref, role in members if kind == "w" and role == "from"]
    tos = [ref for kind, ref, role in members if kind == "w" and role == "to"]
    if len(vias) == 1 and vias[0][0] == "n":
        return [(rel_id, only, f, vias[0][1], t) for f in froms for t in tos]
    if vias and all(kind == "w" for kind, _ in vias) and len(froms) == len(tos) == 1:
        # Via ways: one row per via way, its id negated (geo._via_ways finds the path).
        return [(rel_id, only, froms[0], -ref, tos[0]) for _, ref in vias]
    return []  # a broken relation


#: Files larger than this are not searched for built-up areas: assembling polygons needs a
#: cache of every node's location (about 8 bytes per node id of the file).
BUILT_UP_MAX_BYTES = 512 * 2**20

#: Areas that mark a built-up area (OSM wiki Key:place, Tag:landuse=residential).
_PLACES = ("city", "town", "village", "hamlet", "suburb", "quarter", "neighbourhood")
BUILT_UP = (("landuse", "residential"), *(("place", p) for p in _PLACES))


#: ``place=*`` values of settlements whose names the maps may use (place nodes read by
#: :mod:`geo.context`, from a file or from Overpass).
PLACE_KINDS = frozenset({"city", "town", "village", "hamlet", "suburb"})


#: Tags of water areas drawn as map context, in the order a class is named by.
WATER_TAGS = (("natural", "water"), ("waterway", "riverbank"), ("landuse", "reservoir"))

#: Tag of the river lines drawn as map context (``waterway=river``; streams are left out).
RIVER_TAG = ("waterway", "river")

#: Highest administrative level drawn as a border (2 = countries, 4 = regions, oblasts).
MAX_ADMIN_LEVEL = 4


def obstacle_codes(
    node_ids: npt.NDArray[np.int64], found: list[int], rows: list[tuple[str | None, ...]]
) -> npt.NDArray[np.int8]:
    """Obstacle code of every node in sorted ``node_ids`` from the tag rows of some."""
    codes = np.zeros(len(node_ids), dtype=np.int8)
    if found:
        columns = [np.array(c, dtype=object) for c in zip(*rows, strict=True)]
        tagged = node_obstacle_codes(dict(zip(NODE_KEYS, columns, strict=True)), len(found))
        codes[np.searchsorted(node_ids, np.asarray(found, dtype=np.int64))] = tagged
    return codes


def node_obstacle_codes(node_tags: dict[str, npt.NDArray[np.object_]], n: int) -> Any:
    """Obstacle code of each of ``n`` nodes from their :data:`NODE_KEYS` values."""
    from ..network.profile import node_obstacles

    if not all(k in node_tags for k in NODE_KEYS):
        return np.zeros(n, dtype=np.int8)
    cols = [node_tags[k] for k in ("motorcar", "motor_vehicle", "vehicle", "access")]
    access = cols[0].copy()
    for col in cols[1:]:
        empty = np.array([v is None for v in access], dtype=bool)
        access[empty] = col[empty]
    tagged = np.zeros(n, dtype=bool)
    for key in NODE_KEYS:
        if key not in _QUALIFIERS:
            tagged |= np.array([v is not None for v in node_tags[key]], dtype=bool)
    # lib/obstacles.lua: traffic_signals:direction trumps direction
    direction = node_tags["traffic_signals:direction"].copy()
    empty = np.array([v is None for v in direction], dtype=bool)
    direction[empty] = node_tags["direction"][empty]
    codes = np.zeros(n, dtype=np.int8)
    if tagged.any():  # only the few tagged nodes go through the rules
        codes[tagged] = node_obstacles(
            node_tags["barrier"][tagged],
            node_tags["highway"][tagged],
            access[tagged],
            node_tags["bollard"][tagged],
            node_tags["kerb"][tagged],
            node_tags["maxheight"][tagged],
            direction=direction[tagged],
        )
    return codes


def restriction_array(rows: list[tuple[int, int, int, int, int]]) -> npt.NDArray[np.int64]:
    """Rows as a sorted, de-duplicated ``(k, 5)`` int64 array."""
    arr = np.asarray(rows, dtype=np.int64).reshape(-1, 5)
    return np.unique(arr, axis=0) if len(arr) else arr
