"""The binary frame format round-trips every allowed dtype, aligned, and refuses the rest."""

import struct

import numpy as np
import pytest

from deepbook.sims.frames import Frame, decode, encode


def test_round_trip_keeps_values_shapes_and_meta():
    rng = np.random.default_rng(0)
    arrays = {
        "a": rng.standard_normal((3, 5)).astype(np.float32),
        "b": rng.integers(0, 255, (7,), dtype=np.uint8),
        "c": rng.standard_normal((2, 2, 2)).astype(np.float16),
        "d": np.arange(-3, 4, dtype=np.int32),
        "e": np.zeros((0, 3), np.float32),
    }
    buf = encode(Frame(meta={"x": 1, "s": "ü"}, arrays=arrays))
    out = decode(buf)
    assert out.meta == {"x": 1, "s": "ü"}
    for k, a in arrays.items():
        assert out.arrays[k].dtype == a.dtype and out.arrays[k].shape == a.shape
        np.testing.assert_array_equal(out.arrays[k], a)


def test_arrays_are_eight_byte_aligned():
    buf = encode(Frame(arrays={"a": np.ones(3, np.uint8), "b": np.ones(3, np.float32)}))
    (n,) = struct.unpack_from("<I", buf, 4)
    assert (8 + n) % 8 == 0
    assert decode(buf).arrays["b"].tolist() == [1.0, 1.0, 1.0]


def test_float64_is_refused_and_bad_magic_detected():
    with pytest.raises(TypeError, match="float64"):
        encode(Frame(arrays={"a": np.ones(2)}))
    with pytest.raises(ValueError, match="magic"):
        decode(b"XXXX" + b"\0" * 8)
