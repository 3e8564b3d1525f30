"""Decision boundaries of seven real scikit-learn classifiers fitted to the same 2-D data.

Chapter 1 (classical ML); after scikit-learn's "Classifier comparison" example. Run it with
`get("decision_boundaries").run({"dataset": "moons", "view": "focus", "classifier": "rbf_svm"})`.

Frame layout (G = 100: the map's cell centres span EXTENT = [-4, 4] on both axes, evenly):
meta = {
  "extent": [-4.0, 4.0], "grid": G, "view": "compare" | "focus", "dataset": str,
  "problem": str | null,  # what is wrong with the data, if anything (every panel repeats it)
  "n_train": int, "n_test": int, "counts": [points of class 0, points of class 1],
  "classifiers": [  # compare: all seven, in classifiers.TABLE order; focus: the chosen one
    {"id": str, "label": str, "params": str (e.g. "k = 15, uniform"),
     "shading": "probability" | "score",  # P(class 1), or σ(decision_function) for the SVMs
     "problem": str | null, "map": int | null,  # index into arrays "proba"; null: no map
     "train_accuracy": float | null, "test_accuracy": float | null,  # 3 decimals
     "fit_ms": float | null, "predict_ms": float | null}],  # measured when fitted, then cached
  "cost": null (cost = 0) | {
     "sizes": [int],  # the first `cost` of COST_SIZES
     "fit_ms": {id: [float]}, "predict_ms": {id: [float]},  # one entry per size
     "fit_slope": {id: float | null}, "predict_slope": {id: float | null},  # log-log slopes
     "problem": str | null}}  # e.g. your points lack a class: sizes [] and empty tables
arrays = {
  "xy": float32 (n, 2), every point (generated or your own); "label": uint8 (n,) class 0 or 1;
  "test": uint8 (n,), 1 for a test point, 0 for a training point;
  "proba": float16 (M, G, G), one map per panel with "map" ≠ null; [m, row, col] is the value at
     x = centre of column col, y = centre of row row; row 0 is the LOWEST y, col 0 the lowest x;
     the 0.5 level is the estimator's own decision boundary;
  "wrong": uint8 (K, n), K = len(meta "classifiers"): 1 where panel k's classifier predicts
     point i's class wrongly, training and test points alike (AND it with "test" for test
     errors); an all-zero row for a panel without a map}
Times: "fit_ms" is one fit on the training points, "predict_ms" the map (G² = 10,000 points, a
fixed size, so kNN's predict time grows with the training set). The cost curve fits each shown
classifier on all points of a fresh sample of the dataset at each size (your points: resampled
with replacement plus 0.05 jitter; kNN's k capped at the size) and keeps the fastest of a few runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from deepbook.sims.base import SimSpec
from deepbook.sims.cache import LRU
from deepbook.sims.classifiers import (
    CLASSIFIERS,
    TABLE,
    Classifier,
    Data,
    Fitted,
    Hyper,
    grid_centres,
    joined,
    readonly,
    slope,
    split,
)
from deepbook.sims.datasets2d import EXTENT, KINDS, make
from deepbook.sims.frames import Frame
from deepbook.sims.inputs import Points, PointSet
from deepbook.sims.params import Choice, Float, Int, Params, param
from deepbook.sims.workers import LOCAL, Workers

G = 100
COST_SIZES = (100, 300, 1000, 3000, 10000)
COST_JITTER = 0.05  # jitter of your points resampled for the cost curve
DATA, SPLIT, COST = 0, 1, 2  # the streams of each seed: points, train/test split, cost samples
Key = tuple[Any, ...]
# the classifiers from the slowest to fit and map to the fastest (at 200 points, measured)
HEAVIEST_FIRST = ("mlp", "knn", "forest", "logistic", "rbf_svm", "linear_svm", "tree")
SPLIT_MAP = {"knn"}  # fitting is cheap, shading the map is the work (brute-force neighbours)


def _c(label: str, name: str, default: float, lo: float = 1e-3, hi: float = 1e3) -> float:
    """A log-scale strength parameter of the model group."""
    return param(Float(label, min=lo, max=hi, default=default, log=True, group="model", help=name))


@dataclass(frozen=True)
class Settings:
    """The decision-boundaries sim's parameters."""

    dataset: str = param(
        Choice(
            "Dataset",
            options=(*KINDS.items(), ("own", "Your points")),
            default="blobs",
            group="data",
            help="The two-class data to classify; 'Your points' uses the points you place.",
        )
    )
    n: int = param(
        Int(
            "Points",
            min=20,
            max=2000,
            default=200,
            step=10,
            group="data",
            help="How many points to generate (not used for your points).",
        )
    )
    noise: float = param(
        Float(
            "Noise",
            min=0.0,
            max=1.0,
            default=0.1,
            step=0.01,
            group="data",
            help="Jitter of a generated shape, in units of its size (the two clouds ignore it).",
        )
    )
    points: PointSet = param(
        Points(
            "Your points",
            extent=EXTENT,
            max_count=2000,
            classes=2,
            group="data",
            help="Points you place; used when the dataset is 'Your points'.",
        )
    )
    test_share: float = param(
        Float(
            "Test share",
            min=0.1,
            max=0.5,
            default=0.3,
            step=0.05,
            group="data",
            help="Share of each class held out to measure test accuracy.",
        )
    )
    seed: int = param(
        Int(
            "Seed",
            min=0,
            max=9999,
            default=0,
            group="data",
            advanced=True,
            help="Seed of the data, the train/test split and every model.",
        )
    )
    view: str = param(
        Choice(
            "View",
            options=(("compare", "All seven"), ("focus", "One classifier")),
            default="compare",
            group="view",
            help="Compare all seven classifiers, or focus on one.",
        )
    )
    classifier: str = param(
        Choice(
            "Classifier",
            options=tuple((c.id, c.label) for c in TABLE),
            default="knn",
            group="view",
            help="The classifier the focus view shows.",
        )
    )
    knn_k: int = param(
        Int(
            "k (neighbours)",
            min=1,
            max=199,
            default=15,
            group="model",
            help="kNN: how many nearest training points vote.",
        )
    )
    knn_weights: str = param(
        Choice(
            "kNN weights",
            options=(("uniform", "Equal votes"), ("distance", "Closer counts more")),
            default="uniform",
            group="model",
            help="kNN: how the neighbours' votes are weighted.",
        )
    )
    logreg_degree: int = param(
        Int(
            "Feature degree",
            min=1,
            max=5,
            default=1,
            group="model",
            help="Logistic regression: degree of the polynomial features of x and y.",
        )
    )
    logreg_c: float = _c("C (logistic)", "Logistic regression: inverse regularisation.", 1.0)
    linsvm_c: float = _c("C (linear SVM)", "Linear SVM: inverse regularisation.", 1.0)
    svm_c: float = _c("C (RBF SVM)", "RBF SVM: inverse regularisation.", 1.0)
    svm_gamma: float = _c(
        "γ (RBF SVM)", "RBF SVM: kernel width 1/γ; larger is wigglier.", 0.5, 1e-2, 1e2
    )
    tree_depth: int = param(
        Int(
            "Max depth (tree)",
            min=1,
            max=20,
            default=5,
            group="model",
            help="Decision tree: at most this many questions from root to leaf.",
        )
    )
    forest_trees: int = param(
        Int(
            "Trees",
            min=1,
            max=200,
            default=10,
            group="model",
            help="Random forest: how many trees vote.",
        )
    )
    forest_depth: int = param(
        Int(
            "Max depth (forest)",
            min=1,
            max=20,
            default=8,
            group="model",
            help="Random forest: the depth limit of each tree.",
        )
    )
    mlp_hidden: int = param(
        Int(
            "Hidden units",
            min=1,
            max=64,
            default=16,
            group="model",
            help="Neural network: units in its one hidden layer (ReLU).",
        )
    )
    cost: int = param(
        Int(
            "Cost as data grows",
            min=0,
            max=5,
            default=0,
            group="view",
            advanced=True,
            help="Time fit and predict at the first 0-5 of 100, 300, 1k, 3k, 10k points.",
        )
    )


PARAMS = Params(Settings)


@dataclass(frozen=True)
class Resources:
    """Shared by every compute call (thread-safe): bounded caches, and the workers that fit (the
    server's worker processes, or this thread)."""

    workers: Workers = LOCAL
    data: LRU[Key, Data] = field(default_factory=lambda: LRU(64))
    fits: LRU[Key, Fitted] = field(default_factory=lambda: LRU(256))
    costs: LRU[Key, tuple[float, float]] = field(default_factory=lambda: LRU(1024))


def setup(workers: Workers = LOCAL) -> Resources:
    """Empty caches; fits run on `workers`."""
    return Resources(workers)


@dataclass(frozen=True)
class Job:
    """One classifier fitted (or timed) on some data: what a worker process is sent."""

    clf: str
    hyper: tuple[tuple[str, Any], ...]
    seed: int
    data: Data
    part: tuple[int, int] = (0, 1)  # (i, n): shade the i-th of n consecutive parts of the grid


def fit_job(job: Job) -> Fitted:
    """A panel: the fit, its map and its accuracies (scikit-learn is imported here, in a worker)."""
    from deepbook.sims import fitting

    i, n = job.part
    grid = np.array_split(grid_centres(G, EXTENT), n)[i]
    return fitting.fit_panel(job.clf, dict(job.hyper), job.seed, job.data, grid)


def measure_job(job: Job) -> tuple[float, float]:
    """Fit and map times in ms, for the cost curve (in a worker, like `fit_job`)."""
    from deepbook.sims import fitting

    return fitting.measure(job.clf, dict(job.hyper), job.seed, job.data, grid_centres(G, EXTENT))


def _source(v: Settings) -> Key:
    """What the points depend on, whatever their number and split."""
    if v.dataset == "own":
        return ("own", v.points, v.seed)
    return (v.dataset, 0.0 if v.dataset == "blobs" else v.noise, v.seed)


def _data_key(v: Settings) -> Key:
    return (*_source(v), None if v.dataset == "own" else v.n, v.test_share)


def dataset(v: Settings, r: Resources) -> Data:
    """The points with their seeded train/test split (cached)."""

    def build() -> Data:
        if v.dataset == "own":
            xy, labels = v.points.xy, v.points.labels
        else:
            xy, labels = make(v.dataset, v.n, v.noise, np.random.default_rng([v.seed, DATA]))
        test = split(labels, v.test_share, np.random.default_rng([v.seed, SPLIT]))
        return Data.of(xy, labels, test)

    return r.data.get_or_make(("split", *_data_key(v)), build)


def hyper(v: Settings, clf: Classifier) -> Hyper:
    """This classifier's hyperparameters from the settings."""
    return {name: getattr(v, name) for name in clf.fields}


def _fit_key(v: Settings, clf_id: str) -> Key:
    return ("fit", *_data_key(v), clf_id, tuple(hyper(v, CLASSIFIERS[clf_id]).items()))


def _job(
    v: Settings, r: Resources, clf_id: str, d: Data | None = None, part: tuple[int, int] = (0, 1)
) -> Job:
    h = tuple(hyper(v, CLASSIFIERS[clf_id]).items())
    return Job(clf_id, h, v.seed, dataset(v, r) if d is None else d, part)


def _fit(v: Settings, r: Resources, clf_id: str, parts: int = 1) -> Callable[[], Fitted]:
    """Start one classifier's panel on the workers, its map shaded in `parts` parts (each job fits
    the same model and shades one); the function returned waits for it."""
    jobs = [r.workers.submit(fit_job, _job(v, r, clf_id, part=(i, parts))) for i in range(parts)]
    return lambda: joined([j.result() for j in jobs])


def fitted(v: Settings, r: Resources, ids: tuple[str, ...]) -> list[Fitted]:
    """These classifiers' panels, each cached by the data and only its own hyperparameters; the
    ones not cached are fitted all at once on the workers."""
    keys = [_fit_key(v, i) for i in ids]
    # the slowest fits are sent first, so that the workers finish at about the same time
    heavy_first = sorted(zip(keys, ids, strict=True), key=lambda ki: HEAVIEST_FIRST.index(ki[1]))
    missing = [(k, i) for k, i in heavy_first if k not in r.fits]
    # one fit alone whose map is the work (kNN's fit only stores the points): every worker fits
    # it and shades a part of the map
    alone = len(missing) == 1 and missing[0][1] in SPLIT_MAP
    parts = max(1, r.workers.processes) if alone else 1
    started = {k: _fit(v, r, i, parts) for k, i in missing}

    def made(k: Key, i: str) -> Fitted:  # cached meanwhile, or not started: fit it now
        return r.fits.get_or_make(k, started.get(k) or (lambda: _fit(v, r, i)()))

    return [readonly(made(k, i)) for k, i in zip(keys, ids, strict=True)]


def _cost_sample(v: Settings, r: Resources, m: int) -> Data:
    """m points of the current dataset for the cost curve, all for training (cached)."""

    def build() -> Data:
        rng = np.random.default_rng([v.seed, COST, m])
        if v.dataset == "own":
            if len(np.unique(v.points.labels)) < 2:
                return Data.of(v.points.xy, v.points.labels, np.zeros(len(v.points), bool))
            idx = rng.integers(0, len(v.points), m)
            xy = v.points.xy[idx] + COST_JITTER * rng.standard_normal((m, 2))
            xy, labels = np.clip(xy, *EXTENT), v.points.labels[idx]
        else:
            xy, labels = make(v.dataset, m, v.noise, rng)
        return Data.of(xy, labels, np.zeros(m, dtype=bool))

    return r.data.get_or_make(("cost", *_source(v), m), build)


def cost_curve(v: Settings, r: Resources, ids: tuple[str, ...]) -> dict[str, Any]:
    """Fit and predict times of the shown classifiers at the first v.cost sizes (cached)."""
    sizes = list(COST_SIZES[: v.cost])
    fit_ms: dict[str, list[float]] = {i: [] for i in ids}
    predict_ms: dict[str, list[float]] = {i: [] for i in ids}
    samples = [_cost_sample(v, r, m) for m in sizes]
    problem = next((d.problem for d in samples if d.problem), None)
    if problem:
        empty: dict[str, Any] = {"fit_ms": {}, "predict_ms": {}, "fit_slope": {}}
        return {"sizes": [], **empty, "predict_slope": {}, "problem": problem}
    # one measurement at a time, on one worker: the timings are not disturbed by each other, and
    # a long measurement (an RBF SVM on 10,000 points) never holds up other requests' fits
    for m, d in zip(sizes, samples, strict=True):
        for i in ids:
            key = ("cost", *_source(v), m, i, tuple(hyper(v, CLASSIFIERS[i]).items()))

            def measured(i: str = i, d: Data = d) -> tuple[float, float]:
                return r.workers.submit(measure_job, _job(v, r, i, d)).result()

            f, p = r.costs.get_or_make(key, measured)
            fit_ms[i].append(f)
            predict_ms[i].append(p)
    return {
        "sizes": sizes,
        "fit_ms": fit_ms,
        "predict_ms": predict_ms,
        "fit_slope": {i: slope(sizes, t) for i, t in fit_ms.items()},
        "predict_slope": {i: slope(sizes, t) for i, t in predict_ms.items()},
        "problem": None,
    }


def compute(v: Settings, r: Resources) -> Frame:
    """Every shown classifier's map, accuracies and timings; the points; the cost curve."""
    d = dataset(v, r)
    ids = tuple(CLASSIFIERS) if v.view == "compare" else (v.classifier,)
    n = len(d.labels)
    maps: list[np.ndarray] = []
    wrong = np.zeros((len(ids), n), dtype=np.uint8)
    panels = []
    for k, (i, f) in enumerate(zip(ids, fitted(v, r, ids), strict=True)):
        clf = CLASSIFIERS[i]
        index = None
        if f.proba is not None and f.pred is not None:
            index = len(maps)
            maps.append(f.proba.reshape(G, G))
            wrong[k] = f.pred != d.labels
        panels.append(
            {
                "id": i,
                "label": clf.label,
                "params": clf.describe(hyper(v, clf)),
                "shading": clf.shading,
                "problem": f.problem,
                "map": index,
                "train_accuracy": f.train_accuracy,
                "test_accuracy": f.test_accuracy,
                "fit_ms": f.fit_ms,
                "predict_ms": f.predict_ms,
            }
        )
    meta = {
        "extent": list(EXTENT),
        "grid": G,
        "view": v.view,
        "dataset": v.dataset,
        "problem": d.problem,
        "n_train": int((~d.test).sum()),
        "n_test": int(d.test.sum()),
        "counts": [int((d.labels == 0).sum()), int((d.labels == 1).sum())],
        "classifiers": panels,
        "cost": cost_curve(v, r, ids) if v.cost else None,
    }
    arrays: dict[str, np.ndarray] = {
        "xy": d.xy.astype(np.float32),
        "label": d.labels.astype(np.uint8),
        "test": d.test.astype(np.uint8),
        "proba": np.stack(maps) if maps else np.zeros((0, G, G), dtype=np.float16),
        "wrong": wrong,
    }
    return Frame(meta=meta, arrays=arrays)


SPEC = SimSpec(
    id="decision_boundaries",
    title="Decision boundaries",
    chapter="classical-ml",
    summary="Seven scikit-learn classifiers on the same 2-D data: their boundaries, accuracies "
    "and costs, side by side.",
    params=PARAMS,
    kind="instant",
    compute=compute,
    setup=setup,
    # kNN alone is shaded on every worker (SPLIT_MAP): its first run on each is paid at start
    # (on other data than the defaults', so that no frame a reader asks for is ready-made)
    warm_with=({"view": "focus", "classifier": "knn", "seed": 9999},),
)
