"""Greyscale images as PNG bytes and data URIs (figures and the model pages; no imaging library)."""

from __future__ import annotations

import base64
import struct
import zlib

import numpy as np


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def png(gray: np.ndarray) -> bytes:
    """An 8-bit greyscale PNG of a (height, width) uint8 array."""
    h, w = gray.shape
    rows = np.zeros((h, w + 1), dtype=np.uint8)  # each row starts with filter type 0
    rows[:, 1:] = gray
    header = struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(rows.tobytes(), 9))
        + _chunk(b"IEND", b"")
    )


def data_uri(gray: np.ndarray, invert: bool = False) -> str:
    """A `data:image/png;base64,…` URI of a uint8 image (inverted: dark ink on white)."""
    pixels = 255 - gray if invert else gray
    return "data:image/png;base64," + base64.b64encode(png(pixels)).decode("ascii")
