"""The course's convolutional networks, as plain `torch.nn.Sequential`s with named stages.

- `digits_cnn`: chapter 4's pipeline exactly: conv → ReLU → max-pool → conv → ReLU → max-pool →
  fully connected → softmax (the softmax is in the loss and in `predict`), on 28×28 digits.
- `fashion_cnn`: four conv blocks (conv 3×3 → ReLU → max-pool 2×2) and a fully connected layer,
  on 28×28 clothing photographs: deep enough that the last block sees the whole image, for the
  feature hierarchy of chapter 0.

Each stage has a name (`conv1`, `relu1`, `pool1`, …), so simulations can show every stage's maps
and shapes, and receptive fields follow from the layers (`receptive_fields`).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import torch
from torch import nn

SIDE = 28


def digits_cnn() -> nn.Sequential:
    """conv(1→32, 3×3) → ReLU → pool → conv(32→64, 3×3) → ReLU → pool → fc(1600→10)."""
    return nn.Sequential(
        OrderedDict(
            [
                ("conv1", nn.Conv2d(1, 32, 3)),
                ("relu1", nn.ReLU()),
                ("pool1", nn.MaxPool2d(2)),
                ("conv2", nn.Conv2d(32, 64, 3)),
                ("relu2", nn.ReLU()),
                ("pool2", nn.MaxPool2d(2)),
                ("flatten", nn.Flatten()),
                ("fc", nn.Linear(64 * 5 * 5, 10)),
            ]
        )
    )


def fashion_cnn() -> nn.Sequential:
    """Four blocks of conv 3×3 (padding 1) → ReLU → pool 2×2: 16, 32, 64, 64 channels; fc."""
    layers: list[tuple[str, nn.Module]] = []
    channels = [1, 16, 32, 64, 64]
    for b in range(1, 5):
        layers += [
            (f"conv{b}", nn.Conv2d(channels[b - 1], channels[b], 3, padding=1)),
            (f"relu{b}", nn.ReLU()),
            (f"pool{b}", nn.MaxPool2d(2)),
        ]
    layers += [("flatten", nn.Flatten()), ("fc", nn.Linear(64, 10))]
    return nn.Sequential(OrderedDict(layers))


@dataclass(frozen=True)
class Stage:
    """One named stage: its output shape (channels, height, width or features) and parameters."""

    name: str
    kind: str  # conv, relu, pool, flatten, fc
    shape: tuple[int, ...]
    params: int
    receptive_field: int | None  # pixels of the input one output cell sees (None after flatten)


def stages(net: nn.Sequential, side: int = SIDE) -> list[Stage]:
    """Every stage's output shape, parameter count and receptive field, from the layers."""
    out: list[Stage] = []
    x = torch.zeros(1, 1, side, side)
    rf, jump = 1, 1  # receptive field and the input distance between adjacent output cells
    with torch.no_grad():
        for name, layer in net.named_children():
            x = layer(x)
            kind = name.rstrip("0123456789")
            if isinstance(layer, nn.Conv2d | nn.MaxPool2d):
                k, s = layer.kernel_size, layer.stride
                k, s = (k if isinstance(k, int) else k[0]), (s if isinstance(s, int) else s[0])
                rf, jump = rf + (k - 1) * jump, jump * s
            params = sum(p.numel() for p in layer.parameters())
            field = rf if x.dim() == 4 else None
            out.append(Stage(name, kind, tuple(x.shape[1:]), params, field))
    return out


def window(net: nn.Sequential, stage: str, row: int, col: int, side: int = SIDE) -> list[int]:
    """The input pixels [r0, r1) × [c0, c1) that the output cell (row, col) of `stage` can see:
    its receptive field placed exactly (padding and strides followed back), clipped to the image."""

    def first(v: object) -> int:
        """A layer's size as one number (square kernels, equal strides and padding)."""
        n = v[0] if isinstance(v, tuple) else v
        assert isinstance(n, int), f"padding {v!r} is not a number of pixels"
        return n

    layers: list[tuple[int, int, int]] = []
    for name, layer in net.named_children():
        if isinstance(layer, nn.Conv2d | nn.MaxPool2d):
            layers.append((first(layer.kernel_size), first(layer.stride), first(layer.padding)))
        if name == stage:
            break
    r0, r1, c0, c1 = row, row, col, col  # inclusive, in the stage's coordinates
    for k, s, p in reversed(layers):
        r0, r1 = r0 * s - p, r1 * s - p + k - 1
        c0, c1 = c0 * s - p, c1 * s - p + k - 1
    return [max(0, r0), min(side, r1 + 1), max(0, c0), min(side, c1 + 1)]
