"""Plots: chapter 2's activation curves (computed with PyTorch's own functions) and chapter 8's
two-spirals data (made by the playground's own generator at its defaults)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from deepbook.figures import figure
from deepbook.figures.svg import THEME, doc, image, line, number, polyline, text

CATALOG = [
    figure(
        "activation-curves",
        "plots",
        "Four activation functions plotted for z from −4 to 4: sigmoid rises from 0 to 1, "
        "tanh from −1 to 1, ReLU is 0 for negative z and equals z above 0, and GELU follows "
        "ReLU closely but dips slightly below 0 for negative z near −0.75.",
        640,
        340,
    ),
    figure(
        "two-spirals",
        "plots",
        "The playground's two-spirals data set: 500 points in two interleaved spirals of "
        "orange and blue, each arm turning 1.25 times around the centre, as the playground "
        "draws them at its defaults.",
        360,
        360,
    ),
    figure(
        "linear-collapse",
        "plots",
        "Two linear layers written out with their numbers: W₁ (3 × 2) and b₁, then W₂ (2 × 3) "
        "and b₂, and next to them the single layer they are equal to, the 2 × 2 matrix W₂W₁ "
        "and the bias W₂b₁ + b₂. On 1,000 random inputs the two agree up to rounding in the "
        "last bits.",
        720,
        200,
    ),
    figure(
        "trained-creases",
        "plots",
        "The playground's default network, eight ReLU units, after training on the two "
        "spirals: the plane shaded by the class it predicts, the training points on top, and "
        "eight straight lines, one per hidden unit, where that unit's ReLU bends. Between these "
        "lines the boundary between the shaded classes is straight; it changes direction only "
        "where it crosses one of them.",
        560,
        560,
    ),
]


def activation_curves(theme: str) -> bytes:
    import torch
    import torch.nn.functional as F

    from deepbook.figures import get

    c = THEME[theme]
    fig = get("activation-curves")
    w, h = fig.width, fig.height
    left, right, top, bottom = 48, 150, 16, 40
    z = torch.linspace(-4, 4, 161)
    curves = [
        ("sigmoid", torch.sigmoid(z), c["blue"], ""),
        ("tanh", torch.tanh(z), c["orange"], ""),
        ("ReLU", F.relu(z), c["green"], ""),
        ("GELU", F.gelu(z), c["pink"], "6 4"),
    ]
    y0, y1 = -1.2, 4.0

    def X(v: float) -> float:
        return left + (v + 4) / 8 * (w - left - right)

    def Y(v: float) -> float:
        return top + (y1 - v) / (y1 - y0) * (h - top - bottom)

    body = []
    for t in range(-4, 5):
        body.append(line(X(t), Y(y0), X(t), Y(y1), c["grid"]))
        body.append(
            text(X(t), h - bottom + 18, f"{t:g}".replace("-", "−"), c["muted"], 12, "middle")
        )
    for t in (-1, 0, 1, 2, 3, 4):
        body.append(line(X(-4), Y(t), X(4), Y(t), c["grid"]))
        body.append(text(left - 8, Y(t) + 4, f"{t:g}".replace("-", "−"), c["muted"], 12, "end"))
    body.append(line(X(-4), Y(0), X(4), Y(0), c["axis"]))
    body.append(line(X(0), Y(y0), X(0), Y(y1), c["axis"]))
    body.append(text(X(4), h - 6, "z", c["fg"], 13, "end"))
    for i, (name, y, colour, dash) in enumerate(curves):
        pts = [(X(float(a)), Y(float(b))) for a, b in zip(z, y, strict=True)]
        body.append(polyline(pts, colour, 2.5, dash))
        ly = top + 18 + 24 * i
        body.append(line(w - right + 18, ly - 4, w - right + 46, ly - 4, colour, 3))
        body.append(text(w - right + 54, ly, name, c["fg"], 13))
    low = float(F.gelu(z).min())
    body.append(text(w - right + 18, top + 124, "GELU's lowest", c["muted"], 12))
    body.append(
        text(w - right + 18, top + 140, f"value: {low:.3f}".replace("-", "−"), c["muted"], 12)
    )
    return doc(w, h, body, fig.alt)


def two_spirals(theme: str) -> bytes:
    from deepbook.figures import get
    from deepbook.sims.playground_data import RADIUS, make

    c = THEME[theme]
    fig = get("two-spirals")
    w, h = fig.width, fig.height
    xy, labels = make("spiral", 500, 0.0, np.random.default_rng(0), turns=1.25)
    pad = 12

    def P(v: float) -> float:
        return pad + (v + RADIUS) / (2 * RADIUS) * (w - 2 * pad)

    body = [line(P(-RADIUS), P(0), P(RADIUS), P(0), c["grid"]),
            line(P(0), P(-RADIUS), P(0), P(RADIUS), c["grid"])]  # fmt: skip
    for (x, y), k in zip(xy, labels, strict=True):
        colour = c["orange"] if k else c["blue"]
        body.append(f'<circle cx="{P(x):.1f}" cy="{P(-y):.1f}" r="3.2" fill="{colour}"/>')
    return doc(w, h, body, fig.alt)


@lru_cache(maxsize=1)
def _trained_playground() -> Any:
    """The playground's engine at its defaults with eight ReLU units, trained to its target
    (about two seconds: once for both themes)."""
    from deepbook.sims import get as sim
    from deepbook.sims.playground import Playground

    engine = sim("playground").start({"layers": "8", "activation": "relu", "seed": 0})
    assert isinstance(engine, Playground)
    while not engine.done and engine.steps < 3000:
        engine.step(50)
    return engine


def trained_creases(theme: str) -> bytes:
    """The playground's engine at its defaults (two spirals, eight ReLU units), trained to its
    target: the map of its decision, and each hidden unit's crease, the line where its input
    w·x + b crosses 0 and its ReLU bends."""
    from deepbook.figures import get
    from deepbook.figures.png import png
    from deepbook.sims.mlp import features_t

    c = THEME[theme]
    fig = get("trained-creases")
    engine = _trained_playground()
    frame = engine.snapshot()
    meta, arrays = frame.meta, frame.arrays
    lo, hi = (float(v) for v in meta["extent"])
    size, pad = fig.height - 40, 8
    # the trained network itself on a fine grid (row 0 at the top), so the bends are sharp
    cells = 2 * size
    centres = lo + (np.arange(cells) + 0.5) / cells * (hi - lo)
    gx, gy = np.meshgrid(centres, centres[::-1])
    xy = np.stack([gx.ravel(), gy.ravel()], axis=1)
    logits = engine.net.output(features_t(xy, tuple(meta["features"])))
    predicted = (logits[:, 1] > logits[:, 0]).reshape(cells, cells)
    shade = (55, 80) if theme == "dark" else (238, 205)
    pixels = np.where(predicted, shade[1], shade[0]).astype(np.uint8)

    def P(v: float) -> float:
        return pad + (v - lo) / (hi - lo) * size

    def Q(v: float) -> float:
        return pad + (hi - v) / (hi - lo) * size

    body = [image(pad, pad, size, size, png(pixels))]
    first = np.asarray(arrays["params"], dtype=np.float64)[: 3 * 8].reshape(3, 8)  # x1, x2, bias
    for j in range(8):
        (a, b), k = first[:2, j], first[2, j]
        ends = []
        for x in (lo, hi):  # where a·x + b·y + k = 0 meets the square's sides
            if abs(b) > 1e-9 and lo <= (y := -(a * x + k) / b) <= hi:
                ends.append((x, y))
        for y in (lo, hi):
            if abs(a) > 1e-9 and lo <= (x := -(b * y + k) / a) <= hi:
                ends.append((x, y))
        if len(ends) >= 2:
            (x0, y0), (x1, y1) = ends[0], ends[-1]
            body.append(line(P(x0), Q(y0), P(x1), Q(y1), c["fg"], 1.4))
    n = meta["n_train"]
    for x, y, k in np.asarray(arrays["points"])[:n]:
        colour = c["orange"] if k else c["blue"]
        body.append(f'<circle cx="{P(x):.1f}" cy="{Q(y):.1f}" r="2.6" fill="{colour}"/>')
    acc = meta["train_accuracy"]
    body.append(text(pad, fig.height - 12, f"8 ReLU units, {meta['epoch']} epochs: "
                     f"{100 * acc:.1f} % of {n} training points right", c["fg"], 13))  # fmt: skip
    return doc(fig.width, fig.height, body, fig.alt)


def linear_collapse(theme: str) -> bytes:
    """Two linear layers, no activation between them, and the one layer they equal:
    W₂(W₁x + b₁) + b₂ = (W₂W₁)x + (W₂b₁ + b₂), with seeded weights and torch's own products."""
    import torch

    from deepbook.figures import get

    c = THEME[theme]
    fig = get("linear-collapse")
    g = torch.Generator().manual_seed(2)
    w1, b1 = (
        torch.randn(3, 2, generator=g).round(decimals=1),
        torch.randn(3, generator=g).round(decimals=1),
    )
    w2, b2 = (
        torch.randn(2, 3, generator=g).round(decimals=1),
        torch.randn(2, generator=g).round(decimals=1),
    )
    w, b = w2 @ w1, w2 @ b1 + b2
    x = torch.randn(1000, 2, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    two = (x @ w1.double().T + b1.double()) @ w2.double().T + b2.double()
    one = x @ w.double().T + b.double()
    gap = float((two - one).abs().max())

    def grid(x0: float, y0: float, m: torch.Tensor, title: str) -> list[str]:
        rows, cols = m.shape if m.dim() == 2 else (m.shape[0], 1)
        m2 = m.reshape(rows, cols)
        out = [text(x0, y0 - 10, title, c["fg"], 13, "start", "600")]
        for i in range(rows):
            for j in range(cols):
                v = float(m2[i, j])
                out.append(
                    f'<rect x="{x0 + 52 * j}" y="{y0 + 30 * i}" width="50" height="28" rx="4" '
                    f'fill="none" stroke="{c["axis"]}"/>'
                )
                out.append(text(x0 + 52 * j + 25, y0 + 30 * i + 19, f"{v:.2f}".replace("-", "−"),
                                c["blue"] if v >= 0 else c["orange"], 13, "middle"))  # fmt: skip
        return out

    body = []
    body += grid(16, 40, w1, "W₁ (3 × 2)")
    body += grid(130, 40, b1, "b₁")
    body += grid(210, 40, w2, "W₂ (2 × 3)")
    body += grid(390, 40, b2, "b₂")
    body.append(text(470, 74, "=", c["fg"], 22, "middle"))
    body += grid(500, 40, w, "W₂W₁ (2 × 2)")
    body += grid(620, 40, b, "W₂b₁ + b₂")
    body.append(text(16, 160, "Two layers with nothing between them are one layer: on 1,000 random "
                     "inputs the outputs", c["muted"], 13))  # fmt: skip
    body.append(text(16, 180, f"differ by at most {number(gap)}: float32 rounding.",
                     c["muted"], 13))  # fmt: skip
    return doc(fig.width, fig.height, body, fig.alt)
