"""The seven scikit-learn classifiers of Chapter 1's decision-boundary sim, and their fitting.

A table: each entry names the sim parameters that are its hyperparameters (`fields`), builds a
fresh seeded estimator from them (`build`, n_jobs=1 throughout) and says how its map is shaded:
"probability" is predict_proba's class-1 column, "score" is σ(decision_function) for the SVMs (no
Platt scaling), so the 0.5 level is always the estimator's own decision boundary. Then how one
panel is fitted, shaded and timed (`fit_panel`), and how the cost curve times a fit (`measure`).
"""

from __future__ import annotations

import threading
import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from sklearn import config_context
from sklearn.ensemble import RandomForestClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import PolynomialFeatures, StandardScaler
from sklearn.svm import SVC, LinearSVC
from sklearn.tree import DecisionTreeClassifier
from threadpoolctl import ThreadpoolController

Hyper = Mapping[str, Any]  # parameter name → value, only this classifier's


@dataclass(frozen=True)
class Classifier:
    """One row of the table."""

    id: str
    label: str
    fields: tuple[str, ...]  # the sim parameters that are this classifier's hyperparameters
    shading: Literal["probability", "score"]
    build: Callable[[Hyper, int], Any]  # (hyperparameters, seed) → an unfitted estimator
    describe: Callable[[Hyper], str]  # a short human summary of the hyperparameters


def _g(x: float) -> str:
    return f"{x:.3g}"


def _logistic(h: Hyper, seed: int) -> Any:
    return make_pipeline(
        PolynomialFeatures(h["logreg_degree"], include_bias=False),
        StandardScaler(),
        LogisticRegression(C=h["logreg_c"], max_iter=5000, random_state=seed),
    )


TABLE: tuple[Classifier, ...] = (
    Classifier(
        "knn",
        "k nearest neighbours",
        ("knn_k", "knn_weights"),
        "probability",
        # brute force, as the chapter describes it: every query is compared with every
        # stored point, so prediction cost grows with the training set (no kd-tree)
        lambda h, _: KNeighborsClassifier(
            h["knn_k"], weights=h["knn_weights"], algorithm="brute", n_jobs=1
        ),
        lambda h: f"k = {h['knn_k']}, {h['knn_weights']}",
    ),
    Classifier(
        "logistic",
        "Logistic regression",
        ("logreg_degree", "logreg_c"),
        "probability",
        _logistic,
        lambda h: f"degree {h['logreg_degree']}, C = {_g(h['logreg_c'])}",
    ),
    Classifier(
        "linear_svm",
        "Linear SVM",
        ("linsvm_c",),
        "score",
        lambda h, seed: LinearSVC(C=h["linsvm_c"], max_iter=5000, random_state=seed),
        lambda h: f"C = {_g(h['linsvm_c'])}",
    ),
    Classifier(
        "rbf_svm",
        "RBF SVM",
        ("svm_c", "svm_gamma"),
        "score",
        lambda h, seed: SVC(C=h["svm_c"], kernel="rbf", gamma=h["svm_gamma"], random_state=seed),
        lambda h: f"C = {_g(h['svm_c'])}, γ = {_g(h['svm_gamma'])}",
    ),
    Classifier(
        "tree",
        "Decision tree",
        ("tree_depth",),
        "probability",
        lambda h, seed: DecisionTreeClassifier(max_depth=h["tree_depth"], random_state=seed),
        lambda h: f"max depth {h['tree_depth']}",
    ),
    Classifier(
        "forest",
        "Random forest",
        ("forest_trees", "forest_depth"),
        "probability",
        lambda h, seed: RandomForestClassifier(
            h["forest_trees"], max_depth=h["forest_depth"], random_state=seed, n_jobs=1
        ),
        lambda h: f"{h['forest_trees']} trees, max depth {h['forest_depth']}",
    ),
    Classifier(
        "mlp",
        "Neural network (MLP)",
        ("mlp_hidden",),
        "probability",
        lambda h, seed: MLPClassifier(
            (h["mlp_hidden"],), solver="lbfgs", max_iter=100, random_state=seed
        ),
        lambda h: f"1 hidden layer of {h['mlp_hidden']} units",
    ),
)
CLASSIFIERS = {c.id: c for c in TABLE}


def shade(clf: Classifier, estimator: Any, x: np.ndarray) -> np.ndarray:
    """The fitted estimator's map value at each row of x (float64): > 0.5 where it says class 1."""
    if clf.shading == "probability":
        return np.asarray(estimator.predict_proba(x)[:, 1], dtype=np.float64)
    score = np.asarray(estimator.decision_function(x), dtype=np.float64)
    return np.asarray(1 / (1 + np.exp(-np.clip(score, -60, 60))))  # σ; clipped: no overflow


class FitSection:
    """A shared context for fitting: while any thread is inside, BLAS runs on one thread and
    ConvergenceWarning is ignored (an iteration cap ends a fit; the fit stands).

    Counted, so overlapping callers from several threads never undo each other's settings (as
    nested `warnings.catch_warnings` in threads would); both are process-wide while they last and
    are restored when the last caller leaves. One BLAS thread because these models multiply small
    matrices, where a second thread only waits: on a busy 2-core machine it made MLP fits 5-20
    times slower.
    """

    def __init__(self) -> None:
        self._blas = ThreadpoolController().select(user_api="blas")
        self._lock = threading.Lock()
        self._inside = 0
        self._limiter: Any = None
        self._quiet: warnings.catch_warnings[None] | None = None

    def __enter__(self) -> None:
        with self._lock:
            if self._inside == 0:
                self._limiter = self._blas.limit(limits=1)
                self._quiet = warnings.catch_warnings()
                self._quiet.__enter__()
                warnings.simplefilter("ignore", ConvergenceWarning)
            self._inside += 1

    def __exit__(self, *_: object) -> None:
        with self._lock:
            self._inside -= 1
            if self._inside == 0:
                if self._quiet is not None:
                    self._quiet.__exit__(None, None, None)
                self._limiter.restore_original_limits()
                self._limiter = self._quiet = None


# Our inputs are validated (finite, in range) before they get here, so scikit-learn's own checks
# of parameters and finiteness are skipped while fitting and predicting: a few ms a frame.
def fast() -> Any:
    """scikit-learn's config for this thread, without the checks our validation already did."""
    return config_context(assume_finite=True, skip_parameter_validation=True)


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
    proba: np.ndarray | None = None  # (g, g) float16, read-only
    pred: np.ndarray | None = None  # (n,) uint8: predicted class of every point
    train_accuracy: float | None = None
    test_accuracy: float | None = None
    fit_ms: float | None = None
    predict_ms: float | None = None


def _accuracy(y: np.ndarray, pred: np.ndarray) -> float | None:
    return round(float(accuracy_score(y, pred)), 3) if len(y) else None


def fit_panel(
    clf: Classifier, h: Hyper, seed: int, d: Data, grid: np.ndarray, section: FitSection
) -> Fitted:
    """Fit on d's training points (timed), shade the grid (timed), predict every point."""
    if d.problem:
        return Fitted(problem=d.problem)
    x, y = d.xy[~d.test], d.labels[~d.test]
    if clf.id == "knn" and h["knn_k"] > len(y):
        return Fitted(problem=f"k = {h['knn_k']} is more than the {len(y)} training points")
    est = clf.build(h, seed)
    try:
        with section, fast():
            t0 = time.perf_counter()
            est.fit(x, y)
            t1 = time.perf_counter()
            proba = shade(clf, est, grid)
            t2 = time.perf_counter()
            pred = np.asarray(est.predict(d.xy), dtype=np.uint8)
    except ValueError as e:  # scikit-learn's word for data it cannot fit
        return Fitted(problem=f"could not fit: {e}")
    if not np.isfinite(proba).all():
        return Fitted(problem="the fit diverged (its map is not finite)")
    g = round(len(grid) ** 0.5)
    shaded = proba.reshape(g, g).astype(np.float16)
    for a in (shaded, pred):
        a.flags.writeable = False
    return Fitted(
        proba=shaded,
        pred=pred,
        train_accuracy=_accuracy(y, pred[~d.test]),
        test_accuracy=_accuracy(d.labels[d.test], pred[d.test]),
        fit_ms=round(1e3 * (t1 - t0), 3),
        predict_ms=round(1e3 * (t2 - t1), 3),
    )


def best_ms(run: Callable[[], object], budget: float = 0.02, reps: int = 3) -> float:
    """The fastest of a few runs (more runs for quick ones, within a time budget), in ms."""
    best, spent = float("inf"), 0.0
    for i in range(reps):
        if i and spent > budget:
            break
        t0 = time.perf_counter()
        run()
        dt = time.perf_counter() - t0
        best, spent = min(best, dt), spent + dt
    return round(1e3 * best, 3)


def measure(
    clf: Classifier, h: Hyper, seed: int, d: Data, grid: np.ndarray, section: FitSection
) -> tuple[float, float]:
    """Fit time on all of d's points and the time to shade the grid, in ms (kNN: k ≤ n)."""
    if clf.id == "knn":
        h = {**h, "knn_k": min(h["knn_k"], len(d.labels))}
    made: list[Any] = []
    with section, fast():
        fit_ms = best_ms(lambda: made.append(clf.build(h, seed).fit(d.xy, d.labels)))
        predict_ms = best_ms(lambda: shade(clf, made[-1], grid))
    return fit_ms, predict_ms


def slope(sizes: list[int], times: list[float]) -> float | None:
    """Least-squares slope of log t against log n (None below 2 sizes)."""
    if len(sizes) < 2:
        return None
    x, y = np.log(sizes), np.log(np.maximum(times, 1e-6))
    x = x - x.mean()
    return round(float(x @ (y - y.mean()) / (x @ x)), 3)
