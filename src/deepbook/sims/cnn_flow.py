"""A digit flowing through chapter 4's convolutional network, stage by stage, in the real model.

The reader's drawing (or a held-out MNIST digit) is prepared the way MNIST's digits were
(`models/ink.py`: fitted into a 20 × 20 box, centred by mass in 28 × 28). Then the shipped
`digits_cnn` runs on it and every stage's output is in the frame: conv1 → ReLU → pool → conv2 →
ReLU → pool → fully connected → softmax, each with its shape, parameter count and receptive
field. The close-up takes one output cell of one stage and shows how it was made, with numbers
from the model: for a convolution the input patch under the cell, the kernel, their element-wise
products and the sum plus bias; for ReLU its input and output; for a max-pool the window and its
maximum; for the fully connected layer the largest contributions to the class score. A parameter
calculator compares a convolutional layer with a locally connected and a dense layer of the same
output, as the chapter does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from deepbook.models import MODELS, shipped
from deepbook.models.ink import prepare
from deepbook.models.nets import stages
from deepbook.sims.base import SimSpec
from deepbook.sims.frames import Frame
from deepbook.sims.inputs import Image, Pixels
from deepbook.sims.params import Choice, Int, ParamError, Params, param
from deepbook.sims.workers import LOCAL, Workers

STAGES = ("conv1", "relu1", "pool1", "conv2", "relu2", "pool2", "fc")
STAGE_LABELS = {
    "conv1": "Convolution 1",
    "relu1": "ReLU 1",
    "pool1": "Max-pool 1",
    "conv2": "Convolution 2",
    "relu2": "ReLU 2",
    "pool2": "Max-pool 2",
    "fc": "Fully connected (class scores)",
}
SHAPES = {s.name: s.shape for s in stages(MODELS["digits_cnn"].cnn())}
TOP = 10  # contributions shown for a class score


@dataclass(frozen=True)
class Settings:
    """cnn_flow's parameters."""

    source: str = param(
        Choice(
            "Input",
            options=(("drawing", "Your drawing"), ("sample", "A held-out digit")),
            default="sample",
            group="data",
            help="Draw a digit, or pick one of the 2,000 held-out MNIST digits.",
        )
    )
    drawing: Image = param(
        Pixels("Your drawing", group="data", help="28 × 28 pixels of ink (0–255).")
    )
    sample: int = param(
        Int(
            "Held-out digit",
            min=0,
            max=1999,
            default=3,
            group="data",
            help="Which held-out digit (never trained on) goes in.",
        )
    )
    stage: str = param(
        Choice(
            "Close-up stage",
            options=tuple((s, STAGE_LABELS[s]) for s in STAGES),
            default="conv1",
            group="view",
            help="The stage whose cell the close-up explains.",
        )
    )
    channel: int = param(
        Int("Map", min=0, max=63, default=0, group="view", help="Which map (channel) of the stage.")
    )
    row: int = param(Int("Row", min=0, max=25, default=12, group="view", help="Cell row."))
    col: int = param(Int("Column", min=0, max=25, default=12, group="view", help="Cell column."))
    calc_size: int = param(
        Int("Image side", min=4, max=1024, default=224, group="settings", help="Pixels a side.")
    )
    calc_channels: int = param(
        Int("Input channels", min=1, max=512, default=3, group="settings", help="3 for RGB.")
    )
    calc_kernel: int = param(
        Int("Kernel side", min=1, max=11, default=3, group="settings", help="k of a k × k filter.")
    )
    calc_filters: int = param(
        Int("Filters", min=1, max=1024, default=64, group="settings", help="Output channels.")
    )

    def __post_init__(self) -> None:
        shape = SHAPES[self.stage]
        if len(shape) == 1:  # fc: one score per class
            if self.channel >= shape[0]:
                raise ParamError("channel", f"must be from 0 to {shape[0] - 1} for {self.stage}")
            return
        c, h, w = shape
        for name, value, top in (("channel", self.channel, c), ("row", self.row, h)):
            if value >= top:
                raise ParamError(name, f"must be from 0 to {top - 1} for {self.stage}")
        if self.col >= w:
            raise ParamError("col", f"must be from 0 to {w - 1} for {self.stage}")
        if self.calc_kernel > self.calc_size:
            raise ParamError("calc_kernel", f"must be at most the image side ({self.calc_size})")


PARAMS = Params(Settings)


def run_stages(model: shipped.Model, x: np.ndarray) -> dict[str, torch.Tensor]:
    """Every named stage's output for one prepared image (1, C, H, W) or (1, n)."""
    out: dict[str, torch.Tensor] = {"input": torch.from_numpy(x)[None, None]}
    t = out["input"]
    with torch.no_grad():
        for name, layer in model.cnn.named_children():
            t = layer(t)
            out[name] = t
    return out


def closeup(model: shipped.Model, acts: dict[str, torch.Tensor], v: Settings) -> dict[str, Any]:
    """How the chosen cell of the chosen stage was computed, in numbers from the model."""
    names = ["input", *STAGES[:-1]]
    prev = names[STAGES.index(v.stage)]
    layer = getattr(model.cnn, v.stage)
    src = acts[prev if v.stage != "fc" else "flatten"][0]
    if v.stage == "fc":
        w, b = layer.weight.detach()[v.channel], float(layer.bias.detach()[v.channel])
        products = (src * w).numpy()
        top = np.argsort(-np.abs(products), kind="stable")[:TOP]
        total = float(products.sum()) + b
        return {
            "kind": "fc",
            "class": v.channel,
            "contributions": [
                {
                    "feature": int(i),
                    "value": float(src[i]),
                    "weight": float(w[i]),
                    "product": float(products[i]),
                }
                for i in top
            ],
            "features": len(products),
            "sum": float(products.sum()),
            "bias": b,
            "result": total,
            "value": float(acts["fc"][0, v.channel]),
        }
    value = float(acts[v.stage][0, v.channel, v.row, v.col])
    if v.stage.startswith("conv"):
        k = layer.kernel_size[0]
        patch = src[:, v.row : v.row + k, v.col : v.col + k]
        kernel = layer.weight.detach()[v.channel]
        products = (patch * kernel).numpy()
        bias = float(layer.bias.detach()[v.channel])
        return {
            "kind": "conv",
            "source": prev,
            "rows": [v.row, v.row + k],
            "cols": [v.col, v.col + k],
            "patch": patch.numpy().round(4).tolist(),
            "kernel": kernel.numpy().round(4).tolist(),
            "products": products.round(4).tolist(),
            "sum": float(products.sum()),
            "bias": bias,
            "result": float(products.sum()) + bias,
            "value": value,
        }
    if v.stage.startswith("relu"):
        before = float(src[v.channel, v.row, v.col])
        return {
            "kind": "relu",
            "source": prev,
            "input": before,
            "result": max(0.0, before),
            "value": value,
        }
    window = src[v.channel, 2 * v.row : 2 * v.row + 2, 2 * v.col : 2 * v.col + 2]
    return {
        "kind": "pool",
        "source": prev,
        "rows": [2 * v.row, 2 * v.row + 2],
        "cols": [2 * v.col, 2 * v.col + 2],
        "window": window.numpy().round(4).tolist(),
        "result": float(window.max()),
        "value": value,
    }


def calculator(v: Settings) -> dict[str, Any]:
    """A k × k convolution with F filters ('same' padding, stride 1) on an S × S × C image,
    against a locally connected and a dense layer with the same S × S × F output."""
    s, c, k, f = v.calc_size, v.calc_channels, v.calc_kernel, v.calc_filters
    inputs, outputs = s * s * c, s * s * f
    conv = k * k * c * f
    return {
        "inputs": inputs,
        "outputs": outputs,
        "conv_weights": conv,
        "conv_params": conv + f,
        "local_weights": s * s * conv,
        "dense_weights": inputs * outputs,
        "conv_macs": s * s * conv,
        "dense_macs": inputs * outputs,
        "ratio": inputs * outputs / conv,
    }


def quantise(t: torch.Tensor) -> tuple[np.ndarray, float]:
    """A stage's maps as uint8 around 128 (0 ↦ 128) and the scale: value = (q − 128)·scale."""
    a = t.numpy()
    top = float(np.abs(a).max()) or 1.0
    scale = top / 127.0
    q = np.clip(np.rint(a / scale) + 128, 0, 255).astype(np.uint8)
    return q, scale


def compute(v: Settings, model: shipped.Model) -> Frame:
    """The prepared input, every stage's maps, the prediction, the close-up and the calculator."""
    if v.source == "sample":
        raw = model.images[v.sample]
        label: int | None = int(model.labels[v.sample])
    else:
        raw, label = v.drawing.array, None
    x = prepare(raw)
    blank = not x.any()
    acts = run_stages(model, x)
    probs = torch.softmax(acts["fc"][0], dim=0).numpy()
    arrays: dict[str, np.ndarray] = {
        "drawn": np.ascontiguousarray(raw, dtype=np.uint8),
        "input": np.rint(x * 255).astype(np.uint8),
        "probs": probs.astype(np.float32),
    }
    info = []
    for s in model.stages.values():
        if s.name == "flatten":
            continue
        if s.name != "fc":
            arrays[s.name], scale = quantise(acts[s.name][0])
        else:
            scale = 0.0
        info.append(
            {
                "name": s.name,
                "label": STAGE_LABELS.get(s.name, s.name),
                "shape": list(s.shape),
                "params": s.params,
                "receptive_field": s.receptive_field,
                "scale": scale,
            }
        )
    best = int(probs.argmax())
    meta = {
        "blank": blank,
        "label": label,
        "prediction": None if blank else best,
        "confidence": None if blank else float(probs[best]),
        "scores": acts["fc"][0].numpy().round(4).tolist(),
        "stages": info,
        "parameters": sum(p.numel() for p in model.cnn.parameters()),
        "closeup": closeup(model, acts, v),
        "calculator": calculator(v),
        "test_accuracy": model.card["test_accuracy"],
    }
    return Frame(meta=meta, arrays=arrays)


def setup(workers: Workers = LOCAL) -> shipped.Model:
    """The shipped digits CNN and its 2,000 held-out digits."""
    return shipped.load("digits_cnn")


SPEC = SimSpec(
    id="cnn_flow",
    title="Inside a convolutional network",
    chapter="convolutional-networks",
    summary="Draw a digit and watch it flow through a trained CNN, stage by stage.",
    params=PARAMS,
    kind="instant",
    compute=compute,
    setup=setup,
)
