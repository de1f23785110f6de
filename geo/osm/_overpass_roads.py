"""Overpass answers (JSON) as :class:`~geo.osm.OSMRoads`, as the ``.osm.pbf`` reader gives.

Besides the road ways and their nodes, an answer holds the roads' tagged nodes, the turn
restriction relations and, when the query asked for them, built-up areas: each is read
here as :mod:`geo._osm_extras` reads it from a file.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ._areas import built_up_areas
from ._rules import NODE_KEYS, restriction_array, restriction_rows, tagged_node_rows
from .roads import WAY_TAGS, OSMRoads, highway_classes, is_drivable


@dataclass
class _Elements:
    """The elements of Overpass answers by id (a tile's overlap with the next kept once)."""

    nodes: dict[int, tuple[float, float]] = field(default_factory=dict)
    node_tags: dict[int, tuple[str | None, ...]] = field(default_factory=dict)
    ways: dict[int, tuple[list[int], dict[str, str]]] = field(default_factory=dict)
    relations: dict[int, tuple[list[tuple[str, int, str]], dict[str, str]]] = field(
        default_factory=dict
    )
    stamps: list[str] = field(default_factory=list)

    def add(self, resp: dict[str, Any]) -> None:
        stamp = resp.get("osm3s", {}).get("timestamp_osm_base")
        if stamp:
            self.stamps.append(stamp)
        for el in resp.get("elements", []):
            kind, el_id = el.get("type"), int(el["id"])
            if kind == "node":
                self.nodes[el_id] = (float(el["lon"]), float(el["lat"]))
                if el.get("tags"):
                    self.node_tags[el_id] = tuple(el["tags"].get(k) for k in NODE_KEYS)
            elif kind == "way":
                self.ways[el_id] = ([int(r) for r in el.get("nodes", [])], el.get("tags", {}))
            elif kind == "relation":
                members = [
                    (str(m.get("type", "")), int(m.get("ref", 0)), str(m.get("role", "")))
                    for m in el.get("members", [])
                ]
                self.relations[el_id] = (members, el.get("tags", {}))


def roads_from_overpass(
    responses: Iterable[dict[str, Any]], lowest_class: str, source: str
) -> OSMRoads:
    """Combine Overpass JSON responses (ways + their nodes) into :class:`OSMRoads`.

    Tiles overlap at their edges, so ways and nodes seen twice are kept once. Besides the
    roads, an answer's turn restrictions and built-up areas (:func:`geo._areas.built_up_areas`)
    are read, as the ``.osm.pbf`` path reads them from the file.
    """
    class_set = set(highway_classes(lowest_class))
    seen = _Elements()
    for resp in responses:
        seen.add(resp)
    roads_rows = [
        (way_id, refs, {k: str(tags[k]) for k in WAY_TAGS if k in tags})
        for way_id, (refs, tags) in seen.ways.items()
        if len(refs) >= 2 and is_drivable(tags, class_set)
    ]
    # The oldest tile's database state bounds the data's age.
    timestamp = min(seen.stamps) if seen.stamps else None
    roads = OSMRoads.from_lists(roads_rows, seen.nodes, timestamp, source=source)
    tagged = [n for n in seen.node_tags if n in seen.nodes]
    roads.node_rule_tags = tagged_node_rows(
        roads.node_ids, tagged, [seen.node_tags[n] for n in tagged]
    )
    restrictions: list[tuple[int, int, int, int, int]] = []
    for rel_id, (members, tags) in sorted(seen.relations.items()):
        short = [(kind[:1], ref, role) for kind, ref, role in members]
        restrictions += restriction_rows(rel_id, tags, short)
    roads.restrictions = restriction_array(restrictions)
    roads.built_up = built_up_areas(seen.ways, seen.relations, seen.nodes)
    return roads
