"""Decision-boundaries engine: the chapter's claims, maps against refits, caching, bad data."""

import json
import subprocess
import sys
import threading
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score

from deepbook.sims import decision_boundaries as db
from deepbook.sims import decode, encode
from deepbook.sims.cache import LRU
from deepbook.sims.classifiers import CLASSIFIERS, TABLE, grid_centres, slope
from deepbook.sims.datasets2d import EXTENT, make
from deepbook.sims.fitting import build, rbf_decision, shade
from deepbook.sims.params import ParamError

G = db.G
CENTRES = -4 + (np.arange(G) + 0.5) * 8 / G  # cell centres along either axis


@pytest.fixture(scope="module")
def sim():
    return db.SPEC.load()  # one set of resources for the module, as on the server


def panel(frame, clf_id):
    return next(p for p in frame.meta["classifiers"] if p["id"] == clf_id)


def focus(sim, clf_id, **params):
    """The one panel of a focus view."""
    return sim.run({"view": "focus", "classifier": clf_id, **params}).meta["classifiers"][0]


# --- the chapter's claims -------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("data", ["xor", "circles"])
def test_logistic_regression_needs_degree_2_features_for_xor_and_circles(sim, data, seed):
    linear = focus(sim, "logistic", dataset=data, seed=seed, logreg_degree=1)
    quadratic = focus(sim, "logistic", dataset=data, seed=seed, logreg_degree=2)
    assert linear["test_accuracy"] <= 0.65
    assert quadratic["test_accuracy"] >= 0.95


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("data", ["moons", "circles", "xor"])
@pytest.mark.parametrize("clf_id", ["rbf_svm", "knn"])
def test_rbf_svm_and_knn_separate_the_curved_datasets(sim, clf_id, data, seed):
    assert focus(sim, clf_id, dataset=data, seed=seed)["test_accuracy"] >= 0.9


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_one_nearest_neighbour_memorises_the_clouds_and_generalises_worse(sim, seed):
    table = {"dataset": "blobs", "n": 400, "test_share": 0.5, "seed": seed}  # 200 training points
    k1, k15 = focus(sim, "knn", knn_k=1, **table), focus(sim, "knn", knn_k=15, **table)
    assert k1["train_accuracy"] == 1.0
    assert k1["test_accuracy"] < k15["test_accuracy"]
    assert k15["train_accuracy"] < 1.0


def change_lines(classes):
    """Column boundaries j (between columns j, j+1) and row boundaries where the class changes."""
    cols = np.flatnonzero((classes[:, 1:] != classes[:, :-1]).any(axis=0))
    rows = np.flatnonzero((classes[1:, :] != classes[:-1, :]).any(axis=1))
    return cols, rows


def test_a_trees_boundary_is_axis_aligned_and_logistic_regressions_is_not(sim):
    # The class map of a depth-d tree is constant on a product partition of the plane cut by at
    # most 2**d - 1 vertical or horizontal lines, each at one of the tree's split thresholds. A
    # slanted line (logistic regression on the clouds) changes class at almost every column.
    v = db.PARAMS.validate({"dataset": "moons", "view": "focus", "classifier": "tree"})
    v = db.PARAMS.validate({"tree_depth": 4}, base=v)
    frame = db.compute(v, sim.resources)
    cols, rows = change_lines(frame.arrays["proba"][0] > 0.5)
    assert 0 < len(cols) + len(rows) <= 2**4 - 1
    d = db.dataset(v, sim.resources)
    tree = build("tree", {"tree_depth": 4}, v.seed).fit(d.xy[~d.test], d.labels[~d.test])
    split = tree.tree_.feature >= 0
    for axis, lines in ((0, cols), (1, rows)):
        cuts = tree.tree_.threshold[split & (tree.tree_.feature == axis)]
        for j in lines:  # a threshold lies between the centres on either side of the line
            assert ((CENTRES[j] <= cuts) & (cuts < CENTRES[j + 1])).any()

    slanted = sim.run({"view": "focus", "classifier": "logistic"}).arrays["proba"][0] > 0.5
    cols, rows = change_lines(slanted)
    assert len(cols) + len(rows) > 2**4 - 1
    assert len(cols) > 40 and len(rows) > 40


# --- every map and number is the estimator's own ---------------------------------------------


@pytest.mark.parametrize("data", ["moons", "blobs"])
def test_maps_accuracies_and_errors_equal_an_independent_refit(sim, data):
    v = db.PARAMS.validate({"dataset": data, "seed": 3})
    frame = db.compute(v, sim.resources)
    d = db.dataset(v, sim.resources)
    xy, labels = make(data, v.n, v.noise, np.random.default_rng([v.seed, db.DATA]))
    assert np.array_equal(frame.arrays["xy"], xy.astype(np.float32))
    assert np.array_equal(frame.arrays["label"], labels)
    assert np.array_equal(frame.arrays["test"], d.test)
    gx, gy = np.meshgrid(CENTRES, CENTRES)  # [row, col]: row 0 is the lowest y
    grid = np.stack([gx.ravel(), gy.ravel()], axis=1)
    train, test = ~d.test, d.test
    for k, clf in enumerate(TABLE):
        p = frame.meta["classifiers"][k]
        assert p["id"] == clf.id and p["problem"] is None and p["shading"] == clf.shading
        est = build(clf.id, db.hyper(v, clf), v.seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            est.fit(xy[train], labels[train])
        value = shade(clf.id, est, grid)
        np.testing.assert_allclose(
            frame.arrays["proba"][p["map"]], value.reshape(G, G), atol=1e-3, err_msg=clf.id
        )
        decided = est.predict(grid)
        assert np.array_equal(decided == 1, value > 0.5), f"{clf.id}: 0.5 is not its boundary"
        pred = est.predict(xy)
        assert p["train_accuracy"] == round(accuracy_score(labels[train], pred[train]), 3)
        assert p["test_accuracy"] == round(accuracy_score(labels[test], pred[test]), 3)
        assert np.array_equal(frame.arrays["wrong"][k], pred != labels)
        assert p["fit_ms"] > 0 and p["predict_ms"] > 0


def test_svms_are_shaded_by_their_score_the_rest_by_probability(sim):
    frame = sim.run({})
    shading = {p["id"]: p["shading"] for p in frame.meta["classifiers"]}
    assert shading == {c.id: ("score" if "svm" in c.id else "probability") for c in TABLE}


# --- caching -----------------------------------------------------------------------------------


def test_changing_one_hyperparameter_refits_only_that_classifier():
    resources = db.setup()
    v1 = db.PARAMS.defaults()
    first = db.compute(v1, resources)
    assert resources.fits.misses == len(TABLE) and resources.data.misses == 1
    v2 = db.PARAMS.validate({"svm_gamma": 2.0})
    second = db.compute(v2, resources)
    assert resources.fits.misses == len(TABLE) + 1  # only the RBF SVM was fitted again
    assert resources.data.misses == 1  # the points were not generated again
    for clf in TABLE:
        (a,), (b,) = db.fitted(v1, resources, (clf.id,)), db.fitted(v2, resources, (clf.id,))
        same = a is b
        assert same == (clf.id != "rbf_svm")
        if clf.id != "rbf_svm":
            assert panel(first, clf.id) == panel(second, clf.id)
    db.compute(db.PARAMS.validate({"seed": 1}), resources)
    assert resources.fits.misses == 2 * len(TABLE) + 1  # other data: everything is refitted


def test_a_focus_view_fits_only_its_classifier():
    resources = db.setup()
    frame = db.compute(db.PARAMS.validate({"view": "focus", "classifier": "forest"}), resources)
    assert resources.fits.misses == 1
    assert [p["id"] for p in frame.meta["classifiers"]] == ["forest"]
    assert frame.arrays["proba"].shape == (1, G, G) and frame.arrays["wrong"].shape == (1, 200)


def test_noise_does_not_refit_the_clouds_which_ignore_it():
    resources = db.setup()
    db.compute(db.PARAMS.validate({"view": "focus"}), resources)
    db.compute(db.PARAMS.validate({"view": "focus", "noise": 0.5}), resources)
    assert resources.fits.misses == 1 and resources.data.misses == 1


def test_caches_are_bounded():
    resources = db.Resources(fits=LRU(2))
    frame = db.compute(db.PARAMS.defaults(), resources)
    assert len(resources.fits) == 2
    assert all(p["map"] is not None for p in frame.meta["classifiers"])


def test_lru_drops_the_least_recently_used_entry():
    cache: LRU[str, int] = LRU(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "b" is now the least recently used
    cache.put("c", 3)
    assert "b" not in cache and cache.get("a") == 1 and cache.get("c") == 3
    assert cache.get_or_make("c", lambda: 99) == 3
    with pytest.raises(ValueError):
        LRU(0)


def test_lru_makes_a_value_once_when_threads_ask_together():
    cache: LRU[str, int] = LRU(4)
    calls, gate = [], threading.Event()

    def make():
        calls.append(1)
        gate.wait(5)
        return 42

    results = []
    threads = [
        threading.Thread(target=lambda: results.append(cache.get_or_make("k", make)))
        for _ in range(4)
    ]
    for t in threads:
        t.start()
    gate.set()
    for t in threads:
        t.join()
    assert results == [42] * 4 and len(calls) == 1


def test_concurrent_requests_give_the_same_frames_as_one_at_a_time(sim):
    params = [
        {"view": "focus", "classifier": c, "dataset": "circles", "seed": 11} for c in CLASSIFIERS
    ]
    frames = [None] * len(params)

    def run(i):
        frames[i] = sim.run(params[i])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(params))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for p, frame in zip(params, frames, strict=True):
        again = db.SPEC.load().run(p)
        assert np.array_equal(frame.arrays["proba"], again.arrays["proba"])


def test_fits_that_hit_their_iteration_cap_raise_no_warning_even_from_threads():
    # pytest turns warnings into errors: a ConvergenceWarning escaping any thread would fail this
    spiral = {"view": "focus", "classifier": "mlp", "dataset": "spiral", "n": 400}
    v = db.PARAMS.validate({**spiral, "mlp_hidden": 8})
    d = db.dataset(v, db.setup())
    with pytest.warns(ConvergenceWarning):  # this fit does hit the cap
        build("mlp", {"mlp_hidden": 8}, 0).fit(d.xy[~d.test], d.labels[~d.test])
    filters = list(warnings.filters)
    resources, errors = db.setup(), []

    def run(hidden):
        try:
            db.compute(db.PARAMS.validate({**spiral, "mlp_hidden": hidden}), resources)
        except Exception as e:  # pragma: no cover - the failure this test looks for
            errors.append(e)

    threads = [threading.Thread(target=run, args=(h,)) for h in (8, 32, 8, 32, 16, 64)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and warnings.filters == filters


# --- the reader's own points, and data that cannot be fitted -----------------------------------


def own(points, **params):
    return db.SPEC.load().run({"dataset": "own", "points": points, **params})


def assert_clean(frame):
    """Encodes (no NaN in meta), decodes, and holds no NaN or infinity in any array."""
    back = decode(encode(frame))
    json.dumps(back.meta, allow_nan=False)
    for name, a in back.arrays.items():
        assert np.isfinite(a.astype(np.float64)).all(), name
    return back


def test_points_of_one_class_only_give_problems_not_crashes():
    pts = [[x / 2, x / 3, 0] for x in range(-6, 6)]
    frame = assert_clean(own(pts))
    assert frame.meta["problem"] == "needs points of both classes in the training set"
    for p in frame.meta["classifiers"]:
        assert p["problem"] == frame.meta["problem"] and p["map"] is None
        assert p["train_accuracy"] is None and p["test_accuracy"] is None
    assert frame.arrays["proba"].shape == (0, G, G)
    assert frame.arrays["xy"].shape == (12, 2) and frame.meta["counts"] == [12, 0]
    assert not frame.arrays["wrong"].any()


@pytest.mark.parametrize("points", [[], [[0.5, 0.5, 1]]])
def test_no_points_or_one_point_is_a_problem(points):
    frame = assert_clean(own(points, view="focus"))
    assert frame.meta["classifiers"][0]["problem"].startswith("needs at least 2 training points")
    assert frame.arrays["xy"].shape == (len(points), 2)


def test_k_larger_than_the_training_set_is_a_problem_of_knn_alone():
    frame = assert_clean(own([[-1, -1, 0], [-1.5, -1, 0], [1, 1, 1]], knn_k=15))
    assert frame.meta["n_train"] == 2 and frame.meta["n_test"] == 1
    for p in frame.meta["classifiers"]:
        if p["id"] == "knn":
            assert p["problem"] == "k = 15 is more than the 2 training points" and p["map"] is None
        else:
            assert p["problem"] is None and p["map"] is not None


def test_own_points_are_all_sent_back_with_a_seeded_stratified_split():
    rng = np.random.default_rng(5)
    pts = [[*rng.uniform(-3, 3, 2), i % 2] for i in range(40)]
    a, b = own(pts, seed=4, view="focus"), own(pts, seed=4, view="focus")
    c = own(pts, seed=5, view="focus")
    assert np.array_equal(a.arrays["test"], b.arrays["test"])
    assert not np.array_equal(a.arrays["test"], c.arrays["test"])
    test, label = a.arrays["test"].astype(bool), a.arrays["label"]
    assert (test & (label == 0)).sum() == (test & (label == 1)).sum() == 6  # 30% of each 20
    snapped = db.PARAMS["points"].coerce(pts)
    np.testing.assert_allclose(a.arrays["xy"], snapped.xy, atol=1e-6)


def test_the_frame_layout_and_its_size_at_the_most_points(sim):
    frame = sim.run({"n": 2000})
    meta, arrays = frame.meta, frame.arrays
    assert meta["extent"] == [-4.0, 4.0] and meta["grid"] == G and meta["view"] == "compare"
    assert meta["n_train"] + meta["n_test"] == 2000 and meta["counts"] == [1000, 1000]
    assert meta["cost"] is None and meta["problem"] is None
    assert [p["map"] for p in meta["classifiers"]] == list(range(len(TABLE)))
    assert panel(frame, "knn")["params"] == "k = 15, uniform"
    dtypes = {k: (a.dtype.name, a.shape) for k, a in arrays.items()}
    assert dtypes == {
        "xy": ("float32", (2000, 2)),
        "label": ("uint8", (2000,)),
        "test": ("uint8", (2000,)),
        "proba": ("float16", (len(TABLE), G, G)),
        "wrong": ("uint8", (len(TABLE), 2000)),
    }
    assert len(encode(frame)) < 200_000


# --- validation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ({"n": 5000}, "n"),
        ({"n": 5}, "n"),
        ({"knn_k": 0}, "knn_k"),
        ({"classifier": "naive_bayes"}, "classifier"),
        ({"dataset": "swiss_roll"}, "dataset"),
        ({"test_share": 0.9}, "test_share"),
        ({"logreg_degree": 6}, "logreg_degree"),
        ({"svm_gamma": 0.0}, "svm_gamma"),
        ({"cost": 6}, "cost"),
        ({"points": [[4.5, 0.0, 0]]}, "points"),
        ({"points": [[0.0, 0.0, 2]]}, "points"),
    ],
)
def test_out_of_range_parameters_are_refused_by_name(raw, name):
    with pytest.raises(ParamError) as err:
        db.PARAMS.validate(raw)
    assert err.value.name == name


def test_every_hyperparameter_field_is_a_parameter_and_the_defaults_are_the_brief():
    names = set(db.PARAMS.names)
    assert all(f in names for clf in TABLE for f in clf.fields)
    v = db.PARAMS.defaults()
    assert (v.dataset, v.n, v.test_share, v.view, v.classifier, v.knn_k) == (
        "blobs", 200, 0.3, "compare", "knn", 15,
    )  # fmt: skip


def test_importing_the_sims_package_does_not_import_scikit_learn():
    code = "import sys, deepbook.sims; assert 'sklearn' not in sys.modules, 'sklearn imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


# --- cost as data grows ------------------------------------------------------------------------


def test_slope_is_the_least_squares_exponent():
    assert slope([100, 1000], [1.0, 100.0]) == pytest.approx(2.0)
    assert slope([100, 300, 1000], [2.0, 6.0, 20.0]) == pytest.approx(1.0)
    assert slope([100], [1.0]) is None


def test_each_cost_level_measures_one_more_size_and_reuses_the_others():
    resources = db.setup()
    base = {"view": "focus", "classifier": "logistic"}
    one = db.compute(db.PARAMS.validate({**base, "cost": 1}), resources).meta["cost"]
    assert resources.costs.misses == 1
    two = db.compute(db.PARAMS.validate({**base, "cost": 2}), resources).meta["cost"]
    assert resources.costs.misses == 2
    assert one["sizes"] == [100] and two["sizes"] == [100, 300]
    assert two["fit_ms"]["logistic"][0] == one["fit_ms"]["logistic"][0]  # from the cache
    assert one["fit_slope"] == {"logistic": None} and two["fit_slope"]["logistic"] is not None
    assert len(two["predict_ms"]["logistic"]) == 2 and two["problem"] is None


def test_cost_of_own_points_resamples_them_and_reports_a_missing_class():
    pts = [[-1, -1, 0], [-1.2, -0.8, 0], [1, 1, 1], [1.3, 0.7, 1]]
    frame = assert_clean(own(pts, view="focus", classifier="knn", knn_k=1, cost=2))
    assert frame.meta["cost"]["sizes"] == [100, 300]
    assert all(t > 0 for t in frame.meta["cost"]["fit_ms"]["knn"])
    lonely = assert_clean(own(pts[:2], view="focus", cost=2)).meta["cost"]
    assert lonely["sizes"] == [] and lonely["problem"] is not None


@pytest.mark.slow
def test_knn_predicts_slower_and_rbf_svm_fits_superlinearly_as_the_data_grow():
    sim = db.SPEC.load()
    knn = sim.run({"view": "focus", "classifier": "knn", "cost": 5}).meta["cost"]
    svm = sim.run({"view": "focus", "classifier": "rbf_svm", "cost": 5}).meta["cost"]
    assert knn["sizes"] == [100, 300, 1000, 3000, 10000]
    predict = knn["predict_ms"]["knn"]
    # brute force: each query meets every stored point (≈ 15× here when the machine is idle;
    # loose bounds, because other processes can slow any single measurement)
    assert predict[-1] > 2 * predict[0]
    assert knn["predict_slope"]["knn"] > 0.25
    assert svm["fit_slope"]["rbf_svm"] > 1.0  # least squares over all five sizes


@pytest.mark.parametrize("data", ["moons", "spiral", "xor"])
@pytest.mark.parametrize("gamma", [0.05, 0.5, 20.0])
def test_the_rbf_svms_map_is_its_decision_function(data, gamma):
    v = db.PARAMS.validate({"dataset": data, "svm_gamma": gamma, "svm_c": 10.0})
    d = db.dataset(v, db.setup())
    svm = build("rbf_svm", db.hyper(v, CLASSIFIERS["rbf_svm"]), 0)
    svm.fit(d.xy[~d.test], d.labels[~d.test])
    grid = grid_centres(db.G, EXTENT)
    np.testing.assert_allclose(rbf_decision(svm, grid), svm.decision_function(grid), atol=1e-10)
