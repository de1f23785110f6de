"""Read OSM road data into flat arrays: from ``.osm.pbf`` / ``.osm`` files or Overpass JSON.

Every source ends as one :class:`OSMRoads` (ways as ragged node-id arrays, nodes as
coordinate arrays, the tags routing needs), which :mod:`geo.network` turns into a graph.

A ``.osm.pbf`` file is decoded block by block with numpy (:mod:`geo._pbf`), with no
Python work per way or node: one read of the whole file picks the road ways (their tags
tested as integer codes, :mod:`geo._tags`) and remembers which blocks hold nodes; a
second read of those blocks only takes the locations of the roads' nodes. Memory
follows the roads, not the file: nothing is kept per node of the file. Other formats
(``.osm`` XML, ``.osm.bz2``, ``.o5m``) are first rewritten as PBF by libosmium (pyosmium).

To read more: add way keys to :data:`WAY_TAGS` (they come out as ``OSMRoads.tags``),
node keys to :data:`NODE_TAGS` (``OSMRoads.node_tags``, for the roads' nodes only).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
import tempfile
from pathlib import Path
from typing import Any

from .. import settings
from ..errors import OSMDataError
from . import _pbf
from ._extras import read_osm_extras, save_map_extras
from ._pbf_roads import read_pbf_roads
from ._road_ways import (
    ACCESS_HIERARCHY,
    NODE_TAGS,
    WAY_TAGS,
    OSMRoads,
    clip_to_bbox,
    highway_classes,
    is_drivable,
    select_ways,
)
from ._rules import BUILT_UP_MAX_BYTES, NodeRuleTags
from ._tags import FILTER_TAGS, TagTable, drivable_mask

__all__ = [
    "ACCESS_HIERARCHY",
    "FILTER_TAGS",
    "MAX_MISSING_NODE_SHARE",
    "NODE_TAGS",
    "OSM_FILE_FORMATS",
    "WAY_TAGS",
    "NodeRuleTags",
    "OSMRoads",
    "TagTable",
    "clip_to_bbox",
    "drivable_mask",
    "file_sha256",
    "highway_classes",
    "is_drivable",
    "is_iso_timestamp",
    "read_osm_file",
    "select_ways",
]

log = logging.getLogger(__name__)

#: File suffixes pyosmium reads, with the format name it understands.
OSM_FILE_FORMATS = {".pbf": "pbf", ".osm": "osm", ".bz2": "osm.bz2", ".gz": "osm.gz", ".o5m": "o5m"}


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
) -> OSMRoads:
    """Read the drivable roads of an OSM file (``.osm.pbf`` or ``.osm`` XML).

    Parameters
    ----------
    path
        The file, e.g. a Geofabrik extract.
    lowest_class
        Keep roads from motorway down to this class (and the links).
    bbox
        ``(west, south, east, north)``: keep only ways with a node inside it. The exact
        study polygon is applied later, when the graph is built.

    Raises
    ------
    OSMDataError
        The file is missing, unreadable, not OSM data, or holds no roads in ``bbox``.

    Notes
    -----
    ``meta`` of the result holds ``file_size_bytes``, ``sha256`` (of the file as read,
    for a PBF file) and ``missing_nodes`` (road nodes the file has no location for).
    """
    import osmium

    path = Path(path)
    if not path.is_file():
        raise OSMDataError(f"OSM file {str(path)!r} does not exist")
    suffix = _file_format(path)
    classes = highway_classes(lowest_class)
    try:
        reader = osmium.io.Reader(str(path), osmium.osm.osm_entity_bits.NOTHING)
        header = reader.header()
        timestamp = header.get("osmosis_replication_timestamp") or header.get("timestamp") or None
        box = header.box()
        reader.close()
        log.info("reading road ways and their node locations from %s", path.name)
        try:
            if suffix not in {".osm.pbf", ".pbf"}:
                raise _pbf.UnsupportedPBF(f"{suffix} is not PBF")
            roads = _read_pbf(path, classes, timestamp)
        except _pbf.UnsupportedPBF:
            log.info("rewriting %s as PBF (libosmium) to read it", path.name)
            roads = _read_through_pbf(osmium, path, classes, timestamp)
    except OSMDataError:
        raise
    except (_pbf.CorruptPBF, _pbf.UnsupportedPBF, RuntimeError, ValueError, OSError) as exc:
        # libosmium reports a truncated or foreign file as RuntimeError.
        raise OSMDataError(f"cannot read {path.name}: {exc} (is it a complete OSM file?)") from exc
    if not roads.n_ways:
        raise OSMDataError(f"{path.name} holds no roads of the classes {', '.join(classes)}")
    roads.meta["file_size_bytes"] = path.stat().st_size
    _check_node_locations(roads, path.name)
    try:
        log.info("reading turn restrictions, built-up areas and map context from %s", path.name)
        extras = read_osm_extras(
            path,
            roads.node_ids,
            built_up=path.stat().st_size <= BUILT_UP_MAX_BYTES,
            context=True,
        )
        roads.node_rule_tags, roads.restrictions = extras.node_rule_tags, extras.restrictions
        roads.built_up = extras.built_up
        if extras.context is not None and roads.meta.get("sha256"):
            # the maps' water, borders and places, read in the same pass (geo.context)
            save_map_extras(extras.context, str(roads.meta["sha256"]))
    except (RuntimeError, ValueError, OSError) as exc:
        raise OSMDataError(f"cannot read {path.name}: {exc} (is it a complete OSM file?)") from exc
    if bbox is not None:
        roads = clip_to_bbox(roads, bbox)
        if roads.n_ways == 0:
            raise OSMDataError(
                f"{path.name} has no roads in the study area {bbox}; the file covers "
                f"{box.bottom_left.lon:.3f},{box.bottom_left.lat:.3f} to "
                f"{box.top_right.lon:.3f},{box.top_right.lat:.3f}"
                if box.valid()
                else f"{path.name} has no roads in the study area {bbox}"
            )
    return roads


#: Share of the roads' nodes a file may lack locations for; above it the file is refused
#: (a network of the few located pieces would be wrong without looking wrong).
MAX_MISSING_NODE_SHARE = 0.5


def _check_node_locations(roads: OSMRoads, name: str) -> None:
    """Count the road nodes the file has no location for; refuse a file lacking most.

    Road segments through such a node cannot be drawn or measured and are left out, so
    the count goes into ``meta`` (``missing_nodes``, ``road_nodes``: the network's
    provenance, the pull summary and the results' warnings say it).
    """
    missing = int(roads.meta.get("missing_nodes", 0))
    total = missing + len(roads.node_ids)
    roads.meta["missing_nodes"], roads.meta["road_nodes"] = missing, total
    if not missing:
        return
    share = missing / total
    what = (
        f"{name} has no location for {missing:,} of the {total:,} nodes of its roads ({share:.1%})"
    )
    if share > MAX_MISSING_NODE_SHARE:
        raise OSMDataError(
            f"{what}: it was cut without the roads' nodes (osmium --omit-referenced?) or is "
            "damaged; use a complete extract (e.g. https://download.geofabrik.de)"
        )
    log.warning("%s; road segments through them are left out", what)


def _read_through_pbf(
    osmium: Any, path: Path, classes: list[str], timestamp: str | None
) -> OSMRoads:
    """Let libosmium rewrite a file as plain PBF (in the cache folder), then read that."""
    tmp_root = Path(settings.cache_folder) / "tmp"
    tmp_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=tmp_root) as tmp:
        plain = Path(tmp) / "input.osm.pbf"
        writer = osmium.SimpleWriter(str(plain))
        try:
            osmium.apply(str(path), writer)  # C++ all the way: no Python per object
        finally:
            writer.close()
        roads = _read_pbf(plain, classes, timestamp)
    # The provenance names the user's file, not the temporary rewrite: its name, and the
    # SHA-256 of its content (the rewrite's differs with the libosmium version).
    roads.source = f"file:{path.name}"
    roads.meta["sha256"] = file_sha256(path)
    return roads


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes (remembered for the run while the file is unchanged).

    The key is the file's identity and state (device, inode, size, modification and
    change times in ns): a file replaced by another, even of the same size and name, is
    hashed again.
    """
    st = Path(path).stat()
    return _sha256_of(
        str(Path(path).resolve()), st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns
    )


@functools.lru_cache(maxsize=64)
def _sha256_of(path: str, *_state: int) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _read_pbf(path: Path, classes: list[str], timestamp: str | None) -> OSMRoads:
    """Both reads of a PBF file (see the module notes)."""
    way_keys = list(dict.fromkeys((*WAY_TAGS, *FILTER_TAGS)))
    got = read_pbf_roads(path, way_keys, list(NODE_TAGS), lambda tags: drivable_mask(tags, classes))
    roads = OSMRoads.from_columns(
        got.way_ids,
        got.lengths,
        got.refs,
        {k: got.tags[k] for k in WAY_TAGS},
        got.node_ids,
        got.node_lon,
        got.node_lat,
        timestamp,
        source=f"file:{path.name}",
        node_tags=got.node_tags,
    )
    roads.meta["sha256"] = got.sha256
    roads.meta["missing_nodes"] = got.missing_nodes
    return roads


_ISO_TS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def is_iso_timestamp(value: str | None) -> bool:
    """Whether ``value`` is an OSM-style ISO timestamp (``2024-03-04T21:21:35Z``)."""
    return bool(value and _ISO_TS.match(value))
