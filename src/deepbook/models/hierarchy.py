"""What each layer of a trained CNN knows, measured: linear probes and the patches units like best.

Chapter 0 says early layers detect edges and deeper ones parts and whole objects. Two measurements
make that a number and a picture, computed by `deepbook train` and shipped in the model card:

- **Linear probes.** For the input pixels and for each conv block's output (after ReLU and
  pooling, flattened), a logistic regression is trained on training images' features and scored
  on held-out images: how linearly the class can be read from what that layer computes.
- **Top patches.** For every channel of every block (after ReLU), the held-out images whose
  activation peaks highest, each with the window of the input that the peak cell sees (its
  receptive field placed exactly, clipped to the image), at most one patch per image.
"""

from __future__ import annotations

import warnings
from typing import Any

import torch
from torch import nn

from deepbook.models.nets import stages, window

TOP = 9


def block_names(net: nn.Sequential) -> list[int]:
    """The conv blocks' numbers (1, 2, …), from the stage names."""
    return [int(s.name[4:]) for s in stages(net) if s.name.startswith("conv")]


def activations(net: nn.Sequential, x: torch.Tensor, after: str) -> torch.Tensor:
    """The output of the named stage for a batch (evaluated in chunks, no gradients)."""
    names = [n for n, _ in net.named_children()]
    upto = names.index(after) + 1
    with torch.no_grad():
        return torch.cat([net[:upto](x[i : i + 500]) for i in range(0, len(x), 500)])


def probes(
    net: nn.Sequential,
    train: tuple[torch.Tensor, torch.Tensor],
    test: tuple[torch.Tensor, torch.Tensor],
    seed: int = 0,
) -> list[dict[str, Any]]:
    """Held-out accuracy of a linear classifier on the pixels and on each block's output (run when
    a model is trained, so scikit-learn is imported here, not by the server)."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    (xtr, ytr), (xte, yte) = train, test
    layers = [("input", xtr.flatten(1), xte.flatten(1))]
    for b in block_names(net):
        name = f"pool{b}"
        layers.append(
            (name, activations(net, xtr, name).flatten(1), activations(net, xte, name).flatten(1))
        )
    out = []
    for name, ftr, fte in layers:
        mean, std = ftr.mean(0), ftr.std(0) + 1e-6
        clf = LogisticRegression(max_iter=300, C=0.1, random_state=seed)
        with warnings.catch_warnings():  # 300 iterations: close enough to compare layers
            warnings.simplefilter("ignore", ConvergenceWarning)
            clf.fit(((ftr - mean) / std).numpy(), ytr.numpy())
        acc = float(clf.score(((fte - mean) / std).numpy(), yte.numpy()))
        out.append({"layer": name, "features": int(ftr.shape[1]), "accuracy": round(acc, 4)})
    return out


def top_patches(net: nn.Sequential, x: torch.Tensor, top: int = TOP) -> list[dict[str, Any]]:
    """For each block and channel, the `top` images (of x) with the highest peak activation after
    ReLU, and the input window that peak sees: [image, row0, col0, row1, col1, value]."""
    info = {s.name: s for s in stages(net, x.shape[-1])}
    side = x.shape[-1]
    out = []
    for b in block_names(net):
        name = f"relu{b}"
        acts = activations(net, x, name)  # (N, C, H, W)
        _, c, _, w = acts.shape
        field = info[name].receptive_field or side
        flat = acts.flatten(2)
        peak, where = flat.max(dim=2)  # (N, C)
        channels = []
        for ch in range(c):
            best = torch.argsort(-peak[:, ch], stable=True)[:top]
            rows = []
            for i in best.tolist():
                r, col = divmod(int(where[i, ch]), w)
                r0, r1, c0, c1 = window(net, name, r, col, side)
                rows.append([i, r0, c0, r1, c1, round(float(peak[i, ch]), 4)])
            channels.append(rows)
        out.append({"layer": name, "receptive_field": field, "channels": channels})
    return out
