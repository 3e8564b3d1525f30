"""The hand-written optimisers take exactly torch.optim's steps (float64, many random gradients)."""

import numpy as np
import pytest
import torch

from deepbook.sims.optim import SGD, Adam, RMSprop

CASES = {
    "sgd": (lambda lr: SGD(lr), lambda p, lr: torch.optim.SGD(p, lr=lr)),
    "momentum": (
        lambda lr: SGD(lr, momentum=0.9),
        lambda p, lr: torch.optim.SGD(p, lr=lr, momentum=0.9),
    ),
    "rmsprop": (lambda lr: RMSprop(lr), lambda p, lr: torch.optim.RMSprop(p, lr=lr)),
    "adam": (lambda lr: Adam(lr), lambda p, lr: torch.optim.Adam(p, lr=lr)),
}


@pytest.mark.parametrize("name", CASES)
def test_each_optimiser_matches_torch_optim_step_for_step(name):
    ours, theirs = CASES[name]
    rng = np.random.default_rng(0)
    p = rng.normal(size=5)
    t = torch.tensor(p.copy(), requires_grad=True)
    opt, ref = ours(0.05), theirs([t], 0.05)
    for i in range(200):
        g = rng.normal(size=5) * (10 if i % 7 == 0 else 1)
        if i == 100:  # a changed learning rate is taken from the next step on, as in torch
            opt.lr = 0.2
            for group in ref.param_groups:
                group["lr"] = 0.2
        opt.step(p, g)
        t.grad = torch.tensor(g)
        ref.step()
        np.testing.assert_allclose(p, t.detach().numpy(), rtol=1e-12, atol=1e-14)
