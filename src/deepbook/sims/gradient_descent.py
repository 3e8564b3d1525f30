"""Optimisers racing down a 2-D loss landscape: PyTorch's update rules, gradients by autograd.

Chapter 3. Each optimiser moves its own copy of the point (x, y) from the same start. A step that
leaves the finite world (a non-finite loss, or |x| or |y| beyond `ESCAPE`) marks that optimiser
diverged and freezes it, so nothing downstream ever sees NaN. Optional gradient noise, drawn from
the engine's own seeded generator, imitates mini-batch noise.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from deepbook.sims.base import SimSpec
from deepbook.sims.frames import Frame
from deepbook.sims.optim import SGD, Adam, Optimiser, RMSprop
from deepbook.sims.params import Choice, Flags, Float, Int, Params, param

Surface = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


@dataclass(frozen=True)
class Landscape:
    """A loss surface over the square view [-EXTENT, EXTENT]² with its lowest value."""

    label: str
    f: Surface
    f_min: float

    def loss(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """The surface's height above its minimum (what the paths and the map show)."""
        return self.f(x, y) - self.f_min


LANDSCAPES: dict[str, Landscape] = {
    # Curvatures 1 and 15: plain gradient descent is stable only for lr < 2/15.
    "bowl": Landscape("Narrow bowl", lambda x, y: 0.5 * (x**2 + 15 * y**2), 0.0),
    "rosenbrock": Landscape(
        "Rosenbrock valley", lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2, 0.0
    ),
    # Global minimum at the origin, local minima near multiples of 2π/3 along each axis.
    "bumpy": Landscape(
        "Bumpy (local minima)",
        lambda x, y: 0.1 * (x**2 + y**2) + 0.5 * (2 - torch.cos(3 * x) - torch.cos(3 * y)),
        0.0,
    ),
    # Saddle point at the origin, minima at (0, ±1) with value -0.25.
    "saddle": Landscape("Saddle", lambda x, y: 0.5 * x**2 + 0.25 * y**4 - 0.5 * y**2, -0.25),
}

# PyTorch's update rules with its defaults, by hand (sims/optim.py, checked against torch.optim).
OPTIMISERS: dict[str, tuple[str, Callable[[float], Optimiser]]] = {
    "sgd": ("SGD", lambda lr: SGD(lr)),
    "momentum": ("SGD + momentum", lambda lr: SGD(lr, momentum=0.9)),
    "rmsprop": ("RMSprop", lambda lr: RMSprop(lr)),
    "adam": ("Adam", lambda lr: Adam(lr)),
}

EXTENT = 3.0  # the view is [-3, 3]²
ESCAPE = 1e3  # beyond this a path counts as diverged
MAX_STEPS = 3000
GRID = 160


@dataclass(frozen=True)
class Settings:
    """The gradient-descent sim's parameters; the learning rate, noise and speed are hot."""

    surface: str = param(
        Choice(
            "Landscape",
            help="The loss surface to descend.",
            options=tuple((k, s.label) for k, s in LANDSCAPES.items()),
            default="bowl",
            group="data",
        )
    )
    optimisers: tuple[str, ...] = param(
        Flags(
            "Optimisers",
            help="Which optimisers race (PyTorch's update rules and default settings).",
            options=tuple((k, label) for k, (label, _) in OPTIMISERS.items()),
            default=("sgd", "momentum", "adam"),
            min_count=1,
            group="model",
        )
    )
    lr: float = param(
        Float(
            "Learning rate",
            help="Step size η, on a log scale; change it mid-run without a reset.",
            min=1e-4,
            max=10,
            default=0.1,
            log=True,
            hot=True,
            group="training",
        )
    )
    x0: float = param(
        Float(
            "Start x",
            help="Where the descent starts (click the map).",
            min=-EXTENT,
            max=EXTENT,
            default=-2.5,
            group="data",
        )
    )
    y0: float = param(
        Float(
            "Start y",
            help="Where the descent starts (click the map).",
            min=-EXTENT,
            max=EXTENT,
            default=2.5,
            group="data",
        )
    )
    noise: float = param(
        Float(
            "Gradient noise",
            help="Std. dev. of noise added to each gradient.",
            min=0,
            max=5,
            default=0.0,
            advanced=True,
            hot=True,
            group="training",
        )
    )
    seed: int = param(
        Int(
            "Seed",
            help="Seed of the gradient noise.",
            min=0,
            max=9999,
            default=0,
            advanced=True,
            group="training",
        )
    )
    speed: int = param(
        Int(
            "Steps per frame",
            help="Optimiser steps between pictures.",
            min=1,
            max=50,
            default=1,
            advanced=True,
            hot=True,
            group="view",
        )
    )


PARAMS = Params(Settings)


def sample(surface: str) -> np.ndarray:
    """A landscape sampled on a GRID × GRID lattice as log(1 + f - f_min), rows = y, float16."""
    t = torch.linspace(-EXTENT, EXTENT, GRID, dtype=torch.float64)
    yy, xx = torch.meshgrid(t, t, indexing="ij")
    f = LANDSCAPES[surface].loss(xx, yy).clamp_min(0)
    out = torch.log1p(f).numpy().astype(np.float16)
    out.flags.writeable = False  # shared by every session
    return out


def setup() -> dict[str, np.ndarray]:
    """Resources: every landscape sampled once, shared by all sessions."""
    return {k: sample(k) for k in LANDSCAPES}


class Descent:
    """The live state: one point and one optimiser per chosen method."""

    def __init__(self, v: Settings, fields: dict[str, np.ndarray] | None = None) -> None:
        self.v = v
        self.fields = fields if fields is not None else {v.surface: sample(v.surface)}
        self.land = LANDSCAPES[v.surface]
        self.reset()

    def reset(self) -> None:
        """Back to the start point with fresh optimiser state and noise generator."""
        v = self.v
        self.gen = torch.Generator().manual_seed(v.seed)
        self.points = [np.array([v.x0, v.y0]) for _ in v.optimisers]
        self.opts = [OPTIMISERS[k][1](v.lr) for k in v.optimisers]
        start = self._loss(self.points[0])
        self.paths = [[(v.x0, v.y0, start)] for _ in v.optimisers]
        self.diverged_at: list[int | None] = [None] * len(self.points)
        self.steps = 0
        self.done = False

    def update(self, v: Settings) -> None:
        """New learning rate, noise or speed, keeping the paths and optimiser state."""
        self.v = v
        for opt in self.opts:
            opt.lr = v.lr

    def _loss(self, p: np.ndarray) -> float:
        with torch.no_grad():
            return float(self.land.loss(torch.tensor(p[0]), torch.tensor(p[1])))

    def _grad(self, p: np.ndarray) -> np.ndarray:
        """∂f/∂(x, y) at p by autograd, plus the optional seeded gradient noise."""
        t = torch.tensor(p, requires_grad=True)
        (g,) = torch.autograd.grad(self.land.loss(t[0], t[1]), t)
        if self.v.noise > 0:
            g = g + self.v.noise * torch.randn(2, generator=self.gen, dtype=torch.float64)
        return g.numpy()

    def step(self, n: int = 1) -> None:
        """Advance every optimiser that has not diverged by n steps (up to MAX_STEPS in all)."""
        for _ in range(min(n, MAX_STEPS - self.steps)):
            self.steps += 1
            for i, (p, opt) in enumerate(zip(self.points, self.opts, strict=True)):
                if self.diverged_at[i] is not None:
                    self.paths[i].append(self.paths[i][-1])
                    continue
                with np.errstate(over="ignore", invalid="ignore"):
                    opt.step(p, self._grad(p))
                    loss = self._loss(p)
                x, y = float(p[0]), float(p[1])
                if not (math.isfinite(loss) and abs(x) < ESCAPE and abs(y) < ESCAPE):
                    self.diverged_at[i] = self.steps
                    self.paths[i].append(self.paths[i][-1])
                else:
                    self.paths[i].append((x, y, loss))
        self.done = self.steps >= MAX_STEPS or all(d is not None for d in self.diverged_at)

    @property
    def steps_per_frame(self) -> int:
        return self.v.speed

    def snapshot(self, since: int | None = None) -> Frame:
        """The landscape and whole paths (since None), or the path points after step `since`."""
        names = self.v.optimisers
        start = 0 if since is None else since + 1  # point i is the position after step i
        pts = np.array([path[start:] for path in self.paths], dtype=np.float32)  # (K, m, 3)
        arrays = {"points": pts.reshape(len(names), -1, 3)}
        if since is None:
            arrays["field"] = self.fields[self.v.surface]
        meta = {
            "step": self.steps,
            "full": since is None,
            "done": self.done,
            "extent": EXTENT,
            "optimisers": [
                {
                    "id": k,
                    "label": OPTIMISERS[k][0],
                    "diverged_at": d,
                    "x": path[-1][0],
                    "y": path[-1][1],
                    "loss": path[-1][2],
                }
                for k, d, path in zip(names, self.diverged_at, self.paths, strict=True)
            ],
        }
        return Frame(meta=meta, arrays=arrays)


SPEC = SimSpec(
    id="gradient_descent",
    title="Gradient descent",
    chapter="backpropagation",
    summary="SGD, momentum, RMSprop and Adam race down a loss landscape from a start you choose.",
    params=PARAMS,
    kind="live",
    make=Descent,
    setup=setup,
)
