"""The trained models that ship inside the package, loaded once by the server.

`shipped/` (or the folder DEEPBOOK_MODELS_DIR names) holds, for each model `deepbook train`
made: `<name>.safetensors` (the weights), `<name>.card.json` (how it was made and how well it
scores) and the held-out sample of its data set (`<data>_test.npz`). `load(name)` reads the
card, checks the weights' sha256 against it and builds the network: a missing or altered file
is a `ModelError` naming the file and the command that makes it again, so the server refuses to
start rather than show a wrong model. A process loads each model once: later loads of the same
unchanged files return the same `Model`, which its users share and must not change (the
arrays stay writeable: torch refuses to wrap read-only ones without a warning).
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load_file
from torch import nn

from deepbook.models import MODELS
from deepbook.models.coders import Coder
from deepbook.models.data import file_sha256
from deepbook.models.nets import Stage, stages

SHIPPED = Path(__file__).resolve().parent / "shipped"


def models_dir() -> Path:
    """Where the server reads models: DEEPBOOK_MODELS_DIR (e.g. what `deepbook train --out`
    wrote), else the package's own shipped/."""
    env = os.environ.get("DEEPBOOK_MODELS_DIR")
    return Path(env) if env else SHIPPED


class ModelError(Exception):
    """A shipped model that cannot be used; the message names the file and what to run."""


@dataclass(frozen=True)
class Model:
    """A loaded model: the network (eval mode), its card and its held-out sample."""

    name: str
    net: nn.Module  # a CNN (nn.Sequential) or an autoencoder (models/coders.py)
    card: dict[str, Any]
    images: np.ndarray  # the held-out sample, (N, 28, 28) uint8
    labels: np.ndarray  # (N,) uint8

    @property
    def cnn(self) -> nn.Sequential:
        """The network of a classifier (its named stages in order)."""
        assert isinstance(self.net, nn.Sequential), f"{self.name} is not a CNN"
        return self.net

    @property
    def coder(self) -> Coder:
        """The network of an autoencoder."""
        assert isinstance(self.net, Coder), f"{self.name} is not an autoencoder"
        return self.net

    @cached_property
    def stages(self) -> dict[str, Stage]:
        """Every named stage's shape, parameters and receptive field (worked out once)."""
        return {s.name: s for s in stages(self.cnn)}

    @property
    def classes(self) -> list[str]:
        names: list[str] = self.card["data"]["classes"]
        return names

    def predict(self, images: np.ndarray) -> np.ndarray:
        """Class probabilities (N, 10) for uint8 or [0, 1] float images (N, 28, 28)."""
        x = torch.from_numpy(np.asarray(images, dtype=np.float32))
        if np.asarray(images).dtype == np.uint8:
            x = x / 255.0
        with torch.no_grad():
            probs = torch.softmax(self.net(x[:, None]), dim=1)
        out: np.ndarray = probs.numpy()
        return out


def _remedy(name: str) -> str:
    return (
        f"run `deepbook data {MODELS[name].data}` and "
        f"`deepbook train {name} --out {SHIPPED}` to make it again"
    )


_loaded: dict[tuple[object, ...], Model] = {}  # (name, folder, its files' stats) → the model
_lock = threading.Lock()


def _stats(*paths: Path) -> tuple[tuple[int, int] | None, ...]:
    out: list[tuple[int, int] | None] = []
    for p in paths:
        try:
            st = p.stat()
            out.append((st.st_mtime_ns, st.st_size))
        except OSError:
            out.append(None)
    return tuple(out)


def load(name: str, folder: Path | None = None) -> Model:
    """A shipped model, checked against its card (ModelError if missing or altered); the one
    this process loaded already if none of its files changed since."""
    folder = (folder or models_dir()).resolve()
    if name not in MODELS:
        raise ModelError(f"no model {name!r}; known: {', '.join(MODELS)}")
    card_path = folder / f"{name}.card.json"
    try:  # the files the card names (whatever they are, a changed card has another mtime)
        card = json.loads(card_path.read_text())
        files = [folder / card["weights"], folder / card["sample"]["file"]]
    except (OSError, ValueError, KeyError, TypeError):
        files = []  # _load says what is wrong
    key = (name, folder, _stats(card_path, *files))
    with _lock:
        if key not in _loaded:
            _loaded[key] = _load(name, folder, card_path)
        return _loaded[key]


def _load(name: str, folder: Path, card_path: Path) -> Model:
    if not card_path.exists():
        raise ModelError(f"{card_path} is missing; {_remedy(name)}")
    try:
        card = json.loads(card_path.read_text())
    except ValueError as e:
        raise ModelError(f"{card_path} is not valid JSON ({e}); {_remedy(name)}") from None
    weights = folder / card["weights"]
    if not weights.exists():
        raise ModelError(f"{weights} is missing; {_remedy(name)}")
    digest = file_sha256(weights)
    if digest != card["weights_sha256"]:
        raise ModelError(
            f"{weights} does not match its card (sha256 {digest[:12]}…, the card says "
            f"{card['weights_sha256'][:12]}…); {_remedy(name)}"
        )
    net = MODELS[name].build()
    try:
        net.load_state_dict(load_file(str(weights)))
    except Exception as e:
        raise ModelError(f"{weights} cannot be loaded ({e}); {_remedy(name)}") from None
    net.eval()
    sample = folder / card["sample"]["file"]
    if not sample.exists():
        raise ModelError(f"{sample} is missing; {_remedy(name)}")
    with np.load(sample) as z:
        images, labels = z["images"], z["labels"]
    return Model(name, net, card, images, labels)
