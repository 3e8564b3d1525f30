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

from deepbook.models import coders, nets
from deepbook.models.data import (
    SOURCES,
    SPLIT_SEED,
    ImageSet,
    arrays_sha256,
    file_sha256,
    held_out_sample,
)

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
    target: float = 0.0  # classifier: the held-out accuracy it must reach; autoencoder: the
    # held-out squared error per pixel it must stay under (0: no target)
    latent: int = 0  # an autoencoder with this many code dimensions (models/coders.py); 0: a CNN
    variational: bool = False  # a VAE rather than a plain autoencoder
    hierarchy: bool = False  # also measure what each layer knows (models/hierarchy.py)
    probe_images: int = 5000  # training images the linear probes learn from

    def build(self) -> nn.Module:
        if self.latent:
            return coders.Coder(self.latent, self.variational)
        net: nn.Sequential = getattr(nets, self.net)()
        return net

    def cnn(self) -> nn.Sequential:
        """A fresh, untrained copy of a CNN recipe's network."""
        net = self.build()
        assert isinstance(net, nn.Sequential), f"{self.name} is not a CNN"
        return net

    def met(self, card: dict[str, Any]) -> bool:
        """Whether a card's held-out figure reaches the target."""
        if not self.target:
            return True
        if self.latent:
            return float(card["held_out"]["mse"]) <= self.target
        return float(card["test_accuracy"]) >= self.target


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
) -> tuple[nn.Module, dict[str, Any]]:
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


def _classifier_step(
    net: nn.Module, x: torch.Tensor, y: torch.Tensor, g: torch.Generator
) -> tuple[torch.Tensor, dict[str, float]]:
    out = net(x)
    return F.cross_entropy(out, y), {"right": float((out.argmax(1) == y).sum())}


def _coder_step(
    net: nn.Module, x: torch.Tensor, y: torch.Tensor, g: torch.Generator
) -> tuple[torch.Tensor, dict[str, float]]:
    assert isinstance(net, coders.Coder)
    eps = torch.randn(len(x), net.latent, generator=g) if net.variational else None
    t = coders.terms(net, x, eps)
    n = len(x)
    return t.loss, {"reconstruction": t.reconstruction.item() * n, "kl": t.kl.item() * n}


def _train(
    recipe: Recipe, data: ImageSet, progress: Progress | None, limit: int | None
) -> tuple[nn.Module, dict[str, Any]]:
    train_images, train_labels = data.part(test=False)
    xtr, ytr = tensors(train_images[:limit], train_labels[:limit])
    xte, yte = tensors(*data.part(test=True))
    net = recipe.build()
    step = _coder_step if recipe.latent else _classifier_step
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
        total, seen, sums = 0.0, 0, dict[str, float]()
        for i in range(0, len(xtr), recipe.batch):
            idx = order[i : i + recipe.batch]
            x = augment(xtr[idx], recipe.augment, g) if recipe.augment else xtr[idx]
            loss, figures = step(net, x, ytr[idx], g)
            opt.zero_grad()
            loss.backward()  # type: ignore[no-untyped-call]
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
            seen += len(idx)
            for k, v in figures.items():
                sums[k] = sums.get(k, 0.0) + v
        row: dict[str, float] = {"epoch": e, "train_loss": round(total / seen, 5)}
        if recipe.latent:
            assert isinstance(net, coders.Coder)
            held = held_out(net, xte, recipe.seed)
            row |= {"test_loss": round(-held["elbo"], 5)}
            if net.variational:
                row |= {f"train_{k}": round(v / seen, 5) for k, v in sums.items()}
                row |= {"test_reconstruction": held["reconstruction"], "test_kl": held["kl"]}
        else:
            row |= {
                "train_accuracy": round(sums["right"] / seen, 5),
                "test_accuracy": round(evaluate(net, xte, yte)[0], 5),
            }
        curve.append(row)
        if progress:
            progress(e, row)
    seconds = time.perf_counter() - t0
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
        "parameters": sum(p.numel() for p in net.parameters()),
        "curve": curve,
        "training_seconds": round(seconds, 1),
        "trained_on": {
            "date": date.today().isoformat(),
            "torch": torch.__version__,
            "python": platform.python_version(),
            "machine": platform.machine(),
        },
    }
    net.eval()
    if isinstance(net, coders.Coder):
        card |= coder_card(net, xte, recipe.seed)
        return net, card
    assert isinstance(net, nn.Sequential)
    test_acc, confusion = evaluate(net, xte, yte)
    card |= {
        "stages": [asdict(s) for s in nets.stages(net)],
        "test_accuracy": test_acc,
        "confusion": confusion.tolist(),
    }
    if recipe.hierarchy:
        from deepbook.models.hierarchy import probes  # scikit-learn: only when training

        pick = np.random.default_rng([recipe.seed, 3]).permutation(len(xtr))[: recipe.probe_images]
        card["probes"] = probes(net, (xtr[pick], ytr[pick]), (xte, yte), recipe.seed)
        card["probes_note"] = (
            f"logistic regression on {len(pick):,} training images' features, "
            f"scored on the {len(xte):,} held-out images"
        )
    return net, card


def held_out(coder: coders.Coder, x: torch.Tensor, seed: int) -> dict[str, float]:
    """Per-image averages on held-out images x, in nats: the ELBO and its two terms (for a VAE
    with one draw of ε per image, seeded), the cross-entropy of the reconstruction from the mean
    code, and its squared error per pixel."""
    coder.eval()
    g = torch.Generator().manual_seed(seed + 2)
    eps = torch.randn(len(x), coder.latent, generator=g) if coder.variational else None
    with torch.no_grad():
        t = coders.terms(coder, x, eps)
        mean = coders.terms(coder, x)
        mse = F.mse_loss(coder(x), x[:, 0]).item()
    coder.train()
    return {
        "elbo": round(t.elbo.item(), 4),
        "reconstruction": round(t.reconstruction.item(), 4),
        "kl": round(t.kl.item(), 4),
        "cross_entropy": round(-mean.reconstruction.item(), 4),
        "mse": round(mse, 6),
    }


def _layer(m: nn.Module) -> str:
    """A layer in a few characters: "Linear 784 → 512", "ReLU"."""
    if isinstance(m, nn.Linear):
        return f"Linear {m.in_features} → {m.out_features}"
    return type(m).__name__


def coder_card(coder: coders.Coder, x: torch.Tensor, seed: int) -> dict[str, Any]:
    """What an autoencoder's card adds: its layers, the held-out figures and, for a 2-D code,
    the map: a square over the held-out codes (the middle 99 % of each axis, padded by 15 %)."""
    figures = held_out(coder, x, seed)
    coder.eval()
    card: dict[str, Any] = {
        "latent": coder.latent,
        "variational": coder.variational,
        "layers": {
            "encoder": [_layer(m) for m in coder.encoder],
            "decoder": [_layer(m) for m in coder.decoder],
        },
        "held_out": figures,
        "held_out_note": (
            "per held-out image, in nats: cross-entropy summed over the 784 pixels "
            "(the reconstruction from the mean code), squared error per pixel, and for the "
            "VAE the ELBO = reconstruction term − KL with one seeded draw of ε per image"
        ),
    }
    if coder.latent == 2:
        with torch.no_grad():
            z = coder.encode(x)[0].double().numpy()
        lo, hi = np.percentile(z, [0.5, 99.5], axis=0)
        centre, half = (lo + hi) / 2, (hi - lo).max() / 2 * 1.15
        card["map"] = [[round(float(c - half), 3), round(float(c + half), 3)] for c in centre]
    return card


def save(net: nn.Module, card: dict[str, Any], data: ImageSet, folder: Path) -> tuple[Path, Path]:
    """Write <name>.safetensors, <name>.card.json (with the weights' sha256) and the held-out
    sample the sims use, <data>_test.npz (with the model's accuracy on it in the card, or for an
    autoencoder its squared reconstruction error per pixel), into folder."""
    folder.mkdir(parents=True, exist_ok=True)
    name = card["name"]
    weights = folder / f"{name}.safetensors"
    save_file({k: v.contiguous() for k, v in net.state_dict().items()}, str(weights))
    weights.chmod(0o644)  # safetensors writes it private
    images, labels = held_out_sample(data, SOURCES[data.name].ship_per_class)
    sample = folder / f"{data.name}_test.npz"
    np.savez_compressed(sample, images=images, labels=labels)
    x, y = tensors(images, labels)
    if isinstance(net, coders.Coder):
        net.eval()
        with torch.no_grad():
            score = {"mse": round(F.mse_loss(net(x), x[:, 0]).item(), 6)}
    else:
        score = {"accuracy": evaluate(net, x, y)[0]}
    if card["recipe"]["hierarchy"]:  # the sample's images that each unit likes best
        from deepbook.models.hierarchy import top_patches

        assert isinstance(net, nn.Sequential)
        card = card | {"top_patches": top_patches(net, x)}
    card = card | {
        "weights": weights.name,
        "weights_sha256": file_sha256(weights),
        "sample": {
            "file": sample.name,
            "images": len(labels),
            "arrays_sha256": arrays_sha256(images, labels),
        }
        | score,
    }
    path = folder / f"{name}.card.json"
    path.write_text(json.dumps(card, indent=1) + "\n")
    return weights, path
