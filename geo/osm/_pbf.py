"""Decode ``.osm.pbf`` blocks into numpy arrays, with no Python work per node or way.

The PBF format (https://wiki.openstreetmap.org/wiki/PBF_Format) is a run of blobs, each a
zlib-compressed ``PrimitiveBlock``: a string table and groups of nodes, dense nodes, ways
or relations. Everything inside a group is a protocol-buffer varint (tags, lengths,
ids, packed id/coordinate/string-index arrays, the metadata), so a group is decoded as
one varint stream with numpy and its messages are walked field by field for all
messages at once (:func:`message_fields`). Python loops only over blobs, over the
top-level messages of a group (a list walk), and over string tables.

Anything this decoder does not handle (another compression, fields that are not
varints or not packed) raises :class:`UnsupportedPBF`; the caller then lets libosmium
rewrite the file in the plain form first.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import BinaryIO

import numpy as np
import numpy.typing as npt

from ..base.arrays import IntArray
from ._protobuf import CorruptPBF as CorruptPBF
from ._protobuf import Messages as Messages
from ._protobuf import UnsupportedPBF as UnsupportedPBF
from ._protobuf import (
    Varints,
    message_fields,
    scalar_fields,
    top_level,
    varint,
)
from ._protobuf import segment_cumsum as segment_cumsum
from ._protobuf import zigzag as zigzag

#: PrimitiveGroup field numbers.
GROUP_NODES, GROUP_DENSE, GROUP_WAYS, GROUP_RELATIONS = 1, 2, 3, 4

#: Largest blob the format allows (the spec's hard limit, 32 MiB).
_MAX_BLOB = 32 * 2**20


# ---------------------------------------------------------------------------- blocks
@dataclass
class Group:
    """One PrimitiveGroup of a block: its kind and its messages, located.

    Nodes, ways and relations come as a varint stream with the index of each message's
    tag in ``tops``; dense nodes as their packed columns, decoded (``dense[field]``).
    """

    kind: int
    varints: Varints | None = None
    tops: IntArray | None = None
    dense_fields: dict[int, memoryview] | None = None

    def dense(self, field: int) -> npt.NDArray[np.uint64]:
        """A DenseNodes column, decoded on first use (empty if the group lacks it)."""
        assert self.dense_fields is not None
        raw = self.dense_fields.get(field)
        if raw is None:
            return np.zeros(0, np.uint64)
        return Varints.decode(np.frombuffer(raw, dtype=np.uint8), locate=False).value

    def messages(self, scalar: tuple[int, ...], packed: tuple[int, ...]) -> Messages:
        """The wanted fields of the group's messages (see :func:`message_fields`)."""
        assert self.varints is not None and self.tops is not None
        return message_fields(self.varints, self.tops, scalar, packed)


@dataclass
class Block:
    """A decoded PrimitiveBlock: string table, coordinate scale, the groups asked for."""

    string_table: memoryview
    granularity: int
    lat_offset: int
    lon_offset: int
    groups: list[Group]
    kinds: set[int]
    """Kinds of every group in the block, decoded or not."""

    def fixed(self, raw_lon: IntArray, raw_lat: IntArray) -> tuple[IntArray, IntArray]:
        """Coordinates as libosmium holds them: integers of 1e-7 degree.

        Cut toward zero from the file's nanodegrees, as libosmium does, so that
        ``x / 1e7`` is the very double pyosmium's ``Location.lon`` gives.
        """
        return (
            _to_fixed(self.lon_offset + self.granularity * raw_lon),
            _to_fixed(self.lat_offset + self.granularity * raw_lat),
        )

    @cached_property
    def strings(self) -> list[bytes]:
        """The string table (parsed on first use: node blocks seldom need it)."""
        return _string_table(self.string_table)

    @cached_property
    def _lookup(self) -> dict[bytes, int]:
        return {s: i for i, s in enumerate(self.strings)}

    def string_codes(self, texts: list[str]) -> list[int]:
        """Index of each text in the string table (-1 where the block does not use it)."""
        return [self._lookup.get(t.encode(), -1) for t in texts]

    def texts(self, codes: IntArray) -> npt.NDArray[np.object_]:
        """The strings at ``codes`` (``None`` where a code is -1), decoded once each."""
        out = np.full(len(codes), None, dtype=object)
        have = codes >= 0
        if have.any():
            uniq, inverse = np.unique(codes[have], return_inverse=True)
            text = np.array(
                [self.strings[i].decode("utf-8", "replace") for i in uniq.tolist()], dtype=object
            )
            out[have] = text[inverse]
        return out


def _to_fixed(nanodegrees: IntArray) -> IntArray:
    """Integer 1e-7 degrees, truncated toward zero as C++ integer division does."""
    fixed: IntArray = np.sign(nanodegrees) * (np.abs(nanodegrees) // 100)
    return fixed


def valid_fixed(x: IntArray, y: IntArray) -> npt.NDArray[np.bool_]:
    """libosmium's ``Location::valid()`` on 1e-7 degree integers."""
    return (np.abs(x) <= 1_800_000_000) & (np.abs(y) <= 900_000_000)


#: DenseNodes fields decoded (ids, lat, lon, keys_vals); denseinfo (5) is skipped.
_DENSE_FIELDS = (1, 8, 9, 10)


def decode_block(data: bytes, kinds: set[int]) -> Block:
    """Decode a PrimitiveBlock, keeping only the groups of the given kinds."""
    strings = memoryview(b"")
    gran, lat_off, lon_off = 100, 0, 0
    groups: list[Group] = []
    seen: set[int] = set()
    for field, _wire, value in scalar_fields(data):
        if field == 1 and isinstance(value, memoryview):
            strings = value
        elif field == 2 and isinstance(value, memoryview):
            if not len(value):
                continue
            kind = varint(value, 0)[0] >> 3  # a group holds one kind: its first field's
            seen.add(kind)
            if kind not in kinds:
                continue
            if kind == GROUP_DENSE:
                groups.append(_dense_group(value))
                continue
            varints = Varints.decode(np.frombuffer(value, dtype=np.uint8))
            tops = varints.at_byte[np.array(top_level(bytes(value)), dtype=np.int64)]
            if np.any((varints.value[tops] >> np.uint64(3)) != kind):
                raise CorruptPBF("a group mixes nodes, ways and relations")
            groups.append(Group(kind, varints, tops))
        elif field == 17:
            gran = int(value)
        elif field == 18:
            lat_off = int(value)
        elif field == 19:
            lon_off = int(value)
    return Block(strings, gran, lat_off, lon_off, groups, seen)


def _string_table(table: memoryview) -> list[bytes]:
    """The strings of a StringTable message (field 1, repeated bytes)."""
    data = bytes(table)
    out: list[bytes] = []
    i, n = 0, len(data)
    while i < n:
        if data[i] != 0x0A:  # field 1, length-delimited
            raise CorruptPBF("a string table with other content")
        length = data[i + 1] if i + 1 < n else 0x80
        if length < 0x80:
            i += 2
        else:
            length, i = varint(data, i + 1)
        out.append(data[i : i + length])
        i += length
    if i != n:
        raise CorruptPBF("a string table runs past its end")
    return out


def _dense_group(group: memoryview) -> Group:
    columns: dict[int, memoryview] = {}
    for field, _wire, value in scalar_fields(group):
        if field != GROUP_DENSE or not isinstance(value, memoryview):
            raise CorruptPBF("a dense-node group with other content")
        for f, w, packed in scalar_fields(value):
            if f in _DENSE_FIELDS:
                if w != 2 or not isinstance(packed, memoryview):
                    raise UnsupportedPBF(f"dense-node field {f} is not packed")
                columns[f] = packed
    return Group(GROUP_DENSE, dense_fields=columns)


# ---------------------------------------------------------------------------- file
@dataclass
class Blob:
    """Where one data blob lies in the file."""

    offset: int
    size: int


class PBFFile:
    """Sequential access to a PBF file's blobs (and a sha256 of every byte read in order).

    Iterating reads the file front to back once and yields each data blob's
    uncompressed PrimitiveBlock bytes with its :class:`Blob`; :meth:`read` re-reads one
    remembered blob.
    """

    def __init__(self, fh: BinaryIO) -> None:
        self.fh = fh
        self.sha256 = hashlib.sha256()
        self.bytes_read = 0

    def _read(self, n: int) -> bytes:
        data = self.fh.read(n)
        if len(data) != n:
            raise CorruptPBF("the file ends inside a blob (truncated?)")
        self.sha256.update(data)
        self.bytes_read += n
        return data

    def blobs(self) -> Iterator[tuple[Blob, bytes]]:
        """Every OSMData blob, uncompressed, in file order (the header is skipped)."""
        self.fh.seek(0)
        while True:
            head = self.fh.read(4)
            if not head:
                return
            if len(head) != 4:
                raise CorruptPBF("the file ends inside a blob header (truncated?)")
            self.sha256.update(head)
            self.bytes_read += 4
            (header_len,) = struct.unpack(">I", head)
            if header_len > 64 * 1024:
                raise CorruptPBF("blob header too long: not a PBF file")
            kind, size = b"", -1
            for field, _w, value in scalar_fields(self._read(header_len)):
                if field == 1 and isinstance(value, memoryview):
                    kind = bytes(value)
                elif field == 3:
                    size = int(value)
            if size < 0 or size > _MAX_BLOB:
                raise CorruptPBF("blob size missing or over 32 MiB: not a PBF file")
            offset = self.fh.tell()
            raw = self._read(size)
            if kind == b"OSMData":
                yield Blob(offset, size), uncompress(raw)
            elif kind == b"OSMHeader":
                _check_features(uncompress(raw))
            # Blobs of other kinds may be skipped (PBF spec).

    def read(self, blob: Blob) -> bytes:
        """One remembered blob again, uncompressed."""
        self.fh.seek(blob.offset)
        data = self.fh.read(blob.size)
        if len(data) != blob.size:
            raise CorruptPBF("the file ends inside a blob (truncated?)")
        return uncompress(data)


#: Required features of a file this decoder reads as it is (others go through libosmium).
KNOWN_FEATURES = {b"OsmSchema-V0.6", b"DenseNodes"}


def _check_features(header_block: bytes) -> None:
    """Raise :class:`UnsupportedPBF` if the HeaderBlock requires an unknown feature."""
    for field, _w, value in scalar_fields(header_block):
        if field == 4 and isinstance(value, memoryview) and bytes(value) not in KNOWN_FEATURES:
            raise UnsupportedPBF(f"the file requires the feature {bytes(value)!r}")


def uncompress(blob: bytes) -> bytes:
    """The PrimitiveBlock bytes of a Blob message (raw or zlib; others are unsupported)."""
    raw_size = -1
    for field, _w, value in scalar_fields(blob):
        if field == 2:
            raw_size = int(value)
    for field, _w, value in scalar_fields(blob):
        if field == 1 and isinstance(value, memoryview):
            return bytes(value)
        if field == 3 and isinstance(value, memoryview):
            try:
                data = zlib.decompress(value, bufsize=max(raw_size, 1024))
            except zlib.error as exc:
                raise CorruptPBF(f"damaged compressed block: {exc}") from exc
            if raw_size >= 0 and len(data) != raw_size:
                raise CorruptPBF("a block's size does not match its header")
            return data
        if field == 4 and isinstance(value, memoryview):
            import lzma

            try:
                return lzma.decompress(value)
            except lzma.LZMAError as exc:
                raise CorruptPBF(f"damaged compressed block: {exc}") from exc
        if field in {5, 6, 7}:
            raise UnsupportedPBF("block compression other than zlib or lzma")
    raise CorruptPBF("a blob without data")
