"""Gradient-descent engine: torch.optim steps equal hand computations of each update rule."""

import numpy as np
import pytest

from deepbook.sims import decode, encode, get
from deepbook.sims.gradient_descent import MAX_STEPS, Descent


def grad_bowl(p):  # f = 0.5 (x² + 15 y²)
    return np.array([p[0], 15 * p[1]])


def reference(rule, lr, p, n):
    """The update rules written out by hand (PyTorch's defaults), n steps on the bowl."""
    p = np.array(p, float)
    buf = m = v = np.zeros(2)
    out = []
    for t in range(1, n + 1):
        g = grad_bowl(p)
        if rule == "sgd":
            p = p - lr * g
        elif rule == "momentum":  # buf ← 0.9 buf + g (buf = g at t = 1); p ← p − lr buf
            buf = g if t == 1 else 0.9 * buf + g
            p = p - lr * buf
        elif rule == "rmsprop":  # v ← 0.99 v + 0.01 g²; p ← p − lr g / (√v + ε)
            v = 0.99 * v + 0.01 * g**2
            p = p - lr * g / (np.sqrt(v) + 1e-8)
        elif rule == "adam":  # bias-corrected first and second moments
            m = 0.9 * m + 0.1 * g
            v = 0.999 * v + 0.001 * g**2
            p = p - lr * (m / (1 - 0.9**t)) / (np.sqrt(v / (1 - 0.999**t)) + 1e-8)
        out.append(p.copy())
    return np.array(out)


def run(**params):
    return get("gradient_descent").start(params)


@pytest.mark.parametrize("rule", ["sgd", "momentum", "rmsprop", "adam"])
def test_first_steps_equal_the_hand_computed_update_rule(rule):
    sim = run(surface="bowl", optimisers=[rule], lr=0.05, x0=-2.0, y0=1.5)
    sim.step(6)
    got = sim.snapshot().arrays["points"][0, 1:, :2]
    np.testing.assert_allclose(got, reference(rule, 0.05, [-2.0, 1.5], 6), rtol=1e-5, atol=1e-6)


def test_first_step_by_hand():
    sim = run(surface="bowl", optimisers=["sgd", "rmsprop", "adam"], lr=0.1, x0=-2.0, y0=2.0)
    sim.step(1)
    pts = sim.snapshot().arrays["points"][:, 1, :2]
    np.testing.assert_allclose(pts[0], [-1.8, -1.0], atol=1e-6)  # p − 0.1·(−2, 30)
    np.testing.assert_allclose(pts[1], [-1.0, 1.0], atol=1e-6)  # RMSprop: steps of lr/√0.01
    np.testing.assert_allclose(pts[2], [-1.9, 1.9], atol=1e-6)  # Adam: steps of lr·sign(g)


def test_plain_sgd_is_stable_below_two_over_curvature_and_diverges_above():
    # The bowl's steep direction has curvature 15: plain GD is stable only for lr < 2/15.
    below, above = run(optimisers=["sgd"], lr=0.13), run(optimisers=["sgd"], lr=0.14)
    below.step(MAX_STEPS)
    above.step(MAX_STEPS)
    assert below.diverged_at == [None] and below.paths[0][-1][2] < 1e-12
    assert above.diverged_at[0] is not None and above.done


def test_momentum_survives_a_rate_that_breaks_plain_sgd():
    sim = run(optimisers=["sgd", "momentum"], lr=0.2)
    sim.step(MAX_STEPS)
    assert sim.diverged_at[0] is not None and sim.diverged_at[1] is None


def test_divergence_never_puts_nan_or_inf_on_screen():
    sim = run(surface="rosenbrock", optimisers=["sgd", "momentum", "rmsprop", "adam"], lr=10)
    sim.step(500)
    frame = decode(encode(sim.snapshot()))
    assert np.isfinite(frame.arrays["points"]).all() and np.isfinite(frame.arrays["field"]).all()
    assert frame.meta["optimisers"][0]["diverged_at"] is not None
    for o in frame.meta["optimisers"]:
        assert all(np.isfinite([o["x"], o["y"], o["loss"]]))


def test_incremental_snapshots_add_up_to_the_full_path():
    sim = run(surface="bumpy", optimisers=["adam", "sgd"], noise=0.5, seed=3)
    first = sim.snapshot()
    assert first.meta["full"] and first.meta["step"] == 0 and "field" in first.arrays
    parts, shown = [first.arrays["points"]], 0
    for n in (1, 5, 20):
        sim.step(n)
        delta = sim.snapshot(shown)
        assert "field" not in delta.arrays and not delta.meta["full"]
        assert delta.arrays["points"].shape[1] == n and delta.meta["step"] == shown + n
        parts.append(delta.arrays["points"])
        shown = delta.meta["step"]
    np.testing.assert_array_equal(np.concatenate(parts, axis=1), sim.snapshot().arrays["points"])


def test_same_seed_same_frames_and_other_seed_other_frames():
    def path(seed):
        sim = run(optimisers=["sgd", "adam"], noise=1.0, seed=seed)
        sim.step(50)
        return encode(sim.snapshot())

    assert path(1) == path(1)
    assert path(1) != path(2)


def test_reset_returns_to_the_start_with_fresh_state():
    sim = run(optimisers=["adam"], noise=1.0)
    sim.step(10)
    first = encode(sim.snapshot())
    sim.reset()
    assert sim.steps == 0 and len(sim.paths[0]) == 1
    sim.step(10)
    assert encode(sim.snapshot()) == first


def test_a_start_on_the_saddle_ridge_stalls_without_noise_and_escapes_with_it():
    still = run(surface="saddle", optimisers=["sgd"], x0=2.5, y0=0.0)
    still.step(MAX_STEPS)
    x, y, loss = still.paths[0][-1]
    assert y == 0.0 and abs(x) < 1e-6 and loss == pytest.approx(0.25)  # parked on the saddle
    noisy = run(surface="saddle", optimisers=["sgd"], x0=2.5, y0=0.0, noise=0.05)
    noisy.step(MAX_STEPS)
    assert abs(abs(noisy.paths[0][-1][1]) - 1) < 0.1  # fell into a minimum at y = ±1


def test_the_bumpy_surface_traps_sgd_in_a_local_minimum_away_from_the_origin():
    sim = run(surface="bumpy", optimisers=["sgd"], x0=-2.0, y0=2.0)
    sim.step(MAX_STEPS)
    x, y, loss = sim.paths[0][-1]
    assert loss > 0.5 and abs(x) > 1.5 and abs(y) > 1.5
    assert isinstance(sim, Descent)
