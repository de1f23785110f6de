"""Read OSM road data into flat arrays: from ``.osm.pbf`` / ``.osm`` files or Overpass JSON.

Every source ends as one :class:`OSMRoads` (ways as ragged node-id arrays, nodes as
coordinate arrays, the tags routing needs), which :mod:`geo.network` turns into a graph.
Files are streamed with pyosmium and never held in memory: small ones in one pass with a
cache of every node location, big ones (a Geofabrik extract of several GB) in two passes,
road ways first, then only their nodes (see ``settings.single_pass_max_bytes``), looked up
in rounds that bound osmium's node-id bitmap (see :data:`NODE_BITMAP_ROUND_BYTES`).
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from . import settings
from .errors import OSMDataError
from .study import ROAD_CLASSES

#: Tags kept on each way (all that the network and the speed model use).
WAY_TAGS = ("highway", "maxspeed", "oneway", "junction", "name", "ref")

#: ``access``-like values that close a road to private cars.
_CLOSED = {"no", "private"}

#: Memory for the node-id bitmap while the second pass reads a big file's nodes (once).
#: pyosmium's ``IdTracker`` (libosmium's ``IdSetDense``) takes 4 MB for each block of 2**25
#: node ids that holds a wanted id, and a region's road nodes have ids in nearly every
#: block: one bitmap for all of them would take about (largest node id) / 8 bytes, some
#: 1.6 GB for 2026's ids, however small the file. So the wanted ids are loaded in rounds
#: of this many bytes of blocks, lowest ids first, each in place of the last (with the
#: next round's first ids: the bitmap takes at most twice this).
NODE_BITMAP_ROUND_BYTES = 32 * 2**20

#: Memory for the bitmap when nodes that read missed (in a file not sorted by id, or one
#: lacking nodes of its ways) are looked for again: one more read per round of this size.
NODE_BITMAP_RETRY_BYTES = 256 * 2**20

#: How many of the next round's ids are loaded as the sign that a round has been read.
_NEXT_ROUND_SIGNS = 1000

#: Node ids per 4 MB block of ``IdSetDense`` (one bit per id).
_BITMAP_BLOCK_IDS = 2**25
_BITMAP_BLOCK_BYTES = 2**22

#: File suffixes pyosmium reads, with the format name it understands.
OSM_FILE_FORMATS = {".pbf": "pbf", ".osm": "osm", ".bz2": "osm.bz2", ".gz": "osm.gz", ".o5m": "o5m"}


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


def is_drivable(tags: dict[str, str], classes: set[str]) -> bool:
    """Whether a way with these tags is a public road of the kept classes for cars."""
    if tags.get("highway") not in classes or tags.get("area") == "yes":
        return False
    for key in ("access", "motor_vehicle", "motorcar", "vehicle"):
        if tags.get(key) in _CLOSED:
            # A more specific "yes"/"destination" re-opens what a general "no" closed.
            specific = [tags.get(k) for k in ("motorcar", "motor_vehicle") if k != key]
            if not any(v in {"yes", "designated", "destination", "permissive"} for v in specific):
                return False
    return True


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

    @property
    def n_ways(self) -> int:
        return len(self.way_ids)

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
        """Build from flat arrays in any way and node order (sorted here by id).

        ``tag_rows[i]`` holds way ``i``'s values of :data:`WAY_TAGS` (``None`` if absent).
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
        columns = list(zip(*tag_rows, strict=True)) if tag_rows else [()] * len(WAY_TAGS)
        tags = {
            key: np.array(col, dtype=object)[order]
            for key, col in zip(WAY_TAGS, columns, strict=True)
        }
        nid = np.asarray(node_ids, dtype=np.int64)
        norder = np.argsort(nid, kind="stable")
        return cls(
            way_ids=ids[order],
            offsets=offsets,
            refs=refs[take],
            tags=tags,
            node_ids=nid[norder],
            node_lon=np.asarray(node_lon, dtype=np.float64)[norder],
            node_lat=np.asarray(node_lat, dtype=np.float64)[norder],
            timestamp=timestamp,
            source=source,
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


def _file_format(path: Path) -> str:
    name = path.name.lower()
    for suffix in (".osm.pbf", ".pbf", ".osm.bz2", ".osm.gz", ".osm", ".o5m"):
        if name.endswith(suffix):
            return suffix
    raise OSMDataError(
        f"{path.name}: unknown OSM file type; expected .osm.pbf, .osm, .osm.bz2 or .osm.gz"
    )


def read_osm_file(
    path: str | Path,
    lowest_class: str = "tertiary",
    bbox: tuple[float, float, float, float] | None = None,
    progress: Callable[[str], None] | None = None,
) -> OSMRoads:
    """Read the drivable roads of an OSM file (``.osm.pbf`` or ``.osm`` XML) with pyosmium.

    Parameters
    ----------
    path
        The file, e.g. a Geofabrik extract.
    lowest_class
        Keep roads from motorway down to this class (and the links).
    bbox
        ``(west, south, east, north)``: keep only ways with a node inside it. The exact
        study polygon is applied later, when the graph is built.
    progress
        Called with a short message at each step.

    Raises
    ------
    OSMDataError
        The file is missing, unreadable, not OSM data, or holds no roads in ``bbox``.
    """
    import osmium

    path = Path(path)
    if not path.is_file():
        raise OSMDataError(f"OSM file {str(path)!r} does not exist")
    _file_format(path)
    say = progress or (lambda _msg: None)
    classes = highway_classes(lowest_class)
    class_set = set(classes)

    try:
        reader = osmium.io.Reader(str(path), osmium.osm.osm_entity_bits.NOTHING)
        header = reader.header()
        timestamp = header.get("osmosis_replication_timestamp") or header.get("timestamp") or None
        sorted_file = header.get("sorting") == "Type_then_ID"
        reader.close()

        # Flat typed arrays, not Python lists and dicts: a regional extract has millions
        # of way nodes, and these take 8 bytes each instead of about 40.
        way_ids, lengths, refs = array("q"), array("q"), array("q")
        node_ids, node_lon, node_lat = array("q"), array("d"), array("d")
        tag_rows: list[tuple[str | None, ...]] = []
        way_filter = osmium.filter.TagFilter(*[("highway", c) for c in classes])
        one_pass = path.stat().st_size <= settings.single_pass_max_bytes
        if one_pass:
            say(f"reading road ways and their node locations from {path.name}")
            ways = (
                osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
                .with_locations("sparse_mem_array")
                .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
                .with_filter(way_filter)
            )
        else:
            say(f"reading road ways from {path.name}")
            ways = osmium.FileProcessor(str(path), osmium.osm.WAY).with_filter(way_filter)
        for way in ways:
            if not isinstance(way, osmium.osm.Way):
                continue
            tags = dict(way.tags)
            if not is_drivable(tags, class_set) or len(way.nodes) < 2:
                continue
            way_ids.append(way.id)
            lengths.append(len(way.nodes))
            refs.extend(n.ref for n in way.nodes)
            tag_rows.append(tuple(tags.get(k) for k in WAY_TAGS))
            if one_pass:
                for n in way.nodes:
                    loc = n.location
                    if loc.valid():
                        node_ids.append(n.ref)
                        node_lon.append(loc.lon)
                        node_lat.append(loc.lat)

        if not way_ids:
            raise OSMDataError(f"{path.name} holds no roads of the classes {', '.join(classes)}")
        if not one_pass:
            located = (node_ids, node_lon, node_lat)
            _read_node_locations(osmium, path, refs, located, sorted_file, say)
    except OSMDataError:
        raise
    except (RuntimeError, ValueError, OSError) as exc:
        # libosmium reports a truncated or foreign file as RuntimeError.
        raise OSMDataError(f"cannot read {path.name}: {exc} (is it a complete OSM file?)") from exc

    # A node shared by several ways was seen once per way in the one-pass read.
    ids, first = np.unique(np.frombuffer(node_ids, dtype=np.int64), return_index=True)
    roads = OSMRoads.from_arrays(
        way_ids,
        lengths,
        np.frombuffer(refs, dtype=np.int64),
        tag_rows,
        ids,
        np.frombuffer(node_lon, dtype=np.float64)[first],
        np.frombuffer(node_lat, dtype=np.float64)[first],
        timestamp,
        source=f"file:{path.name}",
    )
    roads.meta["file_size_bytes"] = path.stat().st_size
    if bbox is not None:
        roads = clip_to_bbox(roads, bbox)
        if roads.n_ways == 0:
            box = header.box()
            raise OSMDataError(
                f"{path.name} has no roads in the study area {bbox}; the file covers "
                f"{box.bottom_left.lon:.3f},{box.bottom_left.lat:.3f} to "
                f"{box.top_right.lon:.3f},{box.top_right.lat:.3f}"
                if box.valid()
                else f"{path.name} has no roads in the study area {bbox}"
            )
    return roads


def _read_node_locations(
    osmium: Any,
    path: Path,
    refs: array,
    out: tuple[array, array, array],
    sorted_file: bool,
    say: Callable[[str], None],
) -> None:
    """Second pass of a big file: the locations of the nodes in ``refs`` only.

    One read of the file's nodes with the wanted ids loaded round after round (see
    :func:`_locate_nodes`) finds them all if the file is sorted by id and holds every node
    of its ways, as a Geofabrik extract does. Whatever it may have missed is looked for
    again, one read per round of :data:`NODE_BITMAP_RETRY_BYTES`; a file whose header
    says it is sorted lacks the nodes that the rounds read to their end did not find.
    """
    needed = np.unique(np.frombuffer(refs, dtype=np.int64))
    rounds = _bitmap_rounds(needed, NODE_BITMAP_ROUND_BYTES)
    say(f"reading {len(needed):,} node locations")
    done = _locate_nodes(osmium, path, rounds, out)
    missing = np.setdiff1d(needed, np.frombuffer(out[0], dtype=np.int64))
    if sorted_file:
        missing = missing[missing >= rounds[done][0]] if done < len(rounds) else missing[:0]
    if len(missing):
        say(f"looking again for {len(missing):,} nodes")
        for ids in _bitmap_rounds(missing, NODE_BITMAP_RETRY_BYTES):
            _locate_nodes(osmium, path, [ids], out)


def _bitmap_rounds(ids: npt.NDArray[np.int64], max_bytes: int) -> list[npt.NDArray[np.int64]]:
    """Sorted ``ids`` cut into runs that each take at most ``max_bytes`` of bitmap blocks."""
    block = ids // _BITMAP_BLOCK_IDS
    first_of_block = np.flatnonzero(np.r_[True, block[1:] != block[:-1]])
    per_round = max(1, max_bytes // _BITMAP_BLOCK_BYTES)
    return np.split(ids, first_of_block[per_round::per_round])


def _locate_nodes(
    osmium: Any,
    path: Path,
    rounds: list[npt.NDArray[np.int64]],
    out: tuple[array, array, array],
) -> int:
    """Read the file's nodes once, appending the location of each id in ``rounds`` to ``out``.

    The ``IdTracker`` holds one round's ids and, as the sign that the reader has passed
    them, the next round's first ids; when one of these comes, the next round takes this
    one's place (pyosmium's filter reads the tracker as each node comes). A node that
    comes after its round was let go, as in a file not sorted by id, is missed. The read
    stops when every id is found. Returns how many rounds were read to their end: all
    unless the file lacks every one of some round's first ids.
    """
    tracker = osmium.IdTracker()
    wanted = tracker.node_ids()  # the live set the filter reads

    def load(r: int) -> int:
        """Put round ``r`` in the tracker; returns the first id of the next round (or -1)."""
        wanted.clear()
        for nid in rounds[r].tolist():
            tracker.add_node(nid)
        if r + 1 == len(rounds):
            return -1
        for nid in rounds[r + 1][:_NEXT_ROUND_SIGNS].tolist():
            tracker.add_node(nid)
        return int(rounds[r + 1][0])

    node_ids, node_lon, node_lat = out
    r, next_start, left = 0, load(0), sum(len(ids) for ids in rounds)
    nodes = osmium.FileProcessor(str(path), osmium.osm.NODE).with_filter(tracker.id_filter())
    for node in nodes:
        if not isinstance(node, osmium.osm.Node) or node.id not in wanted:
            continue
        nid = node.id
        if 0 <= next_start <= nid:  # the reader is past round r
            r += 1
            next_start = load(r)
        wanted.unset(nid)  # each id is taken once, at its first occurrence
        loc = node.location
        if loc.valid():
            node_ids.append(nid)
            node_lon.append(loc.lon)
            node_lat.append(loc.lat)
        left -= 1
        if left == 0:
            return len(rounds)
    return r + 1


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
    )


def roads_from_overpass(
    responses: Iterable[dict[str, Any]], lowest_class: str, source: str
) -> OSMRoads:
    """Combine Overpass JSON responses (ways + their nodes) into :class:`OSMRoads`.

    Tiles overlap at their edges, so ways and nodes seen twice are kept once.
    """
    class_set = set(highway_classes(lowest_class))
    ways: dict[int, tuple[int, list[int], dict[str, str]]] = {}
    nodes: dict[int, tuple[float, float]] = {}
    stamps: list[str] = []
    for resp in responses:
        stamp = resp.get("osm3s", {}).get("timestamp_osm_base")
        if stamp:
            stamps.append(stamp)
        for el in resp.get("elements", []):
            kind = el.get("type")
            if kind == "node":
                nodes[int(el["id"])] = (float(el["lon"]), float(el["lat"]))
            elif kind == "way":
                tags = el.get("tags", {})
                refs = [int(r) for r in el.get("nodes", [])]
                if len(refs) >= 2 and is_drivable(tags, class_set):
                    ways[int(el["id"])] = (
                        int(el["id"]),
                        refs,
                        {k: str(tags[k]) for k in WAY_TAGS if k in tags},
                    )
    # The oldest tile's database state bounds the data's age.
    timestamp = min(stamps) if stamps else None
    return OSMRoads.from_lists(list(ways.values()), nodes, timestamp, source=source)


_ISO_TS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def is_iso_timestamp(value: str | None) -> bool:
    """Whether ``value`` is an OSM-style ISO timestamp (``2024-03-04T21:21:35Z``)."""
    return bool(value and _ISO_TS.match(value))
