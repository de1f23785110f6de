"""Protocol-buffer decoding with numpy for :mod:`geo.osm._pbf`: a byte buffer as one
varint stream (:class:`Varints`), the scalar fields of a message, and the wanted fields of
many messages at once (:func:`message_fields`); the errors the PBF reader raises."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..base.arrays import IntArray


class UnsupportedPBF(Exception):
    """The file uses a PBF feature this decoder does not read (libosmium can)."""


class CorruptPBF(Exception):
    """The bytes are not a well-formed PBF file."""


# ---------------------------------------------------------------------------- varints
def varint(buf: bytes | memoryview, i: int) -> tuple[int, int]:
    """One varint at byte ``i``: ``(value, next byte)`` (for the few scalar headers)."""
    value = shift = 0
    while True:
        if i >= len(buf):
            raise CorruptPBF("varint runs past the end of its message")
        b = buf[i]
        i += 1
        value |= (b & 0x7F) << shift
        if b < 0x80:
            return value, i
        shift += 7


def scalar_fields(buf: bytes | memoryview) -> Iterator[tuple[int, int, int | memoryview]]:
    """``(field, wire type, value)`` of a small message; bytes fields as memoryviews."""
    view = memoryview(buf)
    i = 0
    while i < len(view):
        tag, i = varint(view, i)
        wire = tag & 7
        if wire == 0:
            value, i = varint(view, i)
            yield tag >> 3, 0, value
        elif wire == 2:
            n, i = varint(view, i)
            if i + n > len(view):
                raise CorruptPBF("field runs past the end of its message")
            yield tag >> 3, 2, view[i : i + n]
            i += n
        elif wire == 1:
            i += 8
        elif wire == 5:
            i += 4
        else:
            raise CorruptPBF(f"unknown protocol-buffer wire type {wire}")


@dataclass
class Varints:
    """A byte buffer decoded as a stream of varints."""

    value: npt.NDArray[np.uint64]
    end: IntArray
    """Byte just past each varint."""
    at_byte: IntArray
    """Index of the varint starting at each byte (-1 inside one); ``len(value)`` at the end."""

    @classmethod
    def decode(cls, buf: npt.NDArray[np.uint8], locate: bool = True) -> Varints:
        """Decode every varint of ``buf``; ``locate`` also fills :attr:`at_byte`."""
        n = len(buf)
        last = np.flatnonzero(buf < 0x80)
        if n and (not len(last) or last[-1] != n - 1):
            raise CorruptPBF("buffer ends inside a varint")
        first = np.empty(len(last), dtype=np.int64)
        if len(last):
            first[0] = 0
            first[1:] = last[:-1] + 1
        value = (buf[first] & 0x7F).astype(np.uint64)
        # Most varints are a byte or two: add the further bytes only where there are some.
        longer = np.flatnonzero(last > first)
        place = 1
        while len(longer):
            if place > 9:
                raise CorruptPBF("varint longer than 10 bytes")
            byte = buf[first[longer] + place] & 0x7F
            value[longer] |= byte.astype(np.uint64) << np.uint64(7 * place)
            longer = longer[last[longer] > first[longer] + place]
            place += 1
        end = last.astype(np.int64) + 1
        at_byte = np.zeros(0, dtype=np.int64)
        if locate:
            at_byte = np.full(n + 1, -1, dtype=np.int64)
            at_byte[first] = np.arange(len(first))
            at_byte[n] = len(first)
        return cls(value, end, at_byte)

    def next_field(self, tags: IntArray) -> IntArray:
        """For varints at ``tags`` read as field tags: the index of the field after each.

        -1 where that field would not end on a varint start (which a real tag never
        gives), or is neither a varint nor a length-delimited run.
        """
        m = len(self.value)
        n = len(self.at_byte) - 1
        wire = (self.value[tags] & np.uint64(7)).astype(np.int64)
        length_at = np.minimum(tags + 1, max(m - 1, 0))
        length = np.minimum(self.value[length_at], np.uint64(n)).astype(np.int64)
        stop = self.end[length_at] + length
        target = np.where(stop <= n, self.at_byte[np.minimum(stop, n)], -1)
        target = np.where(tags + 1 < m, target, -1)  # a tag with no length after it
        return np.where(wire == 0, tags + 2, np.where(wire == 2, target, -1))


def zigzag(raw: npt.NDArray[np.uint64]) -> IntArray:
    """Protocol-buffer ``sint64`` from its zigzag varint."""
    return (raw >> np.uint64(1)).astype(np.int64) ^ -(raw & np.uint64(1)).astype(np.int64)


def segment_cumsum(values: IntArray, lengths: IntArray) -> IntArray:
    """Cumulative sums restarting at each segment (undoes PBF's delta coding)."""
    total = np.cumsum(values)
    if not len(values):
        return total
    starts = np.cumsum(lengths) - lengths
    before: IntArray = np.r_[0, total][starts]  # sum of everything before each segment
    return total - np.repeat(before, lengths)


def ranges(starts: IntArray, stops: IntArray) -> IntArray:
    """All indices ``starts[i] <= k < stops[i]``, segment after segment."""
    lengths = stops - starts
    if not len(lengths):
        return np.zeros(0, np.int64)
    offsets: IntArray = np.cumsum(lengths) - lengths
    return np.arange(int(lengths.sum()), dtype=np.int64) + np.repeat(starts - offsets, lengths)


# ---------------------------------------------------------------------------- messages
@dataclass
class Messages:
    """Repeated messages of one kind in a group, their fields located by varint index.

    For a varint field ``f``, ``value[f]`` holds each message's value (0 if absent).
    For a packed field, ``first[f]:stop[f]`` are the indices of its elements in the
    group's :class:`Varints` (empty if absent).
    """

    varints: Varints
    count: int
    value: dict[int, npt.NDArray[np.uint64]]
    first: dict[int, IntArray]
    stop: dict[int, IntArray]

    def packed(self, field: int) -> tuple[npt.NDArray[np.uint64], IntArray]:
        """All elements of a packed field, message after message, and the count in each."""
        first, stop = self.first[field], self.stop[field]
        return self.varints.value[ranges(first, stop)], stop - first

    def packed_where(
        self, field: int, keep: npt.NDArray[np.bool_]
    ) -> tuple[npt.NDArray[np.uint64], IntArray]:
        """Like :meth:`packed`, for the messages where ``keep`` is true only."""
        first, stop = self.first[field][keep], self.stop[field][keep]
        return self.varints.value[ranges(first, stop)], stop - first


def message_fields(
    varints: Varints,
    tops: IntArray,
    scalar: tuple[int, ...],
    packed: tuple[int, ...],
) -> Messages:
    """Locate the wanted fields of every message whose tag is at index ``tops``.

    ``tops`` are consecutive top-level messages of the stream. Fields are walked for all
    messages at once, one field per step, so the Python loop runs as many times as a
    message has fields, not once per message.
    """
    count = len(tops)
    value = {f: np.zeros(count, np.uint64) for f in scalar}
    first = {f: np.zeros(count, np.int64) for f in packed}
    stop = {f: np.zeros(count, np.int64) for f in packed}
    end = np.r_[tops[1:], len(varints.value)].astype(np.int64)  # the next message's tag
    at = tops + 2  # each message's first field: past its tag and length
    live = np.flatnonzero(at < end)
    v = varints.value
    while len(live):
        f = at[live]
        tag = v[f]
        field = (tag >> np.uint64(3)).astype(np.int64)
        wire = (tag & np.uint64(7)).astype(np.int64)
        step = varints.next_field(f)
        if np.any(step <= f):
            raise UnsupportedPBF("a field that is not a varint or a length-delimited varint run")
        for fnum in scalar:
            hit = field == fnum
            if hit.any():
                if np.any(wire[hit] != 0):
                    raise UnsupportedPBF(f"field {fnum} is not a varint")
                value[fnum][live[hit]] = v[f[hit] + 1]
        for fnum in packed:
            hit = field == fnum
            if hit.any():
                if np.any(wire[hit] != 2):
                    raise UnsupportedPBF(f"repeated field {fnum} is not packed")
                first[fnum][live[hit]] = f[hit] + 2
                stop[fnum][live[hit]] = step[hit]
        at[live] = step
        if np.any(step > end[live]):
            raise CorruptPBF("a field runs past the end of its message")
        live = live[step < end[live]]
    return Messages(varints, count, value, first, stop)


def top_level(buf: bytes) -> list[int]:
    """Byte offsets of a group's messages (each a tag byte, a length, the message)."""
    out: list[int] = []
    append = out.append
    i, n = 0, len(buf)
    while i < n:
        append(i)
        if buf[i] & 7 != 2 or buf[i] >= 0x80:
            raise CorruptPBF("a group whose entries are not messages")
        # The length: one or two bytes for nearly every message (inlined: hot loop).
        b1 = buf[i + 1] if i + 1 < n else 0x80
        if b1 < 0x80:
            i += 2 + b1
            continue
        b2 = buf[i + 2] if i + 2 < n else 0x80
        if b2 < 0x80:
            i += 3 + ((b1 & 0x7F) | (b2 << 7))
            continue
        length, i = varint(buf, i + 1)
        i += length
    if i != n:
        raise CorruptPBF("a group's last message runs past its end")
    return out
