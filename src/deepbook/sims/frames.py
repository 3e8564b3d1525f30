"""Frames: what a simulation hands to a view — small JSON metadata plus typed arrays.

Wire format (little-endian), decoded by `static/js/lib/frame.js`:
    b"DBF1" | uint32 header length | header JSON, space-padded to 8 bytes | arrays, each 8-aligned
The header is {"meta": {...}, "arrays": {name: {"dtype", "shape", "offset"}}}, offsets counted
from the start of the array section. Arrays are never sent as JSON lists of floats.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field
from typing import Any

import numpy as np

MAGIC = b"DBF1"
DTYPES = ("uint8", "int32", "float16", "float32")


@dataclass
class Frame:
    """One picture's worth of simulation output."""

    meta: dict[str, Any] = field(default_factory=dict)
    arrays: dict[str, np.ndarray] = field(default_factory=dict)


def _pad(n: int) -> int:
    return (-n) % 8


def encode(frame: Frame) -> bytes:
    """Serialise a frame to the binary wire format."""
    table: dict[str, dict[str, Any]] = {}
    blobs: list[bytes] = []
    offset = 0
    for name, arr in frame.arrays.items():
        a = np.ascontiguousarray(arr)
        if a.dtype.name not in DTYPES:
            raise TypeError(
                f"array {name!r} has dtype {a.dtype.name}; allowed: {', '.join(DTYPES)}"
            )
        data = a.astype(a.dtype.newbyteorder("<"), copy=False).tobytes()
        table[name] = {"dtype": a.dtype.name, "shape": list(a.shape), "offset": offset}
        blobs.append(data + b"\0" * _pad(len(data)))
        offset += len(data) + _pad(len(data))
    # allow_nan=False: a NaN in meta fails here, not in the browser's JSON.parse
    meta = {"meta": frame.meta, "arrays": table}
    header = json.dumps(meta, separators=(",", ":"), allow_nan=False).encode()
    header += b" " * _pad(8 + len(header))
    return MAGIC + struct.pack("<I", len(header)) + header + b"".join(blobs)


def decode(buf: bytes) -> Frame:
    """Parse the binary wire format back into a frame (for tests and notebooks)."""
    if buf[:4] != MAGIC:
        raise ValueError("not a deepbook frame (bad magic)")
    (n,) = struct.unpack_from("<I", buf, 4)
    head = json.loads(buf[8 : 8 + n])
    base = 8 + n
    arrays = {}
    for name, d in head["arrays"].items():
        dtype = np.dtype(d["dtype"]).newbyteorder("<")
        count = int(np.prod(d["shape"])) if d["shape"] else 1
        a = np.frombuffer(buf, dtype=dtype, count=count, offset=base + d["offset"])
        arrays[name] = a.reshape(d["shape"])
    return Frame(meta=head["meta"], arrays=arrays)
