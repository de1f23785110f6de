"""Read rendered PNGs into numpy arrays, to check maps' pixels.

Reads what Chromium writes: 8 bits per channel, grey / grey+alpha / RGB / RGBA, not
interlaced. Palette, 16-bit and interlaced images raise :class:`ValueError`. The header
is checked here; Pillow (a test dependency) decodes the pixels, in C: undoing the PNG
row filters in Python took 1-2 s per picture, 40 s of the map tests.
"""

from __future__ import annotations

import io
import struct
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image

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
    with Image.open(io.BytesIO(data)) as image:
        pixels = np.asarray(image, dtype=np.uint8)
    if pixels.ndim == 2:  # grey: one channel, as for the other colour types
        pixels = pixels[..., np.newaxis]
    if pixels.shape != (height, width, _CHANNELS[colour]):
        raise ValueError(f"{path}: decoded {pixels.shape}, header says {(height, width)}")
    return pixels


def distinct_colours(pixels: npt.NDArray[np.uint8]) -> int:
    """Number of distinct colours (alpha ignored) in an image array from :func:`read_png`."""
    rgb = pixels[..., :3] if pixels.shape[-1] >= 3 else pixels[..., :1]
    flat = rgb.reshape(-1, rgb.shape[-1]).astype(np.uint32)
    keys = flat[:, 0] << 16
    if flat.shape[1] == 3:
        keys |= (flat[:, 1] << 8) | flat[:, 2]
    return int(np.unique(keys).size)
