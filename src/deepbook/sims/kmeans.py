"""k-means by hand: seeded 2-D toy data, k-means++ or random starts, and Lloyd's iterations.

Lloyd (1982) alternates "assign each point to its nearest centre" and "move each centre to the
mean of its points"; k-means++ is Arthur & Vassilvitskii (2007). Used by `sims/unsupervised.py`:
    run = lloyd(points, initial_centres(points, 3, "kmeanspp", np.random.default_rng(0)))

State i (0 ≤ i ≤ T) is the centres after i update steps with every point assigned to the nearest
of them (ties go to the lower index); state 0 holds the initial centres. An update step moves each
centre to the mean of its points. A centre left with no points stays where it was: it adds
nothing to the objective, and every other centre's move can only lower its own sum, so the
objective Σ‖x − c(x)‖² still never rises (up to rounding). Initial centres are data points, so a
centre can only be empty when it sits exactly on another one (duplicate points, e.g. spread 0
with k above the number of distinct points). The run stops at the first state whose assignment
equals the previous one (converged: the next centres would be the same) or after `max_iter`
update steps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Floats = NDArray[np.float64]
Ints = NDArray[np.intp]

DATASETS = (("blobs", "Gaussian blobs"), ("moons", "Two moons"), ("circles", "Two rings"))
INITS = (("kmeanspp", "k-means++"), ("random", "Random points"))  # no "+": URL-safe
CANDIDATES = 10  # best-candidate sampling of blob centres: spread out, not evenly spaced


def _frozen(a: NDArray[np.generic]) -> None:
    a.flags.writeable = False


def make_points(
    dataset: str, clusters: int, spread: float, n: int, seed: int
) -> tuple[Floats, Ints]:
    """n seeded 2-D points and the group each was drawn from (blob, moon or ring)."""
    rng = np.random.default_rng(seed)
    groups = 2 if dataset in ("moons", "circles") else clusters
    truth = np.arange(n) % groups  # as even a split as n allows
    if dataset == "blobs":  # centres in [-1, 1]², each the farthest of a few random candidates
        centres = rng.uniform(-1, 1, (1, 2))
        for _ in range(1, clusters):
            cand = rng.uniform(-1, 1, (CANDIDATES, 2))
            gap = np.linalg.norm(cand[:, None] - centres[None], axis=2).min(axis=1)
            centres = np.vstack([centres, cand[np.argmax(gap)]])
        base = centres[truth]
    elif dataset == "moons":  # two interleaved half circles of radius 1, centred on 0
        t = rng.uniform(0, np.pi, n)
        outer = np.stack([np.cos(t), np.sin(t)], axis=1)
        inner = np.stack([1 - np.cos(t), 0.5 - np.sin(t)], axis=1)
        base = np.where((truth == 0)[:, None], outer, inner) - [0.5, 0.25]
    elif dataset == "circles":  # rings of radius 1 and 0.5 around the origin
        t = rng.uniform(0, 2 * np.pi, n)
        radius = np.where(truth == 0, 1.0, 0.5)[:, None]
        base = radius * np.stack([np.cos(t), np.sin(t)], axis=1)
    else:
        raise ValueError(f"unknown dataset {dataset!r}")
    return base + spread * rng.standard_normal((n, 2)), truth


def sq_distances(points: Floats, centres: Floats) -> Floats:
    """Squared Euclidean distance of every point (rows) to every centre (columns)."""
    dx: Floats = points[:, 0, None] - centres[None, :, 0]  # one coordinate at a time: no
    dy: Floats = points[:, 1, None] - centres[None, :, 1]  # (n, k, 2) temporary, same sums
    return dx * dx + dy * dy


def nearest(points: Floats, centres: Floats) -> Ints:
    """Index of each point's nearest centre (the lower index on a tie)."""
    index: Ints = np.argmin(sq_distances(points, centres), axis=1)
    return index


def initial_centres(points: Floats, k: int, init: str, rng: np.random.Generator) -> Floats:
    """k starting centres, all data points: k-means++ (spread by D² sampling) or random."""
    n = len(points)
    if init == "random":  # k different points, uniformly
        return points[rng.choice(n, size=k, replace=False)].copy()
    if init != "kmeanspp":
        raise ValueError(f"unknown init {init!r}")
    chosen = [int(rng.integers(n))]
    d2 = sq_distances(points, points[chosen])[:, 0]
    for _ in range(1, k):
        cum = np.cumsum(d2)
        if cum[-1] > 0:  # probability ∝ squared distance to the nearest chosen centre
            j = int(np.searchsorted(cum, rng.random() * cum[-1], side="right"))
            chosen.append(min(j, n - 1))
        else:  # every point sits on a chosen centre: any point will do
            chosen.append(int(rng.integers(n)))
        d2 = np.minimum(d2, sq_distances(points, points[chosen[-1:]])[:, 0])
    return points[chosen].copy()


@dataclass(frozen=True, eq=False)
class Lloyd:
    """A whole run: states 0..T (T = `iterations`), read-only arrays."""

    trails: Floats  # (T + 1, k, 2) centres of each state
    assign: NDArray[np.uint8]  # (T + 1, n) each point's centre in each state
    objectives: Floats  # (T + 1,) Σ squared distance of the points to their centres
    converged: bool  # the last update changed no assignment

    @property
    def iterations(self) -> int:
        return len(self.objectives) - 1


def settle(points: Floats, centres: Floats) -> tuple[Ints, float]:
    """Each point's nearest centre, and the objective: total squared distance to it."""
    d2 = sq_distances(points, centres)
    labels: Ints = np.argmin(d2, axis=1)
    return labels, float(np.take_along_axis(d2, labels[:, None], axis=1).sum())


def lloyd(points: Floats, init: Floats, max_iter: int = 100) -> Lloyd:
    """Lloyd's iterations from `init` until no assignment changes or `max_iter` updates."""
    k = len(init)
    centres = init.astype(np.float64)
    labels, obj = settle(points, centres)
    trails, assign, objectives = [centres], [labels], [obj]
    converged = False
    while len(trails) <= max_iter:
        # the mean as centre + mean offset: points on their centre leave it exactly in place
        count = np.bincount(labels, minlength=k)
        offset = points - centres[labels]
        sums = np.stack([np.bincount(labels, offset[:, d], minlength=k) for d in (0, 1)], axis=1)
        centres = centres + sums / np.maximum(count, 1)[:, None]  # an empty centre stays put
        labels, obj = settle(points, centres)
        trails.append(centres)
        assign.append(labels)
        objectives.append(obj)
        if np.array_equal(labels, assign[-2]):
            converged = True
            break
    run = Lloyd(
        np.stack(trails), np.stack(assign).astype(np.uint8), np.array(objectives), converged
    )
    for a in (run.trails, run.assign, run.objectives):
        _frozen(a)
    return run


Extent = tuple[float, float, float, float]  # x0, x1, y0, y1


def square_extent(points: Floats, margin: float = 0.08, least: float = 0.5) -> Extent:
    """(x0, x1, y0, y1): a square around the points with a margin, at least 2·least wide."""
    lo, hi = points.min(axis=0), points.max(axis=0)
    mid, half = (lo + hi) / 2, max(float(np.max(hi - lo)) / 2 * (1 + margin), least)
    return (float(mid[0] - half), float(mid[0] + half), float(mid[1] - half), float(mid[1] + half))


def cell_centres(extent: Extent, g: int) -> Floats:
    """(g·g, 2) centres of a g × g grid of cells over extent, row-major, row 0 at the lowest y."""
    x0, x1, y0, y1 = extent
    xs = x0 + (np.arange(g) + 0.5) * ((x1 - x0) / g)
    ys = y0 + (np.arange(g) + 0.5) * ((y1 - y0) / g)
    xx, yy = np.meshgrid(xs, ys)  # xx[r, c] = xs[c], yy[r, c] = ys[r]
    return np.stack([xx.ravel(), yy.ravel()], axis=1)


def voronoi(cells: Floats, centres: Floats, g: int) -> NDArray[np.uint8]:
    """(g, g) index of the nearest centre to each cell centre from `cell_centres`."""
    return nearest(cells, centres).astype(np.uint8).reshape(g, g)
