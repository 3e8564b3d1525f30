"""Optimisers racing down a 2-D loss landscape: each whole run computed at once, Play animates it.

Chapter 3. Every change (a start point dragged, a new learning rate) recomputes every chosen
optimiser's whole path from the same start, so the picture answers at once; the live session's
step is then a cursor that Play moves along those paths. The four update rules are one form with
different constants (PyTorch's defaults, checked against `torch.optim` in the tests), and the
gradients are the landscapes' closed forms (checked against autograd): plain Python floats, so a
run of 3,000 steps for four optimisers takes tens of milliseconds. A step that leaves the finite
world (a non-finite loss, or |x| or |y| beyond `ESCAPE`) ends that optimiser's path as diverged;
a path within `REACHED` of the minimum ends as arrived. Optional gradient noise, the same seeded
draws for every optimiser, imitates mini-batch noise.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from deepbook.sims.base import SimSpec
from deepbook.sims.frames import Frame
from deepbook.sims.params import Choice, Flags, Float, Int, Params, param
from deepbook.sims.workers import LOCAL, Workers

Point = tuple[float, float]


@dataclass(frozen=True)
class Landscape:
    """A loss surface over the square view [-EXTENT, EXTENT]², its gradient and its minima, and a
    starting point and rate that show what the surface is for."""

    label: str
    # f(x, y, m): the height, written once for floats (m = math, the default: fast in a path's
    # loop) and for arrays (m = numpy: the whole map at once)
    f: Callable[..., Any]
    grad: Callable[[float, float], Point]
    f_min: float
    minima: tuple[Point, ...]
    preset: dict[str, object]

    def loss(self, x: float, y: float) -> float:
        """The surface's height above its minimum (what the paths and the map show)."""
        return float(self.f(x, y)) - self.f_min


def _rosenbrock_grad(x: float, y: float) -> Point:
    r = y - x * x
    return -2 * (1 - x) - 400 * x * r, 200 * r


LANDSCAPES: dict[str, Landscape] = {
    # Curvatures 1 and 15: plain gradient descent is stable only for lr < 2/15.
    "bowl": Landscape(
        "Narrow bowl",
        lambda x, y, m=math: 0.5 * (x * x + 15 * y * y),
        lambda x, y: (x, 15 * y),
        0.0,
        ((0.0, 0.0),),
        {"lr": 0.1, "x0": -2.5, "y0": 2.5, "steps": 100, "speed": 1},
    ),
    # A curved valley along y = x²; the minimum at (1, 1).
    "rosenbrock": Landscape(
        "Rosenbrock valley",
        lambda x, y, m=math: (1 - x) ** 2 + 100 * (y - x * x) ** 2,
        _rosenbrock_grad,
        0.0,
        ((1.0, 1.0),),
        {"lr": 0.0003, "x0": -2.5, "y0": 2.5, "steps": 3000, "speed": 10},
    ),
    # Global minimum at the origin, local minima near multiples of 2π/3 along each axis.
    "bumpy": Landscape(
        "Bumpy (local minima)",
        lambda x, y, m=math: 0.1 * (x * x + y * y) + 0.5 * (2 - m.cos(3 * x) - m.cos(3 * y)),
        lambda x, y: (0.2 * x + 1.5 * math.sin(3 * x), 0.2 * y + 1.5 * math.sin(3 * y)),
        0.0,
        ((0.0, 0.0),),
        {"lr": 0.2, "x0": -2.8, "y0": -2.8, "steps": 300, "speed": 2},
    ),
    # Saddle point at the origin, minima at (0, ±1) with value -0.25.
    "saddle": Landscape(
        "Saddle",
        lambda x, y, m=math: 0.5 * x * x + 0.25 * y**4 - 0.5 * y * y,
        lambda x, y: (x, y**3 - y),
        -0.25,
        ((0.0, 1.0), (0.0, -1.0)),
        {"lr": 0.1, "x0": 2.5, "y0": 0.01, "steps": 300, "speed": 2},
    ),
}


@dataclass(frozen=True)
class Rule:
    """The form all four update rules share (no weight decay), for one parameter w:
    m ← a·m + b·g;  v ← c·v + (1 − c)·g²  (when c > 0);
    w ← w − lr·m / (1 − aᵗ) / (√v / √(1 − cᵗ) + ε)  with the corrections only when `debias`
    (and no division at all when c = 0). SGD: a = 0, b = 1, c = 0. Momentum: a = β, b = 1.
    RMSprop: a = 0, b = 1, c = α = 0.99. Adam: a = β₁ = 0.9, b = 1 − β₁, c = β₂ = 0.999,
    debiased."""

    a: float
    b: float
    c: float = 0.0
    debias: bool = False
    eps: float = 1e-8


OPTIMISERS: dict[str, tuple[str, Callable[[float], Rule]]] = {
    "sgd": ("SGD", lambda beta: Rule(0.0, 1.0)),
    "momentum": ("SGD + momentum", lambda beta: Rule(beta, 1.0)),
    "rmsprop": ("RMSprop", lambda beta: Rule(0.0, 1.0, 0.99)),
    "adam": ("Adam", lambda beta: Rule(0.9, 0.1, 0.999, debias=True)),
}

EXTENT = 3.0  # the view is [-3, 3]²
ESCAPE = 1e3  # beyond this a path counts as diverged
REACHED = 1e-12  # a loss this close to the minimum ends a path (without noise): nothing to see
MAX_STEPS = 3000
GRID = 160


@dataclass(frozen=True)
class Settings:
    """The gradient-descent sim's parameters; all but the landscape and the optimisers are hot:
    they redraw the paths and keep Play's place."""

    surface: str = param(
        Choice(
            "Landscape",
            help="The loss surface to descend; each brings a start and a rate that suit it.",
            options=tuple((k, s.label) for k, s in LANDSCAPES.items()),
            default="bowl",
            presets={k: s.preset for k, s in LANDSCAPES.items()},
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
            help="Step size η, on a log scale.",
            min=1e-4,
            max=10,
            default=0.1,
            log=True,
            hot=True,
            group="training",
        )
    )
    momentum: float = param(
        Float(
            "Momentum β",
            help="How much of its velocity SGD + momentum keeps each step (0 is plain SGD).",
            min=0,
            max=0.99,
            default=0.9,
            hot=True,
            group="training",
        )
    )
    x0: float = param(
        Float(
            "Start x",
            help="Where the descent starts (drag on the map).",
            min=-EXTENT,
            max=EXTENT,
            default=-2.5,
            hot=True,
            group="data",
        )
    )
    y0: float = param(
        Float(
            "Start y",
            help="Where the descent starts (drag on the map).",
            min=-EXTENT,
            max=EXTENT,
            default=2.5,
            hot=True,
            group="data",
        )
    )
    steps: int = param(
        Int(
            "Steps",
            help="How many steps each optimiser takes.",
            min=10,
            max=MAX_STEPS,
            step=10,
            default=100,
            hot=True,
            group="training",
        )
    )
    noise: float = param(
        Float(
            "Gradient noise",
            help="Std. dev. of noise added to each gradient (the same draws for every optimiser).",
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
            hot=True,
            group="training",
        )
    )
    speed: int = param(
        Int(
            "Steps per frame",
            help="How fast Play walks along the paths.",
            min=1,
            max=50,
            default=1,
            advanced=True,
            hot=True,
            group="view",
        )
    )


PARAMS = Params(Settings)


@dataclass(frozen=True)
class Path:
    """One optimiser's run: (x, y, loss − minimum) after each step, from the start (step 0)."""

    points: list[tuple[float, float, float]]
    diverged_at: int | None  # the step that left the finite world (the path stops before it)
    reached_at: int | None  # the step that came within REACHED of the minimum


def descend(
    land: Landscape, rule: Rule, lr: float, start: Point, steps: int, noise: np.ndarray | None
) -> Path:
    """Run one update rule from `start` for up to `steps` steps; noise[t] is added to step t+1's
    gradient."""
    x, y = start
    a, b, c, eps, debias = rule.a, rule.b, rule.c, rule.eps, rule.debias
    f, grad, f_min, sqrt, finite = land.f, land.grad, land.f_min, math.sqrt, math.isfinite
    mx = my = vx = vy = 0.0
    dx = dy = 1.0  # no second moment: no division
    points = [(x, y, f(x, y) - f_min)]
    kicks = noise.tolist() if noise is not None else None
    if points[0][2] < REACHED and kicks is None:
        return Path(points, None, 0)  # started at the minimum: nothing moves
    for t in range(1, steps + 1):
        gx, gy = grad(x, y)
        if kicks is not None:
            kx, ky = kicks[t - 1]
            gx, gy = gx + kx, gy + ky
        mx, my = a * mx + b * gx, a * my + b * gy
        step = lr / (1 - a**t) if debias else lr
        if c:
            vx, vy = c * vx + (1 - c) * gx * gx, c * vy + (1 - c) * gy * gy
            root = sqrt(1 - c**t) if debias else 1.0
            dx, dy = sqrt(vx) / root + eps, sqrt(vy) / root + eps
        try:
            x, y = x - step * mx / dx, y - step * my / dy
            loss = f(x, y) - f_min
        except OverflowError:  # x**4 of a huge x: as good as infinite
            loss = math.inf
        if not (finite(loss) and -ESCAPE < x < ESCAPE and -ESCAPE < y < ESCAPE):
            return Path(points, t, None)
        points.append((x, y, loss))
        if loss < REACHED and kicks is None:
            return Path(points, None, t)
    return Path(points, None, None)


def sample(surface: str) -> np.ndarray:
    """A landscape sampled on a GRID × GRID lattice as log(1 + f - f_min), rows = y, float16."""
    land = LANDSCAPES[surface]
    x, y = np.meshgrid(np.linspace(-EXTENT, EXTENT, GRID), np.linspace(-EXTENT, EXTENT, GRID))
    f = land.f(x, y, np) - land.f_min
    out: np.ndarray = np.log1p(np.maximum(f, 0)).astype(np.float16)
    out.flags.writeable = False  # shared by every session
    return out


def setup(workers: Workers = LOCAL) -> dict[str, np.ndarray]:
    """Resources: every landscape sampled once, shared by all sessions."""
    return {k: sample(k) for k in LANDSCAPES}


class Descent:
    """The live state: every chosen optimiser's whole path, and Play's place along them."""

    def __init__(self, v: Settings, fields: dict[str, np.ndarray] | None = None) -> None:
        self.fields = fields if fields is not None else {v.surface: sample(v.surface)}
        self.steps, self.done = 0, False
        self.compute(v)

    def compute(self, v: Settings) -> None:
        """Every optimiser's path for the values v (Play's place is kept, within the new run)."""
        self.v = v
        land = LANDSCAPES[v.surface]
        noise = None
        if v.noise > 0:
            noise = v.noise * np.random.default_rng(v.seed).standard_normal((v.steps, 2))
        self.paths = [
            descend(land, OPTIMISERS[k][1](v.momentum), v.lr, (v.x0, v.y0), v.steps, noise)
            for k in v.optimisers
        ]
        # the run lasts until the last optimiser stops (diverged, arrived, or out of steps)
        finished = self.done
        self.length = max(len(p.points) - 1 + (p.diverged_at is not None) for p in self.paths)
        # Play's place is kept; a run Play had finished shows its new whole paths, finished
        self.steps = self.length if finished else min(self.steps, self.length)
        self.done = self.steps >= self.length
        self.fresh = True  # the next snapshot carries the new paths

    def reset(self) -> None:
        """Play's place back to the start (the paths stay)."""
        self.steps, self.done, self.fresh = 0, False, True

    def update(self, v: Settings) -> None:
        """New hot values: the paths redrawn, Play's place kept."""
        self.compute(v)

    def step(self, n: int = 1) -> None:
        """Move Play's place n steps along the paths."""
        self.steps = min(self.length, self.steps + n)
        self.done = self.steps >= self.length

    @property
    def steps_per_frame(self) -> int:
        return self.v.speed

    def snapshot(self, since: int | None = None) -> Frame:
        """The landscape and whole paths after a change (or since None), else Play's place."""
        meta: dict[str, object] = {"step": self.steps, "done": self.done}
        if since is not None and not self.fresh:
            return Frame(meta=meta | {"full": False}, arrays={})
        self.fresh = False
        n = self.length
        pts = np.empty((len(self.paths), n + 1, 3), dtype=np.float32)
        for k, p in enumerate(self.paths):
            pts[k, : len(p.points)] = p.points
            pts[k, len(p.points) :] = p.points[-1]  # a stopped optimiser stays where it stopped
        land = LANDSCAPES[self.v.surface]
        meta |= {
            "full": True,
            "surface": self.v.surface,
            "length": n,
            "extent": EXTENT,
            "minima": [list(m) for m in land.minima],
            "optimisers": [
                {
                    "id": k,
                    "label": OPTIMISERS[k][0],
                    "diverged_at": p.diverged_at,
                    "reached_at": p.reached_at,
                    "x": p.points[-1][0],
                    "y": p.points[-1][1],
                    "loss": p.points[-1][2],
                }
                for k, p in zip(self.v.optimisers, self.paths, strict=True)
            ],
        }
        # the map goes with every set of paths (a view may drop a frame for a newer one)
        arrays = {"points": pts, "field": self.fields[self.v.surface]}
        return Frame(meta=meta, arrays=arrays)


SPEC = SimSpec(
    id="gradient_descent",
    title="Gradient descent",
    chapter="backpropagation",
    summary="SGD, momentum, RMSprop and Adam race down a loss landscape from a start you drag.",
    params=PARAMS,
    kind="live",
    make=Descent,
    setup=setup,
)
