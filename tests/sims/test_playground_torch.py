"""The playground's network trains exactly as PyTorch: outputs, gradients, optimiser steps (1e-6).

The same float64 weights go into `mlp.Net` and into a `torch.nn.Sequential` of `nn.Linear`
layers; autograd gives the reference gradients (penalty included) and `torch.optim` the reference
steps, over several epochs of mini-batches in the same order (the last batch a short one).
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from deepbook.sims.mlp import Fit, Net, epoch, features, features_t, init_params, n_params
from deepbook.sims.optim import SGD, Adam

ACTS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "linear": nn.Identity}
FEATS = ("x1", "x2", "x1sq", "x2sq", "x1x2", "sin1", "sin2")
RTOL = 1e-6

# (features, hidden layers, activations, loss, classes): 0 classes is regression
CASES = {
    "relu-ce2": (("x1", "x2"), (8,), ("relu",), "cross_entropy", 2),
    "tanh-squared": (("x1", "x2"), (8, 8), ("tanh", "tanh"), "squared", 2),
    "mixed-ce3": (FEATS, (6, 5, 4), ("sigmoid", "relu", "tanh"), "cross_entropy", 3),
    "linear-regression": (("x1", "x1x2", "sin2"), (3,), ("linear",), "squared", 0),
    "no-hidden-ce2": (("x1x2",), (), (), "cross_entropy", 2),
    "no-hidden-squared": (("x1", "x2sq"), (), (), "squared", 2),
}


def problem(name, n=37, seed=0):
    """A net with random weights, inputs and targets for one case."""
    feats, hidden, acts, loss, k = CASES[name]
    rng = np.random.default_rng(seed)
    xy = rng.uniform(-5, 5, (n, 2))
    sizes = (len(feats), *hidden, k if loss == "cross_entropy" else 1)
    net = Net(sizes, acts, loss, init_params(sizes, rng) * 2)
    labels = rng.integers(0, max(k, 2), n)
    if loss == "cross_entropy":
        y = np.eye(k)[labels]
    elif k:
        y = np.where(labels > 0, 1.0, -1.0)[:, None]
    else:
        y = rng.uniform(-1, 1, (n, 1))
    return net, features(xy, feats), features_t(xy, feats), y, labels


def torch_model(net):
    """nn.Sequential with the net's weights (weight = block[:-1].T, bias = block[-1])."""
    mods = []
    for k, w in enumerate(net.mats):
        lin = nn.Linear(w.shape[0] - 1, w.shape[1]).double()
        with torch.no_grad():
            lin.weight.copy_(torch.tensor(w[:-1].T))
            lin.bias.copy_(torch.tensor(w[-1]))
        mods.append(lin)
        if k < len(net.acts):
            mods.append(ACTS[net.acts[k]]())
        elif net.out_act == "tanh":
            mods.append(nn.Tanh())
    return nn.Sequential(*mods)


def torch_loss(net, model, x, y, labels, reg="none", rate=0.0):
    out = model(x)
    if net.loss == "cross_entropy":
        loss = F.cross_entropy(out, torch.tensor(labels))
    else:
        loss = 0.5 * F.mse_loss(out, torch.tensor(y))
    weights = [m.weight for m in model if isinstance(m, nn.Linear)]
    if reg == "l2":
        loss = loss + rate * 0.5 * sum((w * w).sum() for w in weights)
    elif reg == "l1":
        loss = loss + rate * sum(w.abs().sum() for w in weights)
    return loss


def flat_grad(model):
    """Gradients in the engine's layout: per layer [weight.T; bias], flattened."""
    linears = [m for m in model if isinstance(m, nn.Linear)]
    return np.concatenate(
        [torch.cat([m.weight.grad.T, m.bias.grad[None]]).numpy().ravel() for m in linears]
    )


def flat_params(model):
    linears = [m for m in model if isinstance(m, nn.Linear)]
    return np.concatenate(
        [torch.cat([m.weight.T, m.bias[None]]).detach().numpy().ravel() for m in linears]
    )


@pytest.mark.parametrize("name", CASES)
def test_forward_and_loss_equal_torch(name):
    net, xa, xt, y, labels = problem(name)
    model = torch_model(net)
    ref = model(torch.tensor(xa[:, :-1])).detach().numpy()
    np.testing.assert_allclose(net.output(xt), ref, rtol=RTOL, atol=1e-12)
    np.testing.assert_allclose(net.output(xt.astype(np.float32)), ref, rtol=1e-4, atol=1e-5)
    loss = torch_loss(net, model, torch.tensor(xa[:, :-1]), y, labels).item()
    assert net.loss_of(net.output(xt), y) == pytest.approx(loss, rel=RTOL)
    assert n_params(net.sizes) == sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize("reg", ["none", "l2", "l1"])
@pytest.mark.parametrize("name", CASES)
def test_gradients_equal_autograd_penalty_included(name, reg):
    net, xa, _, y, labels = problem(name, seed=1)
    model = torch_model(net)
    torch_loss(net, model, torch.tensor(xa[:, :-1]), y, labels, reg, 0.03).backward()
    # the weights are random, so none is exactly zero: L1's pseudo-gradient is g + rate·sign(w)
    got = net.gradient(xa, y, reg, 0.03)
    np.testing.assert_allclose(got, flat_grad(model), rtol=RTOL, atol=1e-12)


OPTIMS = {
    "sgd": (lambda: SGD(0.05), lambda p: torch.optim.SGD(p, lr=0.05)),
    "momentum": (
        lambda: SGD(0.05, momentum=0.9),
        lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9),
    ),
    "adam": (lambda: Adam(0.01), lambda p: torch.optim.Adam(p, lr=0.01)),
}


def torch_epochs(net, model, opt, xa, y, labels, orders, batch, reg, rate):
    """The reference: torch.optim over the same mini-batches (L1: the engine's orthant step)."""
    x = torch.tensor(xa[:, :-1])
    weights = [m.weight for m in model if isinstance(m, nn.Linear)]
    for order in orders:
        for start in range(0, len(order), batch):
            idx = order[start : start + batch]
            opt.zero_grad()
            penalty = "l2" if reg == "l2" else "none"
            torch_loss(net, model, x[idx], y[idx], labels[idx], penalty, rate).backward()
            if reg == "l1":
                with torch.no_grad():
                    for w in weights:
                        g, s = w.grad, torch.sign(w)
                        soft = torch.sign(g) * torch.clamp(g.abs() - rate, min=0)
                        w.grad = torch.where(s == 0, soft, g + rate * s)
                    old = [w.detach().clone() for w in weights]
            opt.step()
            if reg == "l1":
                with torch.no_grad():
                    for w, w0 in zip(weights, old, strict=True):
                        orthant = torch.where(w0 != 0, torch.sign(w0), -torch.sign(w.grad))
                        w[torch.sign(w) != orthant] = 0.0


@pytest.mark.parametrize("reg", ["none", "l2", "l1"])
@pytest.mark.parametrize("opt_name", OPTIMS)
@pytest.mark.parametrize("name", ["relu-ce2", "tanh-squared", "mixed-ce3", "linear-regression"])
def test_optimiser_steps_equal_torch_optim(name, opt_name, reg):
    net, xa, _, y, labels = problem(name, n=43, seed=2)
    model = torch_model(net)
    ours, theirs = OPTIMS[opt_name]
    opt, ref = ours(), theirs(model.parameters())
    rng = np.random.default_rng(3)
    orders = [
        rng.permutation(len(xa)) for _ in range(4)
    ]  # 4 epochs of 5 batches of 10, 10, 10, 10, 3
    rate = 0.1 if reg == "l1" else 0.05  # L1 strong enough to zero some weights in 4 epochs
    fit = Fit(xa, y, 10, reg, rate)
    for order in orders:
        epoch(net, opt, fit, order, opt.lr)
    torch_epochs(net, model, ref, xa, y, labels, orders, 10, reg, rate)
    np.testing.assert_allclose(net.theta, flat_params(model), rtol=RTOL, atol=1e-10)
    if reg == "l1":  # weights were zeroed, the same ones on both sides
        assert (net.theta[net.mask] == 0).any()
        np.testing.assert_array_equal(net.theta == 0, flat_params(model) == 0)


def test_l1_zeroes_exactly_and_a_zero_weight_stays_zero_while_its_gradient_is_small():
    net, xa, _, y, _ = problem("relu-ce2", seed=4)
    fit, opt = Fit(xa, y, len(xa), "l1", 10.0), Adam(0.05)  # a rate above every data gradient
    for _ in range(200):
        epoch(net, opt, fit, np.arange(len(xa)), 0.05)
    assert (net.theta[net.mask] == 0).all()  # every weight exactly zero
    assert (net.theta[~net.mask] != 0).any()  # biases are never penalised
