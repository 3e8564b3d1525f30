"""Parameter kinds for input the reader draws or clicks: layer widths, labelled points, a drawing.

Each is declared, validated, carried in the URL and described in the API schema like any other
parameter; only the view that edits it is special. Compact URL forms:
- `IntList`: "8,8,4".
- `Points`: 4 base64url characters a point (3 bytes: class in 2 bits, x and y in 11 bits each,
  on a 2,048-step grid over the declared extent). Every point is snapped to that grid when it is
  validated, whatever form it came in, so a link reproduces the data exactly.
- `Pixels`: "" for a blank image, else "z" + base64url(zlib(bytes)), row-major uint8.
"""

from __future__ import annotations

import base64
import binascii
import zlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from deepbook.sims.params import Param, ParamError, number

GRID = 2047  # points sit on (GRID + 1)² positions over the extent
CLASS_BITS, COORD_BITS = 2, 11


@dataclass(frozen=True, kw_only=True)
class IntList(Param[tuple[int, ...]]):
    """A short list of whole numbers (e.g. hidden-layer widths), each in [min, max]."""

    min_len: int = 0
    max_len: int = 8
    min: int = 1
    max: int = 32

    def coerce(self, raw: object) -> tuple[int, ...]:
        if isinstance(raw, str):
            items: list[object] = [s for s in raw.split(",") if s.strip()]
        elif isinstance(raw, list | tuple):
            items = list(raw)
        else:
            raise ParamError(
                self.name, f"expected a list of whole numbers, got {type(raw).__name__}"
            )
        if not self.min_len <= len(items) <= self.max_len:
            raise ParamError(
                self.name, f"must have {self.min_len} to {self.max_len} entries, got {len(items)}"
            )
        out = []
        for item in items:
            x = number(self.name, item)
            if x != int(x) or not self.min <= x <= self.max:
                raise ParamError(
                    self.name, f"each entry must be a whole number from {self.min} to {self.max}"
                )
            out.append(int(x))
        return tuple(out)

    def kind(self) -> dict[str, Any]:
        return {
            "type": "intlist",
            "min_len": self.min_len,
            "max_len": self.max_len,
            "min": self.min,
            "max": self.max,
            "default": list(self.default),
        }

    def to_url(self, value: tuple[int, ...]) -> str:
        return ",".join(str(v) for v in value)

    def to_json(self, value: tuple[int, ...]) -> object:
        return list(value)


def _frozen(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


@dataclass(frozen=True, eq=False)
class PointSet:
    """2-D points with class labels: xy (n, 2) float64 and labels (n,) int64, read-only."""

    xy: np.ndarray = field(default_factory=lambda: _frozen(np.zeros((0, 2))))
    labels: np.ndarray = field(default_factory=lambda: _frozen(np.zeros(0, dtype=np.int64)))

    def __len__(self) -> int:
        return len(self.labels)

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, PointSet)
            and self.xy.shape == other.xy.shape
            and bool(np.array_equal(self.xy, other.xy))
            and bool(np.array_equal(self.labels, other.labels))
        )

    def __hash__(self) -> int:
        return hash((self.xy.tobytes(), self.labels.tobytes()))


def _b64decode(name: str, text: str) -> bytes:
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError):
        raise ParamError(name, "is not valid base64url") from None


@dataclass(frozen=True, kw_only=True)
class Points(Param[PointSet]):
    """Labelled 2-D points the reader places, inside a square extent, at most `max_count`."""

    default: PointSet = field(default_factory=PointSet)
    extent: tuple[float, float] = (-1.0, 1.0)
    max_count: int = 500
    classes: int = 2

    def _grid(self, xy: np.ndarray) -> np.ndarray:
        lo, hi = self.extent
        return np.rint((xy - lo) / (hi - lo) * GRID).astype(np.int64)

    def _snap(self, q: np.ndarray) -> np.ndarray:
        lo, hi = self.extent
        return lo + q.astype(np.float64) * ((hi - lo) / GRID)

    def coerce(self, raw: object) -> PointSet:
        if isinstance(raw, PointSet):
            xy, labels = raw.xy, raw.labels
        elif isinstance(raw, str):
            xy, labels = self._decode(raw)
        elif isinstance(raw, list | tuple):
            xy, labels = self._triples(raw)
        else:
            raise ParamError(
                self.name, f"expected a list of [x, y, class] or a code, got {type(raw).__name__}"
            )
        if len(labels) > self.max_count:
            raise ParamError(self.name, f"at most {self.max_count} points, got {len(labels)}")
        lo, hi = self.extent
        if len(labels) and (xy.min() < lo or xy.max() > hi):
            raise ParamError(
                self.name, f"every point must lie within [{lo:g}, {hi:g}] on both axes"
            )
        if len(labels) and (labels.min() < 0 or labels.max() >= self.classes):
            raise ParamError(self.name, f"classes must be from 0 to {self.classes - 1}")
        return PointSet(_frozen(self._snap(self._grid(xy))), _frozen(labels.astype(np.int64)))

    def _triples(self, raw: list[object] | tuple[object, ...]) -> tuple[np.ndarray, np.ndarray]:
        if len(raw) > self.max_count:
            raise ParamError(self.name, f"at most {self.max_count} points, got {len(raw)}")
        xy, labels = np.zeros((len(raw), 2)), np.zeros(len(raw), dtype=np.int64)
        for i, item in enumerate(raw):
            if not isinstance(item, list | tuple) or len(item) != 3:
                raise ParamError(self.name, f"point {i} must be [x, y, class]")
            xy[i] = number(self.name, item[0]), number(self.name, item[1])
            c = number(self.name, item[2])
            if c != int(c):
                raise ParamError(self.name, f"point {i}: class must be a whole number")
            labels[i] = int(c)
        return xy, labels

    def _decode(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        if len(text) > 4 * self.max_count:
            raise ParamError(
                self.name, f"at most {self.max_count} points ({4 * self.max_count} characters)"
            )
        if len(text) % 4:
            raise ParamError(self.name, "a point code has 4 characters a point")
        data = np.frombuffer(_b64decode(self.name, text), dtype=np.uint8).reshape(-1, 3)
        word = (data[:, 0].astype(np.int64) << 16) | (data[:, 1].astype(np.int64) << 8) | data[:, 2]
        mask = (1 << COORD_BITS) - 1
        q = np.stack([(word >> COORD_BITS) & mask, word & mask], axis=1)
        return self._snap(q), word >> (2 * COORD_BITS)

    def encode(self, value: PointSet) -> str:
        """The compact URL form."""
        q = self._grid(value.xy)
        word = (value.labels << (2 * COORD_BITS)) | (q[:, 0] << COORD_BITS) | q[:, 1]
        data = np.stack([(word >> 16) & 255, (word >> 8) & 255, word & 255], axis=1)
        return base64.urlsafe_b64encode(data.astype(np.uint8).tobytes()).decode()

    def kind(self) -> dict[str, Any]:
        return {
            "type": "points",
            "extent": list(self.extent),
            "max_count": self.max_count,
            "classes": self.classes,
            "grid": GRID,
            "default": self.encode(self.default),
        }

    def to_url(self, value: PointSet) -> str:
        return self.encode(value)

    def to_json(self, value: PointSet) -> object:
        return self.encode(value)


@dataclass(frozen=True, eq=False)
class Image:
    """A small greyscale image: `data` holds height × width bytes, row-major."""

    width: int
    height: int
    data: bytes

    @property
    def array(self) -> np.ndarray:
        """(height, width) uint8, read-only."""
        return np.frombuffer(self.data, dtype=np.uint8).reshape(self.height, self.width)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Image) and (self.width, self.height, self.data) == (
            other.width,
            other.height,
            other.data,
        )

    def __hash__(self) -> int:
        return hash((self.width, self.height, self.data))

    @classmethod
    def blank(cls, width: int, height: int) -> Image:
        return cls(width, height, bytes(width * height))


@dataclass(frozen=True, kw_only=True)
class Pixels(Param[Image]):
    """A drawing of `width` × `height` greyscale pixels (0 = background, 255 = ink)."""

    width: int = 28
    height: int = 28
    default: Image = field(default_factory=lambda: Image.blank(28, 28))

    def __post_init__(self) -> None:
        if (self.default.width, self.default.height) != (self.width, self.height):
            object.__setattr__(self, "default", Image.blank(self.width, self.height))

    def coerce(self, raw: object) -> Image:
        n = self.width * self.height
        size = f"{self.height}×{self.width}"
        if isinstance(raw, Image):
            data = raw.data if (raw.width, raw.height) == (self.width, self.height) else b""
        elif isinstance(raw, str):
            data = self._decode(raw, n)
        elif isinstance(raw, list | tuple):
            if len(raw) != self.height or not all(
                isinstance(r, list) and len(r) == self.width for r in raw
            ):
                raise ParamError(self.name, f"must be {size} rows of pixel values")
            flat = [v for row in raw for v in row]
            if not all(
                isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 255 for v in flat
            ):
                raise ParamError(self.name, "pixel values must be whole numbers from 0 to 255")
            data = bytes(flat)
        else:
            raise ParamError(self.name, f"expected a {size} image, got {type(raw).__name__}")
        if len(data) != n:
            raise ParamError(self.name, f"must be a {size} image ({n} pixels)")
        return Image(self.width, self.height, data)

    def _decode(self, text: str, n: int) -> bytes:
        if text == "":
            return bytes(n)
        if not text.startswith("z"):
            raise ParamError(self.name, "an image code starts with 'z' (zlib, base64url)")
        if len(text) > 4 * n + 64:
            raise ParamError(
                self.name, f"the code is too long for a {self.height}×{self.width} image"
            )
        inflate = zlib.decompressobj()
        try:
            data = inflate.decompress(_b64decode(self.name, text[1:]), n + 1)  # no zip bombs
        except zlib.error:
            raise ParamError(self.name, "the image code does not decompress") from None
        return data

    def encode(self, value: Image) -> str:
        if not any(value.data):
            return ""
        return "z" + base64.urlsafe_b64encode(zlib.compress(value.data, 9)).decode().rstrip("=")

    def kind(self) -> dict[str, Any]:
        return {"type": "pixels", "width": self.width, "height": self.height, "default": ""}

    def to_url(self, value: Image) -> str:
        return self.encode(value)

    def to_json(self, value: Image) -> object:
        return self.encode(value)
