"""The network playground's parameters, declared once: data, model, training and view groups.

Chapter 8. Hot (taken mid-run without a reset): the learning rate, the regularisation rate, the
target accuracy, the speed and the view options; any other change rebuilds the engine. Checks
across parameters (`Settings.__post_init__`): per-layer activations, one per hidden layer or none;
the squared loss only for two classes or regression; a batch no larger than the training set.
The engine is `playground.py`; `Settings` and `PARAMS` are re-exported there. Validate with
`PARAMS.validate({"layers": "8,8", "activations": "tanh,relu", "features": "x1,x2,x1x2"})`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from deepbook.sims import playground_data as pd
from deepbook.sims.inputs import IntList, Points, PointSet
from deepbook.sims.mlp import ACTIVATIONS, FEATURES, LOSSES, REGS
from deepbook.sims.params import (
    Bool,
    Choice,
    Flags,
    Float,
    Int,
    Options,
    Param,
    ParamError,
    Params,
    param,
)

SPEEDS = (1, 2, 5, 10, 20, 50, 100, 200, 500)
SPEED_OPTIONS = (*((str(s), f"{s} epochs a frame") for s in SPEEDS), ("max", "As fast as it can"))
MAX_EPOCHS = 50_000
OPTIMISERS = {"sgd": "SGD", "momentum": "SGD + momentum (0.9)", "adam": "Adam"}
SCHEDULES = {"constant": "Constant", "step": "Step (halve)", "cosine": "Cosine (to the limit)"}
HIDEABLE: tuple[str, ...] = ("dataset", "turns", "noise", "train_pct", "features", "layers")
HIDEABLE += ("activation", "loss", "optimiser", "lr", "schedule", "batch", "reg", "reg_rate")
HIDEABLE += ("speed",)


@dataclass(frozen=True, kw_only=True)
class ChoiceList(Param[tuple[str, ...]]):
    """A short list of options (e.g. one activation per layer); URL form "relu,tanh"."""

    options: Options
    max_len: int = 8

    def coerce(self, raw: object) -> tuple[str, ...]:
        if isinstance(raw, str):
            items: list[object] = [s.strip() for s in raw.split(",") if s.strip()]
        elif isinstance(raw, list | tuple):
            items = list(raw)
        else:
            raise ParamError(self.name, f"expected a list of options, got {type(raw).__name__}")
        allowed = [v for v, _ in self.options]
        if len(items) > self.max_len:
            raise ParamError(self.name, f"at most {self.max_len} entries, got {len(items)}")
        for item in items:
            if item not in allowed:
                shown = repr(item)[:40]
                raise ParamError(
                    self.name, f"unknown option {shown}; allowed: {', '.join(allowed)}"
                )
        return tuple(str(i) for i in items)

    def kind(self) -> dict[str, Any]:
        opts = [{"value": v, "label": lab} for v, lab in self.options]
        default = list(self.default)
        return {"type": "choicelist", "options": opts, "max_len": self.max_len, "default": default}

    def to_url(self, value: tuple[str, ...]) -> str:
        return ",".join(value)

    def to_json(self, value: tuple[str, ...]) -> object:
        return list(value)


def _choice(label: str, options: Mapping[str, str], default: str, group: str, help: str) -> str:
    """A select of (value, label) options."""
    return param(
        Choice(label, options=tuple(options.items()), default=default, group=group, help=help)
    )


def _float(
    label: str, lo: float, hi: float, default: float, group: str, help: str, **kw: Any
) -> float:
    """A slider over [lo, hi] (log=True: a log scale; hot=True: taken mid-run)."""
    return param(Float(label, min=lo, max=hi, default=default, group=group, help=help, **kw))


def _int(label: str, lo: int, hi: int, default: int, group: str, help: str, **kw: Any) -> int:
    """A whole-number slider over [lo, hi]."""
    return param(Int(label, min=lo, max=hi, default=default, group=group, help=help, **kw))


def _bool(label: str, help: str) -> bool:
    """A view option: hot, so the run goes on."""
    return param(Bool(label, default=False, hot=True, group="view", help=help))


@dataclass(frozen=True)
class Settings:
    """The playground's parameters; lr, regularisation rate, target, speed and view are hot."""

    dataset: str = _choice(
        "Dataset",
        {k: lab for k, (lab, _) in pd.KINDS.items()},
        "spiral",
        "data",
        "The data to fit; 'Your points' uses the points you place.",
    )
    turns: float = _float(
        "Spiral turns", 0.5, 3.0, 1.25, "data", "Turns per arm of the spirals.", step=0.25
    )
    noise: float = _float(
        "Noise", 0.0, 0.5, 0.0, "data", "Moves each point by a Gaussian of s.d. 2·noise.", step=0.05
    )
    train_pct: int = _int(
        "Training data (%)", 10, 90, 50, "data", "Share of the points used for training.", step=10
    )
    n_points: int = _int(
        "Points", 50, 1000, 500, "data", "How many points to generate.", step=50, advanced=True
    )
    points: PointSet = param(
        Points(
            "Your points",
            extent=pd.EXTENT,
            max_count=500,
            classes=3,
            group="data",
            help="Points you place, of 2 or 3 classes ('Your points').",
        )
    )
    seed: int = _int(
        "Seed", 0, 9999, 0, "data", "Seed of the data, the initial weights and the batch order."
    )
    features: tuple[str, ...] = param(
        Flags(
            "Input features",
            options=tuple((k, lab) for k, (lab, _) in FEATURES.items()),
            default=("x1", "x2"),
            min_count=1,
            group="model",
            help="What the network sees of each point.",
        )
    )
    layers: tuple[int, ...] = param(
        IntList(
            "Hidden layers",
            min_len=0,
            max_len=8,
            min=1,
            max=32,
            default=(8,),
            group="model",
            help="Units in each hidden layer, e.g. 8,8,4 (0 to 8 layers of 1 to 32).",
        )
    )
    activation: str = _choice(
        "Activation", ACTIVATIONS, "relu", "model", "The activation of every hidden layer."
    )
    activations: tuple[str, ...] = param(
        ChoiceList(
            "Per-layer activations",
            options=tuple(ACTIVATIONS.items()),
            default=(),
            group="model",
            advanced=True,
            help="One per hidden layer, e.g. relu,tanh; empty: 'Activation' for all.",
        )
    )
    loss: str = _choice(
        "Loss",
        LOSSES,
        "cross_entropy",
        "model",
        "The classification loss (regression always uses the squared loss).",
    )
    optimiser: str = _choice(
        "Optimiser",
        OPTIMISERS,
        "adam",
        "training",
        "PyTorch's update rules with their default settings.",
    )
    lr: float = _float(
        "Learning rate",
        1e-4,
        10.0,
        0.01,
        "training",
        "Step size; change it mid-run.",
        log=True,
        hot=True,
    )
    schedule: str = _choice(
        "Schedule",
        SCHEDULES,
        "constant",
        "training",
        "How the learning rate changes from epoch to epoch.",
    )
    decay_every: int = _int(
        "Halve every (epochs)",
        10,
        10000,
        1000,
        "training",
        "The step schedule's period.",
        step=10,
        advanced=True,
    )
    batch: int = _int(
        "Batch size",
        1,
        1000,
        10,
        "training",
        "Training points per update (at most the training set).",
    )
    reg: str = _choice(
        "Regularisation", REGS, "none", "training", "A penalty on the weights (never the biases)."
    )
    reg_rate: float = _float(
        "Regularisation rate",
        1e-4,
        10.0,
        1e-3,
        "training",
        "Strength of the penalty.",
        log=True,
        hot=True,
    )
    epoch_limit: int = _int(
        "Epoch limit",
        10,
        MAX_EPOCHS,
        10000,
        "training",
        "Training stops here (and the cosine schedule ends).",
        step=10,
    )
    target: float = _float(
        "Stop at test accuracy",
        0.0,
        1.0,
        0.0,
        "training",
        "Stop once test accuracy reaches it; 0: never.",
        hot=True,
    )
    speed: str = param(
        Choice(
            "Speed",
            options=SPEED_OPTIONS,
            default="max",
            group="view",
            hot=True,
            help="Epochs trained between two pictures.",
        )
    )
    show_test: bool = _bool("Show test data", "Draw the test points on the map too.")
    discretise: bool = _bool("Discretise output", "Colour the map by predicted class only.")
    hide: tuple[str, ...] = param(
        Flags(
            "Hide controls",
            options=tuple((k, k) for k in HIDEABLE),
            default=(),
            hot=True,
            group="view",
            advanced=True,
            help="Controls a classroom link hides.",
        )
    )

    def __post_init__(self) -> None:
        """Checks across parameters: per-layer activations, loss and classes, batch and data."""
        if self.activations and len(self.activations) != len(self.layers):
            layers = len(self.layers)
            why = f"give one per hidden layer ({layers}), or none to use 'Activation' for all"
            raise ParamError("activations", why)
        if self.loss == "squared" and self.classes == 3:
            raise ParamError(
                "loss", "the squared loss has one output: 3 classes need cross-entropy"
            )
        n = len(self.points) if self.dataset == "custom" else self.n_points
        n_train = pd.n_train(n, self.train_pct)
        if self.batch > max(1, n_train):
            why = f"must be between 1 and the training set size ({n_train}), got {self.batch}"
            raise ParamError("batch", why)

    @property
    def classes(self) -> int:
        """2 or 3 classes; 0 for regression."""
        if self.dataset == "custom":
            return pd.classes_of(self.points)
        return pd.KINDS[self.dataset][1]

    @property
    def acts(self) -> tuple[str, ...]:
        """The activation of each hidden layer."""
        return self.activations or (self.activation,) * len(self.layers)

    def lr_at(self, e: int) -> float:
        """The learning rate for epoch e (0-based) under the schedule."""
        lr = self.lr
        if self.schedule == "step":
            return lr * 0.5 ** (e // self.decay_every)
        if self.schedule == "cosine":
            return lr * 0.5 * (1 + math.cos(math.pi * min(e, self.epoch_limit) / self.epoch_limit))
        return lr


PARAMS = Params(Settings)
