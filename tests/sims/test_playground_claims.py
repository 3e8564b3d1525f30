"""Chapter 8's teaching claims, each a seeded run of the playground engine.

What to try in the chapter: 2 vs 4 vs 8 hidden units on the 1.25-turn spiral, engineered features
on XOR, linear activations at any depth, L1 on useless features, width vs depth at 42 parameters.
"""

import time

import numpy as np
import pytest

from deepbook.sims.playground import SPEC


def trained(epochs, **params):
    """A run trained for `epochs` epochs (or until it stops); its test-accuracy history."""
    sim = SPEC.start({"epoch_limit": epochs, **params})
    while not sim.done:
        sim.step(epochs)
    return sim, sim.history[: sim.steps + 1, 2]


@pytest.mark.parametrize("seed", [0, 1])
def test_two_hidden_units_never_pass_80_percent_on_the_spiral(seed):
    _, acc = trained(3000, layers="2", seed=seed)
    assert len(acc) == 3001 and acc.max() <= 0.80


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_eight_hidden_units_reach_95_percent_at_the_defaults(seed):
    start = time.perf_counter()
    sim, acc = trained(1000, seed=seed, target=0.95)
    assert sim.stopped == "target" and acc[-1] >= 0.95
    assert sim.steps <= 400 and time.perf_counter() - start < 5


def test_the_defaults_solve_the_spiral_within_5_seconds():
    start = time.perf_counter()
    sim, _ = trained(10000, target=0.95)
    assert sim.stopped == "target" and time.perf_counter() - start < 5
    assert sim.steps <= 50  # seed 0: 29 epochs


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_xor_with_only_the_product_feature_and_no_hidden_layer(seed):
    _, acc = trained(100, dataset="xor", features="x1x2", layers="", seed=seed)
    assert acc[-1] >= 0.95


@pytest.mark.parametrize("layers", ["", "8", "8,8", "8,8,8,8"])
def test_linear_activations_never_solve_xor_at_any_depth(layers):
    _, acc = trained(800, dataset="xor", activation="linear", layers=layers)
    assert acc.max() <= 0.75


def test_l1_drives_the_weights_of_useless_features_to_exactly_zero():
    feats = ("x1", "x2", "x1sq", "x2sq", "sin1", "sin2")
    params = {"dataset": "circle", "features": ",".join(feats), "layers": "4"}
    sim, acc = trained(300, **params, activation="tanh", reg="l1", reg_rate=0.01)
    w = sim.net.mats[0]  # rows: one per input feature, then the biases
    sin1, sin2, x1sq = (feats.index(f) for f in ("sin1", "sin2", "x1sq"))
    assert (w[sin1] == 0).all() and (w[sin2] == 0).all()
    assert (w[x1sq] != 0).any() and acc[-1] >= 0.95
    free, _ = trained(300, **params, activation="tanh")
    assert (free.net.mats[0][sin1] != 0).all()  # without the penalty they stay in use


def test_width_versus_depth_at_42_parameters_both_train():
    wide, wide_acc = trained(1000, layers="8")
    deep, deep_acc = trained(1000, layers="4,4")
    assert wide.snapshot().meta["n_params"] == deep.snapshot().meta["n_params"] == 42
    for sim, acc in ((wide, wide_acc), (deep, deep_acc)):  # the chapter: 100 % and 69–100 %
        loss = sim.history[: sim.steps + 1, 0]
        assert np.isfinite(loss).all() and loss.min() < 0.5 * loss[0]
        assert acc.max() >= 0.85
    assert wide_acc.max() >= 0.95
