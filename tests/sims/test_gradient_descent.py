"""Gradient-descent engine: whole runs that equal torch.optim on autograd's gradients, and the
chapter's claims about each landscape, run at the landscapes' own presets."""

import math

import numpy as np
import pytest
import torch

from deepbook.sims import decode, encode, get
from deepbook.sims.gradient_descent import LANDSCAPES, MAX_STEPS, PARAMS, Descent, Settings

# The surfaces written again in torch, independently of the engine's closed forms.
TORCH = {
    "bowl": lambda x, y: 0.5 * (x**2 + 15 * y**2),
    "rosenbrock": lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2,
    "bumpy": lambda x, y: 0.1 * (x**2 + y**2) + 0.5 * (2 - torch.cos(3 * x) - torch.cos(3 * y)),
    "saddle": lambda x, y: 0.5 * x**2 + 0.25 * y**4 - 0.5 * y**2,
}
TORCH_OPT = {
    "sgd": lambda p, lr, beta: torch.optim.SGD(p, lr=lr),
    "momentum": lambda p, lr, beta: torch.optim.SGD(p, lr=lr, momentum=beta),
    "rmsprop": lambda p, lr, beta: torch.optim.RMSprop(p, lr=lr),
    "adam": lambda p, lr, beta: torch.optim.Adam(p, lr=lr),
}


def run(**params) -> Descent:
    sim = get("gradient_descent").start(params)
    assert isinstance(sim, Descent)
    return sim


def final(sim: Descent, k: int = 0) -> tuple[float, float, float]:
    return sim.paths[k].points[-1]


@pytest.mark.parametrize("name", LANDSCAPES)
def test_closed_form_gradients_equal_autograd(name):
    land, rng = LANDSCAPES[name], np.random.default_rng(1)
    for x, y in rng.uniform(-3, 3, size=(50, 2)):
        p = torch.tensor([x, y], dtype=torch.float64, requires_grad=True)
        value = TORCH[name](p[0], p[1])
        (g,) = torch.autograd.grad(value, p)
        assert land.f(x, y) == pytest.approx(float(value.detach()), rel=1e-12, abs=1e-12)
        np.testing.assert_allclose(land.grad(x, y), g.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("rule", ["sgd", "momentum", "rmsprop", "adam"])
@pytest.mark.parametrize(("surface", "lr", "beta"), [("bowl", 0.05, 0.9), ("bumpy", 0.2, 0.5)])
def test_whole_runs_equal_torch_optim_on_autograd_gradients(rule, surface, lr, beta):
    start = (-2.0, 1.5)
    sim = run(surface=surface, optimisers=[rule], lr=lr, momentum=beta, x0=start[0], y0=start[1])
    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt = TORCH_OPT[rule]([p], lr, beta)
    ours = sim.paths[0].points
    for t in range(1, len(ours)):
        opt.zero_grad()
        TORCH[surface](p[0], p[1]).backward()
        opt.step()
        np.testing.assert_allclose(ours[t][:2], p.detach().numpy(), rtol=1e-6, atol=1e-9)
    assert len(ours) > 50


def test_first_step_by_hand():
    sim = run(surface="bowl", optimisers=["sgd", "rmsprop", "adam"], lr=0.1, x0=-2.0, y0=2.0)
    pts = [p.points[1][:2] for p in sim.paths]
    np.testing.assert_allclose(pts[0], [-1.8, -1.0], atol=1e-9)  # p − 0.1·(−2, 30)
    np.testing.assert_allclose(pts[1], [-1.0, 1.0], atol=1e-6)  # RMSprop: steps of lr/√0.01
    np.testing.assert_allclose(pts[2], [-1.9, 1.9], atol=1e-6)  # Adam: steps of lr·sign(g)


def test_momentum_at_beta_zero_is_plain_sgd():
    sim = run(optimisers=["sgd", "momentum"], momentum=0.0, noise=0.3, steps=200)
    assert sim.paths[0].points == sim.paths[1].points


def test_plain_sgd_is_stable_below_two_over_curvature_and_diverges_above():
    # The bowl's steep direction has curvature 15: plain GD is stable only for lr < 2/15.
    below = run(optimisers=["sgd"], lr=0.13, steps=MAX_STEPS)
    above = run(optimisers=["sgd"], lr=0.14, steps=MAX_STEPS)
    assert below.paths[0].diverged_at is None and below.paths[0].reached_at is not None
    assert above.paths[0].diverged_at is not None and above.paths[0].reached_at is None


def test_momentum_survives_a_rate_that_breaks_plain_sgd():
    sim = run(optimisers=["sgd", "momentum"], lr=0.2, steps=MAX_STEPS)
    assert sim.paths[0].diverged_at is not None and sim.paths[1].diverged_at is None
    assert final(sim, 1)[2] < 1e-9


@pytest.mark.parametrize("name", LANDSCAPES)
def test_every_preset_is_valid_and_no_optimiser_diverges_there(name):
    values = PARAMS.validate({"surface": name, **LANDSCAPES[name].preset})
    sim = run(**PARAMS.to_json(values) | {"optimisers": ["sgd", "momentum", "rmsprop", "adam"]})
    assert [p.diverged_at for p in sim.paths] == [None] * 4


def test_rosenbrock_preset_sgd_crawls_along_the_valley_while_momentum_arrives():
    sim = run(
        surface="rosenbrock", optimisers=["sgd", "momentum"], **LANDSCAPES["rosenbrock"].preset
    )
    (xs, ys, ls), (xm, ym, lm) = final(sim, 0), final(sim, 1)
    assert sim.length == 3000
    assert math.hypot(xs - 1, ys - 1) > 1.5 and ls > 1  # still far from (1, 1)
    assert math.hypot(xm - 1, ym - 1) < 0.05 and lm < 1e-3
    # into the valley within a few steps: the loss falls below a tenth of where it started
    start = sim.paths[0].points[0][2]
    assert sim.paths[0].points[10][2] < start / 10


def test_rosenbrock_adaptive_steps_are_about_eta_long_and_a_higher_rate_breaks_sgd():
    preset = LANDSCAPES["rosenbrock"].preset
    sim = run(surface="rosenbrock", optimisers=["rmsprop", "adam"], **preset)
    for p in sim.paths:  # 3000 steps of about 3e-4: about one unit
        (x0, y0, _), (x, y, _) = p.points[0], p.points[-1]
        assert 0.5 < math.hypot(x - x0, y - y0) < 1.5
    fast = run(surface="rosenbrock", optimisers=["sgd", "momentum"], **preset | {"lr": 0.002})
    assert all(p.diverged_at is not None and p.diverged_at <= 3 for p in fast.paths)


def test_bumpy_preset_traps_sgd_and_adam_in_a_local_minimum_and_momentum_escapes():
    sim = run(surface="bumpy", optimisers=["sgd", "momentum", "adam"], **LANDSCAPES["bumpy"].preset)
    for k in (0, 2):
        x, y, loss = final(sim, k)
        assert loss > 0.5 and abs(x) > 1.5 and abs(y) > 1.5
    assert sim.paths[1].reached_at is not None  # the global minimum at the origin


def test_a_start_on_the_saddle_ridge_stalls_without_noise_and_escapes_with_it():
    still = run(surface="saddle", optimisers=["sgd"], x0=2.5, y0=0.0, steps=MAX_STEPS)
    x, y, loss = final(still)
    assert y == 0.0 and abs(x) < 1e-6 and loss == pytest.approx(0.25)  # parked on the saddle
    noisy = run(surface="saddle", optimisers=["sgd"], x0=2.5, y0=0.0, noise=0.05, steps=MAX_STEPS)
    assert abs(abs(final(noisy)[1]) - 1) < 0.1  # fell into a minimum at y = ±1


def test_the_saddle_preset_holds_plain_sgd_near_the_saddle_longest():
    sim = run(
        surface="saddle",
        optimisers=["sgd", "momentum", "rmsprop", "adam"],
        **LANDSCAPES["saddle"].preset,
    )
    near = [sum(math.hypot(x, y) < 0.5 for x, y, _ in p.points) for p in sim.paths]
    assert near[0] > 20 and all(n < near[0] / 3 for n in near[1:])
    assert all(p.reached_at is not None for p in sim.paths)  # every one ends in a minimum


def test_divergence_never_puts_nan_or_inf_on_screen():
    sim = run(surface="rosenbrock", optimisers=["sgd", "momentum", "rmsprop", "adam"], lr=10)
    frame = decode(encode(sim.snapshot()))
    assert np.isfinite(frame.arrays["points"]).all() and np.isfinite(frame.arrays["field"]).all()
    assert frame.meta["optimisers"][0]["diverged_at"] is not None
    for o in frame.meta["optimisers"]:
        assert all(np.isfinite([o["x"], o["y"], o["loss"]]))


def test_the_run_ends_when_every_optimiser_has_stopped():
    sim = run(optimisers=["sgd", "rmsprop"], lr=0.1, steps=MAX_STEPS)
    reached = [p.reached_at for p in sim.paths]
    assert None not in reached and sim.length == max(reached)
    pts = sim.snapshot().arrays["points"]
    assert pts.shape == (2, sim.length + 1, 3)
    np.testing.assert_array_equal(
        pts[1, reached[1] :], np.broadcast_to(pts[1, reached[1]], pts[1, reached[1] :].shape)
    )


def test_play_walks_along_the_same_paths():
    sim = run(surface="bumpy", optimisers=["adam", "sgd"], noise=0.5, seed=3, steps=60)
    first = sim.snapshot()
    assert first.meta["full"] and first.meta["step"] == 0 and first.arrays["points"].shape[1] == 61
    for n, want in ((1, 1), (5, 6), (100, 60)):
        sim.step(n)
        delta = sim.snapshot(sim.steps)
        assert not delta.meta["full"] and delta.arrays == {} and delta.meta["step"] == want
    assert sim.done
    sim.reset()
    again = sim.snapshot(0)
    assert again.meta["full"] and again.meta["step"] == 0 and not sim.done
    np.testing.assert_array_equal(again.arrays["points"], first.arrays["points"])


def test_a_hot_change_redraws_the_paths_and_keeps_plays_place():
    sim = run(optimisers=["sgd"], lr=0.01, steps=100)
    sim.step(40)
    sim.snapshot(40)
    sim.update(Settings(optimisers=("sgd",), lr=0.05, steps=100))
    frame = sim.snapshot(40)
    assert frame.meta["full"] and frame.meta["step"] == 40
    x = frame.arrays["points"][0, 40, 0]
    assert x == pytest.approx(-2.5 * 0.95**40, rel=1e-5)  # the new rate from the start


def test_same_seed_same_frames_and_other_seed_other_frames():
    def frame(seed):
        return encode(run(optimisers=["sgd", "adam"], noise=1.0, seed=seed).snapshot())

    assert frame(1) == frame(1)
    assert frame(1) != frame(2)


def test_every_optimiser_sees_the_same_noise():
    sim = run(optimisers=["sgd", "momentum"], momentum=0.0, noise=2.0, seed=5, lr=0.01)
    assert sim.paths[0].points == sim.paths[1].points


def test_a_start_at_the_minimum_has_arrived_at_step_zero():
    sim = run(optimisers=["sgd", "adam"], x0=0.0, y0=0.0)
    assert [p.reached_at for p in sim.paths] == [0, 0] and sim.length == 0


def test_a_finished_run_stays_finished_when_its_paths_change():
    sim = run(optimisers=["sgd"], lr=0.01, steps=50)
    sim.step(50)
    assert sim.done
    sim.update(Settings(optimisers=("sgd",), lr=0.01, steps=200, x0=1.0))
    assert sim.done and sim.steps == sim.length == 200  # the new whole paths, finished
    sim.reset()
    sim.step(10)
    sim.update(Settings(optimisers=("sgd",), lr=0.02, steps=200, x0=1.0))
    assert not sim.done and sim.steps == 10  # mid-walk: Play's place is kept
