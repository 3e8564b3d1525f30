"""latent_interpolation's engine: the film is the models' own decodes judged by the shipped CNN,
paths start and end exactly at the endpoints' reconstructions, the default endpoints show the
autoencoder's hole next to the VAE's filled map, endpoints from drawings, drags and the prior,
and bad input refused by name."""

import numpy as np
import pytest
import torch

from deepbook.models.ink import prepare
from deepbook.sims.inputs import Image, Points, PointSet
from deepbook.sims.latent_interpolation import SPEC, STEPS
from deepbook.sims.params import ParamError

MOVED = Points("moved", extent=(-1.0, 1.0), max_count=2, classes=2, default=PointSet())


@pytest.fixture(scope="module")
def sim():
    return SPEC.load()


def decode(c, z):
    with torch.no_grad():
        return c.coder.decode(torch.from_numpy(np.asarray(z)).float()).numpy()


def uint8(x):
    return np.rint(np.clip(x, 0, 1) * 255).astype(np.uint8)


def test_the_film_is_each_models_decodes_judged_by_the_cnn(sim):
    r = sim.resources
    f = sim.run({"t": 0.37})
    assert f.meta["t"] == 0.37
    for p, key in enumerate(("ae", "vae")):
        c = r.coded[key]
        meta = f.meta["panels"][p]
        assert meta["model"] == key
        za, zb = c.codes[287], c.codes[30]
        ts = np.arange(STEPS + 1) / STEPS
        want = decode(c, (1 - ts[:, None]) * za + ts[:, None] * zb)
        film = f.arrays[f"film{p}"]
        assert np.abs(film.astype(int) - uint8(want)).max() <= 1
        probs = r.cnn.predict(film.astype(np.float32) / 255)
        agree = probs.argmax(1) == f.arrays[f"film_class{p}"]
        assert agree.mean() >= 0.97  # the CNN on the same pictures, give or take a rounding
        assert meta["prediction_t"] == f.arrays[f"film_class{p}"][37]
        assert meta["prediction_a"] == 1 and meta["prediction_b"] == 0  # a 1 and a 0
        np.testing.assert_allclose(
            f.arrays[f"path{p}"][[0, -1]], c.to_map(np.stack([za, zb])), atol=1e-6
        )


@pytest.mark.parametrize("view", ["compare", "vae16"])
def test_paths_start_and_end_at_the_endpoints_own_reconstructions(sim, view):
    r = sim.resources
    f = sim.run({"view": view, "a": 11, "b": 1200})
    for p, meta in enumerate(f.meta["panels"]):
        c = r.coded[meta["model"]]
        for k, i in ((0, 11), (-1, 1200)):
            alone = uint8(decode(c, c.codes[i][None]))[0]
            assert np.array_equal(f.arrays[f"film{p}"][k], alone)
            assert np.array_equal(f.arrays[f"strip{p}"][k], alone)


def test_the_default_path_crosses_a_hole_in_the_autoencoder_only(sim):
    f = sim.run({})
    ae, vae = f.meta["panels"]
    assert ae["hole_share"] > 3 * vae["hole_share"]
    assert ae["widest_gap"] > vae["widest_gap"]
    # in the hole the autoencoder decodes something the CNN cannot name; the VAE stays on digits
    assert f.arrays["film_conf0"].min() < 0.4 < f.arrays["film_conf1"].min()


def test_the_16d_view_shows_norms_against_the_shell(sim):
    f = sim.run({"view": "vae16", "ends": "prior", "seed": 4})
    straight, arc = f.arrays["norm0"], f.arrays["norm1"]
    shell = f.meta["shell"]
    assert shell["dims"] == 16 and shell["low"] < 4 < shell["high"]
    assert straight[0] == pytest.approx(arc[0]) and straight[-1] == pytest.approx(arc[-1])
    assert straight[50] < min(arc[0], arc[-1]) * 0.85  # the straight midpoint is shorter
    assert arc.min() >= min(arc[0], arc[-1]) * 0.97
    assert [p["path"] for p in f.meta["panels"]] == ["straight", "spherical"]
    assert "a draw from N(0, I)" in f.meta["panels"][0]["a"]["source"]


def test_a_drawing_is_prepared_and_encoded(sim):
    r = sim.resources
    ink = np.zeros((28, 28), dtype=np.uint8)
    ink[4:24, 12:15] = 255  # a tall stroke: a 1
    f = sim.run({"a_drawing": Image(28, 28, ink.tobytes())})
    for p, key in enumerate(("ae", "vae")):
        meta, c = f.meta["panels"][p], r.coded[key]
        assert meta["a"]["source"] == "your drawing"
        z = c.encode(prepare(ink)[None])[0]
        np.testing.assert_allclose(f.arrays[f"path{p}"][0], c.to_map(z[None])[0], atol=1e-6)
    assert f.meta["panels"][1]["prediction_a"] == 1


def test_a_dragged_endpoint_moves_on_its_own_map_only(sim):
    r = sim.resources
    moved = MOVED.coerce([[0.5, -0.25, 1]])  # B on the autoencoder's map
    f = sim.run({"ae_ends": moved})
    ae, vae = f.meta["panels"]
    np.testing.assert_allclose(f.arrays["path0"][-1], moved.xy[0], atol=1e-6)
    assert ae["b"]["source"].startswith("moved to (0.50, -0.25)")
    assert vae["b"]["source"] == "held-out digit #30 (a 0)"
    c = r.coded["ae"]
    assert np.allclose(c.to_map(c.from_map(moved.xy)), moved.xy)
    corners = MOVED.coerce([[-1, -1, 0], [1, 1, 1]])
    f = sim.run({"ae_ends": corners, "vae_ends": corners, "manifold": True})
    for name, a in f.arrays.items():
        if a.dtype.kind == "f":
            assert np.isfinite(a).all(), name


def test_the_manifold_tiles_the_map_with_decodes(sim):
    r = sim.resources
    f = sim.run({"manifold": True})
    grid = f.meta["grid"]
    tiles = f.arrays["manifold0"]
    assert tiles.shape == (28 * grid, 28 * grid)
    c = r.coded["ae"]
    # the top-left tile is the decode of the top-left cell's centre
    u = (0.5 / grid) * 2 - 1
    want = uint8(decode(c, c.from_map(np.array([[u, -u]]))))[0]
    assert np.abs(tiles[:28, :28].astype(int) - want).max() <= 1


def test_prior_samples_and_their_mean_confidence(sim):
    f = sim.run({"seed": 2})
    rows = {row["model"]: row for row in f.meta["prior"]}
    assert set(rows) == {"ae", "vae", "vae16"}
    assert rows["vae"]["mean_confidence"] > rows["ae"]["mean_confidence"]
    for key, row in rows.items():
        assert f.arrays[f"prior_{key}"].shape == (10, 28, 28)
        assert len(row["classes"]) == 10 and all(0 <= p <= 1 for p in row["confidence"])


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ({"view": "gan"}, "view"),
        ({"n": 4}, "n"),
        ({"n": 16}, "n"),
        ({"t": 1.5}, "t"),
        ({"a": 2000}, "a"),
        ({"a_drawing": "not-a-code"}, "a_drawing"),
        ({"b_drawing": "zAAAA"}, "b_drawing"),
        ({"ae_ends": [[1.5, 0, 0]]}, "ae_ends"),
        ({"vae_ends": [[0, 0, 0], [0.5, 0.5, 0]]}, "vae_ends"),
        ({"vae_ends": [[0, 0, 2]]}, "vae_ends"),
    ],
)
def test_bad_input_is_refused_by_name(sim, raw, name):
    with pytest.raises(ParamError) as err:
        sim.run(raw)
    assert err.value.name == name


def test_chapter_7s_what_to_try_holds(sim):
    """Each sentence of the chapter's "what to try" that names a number or a digit, checked."""
    f = sim.run({})
    read = [int(k) for k in f.arrays["strip_class1"]]
    assert [k for i, k in enumerate(read) if i == 0 or k != read[i - 1]] == [1, 8, 2, 6, 0]
    conf, gap = f.arrays["film_conf0"], f.arrays["gap0"]
    assert (gap[25:36] > 1).mean() > 0.5  # a hole between t = 0.25 and 0.35
    worst = int(np.argmin(conf))
    assert 0.35 <= worst / STEPS <= 0.45 and round(float(conf[worst]), 2) == 0.25
    assert conf[worst] < 0.55 * f.arrays["film_conf1"].min()
    for seed in range(5):  # "more than half of them come out as 3s and 9s"
        f = sim.run({"seed": seed})
        rows = {row["model"]: row for row in f.meta["prior"]}
        assert rows["ae"]["mean_confidence"] < rows["vae"]["mean_confidence"]
    r = sim.resources
    from deepbook.sims.latent_interpolation import PRIOR_DRAWS, judge, prior_draws

    for seed in range(1, 6):
        share = {}
        for key in ("ae", "vae"):
            c = r.coded[key]
            read, _ = judge(r, c.decode(prior_draws(seed, c.dims, PRIOR_DRAWS)))
            share[key] = float(np.isin(read, [3, 9]).mean())
        assert share["ae"] > 0.5 > share["vae"] + 0.1
    f = sim.run({"view": "vae16", "ends": "prior"})
    shell = f.meta["shell"]
    assert f.arrays["norm0"][50] < shell["low"]
    assert (f.arrays["norm1"] > shell["low"]).all() and (f.arrays["norm1"] < shell["high"]).all()


def test_nearest_code_distances_equal_a_k_d_trees(sim):
    from scipy.spatial import cKDTree  # the oracle

    rng = np.random.default_rng(3)
    for c in sim.resources.coded.values():
        tree = cKDTree(c.codes)
        z = c.codes[:50] + 0.3 * rng.standard_normal((50, c.dims))
        np.testing.assert_allclose(c.nearest.distances(z), tree.query(z)[0], rtol=1e-9, atol=1e-9)
        others = c.nearest.distances(c.codes, others=True)
        np.testing.assert_allclose(others, tree.query(c.codes, k=[2])[0][:, 0], atol=1e-7)
        assert c.spacing == pytest.approx(np.percentile(tree.query(c.codes, k=[2])[0], 95))
