"""What `/models/<name>` shows of a shipped model: its card, and figures recomputed from it.

For a classifier, held-out accuracy and the confusion matrix of the shipped sample are computed
here from the shipped weights (a test checks them against the card), and the most confidently
wrong images are found by running the model. For an autoencoder, the reconstruction error of the
shipped sample is computed here, with held-out digits beside their reconstructions and decodes
of draws from the prior N(0, I). Training curves are drawn as SVG polylines from the card.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from deepbook.figures.png import data_uri
from deepbook.models.coders import Coder
from deepbook.models.data import SOURCES
from deepbook.models.shipped import Model

CURVE_W, CURVE_H, LEFT, BOTTOM = 320, 150, 44, 28


@dataclass(frozen=True)
class Wrong:
    """One misclassified held-out image."""

    picture: str  # a PNG data URI
    true: str
    predicted: str
    confidence: float


@dataclass(frozen=True)
class Pair:
    """A held-out image and what the autoencoder makes of it."""

    original: str  # PNG data URIs
    reconstruction: str
    label: str


@dataclass(frozen=True)
class CoderView:
    """An autoencoder's page."""

    name: str
    card: dict[str, Any]
    data_label: str
    mse: float  # squared reconstruction error per pixel on the shipped sample, recomputed
    pairs: list[Pair]
    samples: list[str]  # decodes of prior draws (seeded), PNG data URIs
    curves: list[dict[str, Any]]
    kind: str = "coder"


@dataclass(frozen=True)
class ModelView:
    name: str
    card: dict[str, Any]
    data_label: str  # "MNIST", "Fashion-MNIST"
    accuracy: float  # on the shipped sample, recomputed
    errors: int
    confusion: list[list[int]]  # [true][predicted], recomputed
    shades: list[list[int]]  # 0–9 per cell: its share of the row
    wrong: list[Wrong]
    curves: list[dict[str, Any]]  # SVG charts: title, polylines, axis labels
    kind: str = "classifier"


def _polyline(values: list[float], lo: float, hi: float) -> str:
    """SVG points of values over epochs 1..n in a CURVE_W × CURVE_H box with padding."""
    n = len(values)
    span = (hi - lo) or 1.0
    pts = []
    for i, v in enumerate(values):
        x = LEFT + (CURVE_W - LEFT - 8) * (i / max(1, n - 1))
        y = 8 + (CURVE_H - BOTTOM - 8) * (1 - (v - lo) / span)
        pts.append(f"{x:.1f},{y:.1f}")
    return " ".join(pts)


def _curves(card: dict[str, Any]) -> list[dict[str, Any]]:
    rows = card["curve"]
    loss = [r["train_loss"] for r in rows]
    acc_tr = [r["train_accuracy"] for r in rows]
    acc_te = [r["test_accuracy"] for r in rows]
    lo = min(acc_tr + acc_te)
    lo = max(0.0, np.floor(lo * 20) / 20)  # down to a multiple of 5 %
    return [
        {
            "title": "Training loss (cross-entropy) per epoch",
            "lines": [("train", _polyline(loss, 0.0, max(loss)))],
            "top": f"{max(loss):.2f}",
            "bottom": "0",
        },
        {
            "title": "Accuracy per epoch: training (augmented) and held-out",
            "lines": [
                ("train", _polyline(acc_tr, lo, 1.0)),
                ("test", _polyline(acc_te, lo, 1.0)),
            ],
            "top": "100 %",
            "bottom": f"{100 * lo:.0f} %",
        },
    ]


def _coder_curves(card: dict[str, Any]) -> list[dict[str, Any]]:
    rows = card["curve"]
    train, test = [r["train_loss"] for r in rows], [r["test_loss"] for r in rows]
    top = max(train + test)
    loss = "−ELBO" if card["variational"] else "cross-entropy"
    charts = [
        {
            "title": f"Loss ({loss}, nats per image) per epoch",
            "lines": [("train", _polyline(train, 0.0, top)), ("test", _polyline(test, 0.0, top))],
            "top": f"{top:.0f}",
            "bottom": "0",
        }
    ]
    if card["variational"]:
        kl = [r["train_kl"] for r in rows] + [r["test_kl"] for r in rows]
        hi = max(kl)
        charts.append(
            {
                "title": "KL term (nats per image) per epoch",
                "lines": [
                    ("train", _polyline([r["train_kl"] for r in rows], 0.0, hi)),
                    ("test", _polyline([r["test_kl"] for r in rows], 0.0, hi)),
                ],
                "top": f"{hi:.1f}",
                "bottom": "0",
            }
        )
    return charts


def coder_view(model: Model, shown: int = 12, seed: int = 0) -> CoderView:
    """An autoencoder's page: error recomputed, reconstructions and prior samples."""
    coder = model.coder
    x = torch.from_numpy(model.images.astype(np.float32) / 255.0)[:, None]
    with torch.no_grad():
        recon = coder(x).numpy()
        mse = float(F.mse_loss(torch.from_numpy(recon), x[:, 0]).item())
        g = torch.Generator().manual_seed(seed)
        samples = coder.decode(torch.randn(shown, coder.latent, generator=g)).numpy()
    # one held-out digit of each class, then two more, in a seeded order
    order = np.random.default_rng(seed).permutation(len(model.labels))
    firsts = [int(order[np.flatnonzero(model.labels[order] == k)[0]]) for k in range(10)]
    picks = firsts + [int(i) for i in order if i not in firsts][: shown - 10]

    def uri(a: np.ndarray) -> str:
        return data_uri(np.rint(np.clip(a, 0, 1) * 255).astype(np.uint8))

    return CoderView(
        name=model.name,
        card=model.card,
        data_label=SOURCES[model.card["data"]["name"]].label,
        mse=mse,
        pairs=[
            Pair(data_uri(model.images[i]), uri(recon[i]), model.classes[int(model.labels[i])])
            for i in picks
        ],
        samples=[uri(s) for s in samples],
        curves=_coder_curves(model.card),
    )


def model_view(model: Model, wrong: int = 12) -> ModelView | CoderView:
    """The page's figures for a loaded model."""
    if isinstance(model.net, Coder):
        return coder_view(model)
    probs = model.predict(model.images)
    pred = probs.argmax(axis=1)
    labels = model.labels.astype(np.int64)
    k = len(model.classes)
    table = np.zeros((k, k), dtype=np.int64)
    np.add.at(table, (labels, pred), 1)
    shares = table / np.maximum(table.sum(axis=1, keepdims=True), 1)
    shades = np.ceil(shares * 9).astype(int)
    bad = np.flatnonzero(pred != labels)
    conf = probs[bad, pred[bad]]
    worst = bad[np.argsort(-conf, kind="stable")][:wrong]
    names = model.classes
    return ModelView(
        name=model.name,
        card=model.card,
        data_label=SOURCES[model.card["data"]["name"]].label,
        accuracy=float((pred == labels).mean()),
        errors=len(bad),
        confusion=table.tolist(),
        shades=shades.tolist(),
        wrong=[
            Wrong(
                data_uri(model.images[i]),
                names[labels[i]],
                names[pred[i]],
                float(probs[i, pred[i]]),
            )
            for i in worst
        ],
        curves=_curves(model.card),
    )
