"""Activation functions and their slopes, side by side; slopes come from torch autograd.

Chapter 2. The "layers" control multiplies the slope at the probe input n times: the factor a
gradient picks up passing back through n layers that all sit at that input. Sigmoid's is at most
0.25^n (vanishing gradients); ReLU's is exactly 1 for z > 0.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F

from deepbook.sims.base import SimSpec
from deepbook.sims.frames import Frame
from deepbook.sims.params import Bool, Flags, Float, Int, ParamError, Params, Values

FUNCTIONS: dict[str, tuple[str, Callable[[torch.Tensor], torch.Tensor]]] = {
    "sigmoid": ("Sigmoid", torch.sigmoid),
    "tanh": ("Tanh", torch.tanh),
    "relu": ("ReLU", F.relu),
    "leaky_relu": ("Leaky ReLU", lambda z: F.leaky_relu(z, negative_slope=0.01)),
    "gelu": ("GELU", lambda z: F.gelu(z, approximate="none")),  # z·Φ(z), Φ via erf
    "silu": ("SiLU", F.silu),  # z·σ(z)
}
SAMPLES = 401


def _range_check(v: Values) -> None:
    if v["z_min"] >= v["z_max"]:
        raise ParamError("z_min", f"must be less than z_max ({v['z_max']:g}), got {v['z_min']:g}")


PARAMS = Params(
    (
        Flags(
            "functions",
            "Functions",
            "Which activation functions to draw.",
            options=tuple((k, label) for k, (label, _) in FUNCTIONS.items()),
            default=("sigmoid", "tanh", "relu", "gelu"),
            min_count=1,
        ),
        Float("z_min", "z from", "Left end of the input range.", -10, 9, -6.0, 0.5),
        Float("z_max", "z to", "Right end of the input range.", -9, 10, 6.0, 0.5),
        Float("probe", "Probe z", "Input at which values and slopes are read.", -10, 10, 1.0, 0.05),
        Int("depth", "Layers n", "How many layers the gradient passes back through.", 1, 50, 10),
        Bool("slopes", "Show slopes", "Also draw each function's derivative (dashed).", True),
    ),
    checks=(_range_check,),
)


def value_and_slope(name: str, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """f(z) and df/dz elementwise, the slope by autograd."""
    z = z.detach().clone().requires_grad_(True)
    y = FUNCTIONS[name][1](z)
    (dy,) = torch.autograd.grad(y.sum(), z)
    return y.detach(), dy


def compute(v: Values) -> Frame:
    """Curves over the range, readings at the probe, and slope products through n layers."""
    z = torch.linspace(v["z_min"], v["z_max"], SAMPLES, dtype=torch.float64)
    zp = torch.cat([z, torch.tensor([v["probe"]], dtype=torch.float64)])  # the probe rides last
    ys, dys, readings = [], [], []
    for name in v["functions"]:
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
                "product": abs(slope) ** v["depth"],
            }
        )
    return Frame(
        meta={"functions": readings, "probe": v["probe"], "depth": v["depth"]},
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
