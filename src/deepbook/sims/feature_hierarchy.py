"""Chapter 0's feature hierarchy, from the CNNs deepbook trained: clothing photographs and digits.

For a chosen layer of the shipped `fashion_cnn` (four conv blocks) or `digits_cnn` (two): every
channel's nine favourite
held-out image patches, each cropped to what the unit can see (its receptive field: 3, 8, 18, 38
pixels), so edges and strokes show at block 1 and parts and whole garments deeper up; the first
layer's filters as pixel kernels; and, for a picked image, every channel's activation map. Two
measured facts come with the pictures: each layer's receptive field (computed from the layers) and
how linearly the class can be read from each layer's output (the card's linear probes).
The patches were chosen by `deepbook train fashion_cnn` (they are in the card); the maps and the
kernels come from the shipped weights at each request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from deepbook.models import shipped
from deepbook.models.hierarchy import activations
from deepbook.sims.base import SimSpec
from deepbook.sims.frames import Frame
from deepbook.sims.params import Choice, Int, ParamError, Params, param
from deepbook.sims.workers import LOCAL, Workers

LAYERS = (("1", "Block 1"), ("2", "Block 2"), ("3", "Block 3"), ("4", "Block 4"))
NETWORKS = (("fashion_cnn", "Clothing photos (Fashion-MNIST)"), ("digits_cnn", "Digits (MNIST)"))
BLOCKS = {"fashion_cnn": 4, "digits_cnn": 2}
PICKS = 1000  # held-out images to pick from: all 1,000 clothing photos, every other digit
SIDE = 28
Models = dict[str, shipped.Model]


@dataclass(frozen=True)
class Settings:
    """feature_hierarchy's parameters."""

    network: str = param(
        Choice(
            "Network",
            options=NETWORKS,
            default="fashion_cnn",
            group="model",
            help="Which trained network: four blocks on clothing, or two on digits.",
        )
    )
    layer: str = param(
        Choice(
            "Layer",
            options=LAYERS,
            default="1",
            group="model",
            help="Which conv block's units to look at (after its ReLU).",
        )
    )
    image: int = param(
        Int(
            "Held-out image",
            min=0,
            max=PICKS - 1,
            default=0,
            group="data",
            help="One of 1,000 held-out images (never trained on) whose activation maps are shown.",
        )
    )

    def __post_init__(self) -> None:
        blocks = BLOCKS[self.network]
        if int(self.layer) > blocks:
            raise ParamError("layer", f"must be from 1 to {blocks} for {self.network}")


PARAMS = Params(Settings)


def crop(image: np.ndarray, r0: int, c0: int, r1: int, c1: int, size: int) -> np.ndarray:
    """The window of the image, centred in a size × size square (black where it was clipped)."""
    out = np.zeros((size, size), dtype=np.uint8)
    h, w = r1 - r0, c1 - c0
    top, left = (size - h) // 2, (size - w) // 2
    out[top : top + h, left : left + w] = image[r0:r1, c0:c1]
    return out


def compute(v: Settings, models: Models) -> Frame:
    """Patches, kernels, the picked image's maps and the probes, for one layer."""
    model = models[v.network]
    block = int(v.layer)
    card = model.card
    info = model.stages
    layer = card["top_patches"][block - 1]
    field = int(layer["receptive_field"])
    size = min(field, SIDE)
    channels = layer["channels"]
    patches = np.stack(
        [
            np.stack([crop(model.images[i], r0, c0, r1, c1, size) for i, r0, c0, r1, c1, _ in rows])
            for rows in channels
        ]
    )
    peaks = np.array([[r[5] for r in rows] for rows in channels], dtype=np.float32)
    i = v.image * (len(model.images) // PICKS)  # the digits: every other one, all classes
    x = torch.from_numpy(model.images[i : i + 1].astype(np.float32) / 255.0)[:, None]
    maps = activations(model.cnn, x, f"relu{block}")[0].numpy()
    top = float(maps.max()) or 1.0
    arrays: dict[str, np.ndarray] = {
        "patches": patches,
        "peaks": peaks,
        "image": model.images[i],
        "maps": np.rint(maps / top * 255).astype(np.uint8),
    }
    if block == 1:
        conv1 = model.cnn.get_submodule("conv1")
        assert isinstance(conv1, torch.nn.Conv2d)
        arrays["kernels"] = conv1.weight.detach()[:, 0].numpy().astype(np.float32)
    probs = model.predict(model.images[i : i + 1])[0]
    classes = model.classes
    meta: dict[str, Any] = {
        "layer": block,
        "network": v.network,
        "blocks": BLOCKS[v.network],
        "receptive_field": field,
        "channels": len(channels),
        "dead": [k for k, rows in enumerate(channels) if rows[0][5] <= 0],
        "map_max": top,
        "shape": list(info[f"relu{block}"].shape),
        "layers": [
            {
                "layer": int(lay["layer"][4:]),
                "receptive_field": lay["receptive_field"],
                "channels": len(lay["channels"]),
            }
            for lay in card["top_patches"]
        ],
        "probes": card["probes"],
        "probes_note": card.get("probes_note", ""),
        "image_label": classes[int(model.labels[i])],
        "image_prediction": classes[int(probs.argmax())],
        "image_confidence": float(probs.max()),
        "test_accuracy": card["test_accuracy"],
    }
    return Frame(meta=meta, arrays=arrays)


def setup(workers: Workers = LOCAL) -> Models:
    """Both shipped CNNs, their cards (patches, probes) and their held-out images."""
    return {name: shipped.load(name) for name in BLOCKS}


SPEC = SimSpec(
    id="feature_hierarchy",
    title="What each layer learns",
    chapter="why-learning",
    summary="See which image patches excite each layer of a trained CNN, from edges to garments.",
    params=PARAMS,
    kind="instant",
    compute=compute,
    setup=setup,
)
