"""The playground engine: its parameters, data, frames, hot updates, edits, stops and divergence."""

import dataclasses

import numpy as np
import pytest

from deepbook.sims import playground as pg
from deepbook.sims import playground_data as pd
from deepbook.sims.frames import decode, encode
from deepbook.sims.params import ParamError
from deepbook.sims.playground import PARAMS, SPEC, Playground

TF_BENCH = {  # TensorFlow Playground's configuration of the speed comparison
    "dataset": "spiral",
    "layers": "8,8",
    "activation": "tanh",
    "loss": "squared",
    "optimiser": "sgd",
    "lr": 0.03,
    "batch": 10,
    "noise": 0,
    "train_pct": 50,
    "features": "x1,x2",
}


def run(**params):
    return SPEC.start(params)


def train(sim, epochs):
    """Exactly `epochs` more epochs (step(n) may stop early on a busy machine)."""
    goal = sim.steps + epochs
    while sim.steps < goal and not sim.done:
        sim.step(goal - sim.steps)
    return sim


def wire(sim, since=None):
    """A frame as the browser gets it."""
    return decode(encode(sim.snapshot(since)))


def finite(frame):
    return all(np.isfinite(a.astype(np.float64)).all() for a in frame.arrays.values())


# --- parameters -------------------------------------------------------------------------------


def test_defaults_are_the_chapters_and_the_spec_is_live():
    v = PARAMS.defaults()
    assert (v.dataset, v.turns, v.layers, v.features) == ("spiral", 1.25, (8,), ("x1", "x2"))
    assert SPEC.kind == "live" and SPEC.id == "playground" and SPEC.chapter == "network-playground"
    hot = {p.name for p in PARAMS if p.hot}
    assert {"lr", "speed", "reg_rate"} <= hot and "layers" not in hot and "seed" not in hot
    assert {p.group for p in PARAMS} == {"data", "model", "training", "view"}
    assert SPEC.describe()["params"]  # every kind renders a schema


@pytest.mark.parametrize(
    ("raw", "name", "words"),
    [
        ({"layers": "1000"}, "layers", "from 1 to 32"),
        ({"layers": ",".join(["4"] * 50)}, "layers", "0 to 8 entries"),
        ({"activation": "swish"}, "activation", "relu, tanh, sigmoid, linear"),
        ({"activations": "relu,swish"}, "activations", "allowed: relu"),
        ({"activations": "relu,tanh", "layers": "8"}, "activations", "one per hidden layer (1)"),
        ({"features": "x3"}, "features", "allowed: x1, x2"),
        ({"features": ""}, "features", "at least 1"),
        ({"batch": 251}, "batch", "between 1 and the training set size (250)"),
        ({"batch": 5000}, "batch", "between 1 and 1000"),
        ({"loss": "squared", "dataset": "spiral3"}, "loss", "cross-entropy"),
        ({"lr": 0}, "lr", "between 0.0001 and 10"),
        ({"speed": "warp"}, "speed", "max"),
    ],
)
def test_bad_input_is_refused_naming_the_parameter_and_its_bounds(raw, name, words):
    with pytest.raises(ParamError) as e:
        PARAMS.validate(raw)
    assert e.value.name == name and words in e.value.message


def test_url_round_trip_of_every_kind():
    v = PARAMS.validate(
        {"layers": "4,2", "activations": "tanh,relu", "features": "x1,sin2", "speed": "20"}
    )
    query = {f"k.{p.name}": p.to_url(getattr(v, p.name)) for p in PARAMS}
    again, problems = PARAMS.from_query(query, "k")
    assert problems == [] and again == v and again.acts == ("tanh", "relu")


# --- data -------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [k for k in pd.KINDS if k != "custom"])
def test_datasets_are_seeded_balanced_inside_the_view_and_split(kind):
    a = pd.load(kind, 300, 0.3, 7, 1.25, 60)
    b = pd.load(kind, 300, 0.3, 7, 1.25, 60)
    assert np.array_equal(a.xy, b.xy) and np.array_equal(a.y, b.y)
    assert not np.array_equal(a.xy, pd.load(kind, 300, 0.3, 8, 1.25, 60).xy)
    assert a.xy.shape == (300, 2) and (np.abs(a.xy) <= pd.EXTENT[1]).all()
    assert (a.n_train, a.n_test) == (180, 120)
    if a.classes:
        assert np.bincount(a.y).tolist() == pd.counts(300, a.classes)
    else:
        assert (np.abs(a.y) <= 1).all()


def test_clean_spiral_points_lie_on_the_chapters_arms():
    d = pd.load("spiral", 200, 0.0, 0, 1.75, 50)
    r = np.hypot(d.xy[:, 0], d.xy[:, 1])
    t = r / pd.RADIUS  # x = 5t (sin θ, cos θ), θ = 2π T t + kπ
    theta = np.arctan2(d.xy[:, 0], d.xy[:, 1])
    want = 2 * np.pi * 1.75 * t + np.pi * d.y
    assert np.allclose(np.cos(theta - want), 1)


def test_your_points_give_two_or_three_classes_or_a_problem():
    pts = [[-3, -3, 0], [-2, -3, 0], [3, 3, 1], [2, 3, 1], [0, 4, 2], [1, 4, 2]]
    sim = run(dataset="custom", points=pts, batch=1)
    assert sim.snapshot().meta["classes"] == 3 and sim.sizes[-1] == 3
    train(sim, 5)
    empty = run(dataset="custom", batch=1)
    f = wire(empty)
    assert empty.done and f.meta["problem"] and finite(f)


# --- frames -----------------------------------------------------------------------------------


def test_frame_layout_dtypes_and_history_rows():
    sim = train(run(), 3)
    f = wire(sim)
    a, m = f.arrays, f.meta
    assert a["output"].dtype == np.float16 and a["output"].shape == (pg.G, pg.G)
    assert a["neurons"].dtype == np.uint8 and a["neurons"].shape == (8, pg.M, pg.M)
    assert a["params"].dtype == np.float32 and len(a["params"]) == m["n_params"] == 42
    assert a["history"].shape == (4, 3) and a["points"].shape == (500, 3)
    assert a["features"].shape == (2, pg.M, pg.M)
    assert m["epoch"] == 3 and m["sizes"] == [2, 8, 2] and m["output"] == "score"
    assert m["history_columns"] == ["train_loss", "test_loss", "test_accuracy"]
    assert m["train_loss"] == pytest.approx(a["history"][-1, 0], rel=1e-6)
    assert sum(map(sum, m["confusion"])) == m["n_test"] == 250
    delta = wire(sim, since=1)
    assert not delta.meta["full"] and "points" not in delta.arrays
    assert np.array_equal(delta.arrays["history"], a["history"][2:])
    assert len(encode(sim.snapshot(2))) < 40_000  # a played frame stays small
    big = wire(run(layers="32,32,32,32,32,32,32,32", features="x1,x2,x1sq,x2sq,x1x2,sin1,sin2"))
    assert big.arrays["neurons"].shape == (256, 12, 12) and big.meta["map_grid"] == 12
    assert big.arrays["features"].shape == (7, 12, 12)


def test_the_output_map_is_the_networks_own_output():
    sim = train(run(), 20)
    out = wire(sim).arrays["output"].astype(np.float64)
    logits = sim.net.output(pg.features_t(pd.grid(pg.G), ("x1", "x2")))
    p1 = np.exp(logits[:, 1]) / np.exp(logits).sum(axis=1)
    np.testing.assert_allclose(out.ravel(), 2 * p1 - 1, atol=2e-3)
    params = wire(sim).arrays["params"]
    np.testing.assert_allclose(params, sim.net.theta, rtol=1e-6)


def test_three_classes_and_regression_frames():
    f = wire(train(run(dataset="blobs3"), 3))
    assert f.arrays["output"].shape == (pg.G, pg.G, 3) and f.meta["output"] == "probs"
    assert np.allclose(f.arrays["output"].astype(np.float64).sum(axis=2), 1, atol=1e-2)
    assert len(f.meta["confusion"]) == 3
    r = wire(train(run(dataset="plane", loss="cross_entropy"), 3))
    assert r.meta["test_accuracy"] is None and r.meta["confusion"] is None
    assert r.meta["output"] == "value" and r.arrays["history"].shape[1] == 2
    assert r.meta["loss"] == "squared" and r.meta["sizes"][-1] == 1


def test_same_seed_same_run_and_reset_starts_over():
    a, b = train(run(seed=3), 15), train(run(seed=3), 15)
    assert np.array_equal(a.net.theta, b.net.theta)
    first = wire(run(seed=3)).arrays["params"]
    a.reset()
    assert a.steps == 0 and np.array_equal(wire(a).arrays["params"], first)
    assert not np.array_equal(first, wire(run(seed=4)).arrays["params"])


# --- live behaviour ---------------------------------------------------------------------------


def test_hot_updates_keep_the_run_and_take_effect():
    sim = train(run(lr=0.03), 5)
    theta = sim.net.theta.copy()
    new = dataclasses.replace(sim.v, lr=0.005, reg_rate=0.5, speed="20", show_test=True)
    assert PARAMS.only_hot(sim.v, new)
    sim.update(new)
    assert sim.steps == 5 and np.array_equal(sim.net.theta, theta)
    assert sim.snapshot().meta["lr"] == 0.005 and sim.steps_per_frame == 20
    assert [e[1] for e in sim.events] == ["lr", "reg_rate"]
    assert not PARAMS.only_hot(sim.v, dataclasses.replace(sim.v, layers=(4,)))


def test_schedules_step_and_cosine():
    v = PARAMS.validate({"schedule": "step", "decay_every": 100, "lr": 0.1})
    assert [v.lr_at(e) for e in (0, 99, 100, 250)] == [0.1, 0.1, 0.05, 0.025]
    c = PARAMS.validate({"schedule": "cosine", "epoch_limit": 100, "lr": 0.1})
    assert c.lr_at(0) == 0.1 and c.lr_at(50) == pytest.approx(0.05) and c.lr_at(100) < 1e-12


def test_epoch_limit_and_target_stop_the_run_and_a_lower_target_never_restarts_it():
    sim = train(run(epoch_limit=10), 50)
    assert sim.steps == 10 and sim.done and sim.snapshot().meta["stopped"] == "limit"
    sim = train(run(target=0.9), 2000)
    assert sim.stopped == "target" and sim.scores[3] >= 0.9
    sim.update(dataclasses.replace(sim.v, target=1.0))
    assert not sim.done


def test_step_is_time_capped_and_speed_max_asks_for_many(monkeypatch):
    sim = run()
    assert sim.steps_per_frame == pg.FAST and run(speed="5").steps_per_frame == 5
    monkeypatch.setattr(pg, "STEP_SECONDS", 0.0)
    sim.step(1000)
    assert sim.steps == 1


def test_lr_10_with_l2_10_diverges_without_a_nan_anywhere():
    for opt in ("sgd", "momentum"):
        sim = train(run(lr=10, reg="l2", reg_rate=10, optimiser=opt), 20)
        f = wire(sim)  # JSON with allow_nan=False: a NaN in meta would fail here
        assert sim.done and f.meta["diverged"] and f.meta["stopped"] == "diverged"
        assert finite(f) and f.meta["diverged_at"] == sim.steps + 1
    deep = run(lr=10, layers="32,32,32,32,32,32,32,32", activation="linear", optimiser="sgd")
    train(deep, 5)
    assert deep.snapshot().meta["diverged"] and finite(wire(deep))


def test_editing_a_weight_or_bias():
    sim = train(run(), 3)
    before = sim.net.output(sim.xt).copy()
    sim.set_weight(0, 1, 3, 2.5)  # from input x2 to hidden unit 3
    assert sim.net.mats[0][1, 3] == 2.5
    sim.edit({"layer": 1, "from": None, "to": 0, "value": -1.5})  # output 0's bias
    assert sim.net.mats[1][8, 0] == -1.5
    f = wire(sim, since=3)
    assert f.arrays["params"][1 * 8 + 3] == 2.5  # layer 0 block (3 × 8): row 1, column 3
    assert not np.array_equal(before, sim.net.output(sim.xt))
    assert [e[1] for e in sim.events] == ["weight", "weight"]


@pytest.mark.parametrize(
    ("msg", "name"),
    [
        ({"layer": 2, "from": 0, "to": 0, "value": 1}, "layer"),
        ({"layer": 0, "from": 3, "to": 0, "value": 1}, "from"),
        ({"layer": 0, "from": 0, "to": 8, "value": 1}, "to"),
        ({"layer": 0, "from": 0, "to": 0, "value": 1e9}, "value"),
        ({"layer": 0, "from": 0, "to": 0, "value": "nan"}, "value"),
        ({"layer": 0.5, "from": 0, "to": 0, "value": 1}, "layer"),
    ],
)
def test_bad_edits_are_refused_naming_the_field(msg, name):
    sim = run()
    with pytest.raises(ParamError) as e:
        sim.edit(msg)
    assert e.value.name == name and sim.events == []


def test_the_engine_meets_the_live_protocol():
    sim: Playground = SPEC.load().engine(PARAMS.defaults())
    sim.step(2)
    assert sim.steps == 2 and sim.snapshot(1).meta["step"] == 2
    SPEC.load().warm()
