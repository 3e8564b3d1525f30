"""Unsupervised learning, Chapter 1: k-means on 2-D points, PCA on 8×8 handwritten digits.

k-means is Lloyd's algorithm (Lloyd 1982) by hand in NumPy (`sims/kmeans.py`, which defines the
states, empty centres and convergence); PCA (Pearson 1901) is an SVD of scikit-learn's digits
fitted once in `setup()` (`sims/pca.py`). Run: `get("unsupervised").run({"k": 4, "iteration": 2})`.

An instant sim: the view animates k-means by moving `iteration`, so every frame carries the whole
run plus the state shown. Runs are cached (a small LRU in the resources, keyed by everything that
determines the run), so moving `iteration` never reruns Lloyd's iterations.

Frame, method "kmeans" (n points, k centres, T update steps, G = GRID = 100):
  meta: method "kmeans"; iteration (the state shown, `iteration` clamped to T); iterations T;
        converged (stopped because an update changed no assignment, not at MAX_ITER); objective
        (Σ squared distance of the points to their centres, at iteration); k; sizes (k ints:
        points per centre at iteration, 0 = an empty centre); extent [x0, x1, y0, y1] (a square
        around the data); grid G
  arrays: points float32 (n, 2); truth uint8 (n,) the blob / moon / ring each point came from;
          assign uint8 (n,) each point's centre at iteration; centres float32 (k, 2) at
          iteration; trails float32 (T + 1, k, 2) the centres of states 0..T; objectives float32
          (T + 1,) the objective of states 0..T (non-increasing); voronoi uint8 (G, G) the
          nearest centre at iteration to each cell centre: row r, column c is the point
          (x0 + (c + ½)(x1 − x0)/G, y0 + (r + ½)(y1 − y0)/G), so row 0 is the lowest y
Frame, method "pca" (N = 1,797 digits, images 8 × 8 row-major, S = SHOWN = 16, m = components):
  meta: method "pca"; components m; digit; label (its true class); explained_variance (share
        of the total variance carried by the first m components, 0 for m = 0); error (mean
        squared pixel error of the reconstruction, pixels 0–16); relative_error (‖x − x̂‖² /
        ‖x − mean‖²: the share of this digit's deviation from the mean that m components miss);
        shown S
  arrays: mean float32 (8, 8); basis float32 (S, 8, 8) the leading components (unit norm, sign
          fixed so each one's largest-magnitude pixel is positive); ratios float32 (64,)
          explained-variance ratio of each component; cumulative float32 (64,) cumulative[j] =
          ratios[0] + … + ratios[j]; original float32 (8, 8) the chosen digit; reconstruction
          float32 (8, 8) mean + its first m coordinates times the components; coords float32
          (64,) the chosen digit's coordinates on all 64 components; projection float32 (N, 2)
          every digit's coordinates on PC1 and PC2; labels uint8 (N,) their true classes
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from deepbook.sims.base import SimSpec
from deepbook.sims.cache import LRU
from deepbook.sims.frames import Frame
from deepbook.sims.kmeans import (
    DATASETS,
    INITS,
    Extent,
    Lloyd,
    cell_centres,
    initial_centres,
    lloyd,
    make_points,
    square_extent,
    voronoi,
)
from deepbook.sims.params import Choice, Float, Int, Params, param
from deepbook.sims.pca import Digits, fit_digits
from deepbook.sims.workers import LOCAL, Workers

MAX_ITER = 100  # update steps at most
GRID = 100  # Voronoi cells a side
SHOWN = 16  # components sent as images
CACHE_SIZE = 32  # k-means runs kept (each at most ~0.4 MB, at 2,000 points)


@dataclass(frozen=True)
class Settings:
    """The unsupervised sim's parameters."""

    method: str = param(
        Choice(
            "Method",
            help="Cluster 2-D points with k-means, or compress handwritten digits with PCA.",
            options=(("kmeans", "k-means"), ("pca", "PCA on digits")),
            default="kmeans",
            group="model",
        )
    )
    dataset: str = param(
        Choice(
            "Data", help="The points to cluster.", options=DATASETS, default="blobs", group="data"
        )
    )
    true_clusters: int = param(
        Int(
            "True clusters",
            help="How many blobs the points are drawn from.",
            min=1,
            max=8,
            default=4,
            group="data",
        )
    )
    spread: float = param(
        Float(
            "Spread",
            help="Std. dev. of the noise around each blob centre, moon or ring.",
            min=0,
            max=0.5,
            default=0.15,
            step=0.01,
            group="data",
        )
    )
    n_points: int = param(
        Int("Points", help="How many points.", min=20, max=2000, default=300, step=10, group="data")
    )
    data_seed: int = param(
        Int(
            "Data seed",
            help="Seed of the points.",
            min=0,
            max=9999,
            default=0,
            advanced=True,
            group="data",
        )
    )
    k: int = param(
        Int(
            "Clusters k",
            help="How many centres k-means places.",
            min=1,
            max=10,
            default=3,
            group="model",
        )
    )
    init: str = param(
        Choice(
            "Start",
            help="k-means++ spreads the starting centres out; random picks any k points.",
            options=INITS,
            default="kmeanspp",
            group="model",
        )
    )
    seed: int = param(
        Int("Seed", help="Seed of the starting centres.", min=0, max=9999, default=0, group="model")
    )
    iteration: int = param(
        Int(
            "Iteration",
            help="Which step of the run to show (0 = the starting centres).",
            min=0,
            max=MAX_ITER,
            default=0,
            group="training",
        )
    )
    components: int = param(
        Int(
            "Components",
            help="How many principal components rebuild the digit.",
            min=0,
            max=64,
            default=10,
            group="model",
        )
    )
    digit: int = param(
        Int(
            "Digit",
            help="Which of the 1,797 digits to rebuild.",
            min=0,
            max=1796,
            default=3,
            group="data",
        )
    )


PARAMS = Params(Settings)
RunKey = tuple[str, int, float, int, int, int, str, int]


@dataclass(frozen=True, eq=False)
class Clustering:
    """One dataset and the k-means run on it, with the parts of its frame that never change."""

    run: Lloyd
    extent: Extent
    cells: NDArray[np.float64]  # (GRID², 2) Voronoi cell centres
    arrays: Mapping[str, NDArray[np.generic]]  # points, truth, trails, objectives


@dataclass(frozen=True, eq=False)
class Resources:
    """The fitted digits PCA, its constant frame arrays, and the cache of k-means runs."""

    digits: Digits
    pca_arrays: Mapping[str, NDArray[np.generic]]
    runs: LRU[RunKey, Clustering]


def _readonly(arrays: dict[str, NDArray[np.generic]]) -> dict[str, NDArray[np.generic]]:
    for a in arrays.values():
        a.flags.writeable = False
    return arrays


def setup(workers: Workers = LOCAL) -> Resources:
    """Fit the digits PCA once; start an empty run cache. Shared read-only by all sessions."""
    d = fit_digits()
    pca_arrays: dict[str, NDArray[np.generic]] = {
        "mean": d.mean.reshape(8, 8).astype(np.float32),
        "basis": d.basis[:SHOWN].reshape(SHOWN, 8, 8).astype(np.float32),
        "ratios": d.ratios.astype(np.float32),
        "cumulative": d.cumulative[1:].astype(np.float32),
        "projection": d.scores[:, :2].astype(np.float32),
        "labels": d.labels,
    }
    return Resources(d, _readonly(pca_arrays), LRU(CACHE_SIZE))


def run_key(v: Settings) -> RunKey:
    """Everything that determines a k-means run (true_clusters only matters for blobs)."""
    clusters = v.true_clusters if v.dataset == "blobs" else 0
    return (v.dataset, clusters, v.spread, v.n_points, v.data_seed, v.k, v.init, v.seed)


def cluster(v: Settings) -> Clustering:
    """Draw the points, choose the starting centres and run Lloyd's iterations."""
    points, truth = make_points(v.dataset, v.true_clusters, v.spread, v.n_points, v.data_seed)
    start = initial_centres(points, v.k, v.init, np.random.default_rng(v.seed))
    run = lloyd(points, start, MAX_ITER)
    extent = square_extent(points)
    arrays: dict[str, NDArray[np.generic]] = {
        "points": points.astype(np.float32),
        "truth": truth.astype(np.uint8),
        "trails": run.trails.astype(np.float32),
        "objectives": run.objectives.astype(np.float32),
    }
    return Clustering(run, extent, cell_centres(extent, GRID), _readonly(arrays))


def kmeans_frame(v: Settings, res: Resources) -> Frame:
    """The state at `iteration` of the (cached) run, with its whole history."""
    c = res.runs.get_or_make(run_key(v), lambda: cluster(v))
    i = min(v.iteration, c.run.iterations)
    centres, assign = c.run.trails[i], c.run.assign[i]
    meta = {
        "method": "kmeans",
        "iteration": i,
        "iterations": c.run.iterations,
        "converged": c.run.converged,
        "objective": float(c.run.objectives[i]),
        "k": v.k,
        "sizes": np.bincount(assign, minlength=v.k).tolist(),
        "extent": list(c.extent),
        "grid": GRID,
    }
    arrays = dict(c.arrays) | {
        "assign": assign,
        "centres": centres.astype(np.float32),
        "voronoi": voronoi(c.cells, centres, GRID),
    }
    return Frame(meta=meta, arrays=arrays)


def pca_frame(v: Settings, res: Resources) -> Frame:
    """The chosen digit rebuilt from `components` principal components."""
    d, m = res.digits, v.components
    x, rebuilt = d.images[v.digit], d.reconstruct(v.digit, m)
    miss, spread = float(np.sum((x - rebuilt) ** 2)), float(np.sum((x - d.mean) ** 2))
    meta = {
        "method": "pca",
        "components": m,
        "digit": v.digit,
        "label": int(d.labels[v.digit]),
        "explained_variance": float(d.cumulative[m]),
        "error": miss / x.size,
        "relative_error": miss / spread if spread > 0 else 0.0,
        "shown": SHOWN,
    }
    arrays = dict(res.pca_arrays) | {
        "original": x.reshape(8, 8).astype(np.float32),
        "reconstruction": rebuilt.reshape(8, 8).astype(np.float32),
        "coords": d.scores[v.digit].astype(np.float32),
    }
    return Frame(meta=meta, arrays=arrays)


def compute(v: Settings, res: Resources) -> Frame:
    """One frame: k-means or PCA, as `method` says."""
    return kmeans_frame(v, res) if v.method == "kmeans" else pca_frame(v, res)


SPEC = SimSpec(
    id="unsupervised",
    title="k-means and PCA",
    chapter="classical-ml",
    summary="Watch k-means move its centres step by step; rebuild digits from a few components.",
    params=PARAMS,
    kind="instant",
    compute=compute,
    setup=setup,
)
