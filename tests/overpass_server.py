"""A loopback Overpass API server that answers from a real OpenStreetMap extract.

The tests use it to exercise the project's Overpass download path without internet. It
listens on ``127.0.0.1``, speaks the subset of Overpass QL that our client sends and
answers in real Overpass JSON with real data read once from an ``.osm.pbf`` extract:

.. code-block:: text

    [out:json][timeout:180][maxsize:1073741824];
    (
      way["highway"~"^(motorway|trunk|primary)$"](poly:"42.50 1.45 42.60 1.45 42.60 1.60");
      way["highway"="secondary"]["area"!~"yes"](42.49,1.50,42.52,1.55);
      >;
    );
    out body;

Supported
---------
* Settings ``[out:json]`` (required), ``[timeout:N]`` and ``[maxsize:N]``.
* ``node``, ``way`` and ``rel`` (``relation``) statements with tag filters ``["k"]``, ``[!"k"]``, ``["k"="v"]``, ``["k"!="v"]``,
  ``["k"~"re"]``, ``["k"!~"re"]`` (optionally ``,i``), single or double quotes, and a
  spatial filter ``(poly:"lat lon lat lon …")`` or ``(south,west,north,east)`` (several
  spatial filters intersect). A node matches when it lies in the area; a way when its
  line intersects the area, as in Overpass (a way crossing the area without a node
  inside it matches too); a relation when one of its member ways or nodes does. A
  ``node`` statement needs a filter that requires one of :data:`NODE_KEYS`
  (``["place"]``, ``["place"="town"]``, ``["place"~"…"]``): only those nodes are loaded
  on their own.
* Unions ``( … );``, the item statement ``._;``, down recursion ``>;`` (every node of the
  ways in the input set, inside the area or not; the member ways and nodes of its
  relations and the nodes of those ways) and ``out;`` / ``out body;`` /
  ``out skel;`` / ``out ids;`` with an optional ``qt`` or ``asc`` sort order. Output is
  always nodes, then ways, then relations, each sorted by id, so answers are
  deterministic.
* ``GET /api/status`` answers a plausible Overpass status text.

Loaded are every relation, the ways that carry one of :data:`WAY_KEYS` or are a member of
a relation, the nodes those ways reference and the nodes that carry one of
:data:`NODE_KEYS`: a query for other ways answers no elements. Members missing from the extract are left out of ``>;``. Anything outside the subset is answered with HTTP 400
and an Overpass-style ``Error: line N: parse error: …`` text.

Failure injection
-----------------
Scripted failures are consumed one per ``/interpreter`` request before normal answers
resume: an HTTP status code (``429`` and ``504`` with Overpass' own HTML, any other code
with a generic page), ``"runtime_error"`` (HTTP 200 JSON with no elements and a runtime
error ``remark``), ``"timeout"`` (stall ``stall_s`` seconds, then answer), ``"garbage"``
(HTTP 200 with truncated JSON), ``"huge_id"`` (the true answer with the first way's id
and the first node's id, and its references, raised beyond 64 bits: JSON numbers have no
size limit, OSM's ids are int64) and ``"disconnect"`` (close the connection unanswered).

Run by hand with ``python tests/overpass_server.py EXTRACT.osm.pbf --port 8765``.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import functools
import gc
import json
import re
import sys
import threading
import time
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

import numpy as np
import osmium
import shapely

__all__ = [
    "FAILURE_NAMES",
    "GENERATOR",
    "OsmExtract",
    "OverpassQueryError",
    "OverpassTestServer",
    "RecordedRequest",
    "extract_timestamp",
    "load_extract",
    "parse_query",
    "run_query",
]

#: ``generator`` field of every answer.
GENERATOR = "Overpass API 0.7.62 (loopback test server)"

#: ``osm3s.copyright`` field of every answer, word for word as Overpass sends it.
COPYRIGHT = (
    "The data included in this document is from www.openstreetmap.org. "
    "The data is made available under ODbL."
)

#: Named scripted failures (besides integer HTTP status codes).
FAILURE_NAMES = frozenset({"runtime_error", "timeout", "garbage", "disconnect", "huge_id"})

#: A scripted failure: an HTTP status code or one of :data:`FAILURE_NAMES`.
Failure = int | str

#: Ways with one of these keys are loaded (besides the member ways of relations).
WAY_KEYS = ("highway", "landuse", "place", "boundary", "natural", "waterway")

#: Nodes with one of these keys are loaded on their own (with their tags), so ``node``
#: statements can ask for them; other nodes only as parts of loaded ways.
NODE_KEYS = ("place",)

_MEMBER_TYPES = {"n": "node", "w": "way", "r": "relation"}

_API_PREFIX = "/api"
_UNDEFINED_COORDINATE = 2_147_483_647  # osmium::Location::undefined_coordinate
_COORDINATE_PRECISION = 10_000_000
_DEFAULT_TIMEOUT_S = 180
_TREE_LOCK = threading.Lock()


# --------------------------------------------------------------------------------------
# The extract
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class OsmExtract:
    """The relations, the ways of :data:`WAY_KEYS` or in a relation, their nodes, and the
    nodes of :data:`NODE_KEYS`.

    Nodes and ways are both sorted by id; element sets are arrays of row indices.

    Attributes
    ----------
    path : Path
        The extract.
    timestamp : str
        OSM data timestamp, ISO 8601 with ``Z`` (``timestamp_osm_base`` of answers).
    node_ids : numpy.ndarray
        ``int64`` ids of every node referenced by a loaded way or carrying one of
        :data:`NODE_KEYS`, sorted.
    node_lat, node_lon : numpy.ndarray
        ``float64`` coordinates of those nodes, in degrees.
    node_tags : dict of int to dict of str to str
        Tags of the tagged nodes, keyed by row index.
    keyed_node_rows : numpy.ndarray
        Sorted ``int64`` rows of the nodes carrying one of :data:`NODE_KEYS`.
    way_ids : numpy.ndarray
        ``int64`` ids of the ways with a ``highway`` tag, sorted.
    way_tags : list of dict of str to str
        Tags of each way, by row.
    way_offsets : numpy.ndarray
        ``int64``, length ``len(way_ids) + 1``: way ``i`` references
        ``way_refs[way_offsets[i]:way_offsets[i + 1]]``.
    way_refs : numpy.ndarray
        ``int64`` node ids referenced by the ways, concatenated, in way order.
    way_ref_rows : numpy.ndarray
        ``int64`` node row of each entry of ``way_refs``, ``-1`` when the extract lacks
        the node.
    tree : shapely.STRtree
        Index of the way lines (a point for a way with one located node).
    tree_way_rows : numpy.ndarray
        Way row of each geometry in ``tree``.
    missing_node_refs : int
        Number of way node references whose node is not in the extract.
    rel_ids : numpy.ndarray
        ``int64`` ids of every relation, sorted.
    rel_tags : list of dict of str to str
        Tags of each relation, by row.
    rel_members : list of list of tuple
        ``(type, ref, role)`` of each relation's members, type ``"node"``, ``"way"`` or
        ``"relation"``, in order.
    rel_offsets : numpy.ndarray
        ``int64``, length ``len(rel_ids) + 1``: the loaded member ways and nodes of
        relation ``i`` are ``rel_member_ways[rel_offsets[i]:rel_offsets[i + 1]]`` (way
        rows, ``-1`` for a node member) and ``rel_member_nodes[...]`` (node rows, ``-1``
        for a way member).
    rel_member_ways, rel_member_nodes : numpy.ndarray
        See ``rel_offsets``.
    load_seconds : float
        Wall time the load took.
    """

    path: Path
    timestamp: str
    node_ids: np.ndarray
    node_lat: np.ndarray
    node_lon: np.ndarray
    node_tags: dict[int, dict[str, str]]
    keyed_node_rows: np.ndarray
    way_ids: np.ndarray
    way_tags: list[dict[str, str]]
    way_offsets: np.ndarray
    way_refs: np.ndarray
    way_ref_rows: np.ndarray
    tree: shapely.STRtree
    tree_way_rows: np.ndarray
    missing_node_refs: int
    rel_ids: np.ndarray
    rel_tags: list[dict[str, str]]
    rel_members: list[list[tuple[str, int, str]]]
    rel_offsets: np.ndarray
    rel_member_ways: np.ndarray
    rel_member_nodes: np.ndarray
    load_seconds: float

    def way_rows_intersecting(self, area: shapely.Geometry) -> np.ndarray:
        """Rows of the ways whose line intersects an area.

        Parameters
        ----------
        area : shapely.Geometry
            Polygon in lon/lat degrees.

        Returns
        -------
        numpy.ndarray
            Sorted ``int64`` way rows.
        """
        with _TREE_LOCK:  # one query at a time: GEOS trees are not documented thread-safe
            hits = self.tree.query(area, predicate="intersects")
        return np.unique(self.tree_way_rows[hits])

    def node_rows_in(self, area: shapely.Geometry) -> np.ndarray:
        """Rows of the nodes of :data:`NODE_KEYS` that lie in an area (sorted ``int64``)."""
        rows = self.keyed_node_rows
        inside = shapely.intersects_xy(area, self.node_lon[rows], self.node_lat[rows])
        return rows[inside]

    def rel_rows_intersecting(self, area: shapely.Geometry) -> np.ndarray:
        """Rows of the relations with a member way or node in an area (sorted ``int64``)."""
        if len(self.rel_ids) == 0:
            return _EMPTY_ROWS
        hit_way = np.zeros(len(self.way_ids) + 1, dtype=bool)  # the last entry: "not a way"
        hit_way[self.way_rows_intersecting(area)] = True
        node_rows = self.rel_member_nodes
        hit = hit_way[self.rel_member_ways]
        is_node = node_rows >= 0
        hit[is_node] = shapely.intersects_xy(
            area, self.node_lon[node_rows[is_node]], self.node_lat[node_rows[is_node]]
        )
        owner = np.repeat(np.arange(len(self.rel_ids)), np.diff(self.rel_offsets))
        return np.unique(owner[hit]).astype(np.int64)

    def members_of_rels(self, rel_rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Rows of the loaded member ways and member nodes of some relations."""
        if len(rel_rows) == 0:
            return _EMPTY_ROWS, _EMPTY_ROWS
        selected = np.zeros(len(self.rel_ids), dtype=bool)
        selected[rel_rows] = True
        per_entry = np.repeat(selected, np.diff(self.rel_offsets))
        ways, nodes = self.rel_member_ways[per_entry], self.rel_member_nodes[per_entry]
        return np.unique(ways[ways >= 0]), np.unique(nodes[nodes >= 0])

    def node_rows_of_ways(self, way_rows: np.ndarray) -> np.ndarray:
        """Rows of every node the given ways reference (missing nodes left out).

        Parameters
        ----------
        way_rows : numpy.ndarray
            Way rows.

        Returns
        -------
        numpy.ndarray
            Sorted unique ``int64`` node rows.
        """
        if len(way_rows) == 0:
            return np.empty(0, dtype=np.int64)
        selected = np.zeros(len(self.way_ids), dtype=bool)
        selected[way_rows] = True
        per_entry = np.repeat(selected, np.diff(self.way_offsets))
        rows = self.way_ref_rows[per_entry]
        return np.unique(rows[rows >= 0])


def _iso_z(value: dt.datetime | str) -> str:
    """Format a timestamp as ISO 8601 in UTC with a ``Z`` suffix."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _newest_object_timestamp(path: Path) -> str:
    """Newest object timestamp in an extract (epoch 0, i.e. no metadata, is ignored)."""
    newest = 0.0
    entities = osmium.osm.NODE | osmium.osm.WAY | osmium.osm.RELATION
    for obj in osmium.FileProcessor(str(path), entities):
        if not isinstance(obj, osmium.osm.OSMObject):
            continue
        stamp = obj.timestamp.timestamp()
        if stamp > newest:
            newest = stamp
    if newest <= 0.0:
        raise ValueError(f"{path}: neither a header timestamp nor object timestamps")
    return _iso_z(dt.datetime.fromtimestamp(newest, tz=dt.UTC))


def extract_timestamp(path: str | Path) -> str:
    """OSM data timestamp of an extract.

    Parameters
    ----------
    path : str or Path
        The ``.osm.pbf`` file.

    Returns
    -------
    str
        The header's ``osmosis_replication_timestamp``, or else the newest object
        timestamp in the file, as ISO 8601 with ``Z``.
    """
    header = osmium.io.Reader(str(path), osmium.osm.NOTHING).header()
    stamp = header.get("osmosis_replication_timestamp")
    if stamp:
        return _iso_z(stamp)
    return _newest_object_timestamp(Path(path))


def _tags(obj: osmium.osm.OSMObject) -> dict[str, str]:
    return {tag.k: tag.v for tag in obj.tags}


def load_extract(path: str | Path) -> OsmExtract:
    """Read the highway ways of an extract and the nodes they reference.

    Results are cached per file (path, size and modification time), so many servers
    over one extract load it once.

    Parameters
    ----------
    path : str or Path
        The ``.osm.pbf`` file.

    Returns
    -------
    OsmExtract
        The loaded data.
    """
    resolved = Path(path).resolve()
    stat = resolved.stat()
    return _load_extract_cached(resolved, stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=8)
def _load_extract_cached(path: Path, size: int, mtime_ns: int) -> OsmExtract:
    started = time.perf_counter()
    timestamp = extract_timestamp(path)
    way_ids: list[int] = []
    way_tags: list[dict[str, str]] = []
    way_nodes: list[list[tuple[int, int, int]]] = []
    tagged_nodes: dict[int, dict[str, str]] = {}
    keyed_nodes: list[tuple[int, int, int]] = []  # (id, x, y) of nodes of NODE_KEYS
    rel_ids, rel_tags, rel_members = _read_relations(path)
    member_ways = {ref for members in rel_members for kind, ref, _ in members if kind == "way"}
    untagged_nodes = osmium.filter.EmptyTagFilter()
    untagged_nodes.enable_for(osmium.osm.NODE)  # untagged nodes: locations only
    processor = (
        osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
        .with_locations()
        .with_filter(untagged_nodes)
    )
    gc_was_enabled = gc.isenabled()
    gc.disable()  # millions of small objects, no cycles: the collector only slows us
    try:
        for obj in processor:
            if isinstance(obj, osmium.osm.Node):
                tags = tagged_nodes[obj.id] = _tags(obj)
                if obj.location.valid() and any(k in tags for k in NODE_KEYS):
                    keyed_nodes.append((obj.id, obj.location.x, obj.location.y))
            elif isinstance(obj, osmium.osm.Way):
                if obj.id not in member_ways and not any(k in obj.tags for k in WAY_KEYS):
                    continue
                way_ids.append(obj.id)
                way_tags.append(_tags(obj))
                way_nodes.append([(ref.ref, ref.x, ref.y) for ref in obj.nodes])
    finally:
        if gc_was_enabled:
            gc.enable()

    order = np.argsort(np.asarray(way_ids, dtype=np.int64), kind="stable")
    way_ids_arr = np.asarray(way_ids, dtype=np.int64)[order]
    way_tags = [way_tags[i] for i in order]
    way_nodes = [way_nodes[i] for i in order]
    counts = np.fromiter((len(nodes) for nodes in way_nodes), dtype=np.int64, count=len(order))
    offsets = np.zeros(len(order) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    flat = np.array([entry for nodes in way_nodes for entry in nodes], dtype=np.int64)
    flat = flat.reshape(-1, 3)
    refs, xs, ys = flat[:, 0], flat[:, 1], flat[:, 2]
    located = (xs != _UNDEFINED_COORDINATE) & (ys != _UNDEFINED_COORDINATE)

    keyed = np.array(keyed_nodes, dtype=np.int64).reshape(-1, 3)
    # Way nodes and keyed nodes in one table (a node can be both: it is kept once).
    node_ids, first = np.unique(np.concatenate([refs[located], keyed[:, 0]]), return_index=True)
    node_lon = np.concatenate([xs[located], keyed[:, 1]])[first] / _COORDINATE_PRECISION
    node_lat = np.concatenate([ys[located], keyed[:, 2]])[first] / _COORDINATE_PRECISION
    keyed_node_rows = np.searchsorted(node_ids, keyed[:, 0]).astype(np.int64)
    ref_rows = np.full(len(refs), -1, dtype=np.int64)
    ref_rows[located] = np.searchsorted(node_ids, refs[located])
    node_tags = _tags_by_row(node_ids, tagged_nodes)

    # Way geometries: lines for ways with >= 2 located nodes, points for those with one.
    way_of_entry = np.repeat(np.arange(len(order), dtype=np.int64), counts)
    located_per_way = np.bincount(way_of_entry[located], minlength=len(order))
    coords = np.column_stack([xs, ys]) / _COORDINATE_PRECISION
    line_ways = np.flatnonzero(located_per_way >= 2)
    point_ways = np.flatnonzero(located_per_way == 1)
    in_line = located & (located_per_way >= 2)[way_of_entry]
    line_index = np.searchsorted(line_ways, way_of_entry[in_line])
    lines = shapely.linestrings(coords[in_line], indices=line_index) if len(line_ways) else []
    in_point = located & (located_per_way == 1)[way_of_entry]
    points = shapely.points(coords[in_point])
    geometries = np.concatenate([np.asarray(lines, dtype=object), points.astype(object)])
    tree = shapely.STRtree(geometries)
    tree_way_rows = np.concatenate([line_ways, point_ways]).astype(np.int64)
    rel_offsets, rel_member_ways, rel_member_nodes = _member_rows(
        rel_members, way_ids_arr, node_ids
    )

    return OsmExtract(
        path=path,
        timestamp=timestamp,
        node_ids=node_ids,
        node_lat=node_lat,
        node_lon=node_lon,
        node_tags=node_tags,
        keyed_node_rows=np.unique(keyed_node_rows),
        way_ids=way_ids_arr,
        way_tags=way_tags,
        way_offsets=offsets,
        way_refs=refs.copy(),
        way_ref_rows=ref_rows,
        tree=tree,
        tree_way_rows=tree_way_rows,
        missing_node_refs=int((~located).sum()),
        rel_ids=rel_ids,
        rel_tags=rel_tags,
        rel_members=rel_members,
        rel_offsets=rel_offsets,
        rel_member_ways=rel_member_ways,
        rel_member_nodes=rel_member_nodes,
        load_seconds=time.perf_counter() - started,
    )


def _tags_by_row(
    node_ids: np.ndarray, tagged_nodes: dict[int, dict[str, str]]
) -> dict[int, dict[str, str]]:
    """The tags of the loaded nodes among ``tagged_nodes`` (keyed by id), keyed by row."""
    node_tags: dict[int, dict[str, str]] = {}
    if not tagged_nodes or not len(node_ids):
        return node_tags
    tagged_ids = np.fromiter(tagged_nodes, dtype=np.int64, count=len(tagged_nodes))
    rows = np.searchsorted(node_ids, tagged_ids).clip(0, len(node_ids) - 1)
    for node_id, row in zip(tagged_ids.tolist(), rows.tolist(), strict=True):
        if node_ids[row] == node_id:
            node_tags[row] = tagged_nodes[node_id]
    return node_tags


def _read_relations(
    path: Path,
) -> tuple[np.ndarray, list[dict[str, str]], list[list[tuple[str, int, str]]]]:
    """Every relation of an extract, sorted by id: ids, tags and members."""
    found: list[tuple[int, dict[str, str], list[tuple[str, int, str]]]] = []
    for obj in osmium.FileProcessor(str(path), osmium.osm.RELATION):
        if isinstance(obj, osmium.osm.Relation):
            members = [(_MEMBER_TYPES[m.type], m.ref, m.role) for m in obj.members]
            found.append((obj.id, _tags(obj), members))
    found.sort(key=lambda rel: rel[0])
    ids = np.asarray([rel[0] for rel in found], dtype=np.int64)
    return ids, [rel[1] for rel in found], [rel[2] for rel in found]


def _member_rows(
    rel_members: list[list[tuple[str, int, str]]], way_ids: np.ndarray, node_ids: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Offsets, way rows and node rows of the loaded members of each relation."""
    kinds = [kind for members in rel_members for kind, _, _ in members]
    refs = np.asarray([ref for members in rel_members for _, ref, _ in members], dtype=np.int64)
    kind = np.asarray(kinds, dtype=object)

    def rows_of(ids: np.ndarray, wanted: str) -> np.ndarray:
        rows = np.full(len(refs), -1, dtype=np.int64)
        if len(ids) == 0:
            return rows
        at = np.searchsorted(ids, refs).clip(0, len(ids) - 1)
        found = (kind == wanted) & (ids[at] == refs)
        rows[found] = at[found]
        return rows

    way_rows, node_rows = rows_of(way_ids, "way"), rows_of(node_ids, "node")
    loaded = (way_rows >= 0) | (node_rows >= 0)
    owner = np.repeat(np.arange(len(rel_members)), [len(m) for m in rel_members])
    offsets = np.zeros(len(rel_members) + 1, dtype=np.int64)
    np.cumsum(np.bincount(owner[loaded], minlength=len(rel_members)), out=offsets[1:])
    # A way member keeps -1 as its node row and the other way round; -1 as a way row
    # indexes the extra "not a way" slot of rel_rows_intersecting's mask.
    way_rows = np.where(way_rows[loaded] >= 0, way_rows[loaded], -1)
    return offsets, way_rows, node_rows[loaded]


# --------------------------------------------------------------------------------------
# Overpass QL: tokens, syntax tree, parser
# --------------------------------------------------------------------------------------


class OverpassQueryError(ValueError):
    """A query the server refuses, with Overpass' error wording.

    Parameters
    ----------
    line : int
        1-based line of the query the error is on.
    kind : {"parse", "static"}
        Overpass' error class.
    message : str
        What is wrong.
    """

    def __init__(self, line: int, kind: Literal["parse", "static"], message: str) -> None:
        self.line = line
        self.kind = kind
        self.message = message
        super().__init__(self.overpass_text())

    def overpass_text(self) -> str:
        """The error as Overpass words it: ``Error: line N: parse error: ...``."""
        return f"Error: line {self.line}: {self.kind} error: {self.message}"


@dataclass(frozen=True)
class _Token:
    kind: Literal["str", "word", "num", "punct", "eof"]
    text: str
    value: str
    line: int

    def shown(self) -> str:
        if self.kind == "eof":
            return "end of input"
        if self.kind == "str":
            return "'\"'"
        return f"'{self.text}'"


_TOKEN_RE = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<comment>//[^\n]*|/\*.*?\*/)
  | (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<num>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<punct>!=|!~|->|[\[\]():;,.<>~=!])
    """,
    re.VERBOSE | re.DOTALL,
)

_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "'": "'", "\\": "\\"}


def _unescape(body: str) -> str:
    """Undo Overpass QL string escapes; unknown escapes stay (``"\\."`` is a regex)."""
    out: list[str] = []
    i = 0
    while i < len(body):
        char = body[i]
        if char == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                i += 2
                continue
            if nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", body[i + 2 : i + 6]):
                out.append(chr(int(body[i + 2 : i + 6], 16)))
                i += 6
                continue
            out.append(body[i : i + 2])
            i += 2
            continue
        out.append(char)
        i += 1
    return "".join(out)


def _tokenize(text: str) -> list[_Token]:
    newlines = [m.start() for m in re.finditer("\n", text)]

    def line_of(pos: int) -> int:
        return bisect.bisect_right(newlines, pos - 1) + 1

    tokens: list[_Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN_RE.match(text, pos)
        if match is None:
            if text.startswith(("/*", '"', "'"), pos):
                raise OverpassQueryError(line_of(pos), "parse", "Unterminated string or comment.")
            raise OverpassQueryError(
                line_of(pos), "parse", f"Unknown character '{text[pos]}' in query."
            )
        kind = match.lastgroup
        raw = match.group()
        if kind == "str":
            tokens.append(_Token("str", raw, _unescape(raw[1:-1]), line_of(pos)))
        elif kind == "num":
            tokens.append(_Token("num", raw, raw, line_of(pos)))
        elif kind == "word":
            tokens.append(_Token("word", raw, raw, line_of(pos)))
        elif kind == "punct":
            tokens.append(_Token("punct", raw, raw, line_of(pos)))
        pos = match.end()
    tokens.append(_Token("eof", "", "", line_of(len(text))))
    return tokens


TagOp = Literal["exists", "absent", "eq", "ne", "match", "no_match"]


@dataclass(frozen=True)
class TagFilter:
    """One ``[...]`` tag condition of a ``way`` statement.

    Attributes
    ----------
    key : str
        Tag key.
    op : {"exists", "absent", "eq", "ne", "match", "no_match"}
        ``["k"]``, ``[!"k"]``, ``["k"="v"]``, ``["k"!="v"]``, ``["k"~"re"]``, ``["k"!~"re"]``.
    value : str
        Value or regular expression (empty for ``exists``/``absent``).
    pattern : re.Pattern or None
        Compiled regular expression for ``match``/``no_match``.
    """

    key: str
    op: TagOp
    value: str = ""
    pattern: re.Pattern[str] | None = None

    def matches(self, tags: dict[str, str]) -> bool:
        """Whether tags satisfy this condition (Overpass semantics).

        Parameters
        ----------
        tags : dict of str to str
            An element's tags.

        Returns
        -------
        bool
            ``True`` if they do. Negated conditions hold when the key is absent.
        """
        value = tags.get(self.key)
        if self.op == "exists":
            return value is not None
        if self.op == "absent":
            return value is None
        if self.op == "eq":
            return value == self.value
        if self.op == "ne":
            return value != self.value
        assert self.pattern is not None
        if self.op == "match":
            return value is not None and self.pattern.search(value) is not None
        return value is None or self.pattern.search(value) is None


@dataclass(frozen=True)
class QueryStatement:
    """``node[...](area);``, ``way[...](area);`` or ``rel[...](area);``: the loaded elements of
    that kind passing all tag filters in all areas (nodes: of :data:`NODE_KEYS`; ways:
    crossing the areas; relations: with a member in them)."""

    kind: Literal["node", "way", "rel"]
    tag_filters: tuple[TagFilter, ...]
    areas: tuple[shapely.Geometry, ...]
    line: int


@dataclass(frozen=True)
class RecurseDown:
    """``>;``: the nodes of the input ways, the members of the input relations and their nodes."""

    line: int


@dataclass(frozen=True)
class ItemStatement:
    """``._;``: the input set itself."""

    line: int


@dataclass(frozen=True)
class UnionStatement:
    """``( ... );``: the union of the results of its statements."""

    statements: tuple[Statement, ...]
    line: int


@dataclass(frozen=True)
class OutStatement:
    """``out [body|skel|ids] [asc|qt];``: print the input set."""

    verbosity: Literal["body", "skel", "ids"]
    line: int


Statement = QueryStatement | RecurseDown | ItemStatement | UnionStatement | OutStatement


@dataclass(frozen=True)
class OverpassQuery:
    """A parsed query.

    Attributes
    ----------
    timeout_s : int
        ``[timeout:N]`` (180 when absent).
    maxsize : int or None
        ``[maxsize:N]``.
    statements : tuple of Statement
        The statements, in order.
    """

    timeout_s: int
    maxsize: int | None
    statements: tuple[Statement, ...]


_OTHER_TYPES = frozenset({"nwr", "nw", "nr", "wr", "area", "derived", "is_in"})
_OUT_VERBOSITY: dict[str, Literal["body", "skel", "ids"]] = {
    "body": "body",
    "skel": "skel",
    "ids": "ids",
}
_OUT_ORDER = frozenset({"asc", "qt"})
_OUT_UNSUPPORTED = frozenset({"meta", "tags", "geom", "bb", "center", "count", "noids"})


class _Parser:
    """Recursive-descent parser for the supported subset of Overpass QL."""

    def __init__(self, text: str) -> None:
        self.tokens = _tokenize(text)
        self.pos = 0

    # token helpers ------------------------------------------------------------------
    def peek(self, ahead: int = 0) -> _Token:
        return self.tokens[min(self.pos + ahead, len(self.tokens) - 1)]

    def next(self) -> _Token:
        token = self.peek()
        self.pos = min(self.pos + 1, len(self.tokens) - 1)
        return token

    def at(self, text: str) -> bool:
        token = self.peek()
        return token.kind in ("punct", "word") and token.text == text

    def expect(self, text: str) -> _Token:
        token = self.next()
        if token.kind not in ("punct", "word") or token.text != text:
            raise OverpassQueryError(
                token.line, "parse", f"'{text}' expected - {token.shown()} found."
            )
        return token

    def error(self, token: _Token, message: str) -> OverpassQueryError:
        return OverpassQueryError(token.line, "parse", message)

    # grammar ------------------------------------------------------------------------
    def parse(self) -> OverpassQuery:
        settings = self.settings()
        statements: list[Statement] = []
        while self.peek().kind != "eof":
            statements.append(self.statement())
        if settings.get("out") is None:
            raise OverpassQueryError(
                1,
                "static",
                "this loopback test server answers [out:json] queries only; "
                "the query has no [out:...] setting (Overpass would answer XML).",
            )
        timeout = settings.get("timeout")
        maxsize = settings.get("maxsize")
        return OverpassQuery(
            timeout_s=int(timeout) if timeout is not None else _DEFAULT_TIMEOUT_S,
            maxsize=int(maxsize) if maxsize is not None else None,
            statements=tuple(statements),
        )

    def settings(self) -> dict[str, str]:
        settings: dict[str, str] = {}
        if not self.at("["):
            return settings
        while self.at("["):
            self.next()
            name = self.next()
            if name.kind != "word":
                raise self.error(name, f"Keyword expected - {name.shown()} found.")
            self.expect(":")
            value = self.next()
            if value.kind not in ("word", "num", "str"):
                raise self.error(value, f"Value expected - {value.shown()} found.")
            self.expect("]")
            if name.text == "out":
                if value.value != "json":
                    raise OverpassQueryError(
                        name.line,
                        "static",
                        f"this loopback test server answers [out:json] queries only, "
                        f"not [out:{value.value}].",
                    )
            elif name.text in ("timeout", "maxsize"):
                if value.kind != "num" or not value.text.isdigit() or int(value.text) <= 0:
                    raise OverpassQueryError(
                        name.line,
                        "static",
                        f'For the attribute "{name.text}" of the element "osm-script" '
                        "the only allowed values are positive integers.",
                    )
            else:
                raise OverpassQueryError(
                    name.line,
                    "static",
                    f"the global setting [{name.text}:...] is not supported by this "
                    "loopback test server.",
                )
            settings[name.text] = value.value
        self.expect(";")
        return settings

    def statement(self) -> Statement:
        token = self.peek()
        if token.kind == "punct" and token.text == "(":
            return self.union()
        if token.kind == "punct" and token.text == ">":
            self.next()
            self.end_statement()
            return RecurseDown(token.line)
        if token.kind == "punct" and token.text == ".":
            self.next()
            name = self.next()
            if name.kind != "word":
                raise self.error(name, f"Variable expected - {name.shown()} found.")
            if name.text != "_":
                raise OverpassQueryError(
                    name.line, "static", f"Variable .{name.text} is not supported here."
                )
            self.end_statement()
            return ItemStatement(token.line)
        if token.kind == "word" and token.text in ("node", "way", "rel", "relation"):
            return self.way()
        if token.kind == "word" and token.text == "out":
            return self.out()
        if token.kind == "word" and token.text in _OTHER_TYPES:
            raise OverpassQueryError(
                token.line,
                "static",
                f'"{token.text}" statements are not supported by this loopback test '
                "server (node, way and rel statements only).",
            )
        if token.kind == "punct" and token.text in ("<", "!"):
            raise OverpassQueryError(
                token.line, "static", f"'{token.text}' is not supported (only '>;')."
            )
        if token.kind == "word":
            raise self.error(token, f'Unknown type "{token.text}"')
        raise self.error(token, f"Statement expected - {token.shown()} found.")

    def end_statement(self) -> None:
        token = self.peek()
        if token.kind == "punct" and token.text == "->":
            raise OverpassQueryError(
                token.line, "static", "named sets (->.name) are not supported."
            )
        self.expect(";")

    def union(self) -> UnionStatement:
        opening = self.expect("(")
        statements: list[Statement] = []
        while not self.at(")"):
            if self.peek().kind == "eof":
                raise self.error(self.peek(), "')' expected - end of input found.")
            statement = self.statement()
            if isinstance(statement, OutStatement):
                raise self.error(opening, "out statement inside a union.")
            statements.append(statement)
        self.expect(")")
        self.end_statement()
        return UnionStatement(tuple(statements), opening.line)

    def out(self) -> OutStatement:
        out = self.expect("out")
        verbosity: Literal["body", "skel", "ids"] = "body"
        while not self.at(";"):
            token = self.next()
            if token.kind == "word" and token.text in _OUT_VERBOSITY:
                verbosity = _OUT_VERBOSITY[token.text]
            elif token.kind == "word" and token.text in _OUT_ORDER:
                pass  # answers are always sorted by id
            elif token.kind == "word" and token.text in _OUT_UNSUPPORTED:
                raise OverpassQueryError(
                    token.line,
                    "static",
                    f'"out {token.text}" is not supported by this loopback test server.',
                )
            else:
                raise self.error(token, f"';' expected - {token.shown()} found.")
        self.expect(";")
        return OutStatement(verbosity, out.line)

    def way(self) -> QueryStatement:
        keyword = self.next()
        tag_filters: list[TagFilter] = []
        areas: list[shapely.Geometry] = []
        while True:
            token = self.peek()
            if token.kind == "punct" and token.text == "[":
                tag_filters.append(self.tag_filter())
            elif token.kind == "punct" and token.text == "(":
                areas.append(self.spatial_filter())
            elif token.kind == "punct" and token.text == ".":
                raise OverpassQueryError(
                    token.line, "static", f"input sets ({keyword.text}.name) are not supported."
                )
            else:
                break
        self.end_statement()
        if not areas:
            raise OverpassQueryError(
                keyword.line,
                "static",
                f"this loopback test server needs a bbox or poly filter on every "
                f"{keyword.text} statement.",
            )
        if keyword.text == "node":
            _check_served_node_key(tag_filters, keyword.line)
        kind: Literal["node", "way", "rel"] = (
            "node" if keyword.text == "node" else "way" if keyword.text == "way" else "rel"
        )
        return QueryStatement(kind, tuple(tag_filters), tuple(areas), keyword.line)

    def string_or_word(self, what: str) -> _Token:
        token = self.next()
        if token.kind not in ("str", "word", "num"):
            raise self.error(token, f"{what} expected - {token.shown()} found.")
        return token

    def tag_filter(self) -> TagFilter:
        self.expect("[")
        if self.at("!"):
            self.next()
            key = self.string_or_word("Key")
            self.expect("]")
            return TagFilter(key.value, "absent")
        if self.at("~"):
            raise OverpassQueryError(
                self.peek().line, "static", "key regular expressions are not supported."
            )
        key = self.string_or_word("Key")
        operator = self.next()
        if operator.kind == "punct" and operator.text == "]":
            return TagFilter(key.value, "exists")
        if operator.kind != "punct" or operator.text not in ("=", "!=", "~", "!~"):
            raise self.error(operator, f"']' expected - {operator.shown()} found.")
        value = self.string_or_word("Value")
        ignore_case = False
        if self.at(","):
            self.next()
            flag = self.next()
            if flag.kind != "word" or flag.text != "i":
                raise self.error(flag, f"'i' expected - {flag.shown()} found.")
            ignore_case = True
        self.expect("]")
        if operator.text in ("=", "!=") and not ignore_case:
            return TagFilter(key.value, "eq" if operator.text == "=" else "ne", value.value)
        regex = value.value if operator.text in ("~", "!~") else f"^{re.escape(value.value)}$"
        try:
            pattern = re.compile(regex, re.IGNORECASE if ignore_case else 0)
        except re.error as err:
            raise OverpassQueryError(
                value.line, "static", f'Invalid regular expression: "{value.value}" ({err}).'
            ) from None
        op: TagOp = "no_match" if operator.text.startswith("!") else "match"
        return TagFilter(key.value, op, value.value, pattern)

    def spatial_filter(self) -> shapely.Geometry:
        opening = self.expect("(")
        token = self.peek()
        if token.kind == "word" and token.text == "poly":
            self.next()
            self.expect(":")
            text = self.next()
            if text.kind != "str":
                raise self.error(text, f"'\"' expected - {text.shown()} found.")
            self.expect(")")
            return _polygon(text.value, text.line)
        if token.kind == "word":
            raise OverpassQueryError(
                token.line,
                "static",
                f'the "{token.text}" filter is not supported by this loopback test server.',
            )
        numbers: list[_Token] = []
        while True:
            number = self.next()
            if number.kind != "num":
                raise self.error(number, f"Number expected - {number.shown()} found.")
            numbers.append(number)
            if self.at(","):
                self.next()
                continue
            break
        self.expect(")")
        if len(numbers) != 4:
            raise OverpassQueryError(
                opening.line,
                "static",
                "a bbox filter needs four numbers (south,west,north,east); id filters are "
                "not supported.",
            )
        south, west, north, east = (float(n.text) for n in numbers)
        return _bbox(south, west, north, east, opening.line)


def _check_served_node_key(tag_filters: list[TagFilter], line: int) -> None:
    """Refuse a node statement that could match nodes the server did not load."""
    if not any(f.key in NODE_KEYS and f.op in ("exists", "eq", "match") for f in tag_filters):
        raise OverpassQueryError(
            line,
            "static",
            "this loopback test server answers node statements only with a filter that "
            f'requires one of the keys {", ".join(NODE_KEYS)} (e.g. node["place"]).',
        )


def _check_lat_lon(lat: float, lon: float, line: int, element: str) -> None:
    if not -90.0 <= lat <= 90.0:
        raise OverpassQueryError(
            line,
            "static",
            f'For the attribute "lat" of the element "{element}" the only allowed values '
            "are floats between -90.0 and 90.0.",
        )
    if not -180.0 <= lon <= 180.0:
        raise OverpassQueryError(
            line,
            "static",
            f'For the attribute "lon" of the element "{element}" the only allowed values '
            "are floats between -180.0 and 180.0.",
        )


def _bbox(south: float, west: float, north: float, east: float, line: int) -> shapely.Geometry:
    _check_lat_lon(south, west, line, "bbox-query")
    _check_lat_lon(north, east, line, "bbox-query")
    if south > north:
        raise OverpassQueryError(
            line,
            "static",
            'The value of attribute "n" of the element "bbox-query" must always be greater '
            'or equal than the value of attribute "s".',
        )
    if west <= east:
        return shapely.box(west, south, east, north)
    # crossing the antimeridian, as Overpass allows
    return shapely.union(
        shapely.box(west, south, 180.0, north), shapely.box(-180.0, south, east, north)
    )


def _polygon(text: str, line: int) -> shapely.Geometry:
    parts = text.split()
    try:
        values = [float(part) for part in parts]
    except ValueError:
        raise OverpassQueryError(
            line, "static", "a poly filter takes floats: lat lon lat lon ..."
        ) from None
    if len(values) % 2 or len(values) < 6:
        raise OverpassQueryError(
            line,
            "static",
            "a poly filter needs an even number of floats, at least three lat lon pairs.",
        )
    lats, lons = values[0::2], values[1::2]
    for lat, lon in zip(lats, lons, strict=True):
        _check_lat_lon(lat, lon, line, "polygon-query")
    polygon = shapely.Polygon(list(zip(lons, lats, strict=True)))
    if not polygon.is_valid:
        polygon = shapely.make_valid(polygon)
    return polygon


def parse_query(text: str) -> OverpassQuery:
    """Parse a query in the supported subset of Overpass QL.

    Parameters
    ----------
    text : str
        The query.

    Returns
    -------
    OverpassQuery
        The parsed query.

    Raises
    ------
    OverpassQueryError
        If the query is malformed or outside the supported subset.
    """
    if not text.strip():
        raise OverpassQueryError(1, "parse", "Statement expected - end of input found.")
    return _Parser(text).parse()


# --------------------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------------------


_EMPTY_ROWS = np.empty(0, dtype=np.int64)


@dataclass(frozen=True)
class _ElementSet:
    nodes: np.ndarray = field(default_factory=lambda: _EMPTY_ROWS)
    ways: np.ndarray = field(default_factory=lambda: _EMPTY_ROWS)
    rels: np.ndarray = field(default_factory=lambda: _EMPTY_ROWS)

    def union(self, other: _ElementSet) -> _ElementSet:
        return _ElementSet(
            np.union1d(self.nodes, other.nodes),
            np.union1d(self.ways, other.ways),
            np.union1d(self.rels, other.rels),
        )


def _filtered(
    rows: np.ndarray,
    tags: Sequence[dict[str, str]] | dict[int, dict[str, str]],
    tag_filters: tuple[TagFilter, ...],
) -> np.ndarray:
    keep = [row for row in rows.tolist() if all(f.matches(tags[row]) for f in tag_filters)]
    return np.asarray(keep, dtype=np.int64)


def _evaluate(
    extract: OsmExtract, statement: Statement, current: _ElementSet, printed: list[tuple]
) -> _ElementSet:
    if isinstance(statement, QueryStatement) and statement.kind == "node":
        rows = extract.keyed_node_rows
        for area in statement.areas:
            rows = np.intersect1d(rows, extract.node_rows_in(area))
        return _ElementSet(nodes=_filtered(rows, extract.node_tags, statement.tag_filters))
    if isinstance(statement, QueryStatement):
        is_way = statement.kind == "way"
        query = extract.way_rows_intersecting if is_way else extract.rel_rows_intersecting
        rows: np.ndarray | None = None
        for area in statement.areas:
            hits = query(area)
            rows = hits if rows is None else np.intersect1d(rows, hits)
        assert rows is not None
        tags = extract.way_tags if is_way else extract.rel_tags
        rows = _filtered(rows, tags, statement.tag_filters)
        return _ElementSet(ways=rows) if is_way else _ElementSet(rels=rows)
    if isinstance(statement, RecurseDown):
        member_ways, member_nodes = extract.members_of_rels(current.rels)
        ways = np.union1d(current.ways, member_ways)
        nodes = np.union1d(extract.node_rows_of_ways(ways), member_nodes)
        return _ElementSet(nodes=nodes, ways=member_ways)
    if isinstance(statement, ItemStatement):
        return current
    if isinstance(statement, UnionStatement):
        result = _ElementSet()
        for child in statement.statements:
            current = _evaluate(extract, child, current, printed)
            result = result.union(current)
        return result
    printed.append((current, statement.verbosity))
    return current


def _node_element(extract: OsmExtract, row: int, verbosity: str) -> dict[str, object]:
    element: dict[str, object] = {"type": "node", "id": int(extract.node_ids[row])}
    if verbosity == "ids":
        return element
    element["lat"] = float(extract.node_lat[row])
    element["lon"] = float(extract.node_lon[row])
    tags = extract.node_tags.get(row)
    if tags and verbosity == "body":
        element["tags"] = tags
    return element


def _way_element(extract: OsmExtract, row: int, verbosity: str) -> dict[str, object]:
    element: dict[str, object] = {"type": "way", "id": int(extract.way_ids[row])}
    if verbosity == "ids":
        return element
    start, end = extract.way_offsets[row], extract.way_offsets[row + 1]
    element["nodes"] = extract.way_refs[start:end].tolist()
    tags = extract.way_tags[row]
    if tags and verbosity == "body":
        element["tags"] = tags
    return element


def _rel_element(extract: OsmExtract, row: int, verbosity: str) -> dict[str, object]:
    element: dict[str, object] = {"type": "relation", "id": int(extract.rel_ids[row])}
    if verbosity == "ids":
        return element
    element["members"] = [
        {"type": kind, "ref": ref, "role": role} for kind, ref, role in extract.rel_members[row]
    ]
    tags = extract.rel_tags[row]
    if tags and verbosity == "body":
        element["tags"] = tags
    return element


def _document(
    extract: OsmExtract, elements: list[dict[str, object]], remark: str | None = None
) -> dict[str, object]:
    document: dict[str, object] = {
        "version": 0.6,
        "generator": GENERATOR,
        "osm3s": {"timestamp_osm_base": extract.timestamp, "copyright": COPYRIGHT},
        "elements": elements,
    }
    if remark is not None:
        document["remark"] = remark
    return document


def run_query(extract: OsmExtract, query: str | OverpassQuery) -> dict[str, object]:
    """Answer a query from an extract, as Overpass would in JSON.

    Parameters
    ----------
    extract : OsmExtract
        The data.
    query : str or OverpassQuery
        The query text, or an already parsed query.

    Returns
    -------
    dict
        The answer document: ``version``, ``generator``, ``osm3s`` and ``elements``
        (nodes, ways, relations, each sorted by id, for every ``out`` statement).

    Raises
    ------
    OverpassQueryError
        If the query text does not parse.
    """
    parsed = parse_query(query) if isinstance(query, str) else query
    printed: list[tuple[_ElementSet, str]] = []
    current = _ElementSet()
    for statement in parsed.statements:
        current = _evaluate(extract, statement, current, printed)
    elements: list[dict[str, object]] = []
    for element_set, verbosity in printed:
        node_rows, way_rows = element_set.nodes.tolist(), element_set.ways.tolist()
        elements.extend(_node_element(extract, row, verbosity) for row in node_rows)
        elements.extend(_way_element(extract, row, verbosity) for row in way_rows)
        elements.extend(_rel_element(extract, row, verbosity) for row in element_set.rels.tolist())
    return _document(extract, elements)


# --------------------------------------------------------------------------------------
# HTTP
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordedRequest:
    """One request the server received.

    Attributes
    ----------
    method : str
        ``"GET"`` or ``"POST"``.
    path : str
        URL path, e.g. ``"/api/interpreter"``.
    query : str or None
        Overpass QL text (``data``), ``None`` for requests without one.
    failure : int or str or None
        Scripted failure this request consumed, if any.
    time : float
        ``time.time()`` at arrival.
    """

    method: str
    path: str
    query: str | None
    failure: Failure | None
    time: float


_HTML_ERROR = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN"
    "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">
<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">
<head>
  <meta http-equiv="content-type" content="text/html; charset=utf-8" lang="en"/>
  <title>OSM3S Response</title>
</head>
<body>

<p>{copyright}</p>
<p><strong style="color:#FF0000">Error</strong>: {message} </p>

</body>
</html>
"""

_HTML_MESSAGES = {
    429: "runtime error: open64: 0 Success /osm3s_osm_base "
    "Dispatcher_Client::request_read_and_idx::rate_limited. "
    "Please check /api/status for the quota of your IP address.",
    504: "runtime error: open64: 0 Success /osm3s_osm_base "
    "Dispatcher_Client::request_read_and_idx::timeout. "
    "The server is probably too busy to handle your request.",
}


def _check_failure(failure: Failure) -> Failure:
    if isinstance(failure, bool):
        raise ValueError(f"not a failure: {failure!r}")
    if isinstance(failure, int):
        if not 400 <= failure <= 599:
            raise ValueError(f"failure status code must be 400-599, got {failure}")
        return failure
    if failure in FAILURE_NAMES:
        return failure
    raise ValueError(
        f"unknown failure {failure!r}: use an HTTP status code or one of {sorted(FAILURE_NAMES)}"
    )


def _timeout_of(query: str | None) -> int:
    if query:
        match = re.search(r"\[\s*timeout\s*:\s*(\d+)\s*\]", query)
        if match:
            return int(match.group(1))
    return _DEFAULT_TIMEOUT_S


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], owner: OverpassTestServer) -> None:
        self.owner = owner
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer
    server_version = "Apache/2.4 (loopback Overpass test server)"
    sys_version = ""

    def log_message(self, format: str, *args: object) -> None:
        if self.server.owner.verbose:
            super().log_message(format, *args)

    def do_GET(self) -> None:
        self._dispatch("GET", b"")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self._dispatch("POST", self.rfile.read(length) if length > 0 else b"")

    def _send(self, status: int, body: bytes, content_type: str) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Access-Control-Allow-Origin", "*")
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (e.g. its timeout fired during a stall)

    def _send_text(self, status: int, text: str) -> None:
        self._send(status, text.encode(), "text/plain; charset=utf-8")

    def _send_json(self, document: dict[str, object]) -> None:
        self._send(200, _dump(document), "application/json")

    def _dispatch(self, method: str, body: bytes) -> None:
        owner = self.server.owner
        url = urlsplit(self.path)
        if url.path in (f"{_API_PREFIX}/status", f"{_API_PREFIX}/status/"):
            owner._record(RecordedRequest(method, url.path, None, None, time.time()))
            self._send_text(200, owner.status_text(self.client_address[0]))
            return
        if url.path not in (f"{_API_PREFIX}/interpreter", f"{_API_PREFIX}/interpreter/"):
            owner._record(RecordedRequest(method, url.path, None, None, time.time()))
            self._send_text(404, f"Not Found: {url.path}\n")
            return

        query = _query_text(url.query, body)
        failure = owner._take_failure()
        owner._record(RecordedRequest(method, url.path, query, failure, time.time()))
        if failure == "disconnect":
            self.close_connection = True
            return
        if failure == "timeout":
            owner._stopping.wait(owner.stall_s)
            if owner._stopping.is_set():
                self.close_connection = True
                return
        elif isinstance(failure, int):
            message = _HTML_MESSAGES.get(failure, f"{failure} {_reason(failure)}")
            page = _HTML_ERROR.replace("{copyright}", COPYRIGHT).replace("{message}", message)
            self._send(failure, page.encode(), "text/html; charset=utf-8")
            return
        elif failure == "runtime_error":
            remark = (
                'runtime error: Query timed out in "query" at line 3 after '
                f"{_timeout_of(query) + 1} seconds."
            )
            self._send_json(_document(owner.extract, [], remark))
            return

        if query is None:
            self._send_text(
                400, "Error: line 1: parse error: no query: send the query as data=...\n"
            )
            return
        try:
            document = run_query(owner.extract, query)
        except OverpassQueryError as err:
            self._send_text(400, err.overpass_text() + "\n")
            return
        if failure == "huge_id":
            self._send_json(_beyond_64_bits(document))
            return
        if failure == "garbage":
            full = _dump(document)
            self._send(200, full[: max(len(full) // 2, 1)], "application/json")
            return
        self._send_json(document)


def _beyond_64_bits(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with its first way's id, and its first node's id where it is used,
    raised by 2**64 (valid JSON; no 64-bit integer holds them)."""
    elements = [dict(el) for el in document.get("elements", [])]  # type: ignore[union-attr]
    node = next((el for el in elements if el.get("type") == "node"), None)
    old = node["id"] if node else None
    for el in elements:
        if node is not None and el is node:
            el["id"] = old + 2**64
        elif el.get("type") == "way" and node is not None and old in el.get("nodes", []):
            el["nodes"] = [n + 2**64 if n == old else n for n in el["nodes"]]
    way = next((el for el in elements if el.get("type") == "way"), None)
    if way is not None:
        way["id"] = way["id"] + 2**64
    return {**document, "elements": elements}


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _dump(document: dict[str, object]) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode()


def _query_text(url_query: str, body: bytes) -> str | None:
    """The Overpass QL text of a request: ``?data=``, a form field ``data`` or a raw body."""
    if body:
        text = body.decode("utf-8", errors="replace")
        if text.lstrip().startswith("data="):
            values = parse_qs(text.lstrip(), keep_blank_values=True).get("data")
            return values[0] if values else ""
        return text
    values = parse_qs(url_query, keep_blank_values=True).get("data")
    return values[0] if values else None


class OverpassTestServer:
    """A loopback Overpass API answering from a real ``.osm.pbf`` extract.

    Parameters
    ----------
    pbf_path : str or Path
        The extract. Its relations, ways and their nodes are loaded at construction
        (cached per file across servers).
    failures : iterable of int or str, optional
        Scripted failures, consumed one per ``/interpreter`` request before normal
        answers resume: an HTTP status code 400-599 (``429`` and ``504`` with Overpass'
        HTML pages), ``"runtime_error"``, ``"timeout"``, ``"garbage"`` or
        ``"disconnect"``.
    stall_s : float, optional
        How long a ``"timeout"`` failure stalls before answering normally.
    port : int, optional
        TCP port on 127.0.0.1; 0 picks a free one.
    verbose : bool, optional
        Log requests to stderr.

    Attributes
    ----------
    extract : OsmExtract
        The loaded data.
    requests : list of RecordedRequest
        Every request received, in order.
    stall_s : float
        Stall of ``"timeout"`` failures, in seconds.

    Examples
    --------
    >>> with OverpassTestServer("andorra-latest.osm.pbf", failures=[429]) as server:
    ...     requests.post(f"{server.url}/interpreter", data={"data": query})
    """

    def __init__(
        self,
        pbf_path: str | Path,
        failures: Iterable[Failure] = (),
        stall_s: float = 5.0,
        port: int = 0,
        *,
        verbose: bool = False,
    ) -> None:
        self.extract = load_extract(pbf_path)
        self.stall_s = float(stall_s)
        self.verbose = verbose
        self.requests: list[RecordedRequest] = []
        self._port = port
        self._failures: deque[Failure] = deque(_check_failure(f) for f in failures)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # public API ---------------------------------------------------------------------
    @property
    def url(self) -> str:
        """Base URL, like ``http://127.0.0.1:PORT/api`` (append ``/interpreter``)."""
        if self._httpd is None and self._port == 0:
            raise RuntimeError("the server has no port before start()")
        port = self._httpd.server_address[1] if self._httpd is not None else self._port
        return f"http://127.0.0.1:{port}{_API_PREFIX}"

    @property
    def interpreter_url(self) -> str:
        """``{url}/interpreter``."""
        return f"{self.url}/interpreter"

    @property
    def timestamp(self) -> str:
        """``timestamp_osm_base`` of the answers (the extract's data timestamp)."""
        return self.extract.timestamp

    @property
    def queries(self) -> list[str]:
        """Query texts of the ``/interpreter`` requests received so far."""
        with self._lock:
            return [r.query for r in self.requests if r.query is not None]

    @property
    def pending_failures(self) -> list[Failure]:
        """Scripted failures not yet consumed."""
        with self._lock:
            return list(self._failures)

    def push_failures(self, *failures: Failure) -> None:
        """Script more failures, after those already pending.

        Parameters
        ----------
        *failures : int or str
            HTTP status codes 400-599 or names from :data:`FAILURE_NAMES`.
        """
        checked = [_check_failure(f) for f in failures]
        with self._lock:
            self._failures.extend(checked)

    def start(self) -> OverpassTestServer:
        """Bind and serve in a daemon thread.

        Returns
        -------
        OverpassTestServer
            ``self``.
        """
        if self._httpd is not None:
            raise RuntimeError("the server is already running")
        self._stopping.clear()
        self._httpd = _HTTPServer(("127.0.0.1", self._port), self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"overpass-test-server:{self._httpd.server_address[1]}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port; stalled requests are dropped."""
        if self._httpd is None:
            return
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5.0)
        self._httpd = None
        self._thread = None

    def status_text(self, client: str = "127.0.0.1") -> str:
        """A ``/api/status`` answer in Overpass' words.

        Parameters
        ----------
        client : str, optional
            Client address (Overpass prints a number derived from it).

        Returns
        -------
        str
            The status text.
        """
        number = int.from_bytes(bytes(int(p) for p in client.split(".")), "big")
        now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return (
            f"Connected as: {number}\n"
            f"Current time: {now}\n"
            "Announced endpoint: none\n"
            "Rate limit: 0\n"
            "2 slots available now.\n"
            "Currently running queries (pid, space limit, time limit, start time):\n"
        )

    def __enter__(self) -> OverpassTestServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self.url if self._httpd is not None else "stopped"
        return f"OverpassTestServer({self.extract.path.name!r}, {where})"

    # used by the handler ------------------------------------------------------------
    def _take_failure(self) -> Failure | None:
        with self._lock:
            return self._failures.popleft() if self._failures else None

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)


# --------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------


def _parse_failure(text: str) -> Failure:
    return int(text) if text.strip().isdigit() else text.strip()


def main(argv: Sequence[str] | None = None) -> int:
    """Serve an extract until Ctrl-C.

    Parameters
    ----------
    argv : sequence of str, optional
        Command-line arguments (default ``sys.argv[1:]``).

    Returns
    -------
    int
        Exit status.
    """
    parser = argparse.ArgumentParser(
        description="Loopback Overpass API server answering from an .osm.pbf extract."
    )
    parser.add_argument("pbf", type=Path, help="the .osm.pbf extract")
    parser.add_argument("--port", type=int, default=0, help="TCP port (default: a free one)")
    parser.add_argument(
        "--fail",
        default="",
        help="comma-separated scripted failures, e.g. 429,504,runtime_error,timeout,garbage",
    )
    parser.add_argument(
        "--stall-s", type=float, default=5.0, help="stall of a 'timeout' failure (s)"
    )
    parser.add_argument("--quiet", action="store_true", help="do not log requests")
    args = parser.parse_args(argv)

    failures = [_parse_failure(f) for f in args.fail.split(",") if f.strip()]
    server = OverpassTestServer(
        args.pbf, failures=failures, stall_s=args.stall_s, port=args.port, verbose=not args.quiet
    )
    extract = server.extract
    print(
        f"loaded {extract.path.name}: {len(extract.way_ids)} highway ways, "
        f"{len(extract.node_ids)} nodes, "
        f"data timestamp {extract.timestamp}, in {extract.load_seconds:.2f} s",
        file=sys.stderr,
    )
    with server:
        print(server.url, flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
