"""The network playground's datasets: seeded 2-D points for classification or regression.

Chapter 8. Two classes: circle, XOR, Gaussian clusters and two spirals (the chapter's
x = 5t·(sin θ, cos θ), θ = 2πTt + kπ, with T turns per arm); three classes: spiral and blobs;
regression: a plane and a sum of signed Gaussian bumps; or the reader's own points (`Points`).
Points lie in EXTENT² = [-6, 6]² (shapes within radius 5); `noise` moves each point by a Gaussian
of standard deviation NOISE_SCALE·noise after its label or target is set, then clips it to the
extent. Classes are balanced; the points are shuffled once and the first `train_pct` % are the
training set. Everything comes from one generator, so a seed gives the same data every time:

    data = load("spiral", 500, 0.0, seed=0, turns=1.25, train_pct=50)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from deepbook.sims.inputs import PointSet

EXTENT = (-6.0, 6.0)
RADIUS = 5.0  # generated shapes lie within this radius (plane and XOR: within this square)
NOISE_SCALE = 2.0  # noise 0.5 moves points by a Gaussian of standard deviation 1
KINDS = {  # dataset → (label, classes; 0 for regression)
    "circle": ("Circle", 2),
    "xor": ("XOR", 2),
    "gauss": ("Gaussian clusters", 2),
    "spiral": ("Two spirals", 2),
    "spiral3": ("Three spirals (3 classes)", 3),
    "blobs3": ("Three blobs (3 classes)", 3),
    "plane": ("Plane (regression)", 0),
    "multigauss": ("Multi-Gaussian (regression)", 0),
    "custom": ("Your points", 0),  # 2 or 3 classes: as many as the points use
}
CIRCLE = (2.5, 3.5)  # class 1 inside the first radius, class 0 between the second and RADIUS
XOR_GAP = 0.3  # XOR points keep this far from the axes
GAUSS_CENTRE, GAUSS_SD = 2.0, 1.0  # clusters at ±(2, 2); three blobs at radius 3
BLOB_RADIUS = 3.0
BUMPS = ((-3, 2.5, 1), (0, 2.5, -1), (3, 2.5, 1), (-3, -2.5, -1), (0, -2.5, 1), (3, -2.5, -1))
BUMP_SD = 1.0


@dataclass(frozen=True, eq=False)
class Data:
    """Points (n, 2), the training ones first; labels (classification) or targets (regression)."""

    xy: np.ndarray  # float64 (n, 2)
    y: np.ndarray  # int64 class labels, or float64 targets in [-1, 1]
    n_train: int
    classes: int  # 2 or 3; 0 for regression

    @property
    def n_test(self) -> int:
        return len(self.xy) - self.n_train


def counts(n: int, k: int) -> list[int]:
    """n points shared as evenly as possible among k classes."""
    return [n // k + (1 if c < n % k else 0) for c in range(k)]


def _polar(r: np.ndarray, angle: np.ndarray) -> np.ndarray:
    out: np.ndarray = r[:, None] * np.stack([np.sin(angle), np.cos(angle)], axis=1)
    return out


def _circle(n: int, rng: np.random.Generator) -> list[np.ndarray]:
    n0, n1 = counts(n, 2)
    outer = _polar(rng.uniform(CIRCLE[1], RADIUS, n0), rng.uniform(0, 2 * math.pi, n0))
    inner = _polar(CIRCLE[0] * np.sqrt(rng.uniform(0, 1, n1)), rng.uniform(0, 2 * math.pi, n1))
    return [outer, inner]


def _xor(n: int, rng: np.random.Generator) -> list[np.ndarray]:
    out = []
    for c, m in enumerate(counts(n, 2)):  # class 1 where the signs of x and y differ
        sx = rng.choice([-1.0, 1.0], m)
        sy = sx if c == 0 else -sx
        out.append(rng.uniform(XOR_GAP, RADIUS, (m, 2)) * np.stack([sx, sy], axis=1))
    return out


def _gauss(n: int, rng: np.random.Generator) -> list[np.ndarray]:
    centres = (-GAUSS_CENTRE, GAUSS_CENTRE)
    return [
        GAUSS_SD * rng.standard_normal((m, 2)) + c
        for m, c in zip(counts(n, 2), centres, strict=True)
    ]


def _blobs3(n: int, rng: np.random.Generator) -> list[np.ndarray]:
    out = []
    for c, m in enumerate(counts(n, 3)):
        angle = 2 * math.pi * c / 3
        centre = BLOB_RADIUS * np.array([math.sin(angle), math.cos(angle)])
        out.append(GAUSS_SD * rng.standard_normal((m, 2)) + centre)
    return out


def _spiral(n: int, rng: np.random.Generator, k: int, turns: float) -> list[np.ndarray]:
    """The chapter's arms: radius 5t, angle 2πTt + 2πc/k, t uniform in [0, 1]."""
    out = []
    for c, m in enumerate(counts(n, k)):
        t = rng.uniform(0, 1, m)
        out.append(_polar(RADIUS * t, 2 * math.pi * turns * t + 2 * math.pi * c / k))
    return out


def plane(xy: np.ndarray) -> np.ndarray:
    """The plane's target: (x + y) / 10, in [-1, 1] on the square of side 2·RADIUS."""
    out: np.ndarray = (xy[:, 0] + xy[:, 1]) / (2 * RADIUS)
    return out


def multigauss(xy: np.ndarray) -> np.ndarray:
    """Signed Gaussian bumps summed, clipped to [-1, 1]."""
    out = np.zeros(len(xy))
    for cx, cy, sign in BUMPS:
        d2 = (xy[:, 0] - cx) ** 2 + (xy[:, 1] - cy) ** 2
        out += sign * np.exp(-d2 / (2 * BUMP_SD**2))
    return np.clip(out, -1.0, 1.0)


def make(
    kind: str, n: int, noise: float, rng: np.random.Generator, turns: float = 1.25
) -> tuple[np.ndarray, np.ndarray]:
    """n generated points (n, 2) and their labels (int64) or targets (float64), unshuffled."""
    if kind not in KINDS or kind == "custom":
        raise ValueError(f"unknown dataset {kind!r}")
    if kind in ("plane", "multigauss"):
        xy = rng.uniform(-RADIUS, RADIUS, (n, 2))
        y: np.ndarray = plane(xy) if kind == "plane" else multigauss(xy)
    else:
        shapes = {"circle": _circle, "xor": _xor, "gauss": _gauss, "blobs3": _blobs3}
        if kind.startswith("spiral"):
            parts = _spiral(n, rng, KINDS[kind][1], turns)
        else:
            parts = shapes[kind](n, rng)
        xy = np.concatenate(parts).reshape(-1, 2)
        y = np.repeat(np.arange(len(parts), dtype=np.int64), [len(p) for p in parts])
    xy = np.clip(xy + NOISE_SCALE * noise * rng.standard_normal(xy.shape), *EXTENT)
    return xy, y


def classes_of(points: PointSet) -> int:
    """How many classes the reader's points ask for: 3 if any is of class 2, else 2."""
    return 3 if len(points) and int(points.labels.max()) >= 2 else 2


def n_train(n: int, train_pct: int) -> int:
    """Training points out of n: train_pct %, rounded, at least 1 and (for n ≥ 2) leaving 1."""
    return max(1, min(n - 1, round(n * train_pct / 100))) if n >= 2 else n


def load(
    kind: str,
    n: int,
    noise: float,
    seed: int,
    turns: float,
    train_pct: int,
    points: PointSet | None = None,
) -> Data:
    """The dataset, shuffled and split: the same arguments always give the same Data."""
    rng = np.random.default_rng([seed, 0])
    if kind == "custom":
        pts = points if points is not None else PointSet()
        xy, y = np.array(pts.xy, dtype=np.float64), np.array(pts.labels, dtype=np.int64)
        classes = classes_of(pts)
    else:
        xy, y = make(kind, n, noise, rng, turns)
        classes = KINDS[kind][1]
    order = rng.permutation(len(xy))
    return Data(xy[order], y[order], n_train(len(xy), train_pct), classes)


def grid(g: int) -> np.ndarray:
    """(g², 2) cell centres of a g × g grid over EXTENT², row-major from the lowest y."""
    lo, hi = EXTENT
    c = lo + (np.arange(g) + 0.5) * (hi - lo) / g
    gx, gy = np.meshgrid(c, c)
    return np.stack([gx.ravel(), gy.ravel()], axis=1)
