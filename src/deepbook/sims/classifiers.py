"""The seven classifiers of Chapter 1's decision-boundary sim, and the data they are fitted to.

A table: each entry names the sim parameters that are its hyperparameters (`fields`) and says how
its map is shaded: "probability" is predict_proba's class-1 column, "score" is
σ(decision_function) for the SVMs (no Platt scaling), so the 0.5 level is always the estimator's
own decision boundary. The estimators themselves, their fitting and their timing are in
`sims/fitting.py`, which alone imports scikit-learn (in the server, only its worker processes do).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np

Hyper = Mapping[str, Any]  # parameter name → value, only this classifier's


@dataclass(frozen=True)
class Classifier:
    """One row of the table."""

    id: str
    label: str
    fields: tuple[str, ...]  # the sim parameters that are this classifier's hyperparameters
    shading: Literal["probability", "score"]
    describe: Callable[[Hyper], str]  # a short human summary of the hyperparameters


def _g(x: float) -> str:
    return f"{x:.3g}"


TABLE: tuple[Classifier, ...] = (
    # kNN is brute force, as the chapter describes it: every query is compared with every stored
    # point, so prediction cost grows with the training set (no kd-tree)
    Classifier(
        "knn",
        "k nearest neighbours",
        ("knn_k", "knn_weights"),
        "probability",
        lambda h: f"k = {h['knn_k']}, {h['knn_weights']}",
    ),
    Classifier(
        "logistic",
        "Logistic regression",
        ("logreg_degree", "logreg_c"),
        "probability",
        lambda h: f"degree {h['logreg_degree']}, C = {_g(h['logreg_c'])}",
    ),
    Classifier(
        "linear_svm", "Linear SVM", ("linsvm_c",), "score", lambda h: f"C = {_g(h['linsvm_c'])}"
    ),
    Classifier(
        "rbf_svm",
        "RBF SVM",
        ("svm_c", "svm_gamma"),
        "score",
        lambda h: f"C = {_g(h['svm_c'])}, γ = {_g(h['svm_gamma'])}",
    ),
    Classifier(
        "tree",
        "Decision tree",
        ("tree_depth",),
        "probability",
        lambda h: f"max depth {h['tree_depth']}",
    ),
    Classifier(
        "forest",
        "Random forest",
        ("forest_trees", "forest_depth"),
        "probability",
        lambda h: f"{h['forest_trees']} trees, max depth {h['forest_depth']}",
    ),
    Classifier(
        "mlp",
        "Neural network (MLP)",
        ("mlp_hidden",),
        "probability",
        lambda h: f"1 hidden layer of {h['mlp_hidden']} units",
    ),
)
CLASSIFIERS = {c.id: c for c in TABLE}


@functools.cache  # read-only, so one per process serves every fit (a worker's jobs included)
def grid_centres(g: int, extent: tuple[float, float]) -> np.ndarray:
    """(g², 2) cell centres of a g × g grid over extent², row-major from the lowest y; read-only."""
    lo, hi = extent
    c = lo + (np.arange(g) + 0.5) * (hi - lo) / g
    gx, gy = np.meshgrid(c, c)  # gy is constant along a row: row 0 is the lowest y
    grid = np.stack([gx.ravel(), gy.ravel()], axis=1)
    grid.flags.writeable = False
    return grid


@dataclass(frozen=True)
class Data:
    """Points, labels, which are test points, and what (if anything) rules out fitting."""

    xy: np.ndarray
    labels: np.ndarray
    test: np.ndarray  # bool
    problem: str | None

    @classmethod
    def of(cls, xy: np.ndarray, labels: np.ndarray, test: np.ndarray) -> Data:
        """Data with its problem found; the arrays become read-only."""
        train = labels[~test]
        problem = None
        if len(train) < 2:
            problem = f"needs at least 2 training points (there are {len(train)})"
        elif len(np.unique(train)) < 2:
            problem = "needs points of both classes in the training set"
        for a in (xy, labels, test):
            a.flags.writeable = False
        return cls(xy, labels, test, problem)


def split(labels: np.ndarray, share: float, rng: np.random.Generator) -> np.ndarray:
    """Test mask: about `share` of each class (never a class's last point), seeded."""
    test = np.zeros(len(labels), dtype=bool)
    for c in (0, 1):
        idx = np.flatnonzero(labels == c)
        k = min(int(np.floor(share * len(idx) + 0.5)), max(len(idx) - 1, 0))
        test[rng.permutation(idx)[:k]] = True
    return test


@dataclass(frozen=True)
class Fitted:
    """One panel's results: a map and accuracies, or the problem that prevented them."""

    problem: str | None = None
    proba: np.ndarray | None = None  # (cells,) float16, the grid's rows in order; read-only
    pred: np.ndarray | None = None  # (n,) uint8: predicted class of every point
    train_accuracy: float | None = None
    test_accuracy: float | None = None
    fit_ms: float | None = None
    predict_ms: float | None = None


def joined(parts: list[Fitted]) -> Fitted:
    """One panel from the same fit shading consecutive parts of the grid: the parts' maps end to
    end, their predict times added (the time of the whole map on one core)."""
    first = parts[0]
    if first.problem or any(p.proba is None for p in parts):
        return first
    proba = np.concatenate([p.proba for p in parts if p.proba is not None])
    predict_ms = round(sum(p.predict_ms or 0.0 for p in parts), 3)
    return replace(first, proba=proba, predict_ms=predict_ms)


def readonly(f: Fitted) -> Fitted:
    """f with its arrays made read-only (as they arrive from a worker process, they are not)."""
    for a in (f.proba, f.pred):
        if a is not None:
            a.flags.writeable = False
    return f


def slope(sizes: list[int], times: list[float]) -> float | None:
    """Least-squares slope of log t against log n (None below 2 sizes)."""
    if len(sizes) < 2:
        return None
    x, y = np.log(sizes), np.log(np.maximum(times, 1e-6))
    x = x - x.mean()
    return round(float(x @ (y - y.mean()) / (x @ x)), 3)
