"""How the course's models are trained, and the model cards that record it.

A `Recipe` names a network, a data set and how to train it: Adam with a one-cycle learning rate,
mini-batches in an order drawn from the seed, and random small rotations, shifts and zooms of each
training image (drawn from the same seed). `train(recipe, data)` runs it on the CPU in one thread
with deterministic algorithms, so the same recipe on the same data gives the same weights, bit for
bit, on the same machine. It returns the network and its card: the data (name, source, sha256 of
the arrays, sizes), the recipe, the training curve, held-out accuracy and confusion matrix, the
training time, and the parameter count; `save` adds the weights' sha256 and writes both files.
"""

from __future__ import annotations

import json
import platform
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import save_file
from torch import nn

from deepbook.models import nets
from deepbook.models.data import (
    SOURCES,
    SPLIT_SEED,
    ImageSet,
    arrays_sha256,
    file_sha256,
    held_out_sample,
)
from deepbook.models.hierarchy import probes, top_patches

Progress = Callable[[int, dict[str, float]], None]  # (epoch done, its figures)


@dataclass(frozen=True)
class Recipe:
    """A model and how it is trained."""

    name: str
    title: str
    net: str  # a function of models/nets.py
    data: str  # a data set of models/data.py
    epochs: int
    batch: int = 64
    lr: float = 3e-3  # the one-cycle schedule's peak
    augment: float = 1.5  # rotations up to 0.3·augment rad, shifts ±augment px, zoom ±0.1·augment
    seed: int = 0
    target: float = 0.0  # held-out accuracy the shipped model must reach
    hierarchy: bool = False  # also measure what each layer knows (models/hierarchy.py)
    probe_images: int = 5000  # training images the linear probes learn from

    def build(self) -> nn.Sequential:
        net: nn.Sequential = getattr(nets, self.net)()
        return net


def tensors(images: np.ndarray, labels: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
    """uint8 images → float (N, 1, 28, 28) in [0, 1]; labels → int64."""
    x = torch.from_numpy(images.astype(np.float32) / 255.0)[:, None]
    return x, torch.from_numpy(labels.astype(np.int64))


def augment(x: torch.Tensor, strength: float, g: torch.Generator) -> torch.Tensor:
    """Each image rotated, shifted and zoomed a little (one random affine map per image)."""
    n = len(x)

    def u(*shape: int) -> torch.Tensor:
        return torch.rand(*shape, generator=g) * 2 - 1

    angle, shift, zoom = u(n) * 0.2 * strength, u(n, 2) * strength / 14, 1 + u(n) * 0.1 * strength
    theta = torch.zeros(n, 2, 3)
    theta[:, 0, 0] = theta[:, 1, 1] = torch.cos(angle) / zoom
    theta[:, 0, 1] = -torch.sin(angle) / zoom
    theta[:, 1, 0] = torch.sin(angle) / zoom
    theta[:, :, 2] = shift
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, align_corners=False)


def evaluate(net: nn.Module, x: torch.Tensor, y: torch.Tensor) -> tuple[float, np.ndarray]:
    """Accuracy and confusion matrix [true][predicted] on (x, y)."""
    net.eval()
    with torch.no_grad():
        pred = torch.cat([net(x[i : i + 1000]).argmax(1) for i in range(0, len(x), 1000)])
    k = 10
    table = np.zeros((k, k), dtype=np.int64)
    np.add.at(table, (y.numpy(), pred.numpy()), 1)
    return int((pred == y).sum()) / len(y), table  # an exact fraction, as a page recomputes it


def train(
    recipe: Recipe, data: ImageSet, progress: Progress | None = None, limit: int | None = None
) -> tuple[nn.Sequential, dict[str, Any]]:
    """Train the recipe (on the first `limit` training images, for quick tests); (net, card)."""
    torch.manual_seed(recipe.seed)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    try:
        return _train(recipe, data, progress, limit)
    finally:
        torch.use_deterministic_algorithms(False)
        torch.set_num_threads(threads)


def _train(
    recipe: Recipe, data: ImageSet, progress: Progress | None, limit: int | None
) -> tuple[nn.Sequential, dict[str, Any]]:
    train_images, train_labels = data.part(test=False)
    xtr, ytr = tensors(train_images[:limit], train_labels[:limit])
    xte, yte = tensors(*data.part(test=True))
    net = recipe.build()
    opt = torch.optim.Adam(net.parameters(), lr=recipe.lr)
    per_epoch = (len(xtr) + recipe.batch - 1) // recipe.batch
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt, max_lr=recipe.lr, total_steps=recipe.epochs * per_epoch
    )
    g = torch.Generator().manual_seed(recipe.seed + 1)
    curve = []
    t0 = time.perf_counter()
    for e in range(1, recipe.epochs + 1):
        net.train()
        order = torch.randperm(len(xtr), generator=g)
        total, right, seen = 0.0, 0, 0
        for i in range(0, len(xtr), recipe.batch):
            idx = order[i : i + recipe.batch]
            x = augment(xtr[idx], recipe.augment, g) if recipe.augment else xtr[idx]
            out = net(x)
            loss = F.cross_entropy(out, ytr[idx])
            opt.zero_grad()
            loss.backward()  # type: ignore[no-untyped-call]
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
            right += int((out.argmax(1) == ytr[idx]).sum())
            seen += len(idx)
        test_acc, _ = evaluate(net, xte, yte)
        row = {
            "epoch": e,
            "train_loss": round(total / seen, 5),
            "train_accuracy": round(right / seen, 5),
            "test_accuracy": round(test_acc, 5),
        }
        curve.append(row)
        if progress:
            progress(e, row)
    seconds = time.perf_counter() - t0
    test_acc, confusion = evaluate(net, xte, yte)
    src = SOURCES[recipe.data]
    card: dict[str, Any] = {
        "name": recipe.name,
        "title": recipe.title,
        "recipe": asdict(recipe) | {"optimiser": "Adam, one-cycle learning rate", "threads": 1},
        "data": {
            "name": data.name,
            "source": f"npm:{src.package}",
            "tarball_sha256": src.sha256,
            "arrays_sha256": data.sha256,
            "train_images": len(xtr),
            "test_images": len(xte),
            "split": (
                f"{src.test_per_class} images per class held out, chosen by a permutation "
                f"seeded with {SPLIT_SEED} (models/data.py); the rest for training"
            ),
            "classes": list(data.classes),
        },
        "stages": [asdict(s) for s in nets.stages(net)],
        "parameters": sum(p.numel() for p in net.parameters()),
        "curve": curve,
        "test_accuracy": test_acc,
        "confusion": confusion.tolist(),
        "training_seconds": round(seconds, 1),
        "trained_on": {
            "date": date.today().isoformat(),
            "torch": torch.__version__,
            "python": platform.python_version(),
            "machine": platform.machine(),
        },
    }
    net.eval()
    if recipe.hierarchy:
        pick = np.random.default_rng([recipe.seed, 3]).permutation(len(xtr))[: recipe.probe_images]
        card["probes"] = probes(net, (xtr[pick], ytr[pick]), (xte, yte), recipe.seed)
        card["probes_note"] = (
            f"logistic regression on {len(pick):,} training images' features, "
            f"scored on the {len(xte):,} held-out images"
        )
    return net, card


def save(
    net: nn.Sequential, card: dict[str, Any], data: ImageSet, folder: Path
) -> tuple[Path, Path]:
    """Write <name>.safetensors, <name>.card.json (with the weights' sha256) and the held-out
    sample the sims use, <data>_test.npz (with its accuracy in the card), into folder."""
    folder.mkdir(parents=True, exist_ok=True)
    name = card["name"]
    weights = folder / f"{name}.safetensors"
    save_file({k: v.contiguous() for k, v in net.state_dict().items()}, str(weights))
    weights.chmod(0o644)  # safetensors writes it private
    images, labels = held_out_sample(data, SOURCES[data.name].ship_per_class)
    sample = folder / f"{data.name}_test.npz"
    np.savez_compressed(sample, images=images, labels=labels)
    accuracy, _ = evaluate(net, *tensors(images, labels))
    if card["recipe"]["hierarchy"]:  # the sample's images that each unit likes best
        card = card | {"top_patches": top_patches(net, tensors(images, labels)[0])}
    card = card | {
        "weights": weights.name,
        "weights_sha256": file_sha256(weights),
        "sample": {
            "file": sample.name,
            "images": len(labels),
            "arrays_sha256": arrays_sha256(images, labels),
            "accuracy": accuracy,
        },
    }
    path = folder / f"{name}.card.json"
    path.write_text(json.dumps(card, indent=1) + "\n")
    return weights, path
