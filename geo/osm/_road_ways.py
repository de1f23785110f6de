"""Road ways and their nodes as flat arrays (:class:`OSMRoads`), the tags kept on them,
which ``highway`` classes a study keeps, and cutting a set of ways down; public through
:mod:`geo.osm.roads`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from ..errors import OSMDataError
from ..study.options import ROAD_CLASSES
from ._rules import NodeRuleTags
from ._tags import FILTER_TAGS, TagTable, drivable_mask

#: Keys that say whether cars may use a way, most specific first (OSRM car.lua
#: ``access_tags_hierarchy``); each also read with ``:forward`` and ``:backward``.
ACCESS_HIERARCHY = ("motorcar", "motor_vehicle", "vehicle", "access")

#: Tags kept on each way (all that the network, the profiles and the speed model use).
WAY_TAGS = (
    *("highway", "maxspeed", "oneway", "junction", "name", "ref"),
    *(f"{k}{d}" for k in ACCESS_HIERARCHY for d in ("", ":forward", ":backward")),
    *("maxspeed:forward", "maxspeed:backward", "maxspeed:advisory", "source:maxspeed"),
    *("maxspeed:type", "surface", "tracktype", "smoothness"),
    # OSRM car.lua's route weights, size limits and driving side (geo._way_rules)
    *("service", "width", "lanes", "lane_markings", "side_road", "priority", "driving_side"),
    *("maxheight:physical", "maxheight", "maxwidth:physical", "maxwidth", "est_width"),
    *("narrow", "maxlength", "maxweightrating", "maxweight"),
    *("impassable", "status", "construction"),
)

#: Tags kept on the roads' nodes, in ``OSMRoads.node_tags``. Barriers and signals are not
#: read here (a column per key for every road node costs ~70 MB on Brandenburg) but by
#: :func:`geo._osm_extras.read_osm_extras`, which keeps the tagged nodes only.
NODE_TAGS: tuple[str, ...] = ()


def highway_classes(lowest: str) -> list[str]:
    """OSM ``highway`` values kept when roads down to class ``lowest`` are wanted.

    Each kept class brings its ``_link`` roads (ramps, slip roads) along.

    Examples
    --------
    >>> highway_classes("primary")
    ['motorway', 'motorway_link', 'trunk', 'trunk_link', 'primary', 'primary_link']
    """
    if lowest not in ROAD_CLASSES:
        raise OSMDataError(f"road class {lowest!r} unknown; use one of {', '.join(ROAD_CLASSES)}")
    kept: list[str] = []
    for cls in ROAD_CLASSES[: ROAD_CLASSES.index(lowest) + 1]:
        kept.append(cls)
        if cls in {"motorway", "trunk", "primary", "secondary", "tertiary"}:
            kept.append(f"{cls}_link")
    return kept


def is_drivable(tags: dict[str, str], classes: Iterable[str]) -> bool:
    """Whether a way with these tags is a public road of the kept classes for cars."""
    return bool(drivable_mask(TagTable.from_dicts([tags], FILTER_TAGS), classes)[0])


@dataclass
class OSMRoads:
    """Road ways and their nodes, as flat arrays.

    Way ``i`` has node ids ``refs[offsets[i]:offsets[i + 1]]``; node coordinates are
    found by id in the sorted ``node_ids``.
    """

    way_ids: npt.NDArray[np.int64]
    offsets: npt.NDArray[np.int64]
    refs: npt.NDArray[np.int64]
    tags: dict[str, npt.NDArray[np.object_]]
    node_ids: npt.NDArray[np.int64]
    node_lon: npt.NDArray[np.float64]
    node_lat: npt.NDArray[np.float64]
    timestamp: str | None = None
    source: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    node_tags: dict[str, npt.NDArray[np.object_]] = field(default_factory=dict)
    """Values of :data:`NODE_TAGS` per node (``None`` where absent), like ``node_ids``."""
    node_rule_tags: NodeRuleTags | None = None
    """Tags of the nodes that may be obstacles (barriers, signals, access); None if not
    read. The network's profile turns them into obstacle codes."""
    restrictions: npt.NDArray[np.int64] | None = None
    """Turn restrictions via a node, one row each: relation id, 1 for ``only_*`` (0 for
    ``no_*``), from way id, via node id, to way id; None if not read."""
    built_up: npt.NDArray[np.object_] | None = None
    """Polygons of built-up areas (``place``, ``landuse=residential``); None if not read."""

    @property
    def n_ways(self) -> int:
        return len(self.way_ids)

    @classmethod
    def from_columns(
        cls,
        way_ids: npt.ArrayLike,
        lengths: npt.ArrayLike,
        refs: npt.ArrayLike,
        tags: dict[str, npt.NDArray[np.object_]],
        node_ids: npt.ArrayLike,
        node_lon: npt.ArrayLike,
        node_lat: npt.ArrayLike,
        timestamp: str | None,
        source: str,
        node_tags: dict[str, npt.NDArray[np.object_]] | None = None,
    ) -> OSMRoads:
        """Build from flat arrays in any way and node order (sorted here by id).

        ``tags[key][i]`` is way ``i``'s value of ``key`` (``None`` if absent), and
        ``node_tags[key][j]`` node ``j``'s.
        """
        ids = np.asarray(way_ids, dtype=np.int64)
        lengths = np.asarray(lengths, dtype=np.int64)
        refs = np.asarray(refs, dtype=np.int64)
        order = np.argsort(ids, kind="stable")
        starts = np.r_[0, np.cumsum(lengths)[:-1]][order]
        lens = lengths[order]
        offsets = np.zeros(len(ids) + 1, dtype=np.int64)
        np.cumsum(lens, out=offsets[1:])
        # Position k of the sorted refs comes from starts[way] + (k - offsets[way]).
        take = np.repeat(starts - offsets[:-1], lens) + np.arange(int(offsets[-1]))
        nid = np.asarray(node_ids, dtype=np.int64)
        norder = np.argsort(nid, kind="stable")
        return cls(
            way_ids=ids[order],
            offsets=offsets,
            refs=refs[take],
            tags={key: np.asarray(col, dtype=object)[order] for key, col in tags.items()},
            node_ids=nid[norder],
            node_lon=np.asarray(node_lon, dtype=np.float64)[norder],
            node_lat=np.asarray(node_lat, dtype=np.float64)[norder],
            timestamp=timestamp,
            source=source,
            node_tags={
                k: np.asarray(v, dtype=object)[norder] for k, v in (node_tags or {}).items()
            },
        )

    @classmethod
    def from_arrays(
        cls,
        way_ids: npt.ArrayLike,
        lengths: npt.ArrayLike,
        refs: npt.ArrayLike,
        tag_rows: list[tuple[str | None, ...]],
        node_ids: npt.ArrayLike,
        node_lon: npt.ArrayLike,
        node_lat: npt.ArrayLike,
        timestamp: str | None,
        source: str,
    ) -> OSMRoads:
        """Like :meth:`from_columns`, with ``tag_rows[i]`` way ``i``'s :data:`WAY_TAGS` values."""
        columns = list(zip(*tag_rows, strict=True)) if tag_rows else [()] * len(WAY_TAGS)
        tags = {
            key: np.array(col, dtype=object) for key, col in zip(WAY_TAGS, columns, strict=True)
        }
        return cls.from_columns(
            way_ids, lengths, refs, tags, node_ids, node_lon, node_lat, timestamp, source
        )

    @classmethod
    def from_lists(
        cls,
        ways: list[tuple[int, list[int], dict[str, str]]],
        nodes: dict[int, tuple[float, float]],
        timestamp: str | None,
        source: str,
    ) -> OSMRoads:
        """Build from Python lists (way id, node ids, tags) and ``{node id: (lon, lat)}``."""
        coords = np.array(list(nodes.values()), dtype=np.float64).reshape(-1, 2)
        return cls.from_arrays(
            [w[0] for w in ways],
            [len(w[1]) for w in ways],
            np.fromiter((r for w in ways for r in w[1]), dtype=np.int64),
            [tuple(w[2].get(k) for k in WAY_TAGS) for w in ways],
            np.fromiter(nodes.keys(), dtype=np.int64, count=len(nodes)),
            coords[:, 0],
            coords[:, 1],
            timestamp,
            source,
        )


def clip_to_bbox(roads: OSMRoads, bbox: tuple[float, float, float, float]) -> OSMRoads:
    """Keep the ways with at least one located node inside ``(west, south, east, north)``."""
    west, south, east, north = bbox
    inside = (
        (roads.node_lon >= west)
        & (roads.node_lon <= east)
        & (roads.node_lat >= south)
        & (roads.node_lat <= north)
    )
    pos = np.searchsorted(roads.node_ids, roads.refs).clip(0, max(len(roads.node_ids) - 1, 0))
    ref_inside = (
        inside[pos] & (roads.node_ids[pos] == roads.refs)
        if len(roads.node_ids)
        else np.zeros(len(roads.refs), bool)
    )
    way_of_ref = np.repeat(np.arange(roads.n_ways), np.diff(roads.offsets))
    keep = np.zeros(roads.n_ways, dtype=bool)
    keep[way_of_ref[ref_inside]] = True
    return select_ways(roads, keep)


def select_ways(roads: OSMRoads, keep: npt.NDArray[np.bool_]) -> OSMRoads:
    """A copy holding only the ways where ``keep`` is true (and all their nodes)."""
    lengths = np.diff(roads.offsets)[keep]
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    ref_keep = np.repeat(keep, np.diff(roads.offsets))
    return OSMRoads(
        way_ids=roads.way_ids[keep],
        offsets=offsets,
        refs=roads.refs[ref_keep],
        tags={k: v[keep] for k, v in roads.tags.items()},
        node_ids=roads.node_ids,
        node_lon=roads.node_lon,
        node_lat=roads.node_lat,
        timestamp=roads.timestamp,
        source=roads.source,
        meta=dict(roads.meta),
        node_tags=roads.node_tags,
        node_rule_tags=roads.node_rule_tags,
        restrictions=roads.restrictions,
        built_up=roads.built_up,
    )
