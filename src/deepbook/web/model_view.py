"""What `/models/<name>` shows of a shipped model: its card, and figures recomputed from it.

Held-out accuracy and the confusion matrix of the shipped sample are computed here from the
shipped weights (a test checks them against the card); the training curve is drawn as SVG
polylines from the card; the most confidently wrong images are found by running the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from deepbook.models.data import SOURCES
from deepbook.models.shipped import Model
from deepbook.web.png import data_uri

CURVE_W, CURVE_H, LEFT, BOTTOM = 320, 150, 44, 28


@dataclass(frozen=True)
class Wrong:
    """One misclassified held-out image."""

    picture: str  # a PNG data URI
    true: str
    predicted: str
    confidence: float


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


def model_view(model: Model, wrong: int = 12) -> ModelView:
    """The page's figures for a loaded model."""
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
