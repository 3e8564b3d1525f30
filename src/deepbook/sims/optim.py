"""PyTorch's optimiser update rules, written out in NumPy: SGD, SGD with momentum, RMSprop, Adam.

Each follows `torch.optim`'s single-tensor CPU code step for step (its defaults, no weight decay),
so the numbers match PyTorch; `tests/sims/test_optim.py` runs both side by side. Written by hand
because the first `torch.optim` step imports `torch._dynamo` (about 1.3 s here), which a server
that starts in a couple of seconds cannot afford, and because these steps are tiny.
Reference: Kingma and Ba, "Adam", 2015; Tieleman and Hinton, RMSprop lecture notes, 2012.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]


class Optimiser:
    """Updates one parameter array in place from its gradient; `lr` may change between steps."""

    def __init__(self, lr: float) -> None:
        self.lr = lr
        self.t = 0  # steps taken

    def step(self, p: Array, g: Array) -> None:  # pragma: no cover - overridden
        raise NotImplementedError


class SGD(Optimiser):
    """p ← p − lr·g; with momentum μ: b ← μ·b + g (b = g at the first step), p ← p − lr·b."""

    def __init__(self, lr: float, momentum: float = 0.0) -> None:
        super().__init__(lr)
        self.momentum = momentum
        self.buf: Array | None = None

    def step(self, p: Array, g: Array) -> None:
        self.t += 1
        if self.momentum:
            self.buf = g.copy() if self.buf is None else self.buf * self.momentum + g
            p -= self.lr * self.buf
        else:
            p -= self.lr * g


class RMSprop(Optimiser):
    """v ← α·v + (1 − α)·g²; p ← p − lr·g / (√v + ε)."""

    def __init__(self, lr: float, alpha: float = 0.99, eps: float = 1e-8) -> None:
        super().__init__(lr)
        self.alpha, self.eps = alpha, eps
        self.v: Array | None = None

    def step(self, p: Array, g: Array) -> None:
        self.t += 1
        v = np.zeros_like(p) if self.v is None else self.v
        self.v = v * self.alpha + (1 - self.alpha) * g * g
        p -= self.lr * g / (np.sqrt(self.v) + self.eps)


class Adam(Optimiser):
    """m ← lerp(m, g, 1 − β₁); v ← β₂v + (1 − β₂)g²; p ← p − lr/(1 − β₁ᵗ)·m/(√(v/(1 − β₂ᵗ)) + ε)."""

    def __init__(
        self, lr: float, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8
    ) -> None:
        super().__init__(lr)
        self.b1, self.b2 = betas
        self.eps = eps
        self.m: Array | None = None
        self.v: Array | None = None

    def step(self, p: Array, g: Array) -> None:
        self.t += 1
        m = np.zeros_like(p) if self.m is None else self.m
        v = np.zeros_like(p) if self.v is None else self.v
        self.m = m + (1 - self.b1) * (g - m)  # torch's lerp for a weight below 0.5
        self.v = v * self.b2 + (1 - self.b2) * g * g
        step_size = self.lr / (1 - self.b1**self.t)
        denom = np.sqrt(self.v) / (1 - self.b2**self.t) ** 0.5 + self.eps
        p -= step_size * self.m / denom
