"""A small fully connected network in NumPy: forward, backward and whole training epochs.

The network of the playground (chapter 8): input features → 0–8 hidden layers → an output layer,
trained exactly as PyTorch would train the same `nn.Sequential` of `nn.Linear` layers in float64
(`tests/sims/test_playground_torch.py` checks outputs, gradients and optimiser steps against
`torch.autograd` and `torch.optim` to 1e-6 relative). Run it as

    net = Net((2, 8, 2), ("relu",), "cross_entropy", init_params((2, 8, 2), rng))
    epoch(net, Adam(0.03), Fit(features(xy, ("x1", "x2")), onehot, batch=10), order, lr=0.03)
    logits = net.output(features_t(grid, ("x1", "x2")))

Layout: every layer's weights and biases live in one flat float64 vector `theta`; layer l is the
(n_l + 1) × n_{l+1} block `mats[l]` (row-major), rows 0..n_l − 1 the weights from each input unit
(PyTorch's `weight.T`) and row n_l the biases. Inputs carry a trailing column of ones, so one
matrix product computes a layer and one product gives its whole gradient; the optimiser updates
the flat vector in one go. Python's per-call overhead dominates such tiny arrays, so the epoch
loop writes into preallocated buffers and calls as few NumPy functions as it can.

Losses. "cross_entropy": K output logits, softmax, mean cross-entropy (`F.cross_entropy`).
"squared" (TF Playground's): one output unit through tanh for classification (targets −1 and +1,
class 1 where the output is > 0) or linear for regression, loss ½·mean((o − y)²), that is
`0.5 * F.mse_loss(o, y)`. The loss reported and trained is the mean over the batch.
Regularisation (weights only, never biases): L2 adds rate·½·Σw² to the loss (gradient rate·w,
taken through the optimiser like `weight_decay`). L1 adds rate·Σ|w|, taken by an orthant-wise step
(Andrew and Gao, "OWL-QN", ICML 2007) so useless weights become exactly zero and stay there: the
gradient gets rate·sign(w) where w ≠ 0; where w = 0 it gets the smallest subgradient, the data
gradient soft-thresholded by rate (0 if |g| ≤ rate); after the optimiser step, a weight whose
sign differs from its orthant (its old sign, or for a zero weight the sign of −gradient) is set
to exactly 0. Initial weights: PyTorch's `nn.Linear` default, every weight and bias uniform in
±1/√fan_in, drawn from the caller's seeded NumPy generator, layer by layer, block by block.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np

from deepbook.sims.optim import Optimiser

Array = np.ndarray  # float64 unless said otherwise

ACTIVATIONS = {"relu": "ReLU", "tanh": "tanh", "sigmoid": "Sigmoid", "linear": "Linear"}
LOSSES = {"cross_entropy": "Cross-entropy (softmax)", "squared": "Squared (TF Playground)"}
REGS = {"none": "None", "l1": "L1", "l2": "L2"}
FEATURES: dict[str, tuple[str, Callable[[Array, Array], Array]]] = {
    "x1": ("X₁", lambda x, y: x),
    "x2": ("X₂", lambda x, y: y),
    "x1sq": ("X₁²", lambda x, y: x * x),
    "x2sq": ("X₂²", lambda x, y: y * y),
    "x1x2": ("X₁X₂", lambda x, y: x * y),
    "sin1": ("sin X₁", lambda x, y: np.sin(x)),
    "sin2": ("sin X₂", lambda x, y: np.sin(y)),
}


def features(xy: Array, names: tuple[str, ...], dtype: type = np.float64) -> np.ndarray:
    """The chosen input features of points (n, 2), plus a trailing column of ones: (n, F + 1)."""
    out: np.ndarray = np.ones((len(xy), len(names) + 1), dtype=dtype)
    for k, name in enumerate(names):
        out[:, k] = FEATURES[name][1](xy[:, 0], xy[:, 1])
    return out


def features_t(xy: Array, names: tuple[str, ...], dtype: type = np.float64) -> np.ndarray:
    """The chosen input features, feature-major: (F, n), for evaluating many points at once."""
    out: np.ndarray = np.empty((len(names), len(xy)), dtype=dtype)
    for k, name in enumerate(names):
        out[k] = FEATURES[name][1](xy[:, 0], xy[:, 1])
    return out


def n_params(sizes: tuple[int, ...]) -> int:
    """Weights and biases of a network with these layer sizes (inputs first, outputs last)."""
    return sum((a + 1) * b for a, b in pairwise(sizes))


def init_params(sizes: tuple[int, ...], rng: np.random.Generator) -> Array:
    """PyTorch's default `nn.Linear` init: weights and biases uniform in ±1/√fan_in (flat)."""
    blocks = [rng.uniform(-1 / np.sqrt(a), 1 / np.sqrt(a), (a + 1) * b) for a, b in pairwise(sizes)]
    return np.concatenate(blocks) if blocks else np.zeros(0)


def _act(name: str, z: np.ndarray, out: np.ndarray) -> None:
    """out ← activation(z) (out may be z, or a strided view)."""
    if name == "relu":
        np.maximum(z, 0, out=out)
    elif name == "tanh":
        np.tanh(z, out=out)
    elif name == "sigmoid":  # 1 / (1 + e^−z), as torch.sigmoid
        np.negative(z, out=out)
        np.exp(out, out=out)
        out += 1
        np.reciprocal(out, out=out)
    else:
        out[...] = z


def _dact(name: str, a: Array, d: Array, tmp: Array) -> None:
    """d ← d · activation′, from the activation's output a."""
    if name == "relu":
        np.greater(a, 0, out=tmp)
        d *= tmp
    elif name == "tanh":
        np.multiply(a, a, out=tmp)
        np.subtract(1, tmp, out=tmp)
        d *= tmp
    elif name == "sigmoid":
        np.subtract(1, a, out=tmp)
        tmp *= a
        d *= tmp


class Net:
    """Layer sizes, hidden activations, loss and the flat parameter vector (with block views)."""

    def __init__(self, sizes: tuple[int, ...], acts: tuple[str, ...], loss: str, theta: Array):
        if len(acts) != len(sizes) - 2 or len(theta) != n_params(sizes):
            raise ValueError("need one activation per hidden layer and n_params(sizes) values")
        self.sizes, self.acts, self.loss = sizes, acts, loss
        self.out_act = "linear" if loss == "cross_entropy" or sizes[-1] != 1 else "tanh"
        self.theta = theta
        self.mats = self._views(theta)
        self.backs = [w[:-1].T for w in self.mats]  # weights only, transposed: for backprop
        self.mask = np.concatenate([_weight_rows(a, b) for a, b in pairwise(sizes)])
        self.grad = np.zeros_like(theta)  # the last batch's gradient, and its block views
        self.grads = self._views(self.grad)

    def _views(self, flat: Array) -> list[Array]:
        out, k = [], 0
        for a, b in pairwise(self.sizes):
            out.append(flat[k : k + (a + 1) * b].reshape(a + 1, b))
            k += (a + 1) * b
        return out

    def layers(self, xt: np.ndarray, keep: bool = True) -> list[np.ndarray]:
        """Every layer's output (n_l, n) for features xt (F, n), in xt's dtype; the last is the
        output layer (feature-major: bias adds and activations run along long rows). With
        keep=False only the output layer is returned (less memory for big grids)."""
        outs, a = [], xt
        for k, block in enumerate(self.mats):
            w = block.astype(xt.dtype, copy=False)
            z = w[:-1].T @ a
            z += w[-1][:, None]
            _act(self.acts[k] if k < len(self.acts) else self.out_act, z, z)
            if keep or k == len(self.mats) - 1:
                outs.append(z)
            a = z
        return outs

    def output(self, xt: np.ndarray) -> np.ndarray:
        """The output layer (n, out): logits (cross-entropy) or the output unit (squared loss)."""
        return self.layers(xt, keep=False)[-1].T

    def loss_of(self, out: Array, y: Array) -> float:
        """The mean data loss of outputs for targets y (one-hot for cross-entropy, else (n, 1))."""
        if self.loss == "cross_entropy":
            z = out - out.max(axis=1, keepdims=True)
            logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
            return float(-(logp * y).sum() / len(y))
        return float(0.5 * np.mean((out - y) ** 2))

    def gradient(self, xa: Array, y: Array, reg: str = "none", rate: float = 0.0) -> Array:
        """∂(loss + penalty)/∂theta on one batch (L1: the orthant-wise pseudo-gradient)."""
        fit = Fit(xa, y, len(xa), reg, rate)
        _backprop(self, _buffers(self, len(xa)), xa, y)
        return _regularise(self, fit, self.grad.copy())


def _weight_rows(a: int, b: int) -> np.ndarray:
    """The mask of one (a + 1) × b block: True for weights, False for the bias row."""
    m = np.ones((a + 1, b), dtype=bool)
    m[a] = False
    return m.ravel()


@dataclass
class Fit:
    """Training data (inputs with a ones column, targets) and how each batch's loss is built."""

    xa: Array
    y: Array
    batch: int
    reg: str = "none"
    rate: float = 0.0
    buffers: dict[int, list[Array]] = field(default_factory=dict)  # batch size → work arrays


def _buffers(net: Net, m: int) -> list[Array]:
    """Work arrays for a batch of m: A_l (with ones), D_l, T_l, Aᵀ_l and the views A_l[:, :-1]."""
    hidden = net.sizes[1:-1]
    acts = [np.ones((m, n + 1)) for n in hidden]
    deltas = [np.empty((m, n)) for n in net.sizes[1:]]
    tmps = [np.empty((m, n)) for n in net.sizes[1:]]
    return acts + deltas + tmps + [a.T for a in acts] + [a[:, :-1] for a in acts]


def _backprop(net: Net, buf: list[Array], xb: Array, yb: Array) -> None:
    """net.grad ← ∂(mean data loss)/∂theta for one batch (forward and backward in buffers)."""
    h, m = len(net.acts), len(xb)
    acts, deltas, tmps = buf[:h], buf[h : 2 * h + 1], buf[2 * h + 1 : 3 * h + 2]
    trans, units = buf[3 * h + 2 : 4 * h + 2], buf[4 * h + 2 :]
    mats, grads, backs = net.mats, net.grads, net.backs
    a = xb
    for k in range(h):  # forward: z into the delta buffer, activation into A (ones kept)
        np.dot(a, mats[k], out=deltas[k])
        _act(net.acts[k], deltas[k], units[k])
        a = acts[k]
    d = deltas[h]
    np.dot(a, mats[h], out=d)
    t = tmps[h]
    if net.loss == "cross_entropy" and d.shape[1] == 2:  # p₁ = 1/(1 + e^(z₀−z₁)); p − one-hot
        p1, t1 = d[:, 1], t[:, 0]
        np.subtract(d[:, 0], p1, out=t1)
        np.exp(t1, out=t1)
        t1 += 1
        np.reciprocal(t1, out=t1)
        np.subtract(t1, yb[:, 1], out=p1)
        np.negative(p1, out=d[:, 0])
    elif net.loss == "cross_entropy":  # softmax − one-hot
        d -= d.max(axis=1, keepdims=True)
        np.exp(d, out=d)
        d /= d.sum(axis=1, keepdims=True)
        d -= yb
    elif net.out_act == "tanh":  # (o − y)(1 − o²)
        np.tanh(d, out=d)
        np.multiply(d, d, out=t)
        d -= yb
        np.subtract(1, t, out=t)
        d *= t
    else:
        d -= yb
    d *= 1 / m
    for k in range(h, 0, -1):  # backward
        np.dot(trans[k - 1], d, out=grads[k])
        nxt = deltas[k - 1]
        np.dot(d, backs[k], out=nxt)
        _dact(net.acts[k - 1], units[k - 1], nxt, tmps[k - 1])
        d = nxt
    np.dot(xb.T, d, out=grads[0])


def _regularise(net: Net, fit: Fit, g: Array) -> Array:
    """Add the penalty's gradient: L2 rate·w; L1 the orthant-wise pseudo-gradient (weights only)."""
    if fit.reg == "l2":
        g += fit.rate * net.mask * net.theta
    elif fit.reg == "l1":
        s = np.sign(net.theta)
        soft = np.sign(g) * np.maximum(np.abs(g) - fit.rate, 0.0)
        g = np.where(net.mask & (s == 0), soft, g + fit.rate * s * net.mask)
    return g


def _project(net: Net, old: Array, pg: Array) -> None:
    """L1: zero every weight that left its orthant (old sign, or −sign(pg) for a zero weight)."""
    orthant = np.where(old != 0, np.sign(old), -np.sign(pg))
    net.theta[net.mask & (np.sign(net.theta) != orthant)] = 0.0


def epoch(net: Net, opt: Optimiser, fit: Fit, order: np.ndarray, lr: float) -> None:
    """One pass over the training data in `order`, `fit.batch` points an update, at rate lr."""
    opt.lr = lr
    xs, ys = fit.xa[order], fit.y[order]
    n, b, g = len(order), fit.batch, net.grad
    for start in range(0, n, b):
        xb, yb = xs[start : start + b], ys[start : start + b]
        m = len(xb)
        buf = fit.buffers.get(m)
        if buf is None:
            buf = fit.buffers[m] = _buffers(net, m)
        _backprop(net, buf, xb, yb)
        if fit.reg == "l1":
            pg, old = _regularise(net, fit, g), net.theta.copy()
            opt.step(net.theta, pg)
            _project(net, old, pg)
        else:
            opt.step(net.theta, _regularise(net, fit, g) if fit.reg == "l2" else g)
