"""Activation engine against closed forms: autograd slopes equal the textbook derivatives."""

import math

import numpy as np
import pytest
import torch

from deepbook.sims import activations, decode, encode, get
from deepbook.sims.params import ParamError

Z = torch.linspace(-8, 8, 1601, dtype=torch.float64)
sig = torch.sigmoid(Z)
phi = torch.exp(-(Z**2) / 2) / math.sqrt(2 * math.pi)
Phi = 0.5 * (1 + torch.erf(Z / math.sqrt(2)))
CLOSED = {
    "sigmoid": (sig, sig * (1 - sig)),
    "tanh": (torch.tanh(Z), 1 - torch.tanh(Z) ** 2),
    "relu": (Z.clamp_min(0), (Z > 0).double()),
    "leaky_relu": (torch.where(Z > 0, Z, 0.01 * Z), torch.where(Z > 0, 1.0, 0.01).double()),
    "gelu": (Z * Phi, Phi + Z * phi),
    "silu": (Z * sig, sig * (1 + Z * (1 - sig))),
}


@pytest.mark.parametrize("name", list(activations.FUNCTIONS))
def test_values_and_autograd_slopes_match_closed_forms(name):
    y, dy = activations.value_and_slope(name, Z)
    want_y, want_dy = CLOSED[name]
    tol = 1e-7 if name == "leaky_relu" else 1e-12  # torch keeps the 0.01 slope in float32
    torch.testing.assert_close(y, want_y, atol=1e-12, rtol=tol)
    torch.testing.assert_close(dy, want_dy, atol=1e-12, rtol=tol)


def test_sigmoid_slope_peaks_at_one_quarter_at_zero_and_never_exceeds_it():
    _, dy = activations.value_and_slope("sigmoid", Z)
    assert float(dy.max()) == pytest.approx(0.25, abs=1e-15)
    assert abs(float(Z[dy.argmax()])) < 1e-12
    assert bool((dy <= 0.25).all())


def test_relu_does_not_saturate_for_positive_inputs():
    _, dy = activations.value_and_slope("relu", Z[Z > 0])
    assert bool((dy == 1).all())


def _reading(frame, name):
    return next(f for f in frame.meta["functions"] if f["id"] == name)


def test_the_numbers_chapter_2_quotes_are_what_the_simulation_shows():
    all_fns = list(activations.FUNCTIONS)
    f0 = get("activations").run({"probe": 0, "depth": 10, "functions": all_fns})
    assert _reading(f0, "sigmoid")["product"] == pytest.approx(0.25**10)  # ≈ 9.5e-7
    assert _reading(f0, "tanh")["product"] == 1.0
    assert _reading(f0, "relu")["product"] == 0.0  # torch: relu'(0) = 0
    f1 = get("activations").run({"probe": 1, "depth": 10, "functions": all_fns})
    assert _reading(f1, "relu")["product"] == 1.0
    assert _reading(f1, "leaky_relu")["product"] == 1.0
    assert _reading(f1, "tanh")["product"] == pytest.approx(1.7e-4, rel=0.02)
    assert _reading(f1, "gelu")["slope"] == pytest.approx(1.08, abs=0.005)
    assert _reading(f1, "gelu")["product"] == pytest.approx(2.2, abs=0.05)
    f4 = get("activations").run({"probe": 4, "functions": ["tanh"]})
    assert _reading(f4, "tanh")["slope"] == pytest.approx(0.0013, rel=0.05)


def test_frame_holds_curves_for_the_chosen_functions_over_the_range():
    frame = decode(encode(get("activations").run({"functions": ["relu", "silu"], "z_min": -2})))
    assert [f["id"] for f in frame.meta["functions"]] == ["relu", "silu"]
    z = frame.arrays["z"]
    assert z.dtype == np.float32 and z[0] == -2 and z[-1] == 6 and len(z) == activations.SAMPLES
    assert frame.arrays["y"].shape == frame.arrays["dy"].shape == (2, activations.SAMPLES)
    np.testing.assert_allclose(frame.arrays["y"][0], np.maximum(z, 0), atol=1e-6)


def test_same_parameters_give_the_same_frame():
    a = encode(get("activations").run({"probe": 0.3, "depth": 7}))
    assert a == encode(get("activations").run({"probe": 0.3, "depth": 7}))


def test_an_empty_range_is_refused_naming_both_ends():
    with pytest.raises(ParamError, match=r"z_min: must be less than z_max \(1\), got 2"):
        get("activations").run({"z_min": 2, "z_max": 1})
