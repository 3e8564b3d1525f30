"""Seeded two-class 2-D toy datasets: two clouds, moons, circles, XOR and two spirals.

Pure NumPy, shared by the classical-ML sims and the network playground. Every point lies inside the
square EXTENT² (noise that pushes a point out is clipped), classes are balanced (n // 2 of class 0).
    xy, labels = make("moons", 200, 0.1, np.random.default_rng(0))

Each shape is drawn in its own units (about [-1, 1], as scikit-learn's make_moons and make_circles
do), jittered there by Gaussian noise of standard deviation `noise`, then scaled to fill the view;
`noise` 0 gives clean data. `blobs` ignores `noise`: the chapter's two unit-variance clouds overlap
by design, and their spread is part of what the chapter measures.
"""

from __future__ import annotations

import math

import numpy as np

EXTENT = (-4.0, 4.0)
KINDS = {  # kind → label a control shows
    "blobs": "Two clouds",
    "moons": "Moons",
    "circles": "Circles",
    "xor": "XOR",
    "spiral": "Spiral",
}
BLOB_CENTRES = np.array([[0.0, 0.0], [1.5, 1.0]])  # the chapter's clouds, before centring
SCALE = {"moons": 2.0, "circles": 3.0, "xor": 3.5, "spiral": 3.6}  # shape units → view units
XOR_GAP = 0.2  # clean XOR points keep this far from the axes (shape units)


def _sizes(n: int) -> tuple[int, int]:
    """How many points of class 0 and of class 1."""
    return n // 2, n - n // 2


def _blobs(n: int, rng: np.random.Generator) -> list[np.ndarray]:
    mid = BLOB_CENTRES.mean(axis=0)
    return [
        rng.standard_normal((m, 2)) + c - mid for m, c in zip(_sizes(n), BLOB_CENTRES, strict=True)
    ]


def _moons(n: int, rng: np.random.Generator) -> list[np.ndarray]:
    n0, n1 = _sizes(n)
    t0, t1 = rng.uniform(0, math.pi, n0), rng.uniform(0, math.pi, n1)
    outer = np.stack([np.cos(t0), np.sin(t0)], axis=1)
    inner = np.stack([1 - np.cos(t1), 0.5 - np.sin(t1)], axis=1)
    return [outer - (0.5, 0.25), inner - (0.5, 0.25)]  # centred on the view


def _circles(n: int, rng: np.random.Generator) -> list[np.ndarray]:
    out = []
    for m, radius in zip(_sizes(n), (1.0, 0.5), strict=True):  # class 0 outside, as sklearn
        t = rng.uniform(0, 2 * math.pi, m)
        out.append(radius * np.stack([np.cos(t), np.sin(t)], axis=1))
    return out


def _xor(n: int, rng: np.random.Generator) -> list[np.ndarray]:
    out = []
    for c, m in enumerate(_sizes(n)):  # class 1 where the signs of x and y differ
        sx = rng.choice([-1.0, 1.0], m)
        sy = sx if c == 0 else -sx
        mag = rng.uniform(XOR_GAP, 1.0, (m, 2))
        out.append(mag * np.stack([sx, sy], axis=1))
    return out


def _spiral(n: int, rng: np.random.Generator, turns: float) -> list[np.ndarray]:
    out = []
    for c, m in enumerate(_sizes(n)):  # the two arms are half a turn apart
        t = rng.uniform(0, 1, m)
        r, angle = 0.1 + 0.9 * t, 2 * math.pi * turns * t + math.pi * c
        out.append(r[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1))
    return out


def make(
    kind: str, n: int, noise: float, rng: np.random.Generator, *, turns: float = 1.25
) -> tuple[np.ndarray, np.ndarray]:
    """n points (n, 2) float64 and their labels (n,) int64, shuffled, inside EXTENT²."""
    if kind not in KINDS:
        raise ValueError(f"unknown dataset {kind!r}; expected one of {', '.join(KINDS)}")
    if n < 0 or not noise >= 0:
        raise ValueError(f"need n >= 0 and noise >= 0, got n={n}, noise={noise}")
    if kind == "blobs":
        parts = _blobs(n, rng)
    else:
        shapes = {"moons": _moons, "circles": _circles, "xor": _xor}
        parts = _spiral(n, rng, turns) if kind == "spiral" else shapes[kind](n, rng)
        parts = [SCALE[kind] * (p + noise * rng.standard_normal(p.shape)) for p in parts]
    xy = np.clip(np.concatenate(parts).reshape(-1, 2), *EXTENT)
    labels = np.repeat(np.arange(2, dtype=np.int64), [len(p) for p in parts])
    order = rng.permutation(n)
    return xy[order], labels[order]
