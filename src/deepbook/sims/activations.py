"""Activation functions and their slopes, side by side; slopes come from torch autograd.

Chapter 2. The "layers" control multiplies the slope at the probe input n times: the factor a
gradient picks up passing back through n layers that all sit at that input. Sigmoid's is at most
0.25^n (vanishing gradients); ReLU's is exactly 1 for z > 0.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from deepbook.sims.base import SimSpec
from deepbook.sims.frames import Frame
from deepbook.sims.params import Bool, Flags, Float, Int, ParamError, Params, param

FUNCTIONS: dict[str, tuple[str, Callable[[torch.Tensor], torch.Tensor]]] = {
    "sigmoid": ("Sigmoid", torch.sigmoid),
    "tanh": ("Tanh", torch.tanh),
    "relu": ("ReLU", F.relu),
    "leaky_relu": ("Leaky ReLU", lambda z: F.leaky_relu(z, negative_slope=0.01)),
    "gelu": ("GELU", lambda z: F.gelu(z, approximate="none")),  # z·Φ(z), Φ via erf
    "silu": ("SiLU", F.silu),  # z·σ(z)
}
SAMPLES = 401


@dataclass(frozen=True)
class Settings:
    """The activations sim's parameters."""

    functions: tuple[str, ...] = param(
        Flags(
            "Functions",
            help="Which activation functions to draw.",
            options=tuple((k, label) for k, (label, _) in FUNCTIONS.items()),
            default=("sigmoid", "tanh", "relu", "gelu"),
            min_count=1,
            group="model",
        )
    )
    z_min: float = param(
        Float(
            "z from",
            help="Left end of the input range.",
            min=-10,
            max=9,
            default=-6.0,
            step=0.5,
            group="view",
        )
    )
    z_max: float = param(
        Float(
            "z to",
            help="Right end of the input range.",
            min=-9,
            max=10,
            default=6.0,
            step=0.5,
            group="view",
        )
    )
    probe: float = param(
        Float(
            "Probe z",
            help="Input at which values and slopes are read.",
            min=-10,
            max=10,
            default=1.0,
            step=0.05,
            group="model",
        )
    )
    depth: int = param(
        Int(
            "Layers n",
            help="How many layers the gradient passes back through.",
            min=1,
            max=50,
            default=10,
            group="model",
        )
    )
    slopes: bool = param(
        Bool(
            "Show slopes",
            help="Also draw each function's derivative (dashed).",
            default=True,
            group="view",
        )
    )

    def __post_init__(self) -> None:
        if self.z_min >= self.z_max:
            raise ParamError(
                "z_min", f"must be less than z_max ({self.z_max:g}), got {self.z_min:g}"
            )


PARAMS = Params(Settings)


def value_and_slope(name: str, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """f(z) and df/dz elementwise, the slope by autograd."""
    z = z.detach().clone().requires_grad_(True)
    y = FUNCTIONS[name][1](z)
    (dy,) = torch.autograd.grad(y.sum(), z)
    return y.detach(), dy


def compute(v: Settings, _: None = None) -> Frame:
    """Curves over the range, readings at the probe, and slope products through n layers."""
    z = torch.linspace(v.z_min, v.z_max, SAMPLES, dtype=torch.float64)
    zp = torch.cat([z, torch.tensor([v.probe], dtype=torch.float64)])  # the probe rides last
    ys, dys, readings = [], [], []
    for name in v.functions:
        y, dy = value_and_slope(name, zp)
        slope = float(dy[-1])
        ys.append(y[:-1])
        dys.append(dy[:-1])
        readings.append(
            {
                "id": name,
                "label": FUNCTIONS[name][0],
                "value": float(y[-1]),
                "slope": slope,
                "product": abs(slope) ** v.depth,
            }
        )
    return Frame(
        meta={"functions": readings, "probe": v.probe, "depth": v.depth},
        arrays={
            "z": z.numpy().astype(np.float32),
            "y": torch.stack(ys).numpy().astype(np.float32),
            "dy": torch.stack(dys).numpy().astype(np.float32),
        },
    )


SPEC = SimSpec(
    id="activations",
    title="Activation functions",
    chapter="neurons-and-layers",
    summary="Six activation functions and their slopes; how slopes multiply through many layers.",
    params=PARAMS,
    kind="instant",
    compute=compute,
)
