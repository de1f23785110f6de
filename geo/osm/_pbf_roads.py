"""The road ways of a ``.osm.pbf`` file and their nodes, as arrays (two reads, numpy only).

The first read decodes every block's ways (:mod:`geo._pbf`), keeps those a test on
their tags accepts (a function of a :class:`~geo._tags.TagTable`, so strings are compared
as integer codes) and notes which blocks hold nodes; the second read decodes only those
blocks and keeps the locations (and wanted tags) of the nodes the kept ways use. Memory
follows the roads: nothing is kept per node of the file, and a file's nodes may come in
any order or be missing (counted in :attr:`PBFRoads.missing_nodes`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ..base.arrays import FloatArray, IntArray, ObjectArray
from . import _pbf
from ._tags import TagTable


@dataclass
class PBFRoads:
    """What :func:`read_pbf_roads` found, in file order (ways) and id order (nodes)."""

    way_ids: IntArray
    lengths: IntArray
    refs: IntArray
    tags: dict[str, ObjectArray]
    node_ids: IntArray
    node_lon: npt.NDArray[np.float64]
    node_lat: npt.NDArray[np.float64]
    node_tags: dict[str, ObjectArray]
    sha256: str
    """Of the whole file, as read."""
    missing_nodes: int
    """Nodes of the kept ways that the file has no (valid) location for."""


def read_pbf_roads(
    path: Path,
    way_keys: list[str],
    node_keys: list[str],
    keep: Callable[[TagTable], npt.NDArray[np.bool_]],
) -> PBFRoads:
    """Ways with at least two nodes that ``keep`` accepts, their ``way_keys``, their nodes.

    ``keep`` gets a table of the ``way_keys`` of one block's ways.

    Raises
    ------
    geo._pbf.CorruptPBF, geo._pbf.UnsupportedPBF
        The file is damaged, or uses a form of PBF that libosmium must rewrite first.
    """
    ways = _WayParts(way_keys, keep)
    node_blobs: list[_pbf.Blob] = []
    with open(path, "rb") as fh:
        pbf = _pbf.PBFFile(fh)
        for blob, data in pbf.blobs():
            block = _pbf.decode_block(data, {_pbf.GROUP_WAYS})
            if block.kinds & {_pbf.GROUP_NODES, _pbf.GROUP_DENSE}:
                node_blobs.append(blob)
            for group in block.groups:
                ways.add(block, group)
        sha256 = pbf.sha256.hexdigest()
        way_ids, lengths, refs, tags = ways.arrays()
        needed = _sorted_unique(refs)
        nodes = _NodeParts(needed, node_keys)
        for blob in node_blobs:
            block = _pbf.decode_block(pbf.read(blob), {_pbf.GROUP_NODES, _pbf.GROUP_DENSE})
            for group in block.groups:
                nodes.add(block, group)
    node_ids, lon, lat, node_tags = nodes.arrays()
    return PBFRoads(
        way_ids,
        lengths,
        refs,
        tags,
        node_ids,
        lon,
        lat,
        node_tags,
        sha256,
        int(len(needed) - len(node_ids)),
    )


def _sorted_unique(ids: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """``np.unique`` by sorting (numpy 2's hash-based unique is several times slower here)."""
    out = np.sort(ids)
    return out[np.r_[True, out[1:] != out[:-1]]] if len(out) else out


class _WayParts:
    """The road ways of the blocks read so far, as lists of per-block arrays."""

    def __init__(self, keys: list[str], keep: Callable[[TagTable], npt.NDArray[np.bool_]]) -> None:
        self.keys = keys
        self.keep = keep
        self.ids: list[npt.NDArray[np.int64]] = []
        self.lengths: list[npt.NDArray[np.int64]] = []
        self.refs: list[npt.NDArray[np.int64]] = []
        self.tags: dict[str, list[npt.NDArray[np.object_]]] = {k: [] for k in keys}

    def add(self, block: _pbf.Block, group: _pbf.Group) -> None:
        # Way: 1 id, 2 keys, 3 vals (string indices), 8 refs (delta-coded sint64).
        msgs = group.messages(scalar=(1,), packed=(2, 3, 8))
        table = _tag_table(block, msgs, self.keys)
        n_refs = msgs.stop[8] - msgs.first[8]
        keep = self.keep(table) & (n_refs >= 2)
        if not keep.any():
            return
        raw, lengths = msgs.packed_where(8, keep)
        self.refs.append(_pbf.segment_cumsum(_pbf.zigzag(raw), lengths))
        self.lengths.append(lengths)
        self.ids.append(msgs.value[1][keep].astype(np.int64))
        for key in self.keys:
            self.tags[key].append(table.text(key, keep))

    def arrays(self) -> tuple[IntArray, IntArray, IntArray, dict[str, ObjectArray]]:
        def cat(parts: list[Any], dtype: Any) -> Any:
            return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)

        return (
            cat(self.ids, np.int64),
            cat(self.lengths, np.int64),
            cat(self.refs, np.int64),
            {k: cat(v, object) for k, v in self.tags.items()},
        )


def _tag_table(block: _pbf.Block, msgs: _pbf.Messages, keys: list[str]) -> TagTable:
    """The wanted keys of messages with ``keys``/``vals`` fields 2 and 3, as codes."""
    k, nk = msgs.packed(2)
    v, nv = msgs.packed(3)
    if np.any(nk != nv):
        raise _pbf.CorruptPBF("an object with unequal numbers of tag keys and values")
    owner = np.repeat(np.arange(msgs.count), nk)
    return _codes_table(block, owner, k, v, msgs.count, keys)


def _codes_table(
    block: _pbf.Block,
    owner: npt.NDArray[np.int64],
    k: npt.NDArray[Any],
    v: npt.NDArray[Any],
    n: int,
    keys: list[str],
) -> TagTable:
    codes: dict[str, npt.NDArray[np.int64]] = {}
    for key, code in zip(keys, block.string_codes(keys), strict=True):
        col = np.full(n, -1, dtype=np.int64)
        if code >= 0:
            hit = k == code
            col[owner[hit]] = v[hit].astype(np.int64)
        codes[key] = col
    return TagTable(n, codes, block.string_codes, block.texts)


class _NodeParts:
    """Locations (and ``node_keys`` tags) of the ``needed`` nodes, block after block."""

    def __init__(self, needed: IntArray, node_keys: list[str]) -> None:
        self.needed = needed
        self.node_keys = node_keys
        self.ids: list[npt.NDArray[np.int64]] = []
        self.x: list[npt.NDArray[np.int64]] = []
        self.y: list[npt.NDArray[np.int64]] = []
        self.tags: dict[str, list[ObjectArray]] = {k: [] for k in node_keys}

    def add(self, block: _pbf.Block, group: _pbf.Group) -> None:
        if group.dense_fields is not None:
            # DenseNodes: 1 ids, 8 lat, 9 lon (each delta-coded sint64), 10 keys_vals.
            ids = np.cumsum(_pbf.zigzag(group.dense(1)))
            raw_lat = np.cumsum(_pbf.zigzag(group.dense(8)))
            raw_lon = np.cumsum(_pbf.zigzag(group.dense(9)))
            if not len(ids) == len(raw_lat) == len(raw_lon):
                raise _pbf.CorruptPBF("dense nodes with ids and coordinates of different counts")
            msgs = None
        else:
            # Node: 1 id, 2 keys, 3 vals, 8 lat, 9 lon (sint64, not delta-coded).
            msgs = group.messages(scalar=(1, 8, 9), packed=(2, 3))
            ids = _pbf.zigzag(msgs.value[1])
            raw_lat = _pbf.zigzag(msgs.value[8])
            raw_lon = _pbf.zigzag(msgs.value[9])
        pos = np.searchsorted(self.needed, ids).clip(0, max(len(self.needed) - 1, 0))
        hit = self.needed[pos] == ids if len(self.needed) else np.zeros(len(ids), bool)
        x, y = block.fixed(raw_lon[hit], raw_lat[hit])
        valid = _pbf.valid_fixed(x, y)
        self.ids.append(ids[hit][valid])
        self.x.append(x[valid])
        self.y.append(y[valid])
        if self.node_keys:
            if msgs is not None:
                table = _tag_table(block, msgs, self.node_keys)
            else:
                table = _dense_tag_table(block, group, len(ids), self.node_keys)
            rows = np.flatnonzero(hit)[valid]
            for key in self.node_keys:
                self.tags[key].append(table.text(key)[rows])

    def arrays(self) -> tuple[IntArray, FloatArray, FloatArray, dict[str, ObjectArray]]:
        if not self.ids:
            empty = np.zeros(0)
            return (
                np.zeros(0, np.int64),
                empty,
                empty,
                {k: np.zeros(0, object) for k in self.node_keys},
            )
        ids = np.concatenate(self.ids)
        # A node in the file twice (in overlapping extracts) counts once, as first seen.
        ids, first = np.unique(ids, return_index=True)
        lon = np.concatenate(self.x)[first] / 1e7
        lat = np.concatenate(self.y)[first] / 1e7
        tags = {k: np.concatenate(v)[first] for k, v in self.tags.items()}
        return ids, lon, lat, tags


def _dense_tag_table(block: _pbf.Block, group: _pbf.Group, n: int, keys: list[str]) -> TagTable:
    """Tags of dense nodes: ``keys_vals`` holds ``key, value, ..., 0`` for each node."""
    kv = group.dense(10).astype(np.int64)
    if not len(kv):
        return _codes_table(block, np.zeros(0, np.int64), kv, kv, n, keys)
    end = kv == 0
    node = np.cumsum(end) - end  # the zero closing a node's list belongs to it
    start = np.r_[0, np.flatnonzero(end) + 1]
    rank = np.arange(len(kv)) - start[node]
    is_key = ~end & (rank % 2 == 0)
    key_at = np.flatnonzero(is_key)
    if len(key_at) and key_at[-1] + 1 >= len(kv):
        raise _pbf.CorruptPBF("dense-node tags end with a key")
    return _codes_table(block, node[key_at], kv[key_at], kv[key_at + 1], n, keys)
