"""Node obstacles, turn restrictions and built-up areas from OSM, beside the roads.

- Nodes: ``barrier``, ``highway`` (traffic signals, stop, give way), the access keys and
  the exceptions OSRM's car profile makes (``bollard``, ``kerb``, ``maxheight``), read by
  :mod:`geo.osm` as node tags (:data:`NODE_KEYS`), become one obstacle code per road
  node under the network's profile (:func:`geo.network.profile.node_obstacle_codes`); this
  module keeps their text (:class:`NodeRuleTags`).
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
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

#: Node keys that only qualify another key (a signal's or a sign's direction).
_QUALIFIERS = ("traffic_signals:direction", "direction")
#: Node keys read for obstacles: what the node is, who may pass (for cars, most specific
#: first), what lets a car through, and the qualifiers.
NODE_KEYS = (
    *("barrier", "highway"),
    *("motorcar", "motor_vehicle", "vehicle", "access"),
    *("bollard", "kerb", "maxheight"),
    *_QUALIFIERS,
)

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


@dataclass(frozen=True)
class NodeRuleTags:
    """OSM tags of the road nodes that carry one of :data:`NODE_KEYS`.

    ``index`` gives each tagged node's position in the roads' sorted ``node_ids``;
    ``tags[key]`` holds its value of ``key`` (``None`` where absent), in the same order.
    """

    index: npt.NDArray[np.int64]
    tags: dict[str, npt.NDArray[np.object_]]


#: ``place=*`` values of settlements whose names the maps may use (place nodes read by
#: :mod:`geo.context`, from a file or from Overpass).
PLACE_KINDS = frozenset({"city", "town", "village", "hamlet", "suburb"})


#: Tags of water areas drawn as map context, in the order a class is named by.
WATER_TAGS = (("natural", "water"), ("waterway", "riverbank"), ("landuse", "reservoir"))

#: Tag of the river lines drawn as map context (``waterway=river``; streams are left out).
RIVER_TAG = ("waterway", "river")

#: Highest administrative level drawn as a border (2 = countries, 4 = regions, oblasts).
MAX_ADMIN_LEVEL = 4


def tagged_node_rows(
    node_ids: npt.NDArray[np.int64], found: list[int], rows: list[tuple[str | None, ...]]
) -> NodeRuleTags:
    """The :data:`NODE_KEYS` values of the tagged nodes among sorted ``node_ids``.

    The network stage turns them into obstacle codes under its profile
    (:func:`geo.network.profile.node_obstacle_codes`); here they stay OSM's text.
    """
    # a node with only a qualifier (a signal's direction without a signal) is no obstacle
    qualifier = [NODE_KEYS.index(k) for k in _QUALIFIERS]
    kept = [
        (node, row)
        for node, row in zip(found, rows, strict=True)
        if any(v is not None for i, v in enumerate(row) if i not in qualifier)
    ]
    if not kept:
        return NodeRuleTags(np.zeros(0, dtype=np.int64), {k: _objects([]) for k in NODE_KEYS})
    index = np.searchsorted(node_ids, np.asarray([n for n, _ in kept], dtype=np.int64))
    columns = [_objects(list(c)) for c in zip(*(r for _, r in kept), strict=True)]
    return NodeRuleTags(index.astype(np.int64), dict(zip(NODE_KEYS, columns, strict=True)))


def _objects(values: list[Any]) -> npt.NDArray[np.object_]:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def restriction_array(rows: list[tuple[int, int, int, int, int]]) -> npt.NDArray[np.int64]:
    """Rows as a sorted, de-duplicated ``(k, 5)`` int64 array."""
    arr = np.asarray(rows, dtype=np.int64).reshape(-1, 5)
    return np.unique(arr, axis=0) if len(arr) else arr
