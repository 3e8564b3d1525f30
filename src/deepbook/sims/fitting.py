"""Fitting and timing the decision-boundary sim's classifiers: real scikit-learn estimators.

The only module of the sims that imports scikit-learn. In the server it runs in the worker
processes (`sims/workers.py`), whose fork server imports it before the server has loaded torch.
`build` makes a fresh seeded estimator (n_jobs=1 throughout) for a row of `classifiers.TABLE`;
`fit_panel` fits one panel and shades the map; `measure` times a fit and a map for the cost curve.
"""

from __future__ import annotations

import threading
import time
import warnings
from collections.abc import Callable
from typing import Any

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

from deepbook.sims.classifiers import CLASSIFIERS, Data, Fitted, Hyper
from deepbook.sims.distances import blocks


def _logistic(h: Hyper, seed: int) -> Any:
    return make_pipeline(
        PolynomialFeatures(h["logreg_degree"], include_bias=False),
        StandardScaler(),
        LogisticRegression(C=h["logreg_c"], max_iter=5000, random_state=seed),
    )


BUILD: dict[str, Callable[[Hyper, int], Any]] = {  # (hyperparameters, seed) → unfitted estimator
    # brute force: every query is compared with every stored point (no kd-tree)
    "knn": lambda h, _: KNeighborsClassifier(
        h["knn_k"], weights=h["knn_weights"], algorithm="brute", n_jobs=1
    ),
    "logistic": _logistic,
    "linear_svm": lambda h, seed: LinearSVC(C=h["linsvm_c"], max_iter=5000, random_state=seed),
    "rbf_svm": lambda h, seed: SVC(
        C=h["svm_c"], kernel="rbf", gamma=h["svm_gamma"], random_state=seed
    ),
    "tree": lambda h, seed: DecisionTreeClassifier(max_depth=h["tree_depth"], random_state=seed),
    "forest": lambda h, seed: RandomForestClassifier(
        h["forest_trees"], max_depth=h["forest_depth"], random_state=seed, n_jobs=1
    ),
    "mlp": lambda h, seed: MLPClassifier(
        (h["mlp_hidden"],), solver="lbfgs", max_iter=100, random_state=seed
    ),
}


def build(clf_id: str, h: Hyper, seed: int) -> Any:
    """A fresh, seeded, unfitted estimator of this row of the table."""
    return BUILD[clf_id](h, seed)


def rbf_decision(svm: SVC, x: np.ndarray, rows: int = 1024) -> np.ndarray:
    """A fitted RBF SVC's decision_function at each row of x: Σᵢ αᵢ exp(−γ‖x − svᵢ‖²) + b over its
    support vectors, with the kernel matrix from NumPy's BLAS in blocks of rows (libsvm evaluates
    it one point at a time: 5× slower on a 10,000-cell map). Equal to `decision_function` to
    1e-12 (a test checks)."""
    sv, alpha = svm.support_vectors_, svm.dual_coef_[0]
    out = np.empty(len(x))
    for i, d2 in blocks(x, sv, (sv**2).sum(axis=1), rows):
        d2 += (x[i : i + rows] ** 2).sum(axis=1)[:, None]
        np.maximum(d2, 0, out=d2)
        d2 *= -svm._gamma
        np.exp(d2, out=d2)
        out[i : i + rows] = d2 @ alpha
    out += float(svm.intercept_[0])
    return out


def shade(clf_id: str, estimator: Any, x: np.ndarray) -> np.ndarray:
    """The fitted estimator's map value at each row of x (float64): > 0.5 where it says class 1."""
    if CLASSIFIERS[clf_id].shading == "probability":
        return np.asarray(estimator.predict_proba(x)[:, 1], dtype=np.float64)
    if clf_id == "rbf_svm":
        score = rbf_decision(estimator, x)
    else:
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


# One per process: the BLAS threads and the warning filter it sets are the process's.
SECTION = FitSection()


def _accuracy(y: np.ndarray, pred: np.ndarray) -> float | None:
    return round(float(accuracy_score(y, pred)), 3) if len(y) else None


def fit_panel(clf_id: str, h: Hyper, seed: int, d: Data, grid: np.ndarray) -> Fitted:
    """Fit on d's training points (timed), shade the grid (timed), predict every point."""
    if d.problem:
        return Fitted(problem=d.problem)
    x, y = d.xy[~d.test], d.labels[~d.test]
    if clf_id == "knn" and h["knn_k"] > len(y):
        return Fitted(problem=f"k = {h['knn_k']} is more than the {len(y)} training points")
    est = build(clf_id, h, seed)
    try:
        with SECTION, fast():
            t0 = time.perf_counter()
            est.fit(x, y)
            t1 = time.perf_counter()
            proba = shade(clf_id, est, grid)
            t2 = time.perf_counter()
            pred = np.asarray(est.predict(d.xy), dtype=np.uint8)
    except ValueError as e:  # scikit-learn's word for data it cannot fit
        return Fitted(problem=f"could not fit: {e}")
    if not np.isfinite(proba).all():
        return Fitted(problem="the fit diverged (its map is not finite)")
    return Fitted(  # made read-only where it is used (classifiers.readonly)
        proba=proba.astype(np.float16),
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


def measure(clf_id: str, h: Hyper, seed: int, d: Data, grid: np.ndarray) -> tuple[float, float]:
    """Fit time on all of d's points and the time to shade the grid, in ms (kNN: k ≤ n)."""
    if clf_id == "knn":
        h = {**h, "knn_k": min(h["knn_k"], len(d.labels))}
    made: list[Any] = []
    with SECTION, fast():
        fit_ms = best_ms(lambda: made.append(build(clf_id, h, seed).fit(d.xy, d.labels)))
        predict_ms = best_ms(lambda: shade(clf_id, made[-1], grid))
    return fit_ms, predict_ms
