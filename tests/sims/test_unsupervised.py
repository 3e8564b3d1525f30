"""k-means and PCA engine: Lloyd's iterations against scikit-learn's KMeans, PCA against PCA."""

import threading

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.datasets import load_digits
from sklearn.decomposition import PCA

from deepbook.sims import ParamError, decode, encode
from deepbook.sims.cache import LRU
from deepbook.sims.kmeans import initial_centres, lloyd, make_points, nearest
from deepbook.sims.unsupervised import GRID, PARAMS, SPEC, cluster, run_key


@pytest.fixture(scope="module")
def sim():
    return SPEC.load()


def frame(sim, **params):
    return sim.run(params)


def settings(**params):
    return PARAMS.validate(params)


def points_of(v):
    return make_points(v.dataset, v.true_clusters, v.spread, v.n_points, v.data_seed)[0]


CASES = [  # (dataset, k, init, seed, extra settings)
    ("blobs", 3, "kmeanspp", 0, {}),
    ("blobs", 4, "random", 1, {"true_clusters": 4}),
    ("blobs", 8, "random", 7, {"true_clusters": 6, "n_points": 2000, "spread": 0.3}),
    ("blobs", 10, "kmeanspp", 3, {"true_clusters": 2, "spread": 0.5}),
    ("moons", 2, "random", 5, {}),
    ("moons", 6, "kmeanspp", 11, {"n_points": 1000}),
    ("circles", 5, "random", 2, {"spread": 0.05}),
    ("circles", 1, "kmeanspp", 9, {}),
]


@pytest.mark.parametrize(("dataset", "k", "init", "seed", "extra"), CASES)
def test_objective_never_increases(dataset, k, init, seed, extra):
    run = cluster(settings(dataset=dataset, k=k, init=init, seed=seed, **extra)).run
    obj = run.objectives
    assert np.all(np.diff(obj) <= 1e-12 * obj[:-1]), obj
    assert run.iterations >= 1 and np.isfinite(obj).all()


@pytest.mark.parametrize(("dataset", "k", "init", "seed", "extra"), CASES)
def test_lloyd_equals_scikit_learn_kmeans_from_the_same_start(dataset, k, init, seed, extra):
    v = settings(dataset=dataset, k=k, init=init, seed=seed, **extra)
    x, run = points_of(v), cluster(v).run
    km = KMeans(n_clusters=k, init=run.trails[0], n_init=1, algorithm="lloyd", max_iter=100, tol=0)
    km.fit(x)
    np.testing.assert_allclose(run.trails[-1], km.cluster_centers_, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(run.assign[-1], km.labels_)
    assert km.n_iter_ == (run.iterations + 1 if run.converged else run.iterations)
    assert run.objectives[-1] == pytest.approx(km.inertia_, rel=1e-9)


def test_lloyd_by_hand():
    x = np.array([[0.0, 0.0], [1.0, 0.0], [9.0, 0.0], [10.0, 0.0]])
    run = lloyd(x, x[:2])
    assert run.converged and run.iterations == 2
    np.testing.assert_array_equal(run.assign, [[0, 1, 1, 1], [0, 0, 1, 1], [0, 0, 1, 1]])
    np.testing.assert_allclose(run.trails[:, :, 0], [[0, 1], [0, 20 / 3], [0.5, 9.5]])
    np.testing.assert_allclose(run.objectives, [145, 1 + (7 / 3) ** 2 + (10 / 3) ** 2, 1])


def test_an_empty_centre_stays_put_and_the_objective_still_falls():
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(0, 0.3, (30, 2)), rng.normal([4, 0], 0.3, (30, 2))])
    init = np.array([[-1.0, 0.0], [1.0, 0.0], [50.0, 50.0]])  # the third centre owns nothing
    run = lloyd(x, init)
    assert (run.assign != 2).all() and np.isfinite(run.trails).all()
    assert (run.trails[:, 2] == [50.0, 50.0]).all()
    assert np.all(np.diff(run.objectives) <= 0) and run.converged


def test_more_centres_than_distinct_points_leaves_empty_centres_without_nan(sim):
    for init in ("kmeanspp", "random"):
        f = decode(encode(frame(sim, spread=0.0, true_clusters=2, k=5, init=init, n_points=20)))
        assert sorted(f.meta["sizes"]) == [0, 0, 0, 10, 10]
        assert f.meta["objective"] == 0.0 and f.meta["converged"] and f.meta["iterations"] == 1
        assert np.isfinite(f.arrays["trails"]).all()


def test_initial_centres_are_distinct_data_points():
    x = points_of(settings(n_points=50))
    for init in ("kmeanspp", "random"):
        for seed in range(5):
            c = initial_centres(x, 10, init, np.random.default_rng(seed))
            rows = [np.flatnonzero((x == ci).all(axis=1)) for ci in c]
            assert all(len(r) == 1 for r in rows) and len({int(r[0]) for r in rows}) == 10


def test_the_frame_shows_the_chosen_state_of_the_cached_run(sim):
    v = settings(k=6, init="random", seed=4, n_points=500, true_clusters=5)
    run = cluster(v).run
    assert run.iterations >= 3
    for i in (0, 1, run.iterations, 100):
        f = frame(sim, k=6, init="random", seed=4, n_points=500, true_clusters=5, iteration=i)
        shown = min(i, run.iterations)
        a, m = f.arrays, f.meta
        assert m["iteration"] == shown and m["iterations"] == run.iterations
        np.testing.assert_array_equal(a["centres"], run.trails[shown].astype(np.float32))
        np.testing.assert_array_equal(a["assign"], nearest(points_of(v), run.trails[shown]))
        assert m["objective"] == run.objectives[shown] and sum(m["sizes"]) == 500
        assert a["trails"].shape == (run.iterations + 1, 6, 2)
        assert a["objectives"].shape == (run.iterations + 1,)


def test_the_voronoi_grid_is_the_nearest_centre_of_every_cell_centre(sim):
    v = settings(k=7, init="random", seed=2, dataset="moons", iteration=1)
    f = sim.frame(v)
    centres = cluster(v).run.trails[1]
    x0, x1, y0, y1 = f.meta["extent"]
    g = f.meta["grid"]
    assert g == GRID and f.arrays["voronoi"].shape == (g, g) and x1 - x0 == pytest.approx(y1 - y0)
    want = np.zeros((g, g), dtype=np.uint8)
    for r in range(g):
        for c in range(g):
            p = (x0 + (c + 0.5) * (x1 - x0) / g, y0 + (r + 0.5) * (y1 - y0) / g)
            d = [(p[0] - cx) ** 2 + (p[1] - cy) ** 2 for cx, cy in centres]
            want[r, c] = d.index(min(d))
    np.testing.assert_array_equal(f.arrays["voronoi"], want)
    assert len(np.unique(want)) == 7


def test_the_extent_holds_every_point_and_centre(sim):
    f = frame(sim, dataset="circles", spread=0.5, k=10, n_points=2000)
    x0, x1, y0, y1 = f.meta["extent"]
    for a in (f.arrays["points"], f.arrays["trails"].reshape(-1, 2)):
        assert (a[:, 0] >= x0).all() and (a[:, 0] <= x1).all()
        assert (a[:, 1] >= y0).all() and (a[:, 1] <= y1).all()


def test_moving_the_iteration_reuses_the_cached_run():
    res = SPEC.setup()
    for i in range(0, 20):
        SPEC.compute(settings(iteration=i, n_points=2000, k=10), res)
    assert len(res.runs) == 1
    SPEC.compute(settings(seed=1), res)
    assert len(res.runs) == 2


def test_the_run_cache_is_a_bounded_lru_safe_across_threads():
    runs, made = LRU(3), []

    def make(key):
        return lambda: made.append(key) or key

    for key in ("a", "b", "c", "a", "d", "a", "b"):  # "b" is evicted by "d", then made again
        assert runs.get_or_make(key, make(key)) == key
    assert made == ["a", "b", "c", "d", "b"] and len(runs) == 3

    errors = []

    def hammer(seed):
        rng = np.random.default_rng(seed)
        try:
            for key in rng.integers(0, 8, 300):
                assert runs.get_or_make(int(key), make(int(key))) == int(key)
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=hammer, args=(s,)) for s in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(runs) == 3


def test_run_key_ignores_true_clusters_unless_the_data_are_blobs():
    assert run_key(settings(dataset="moons", true_clusters=2)) == run_key(settings(dataset="moons"))
    assert run_key(settings(true_clusters=2)) != run_key(settings())


@pytest.fixture(scope="module")
def digits():
    return np.asarray(load_digits().data, dtype=np.float64)


def test_the_digits_are_scikit_learns_load_digits(sim, digits):
    d = sim.resources.digits
    np.testing.assert_array_equal(d.images, digits)
    np.testing.assert_array_equal(d.labels, load_digits().target)
    assert d.images.shape == (1797, 64) and d.labels.dtype == np.uint8


def test_explained_variance_ratios_equal_scikit_learns(sim, digits):
    want = PCA(svd_solver="full").fit(digits).explained_variance_ratio_
    np.testing.assert_allclose(sim.resources.digits.ratios, want, rtol=1e-9, atol=1e-15)
    f = frame(sim, method="pca")
    np.testing.assert_allclose(f.arrays["ratios"], want, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(f.arrays["cumulative"], np.cumsum(want), rtol=1e-6)
    for m in (0, 1, 2, 10, 40, 64):
        got = frame(sim, method="pca", components=m).meta["explained_variance"]
        assert got == pytest.approx(want[:m].sum(), abs=1e-12)
    assert frame(sim, method="pca", components=0).meta["explained_variance"] == 0


def test_components_and_projection_equal_scikit_learns(sim, digits):
    pca = PCA(svd_solver="full").fit(digits)
    d = sim.resources.digits
    np.testing.assert_allclose(d.mean, pca.mean_, atol=1e-12)
    f = frame(sim, method="pca")
    lead = slice(0, 16)  # well separated variances: each leading component is unique up to sign
    np.testing.assert_allclose(d.basis[lead], pca.components_[lead], atol=1e-8)
    np.testing.assert_allclose(f.arrays["basis"].reshape(16, 64), pca.components_[lead], atol=1e-6)
    np.testing.assert_allclose(f.arrays["projection"], pca.transform(digits)[:, :2], atol=1e-4)
    np.testing.assert_array_equal(f.arrays["labels"][:10], np.arange(10))


@pytest.mark.parametrize("m", [1, 2, 5, 10, 30, 63, 64])
def test_reconstruction_equals_scikit_learns_inverse_transform(sim, digits, m):
    pca = PCA(n_components=m, svd_solver="full").fit(digits)
    for i in (0, 3, 1000, 1796):
        want = pca.inverse_transform(pca.transform(digits[i : i + 1]))[0]
        np.testing.assert_allclose(sim.resources.digits.reconstruct(i, m), want, atol=1e-9)
        f = frame(sim, method="pca", components=m, digit=i)
        np.testing.assert_allclose(f.arrays["reconstruction"].ravel(), want, atol=1e-5)
        np.testing.assert_array_equal(f.arrays["original"].ravel(), digits[i])


def test_reconstruction_error_falls_with_components_to_zero(sim, digits):
    for i in (3, 500):
        fs = [frame(sim, method="pca", digit=i, components=m) for m in range(65)]
        err = np.array([f.meta["error"] for f in fs])
        rel = np.array([f.meta["relative_error"] for f in fs])
        assert np.all(np.diff(err) <= 1e-12) and np.all(np.diff(rel) <= 1e-12)
        assert err[-1] < 1e-20 and rel[0] == pytest.approx(1.0) and err[0] > 1
        a = fs[10].arrays
        mse = np.mean((a["original"].astype(np.float64) - a["reconstruction"]) ** 2)
        assert err[10] == pytest.approx(mse, rel=1e-5)
        np.testing.assert_array_equal(fs[0].arrays["reconstruction"], fs[0].arrays["mean"])
        assert fs[0].meta["digit"] == i and fs[0].meta["label"] == fs[0].arrays["labels"][i]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("k", 11),
        ("k", 0),
        ("digit", 1797),
        ("method", "tsne"),
        ("components", 65),
        ("n_points", 19),
        ("n_points", 2001),
        ("iteration", 101),
        ("true_clusters", 9),
        ("spread", -0.1),
        ("init", "farthest"),
        ("dataset", "spirals"),
        ("seed", 10000),
    ],
)
def test_out_of_range_values_name_the_parameter(name, value):
    with pytest.raises(ParamError) as e:
        SPEC.run({name: value})
    assert e.value.name == name


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"k": 1},
        {"k": 10, "spread": 0.0, "true_clusters": 1},
        {"n_points": 20, "k": 10, "iteration": 100},
        {"n_points": 2000, "k": 10, "init": "random", "iteration": 50},
        {"dataset": "moons", "spread": 0.0},
        {"dataset": "circles", "spread": 0.5, "k": 7},
        {"method": "pca"},
        {"method": "pca", "components": 0, "digit": 0},
        {"method": "pca", "components": 64, "digit": 1796},
    ],
)
def test_encoded_frames_are_finite_and_carry_only_their_methods_arrays(sim, params):
    f = decode(encode(frame(sim, **params)))
    for a in f.arrays.values():
        assert a.dtype.name in ("uint8", "int32", "float16", "float32")
        if a.dtype.kind == "f":
            assert np.isfinite(a).all()
    kmeans = {"points", "truth", "assign", "centres", "trails", "objectives", "voronoi"}
    pca = {"mean", "basis", "ratios", "cumulative", "original", "reconstruction", "coords"}
    pca |= {"projection", "labels"}
    method = params.get("method", "kmeans")
    assert f.meta["method"] == method
    assert set(f.arrays) == (kmeans if method == "kmeans" else pca)
    if method == "kmeans":
        assert f.arrays["voronoi"].max() < f.meta["k"] and f.arrays["assign"].max() < f.meta["k"]


def test_same_seed_same_frames_other_seed_other_frames():
    def bytes_of(**params):
        return encode(SPEC.load().run(params))  # fresh resources: nothing comes from a cache

    for params in ({"init": "random", "k": 5}, {"dataset": "moons", "n_points": 400}):
        assert bytes_of(**params, seed=3) == bytes_of(**params, seed=3)
        assert bytes_of(**params, seed=3) != bytes_of(**params, seed=4)
        assert bytes_of(**params, data_seed=1) != bytes_of(**params, data_seed=2)
    assert bytes_of(method="pca", digit=7) == bytes_of(method="pca", digit=7)


def test_a_run_stopped_by_the_iteration_cap_equals_scikit_learns_capped_run():
    v = settings(true_clusters=1, spread=0.5, n_points=2000, k=10, init="random", seed=73)
    x, full = points_of(v), cluster(v).run
    assert full.iterations > 60 and full.converged  # a long run: cut it short at 10 updates
    run = lloyd(x, full.trails[0], max_iter=10)
    assert run.iterations == 10 and not run.converged
    np.testing.assert_array_equal(run.trails, full.trails[:11])
    km = KMeans(n_clusters=10, init=run.trails[0], n_init=1, algorithm="lloyd", max_iter=10, tol=0)
    km.fit(x)
    np.testing.assert_allclose(run.trails[-1], km.cluster_centers_, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(run.assign[-1], km.labels_)
    assert km.n_iter_ == 10


def test_settings_survive_a_round_trip_through_the_url():
    v = settings(method="pca", init="kmeanspp", spread=0.07, dataset="circles", digit=42)
    query = {f"u.{p.name}": p.to_url(getattr(v, p.name)) for p in PARAMS}
    assert all("+" not in q and " " not in q for q in query.values())
    assert PARAMS.from_query(query, "u") == (v, [])
