"""A small PNG reader (numpy and zlib only), to check rendered maps without Pillow.

Reads what Chromium writes: 8 bits per channel, grey / grey+alpha / RGB / RGBA, not
interlaced. Palette, 16-bit and interlaced images raise :class:`ValueError`.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
import numpy.typing as npt

_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}  # colour type → channels


def png_size(path: str | Path) -> tuple[int, int]:
    """``(width, height)`` of a PNG file, from its header alone."""
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != _SIGNATURE or head[12:16] != b"IHDR":
        raise ValueError(f"{path} is not a PNG file")
    width, height = struct.unpack(">II", head[16:24])
    return width, height


def _unfilter_row(kind: int, line: bytes, prev: bytes, bpp: int) -> bytearray:
    """Undo one scanline's filter (PNG spec §9): Sub, Up, Average or Paeth."""
    n = len(line)
    cur = bytearray(line)
    if kind == 0:
        return cur
    if kind == 1:
        for i in range(bpp, n):
            cur[i] = (cur[i] + cur[i - bpp]) & 0xFF
    elif kind == 2:
        for i in range(n):
            cur[i] = (cur[i] + prev[i]) & 0xFF
    elif kind == 3:
        for i in range(n):
            left = cur[i - bpp] if i >= bpp else 0
            cur[i] = (cur[i] + ((left + prev[i]) >> 1)) & 0xFF
    elif kind == 4:
        for i in range(n):
            if i >= bpp:
                a, c = cur[i - bpp], prev[i - bpp]
            else:
                a = c = 0
            b = prev[i]
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            cur[i] = (cur[i] + pred) & 0xFF
    else:
        raise ValueError(f"unknown PNG filter type {kind}")
    return cur


def read_png(path: str | Path) -> npt.NDArray[np.uint8]:
    """Pixels of a PNG file as an array of shape ``(height, width, channels)``.

    Raises
    ------
    ValueError
        If the file is not a PNG this reader handles (see the module's docstring).
    """
    data = Path(path).read_bytes()
    if data[:8] != _SIGNATURE:
        raise ValueError(f"{path} is not a PNG file")
    pos, idat = 8, []
    width = height = depth = colour = interlace = -1
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    if depth != 8 or interlace != 0 or colour not in _CHANNELS:
        raise ValueError(
            f"{path}: unsupported PNG (bit depth {depth}, colour type {colour}, "
            f"interlace {interlace})"
        )
    bpp = _CHANNELS[colour]
    stride = width * bpp
    raw = zlib.decompress(b"".join(idat))
    if len(raw) != height * (stride + 1):
        raise ValueError(
            f"{path}: image data has {len(raw)} bytes, expected {height * (stride + 1)}"
        )
    out = bytearray()
    prev = bytes(stride)
    for y in range(height):
        start = y * (stride + 1)
        row = _unfilter_row(raw[start], raw[start + 1 : start + 1 + stride], prev, bpp)
        out += row
        prev = bytes(row)
    return np.frombuffer(bytes(out), dtype=np.uint8).reshape(height, width, bpp)


def distinct_colours(pixels: npt.NDArray[np.uint8]) -> int:
    """Number of distinct colours (alpha ignored) in an image array from :func:`read_png`."""
    rgb = pixels[..., :3] if pixels.shape[-1] >= 3 else pixels[..., :1]
    flat = rgb.reshape(-1, rgb.shape[-1]).astype(np.uint32)
    keys = flat[:, 0] << 16
    if flat.shape[1] == 3:
        keys |= (flat[:, 1] << 8) | flat[:, 2]
    return int(np.unique(keys).size)
