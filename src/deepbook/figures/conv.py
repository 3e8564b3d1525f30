"""Figures of chapter 4 (convolutional networks): the chapter's edge filter slid over a real
photograph by PyTorch's conv2d, and the receptive fields of the course's digits network, read
from its layers."""

from __future__ import annotations

from typing import Any

import numpy as np

from deepbook.figures import figure
from deepbook.figures.svg import THEME, box, doc, image, line, minus, text

CATALOG = [
    figure(
        "conv-photo",
        "conv",
        "The cameraman photograph from scikit-image, shrunk to 128 × 128 pixels, convolved with "
        "the chapter's 3 × 3 vertical-edge filter (weights −1, 0, 1 in each row) by PyTorch's "
        "conv2d. The output map is 126 × 126, as (n + 2p − k)/s + 1 = (128 + 0 − 3)/1 + 1 "
        "gives; it is bright where the photo turns from dark to bright going right and dark "
        "where it turns from bright to dark. One marked window's nine pixel values are printed "
        "with the sum that makes its output: (215 + 253 + 237) − (39 + 33 + 34) = 599.",
        720,
        440,
    ),
    figure(
        "receptive-fields",
        "conv",
        "A held-out handwritten 8 drawn four times, with the square of input pixels that one "
        "central unit can see after each stage of the course's digits network: 3 × 3 after "
        "conv1 (output 32 × 26 × 26), 4 × 4 after pool1 (32 × 13 × 13), 8 × 8 after conv2 "
        "(64 × 11 × 11) and 10 × 10 after pool2 (64 × 5 × 5). Each layer adds (k − 1) times "
        "the product of the earlier strides: 1 + 2 = 3, 3 + 1 = 4, 4 + 4 = 8, 8 + 2 = 10.",
        720,
        306,
    ),
]

EDGE = ((-1, 0, 1), (-1, 0, 1), (-1, 0, 1))  # the chapter's worked-example filter
SHRINK = 4  # 512 × 512 → 128 × 128


def photo() -> np.ndarray:
    """The cameraman, shrunk 4× by averaging 4 × 4 blocks: (128, 128) uint8."""
    import skimage.data

    cam = skimage.data.camera().astype(np.float64)  # type: ignore[no-untyped-call]
    n = cam.shape[0] // SHRINK
    small = cam.reshape(n, SHRINK, n, SHRINK).mean(axis=(1, 3))
    return np.asarray(small.round().astype(np.uint8))


def edge_response(
    x: np.ndarray, padding: int = 0, stride: int = 1
) -> tuple[np.ndarray, np.ndarray]:
    """The edge filter and its output on `x`, computed by torch.nn.functional.conv2d."""
    import torch
    import torch.nn.functional as F

    w = np.array(EDGE, dtype=np.float64)
    out = F.conv2d(
        torch.from_numpy(x.astype(np.float64))[None, None],
        torch.from_numpy(w)[None, None],
        padding=padding,
        stride=stride,
    )
    return w, out[0, 0].numpy()


def out_size(n: int, k: int, p: int, s: int) -> int:
    """m = ⌊(n + 2p − k)/s⌋ + 1."""
    return (n + 2 * p - k) // s + 1


def marked(y: np.ndarray) -> tuple[int, int]:
    """The output cell the figure follows: the strongest dark-to-bright response."""
    i, j = np.unravel_index(int(np.argmax(y)), y.shape)
    return int(i), int(j)


def grid(
    x: float, y: float, cell: float, labels: list[list[str]], stroke: str, c: dict[str, str],
    size: float, weight: str = "normal",
) -> list[str]:  # fmt: skip
    """A square grid of numbered cells (a filter's weights, a window's pixels) from (x, y)."""
    out = []
    for u, row in enumerate(labels):
        for v, label in enumerate(row):
            cx, cy = x + v * cell, y + u * cell
            out.append(box(cx, cy, cell, cell, stroke, c["panel"], rx=0))
            out.append(text(cx + cell / 2, cy + cell / 2 + round(size * 0.35), label, c["fg"], size,
                            "middle", weight))  # fmt: skip
    return out


def conv_photo(theme: str) -> bytes:
    from deepbook.figures import get
    from deepbook.figures.png import png

    c = THEME[theme]
    fig = get("conv-photo")
    x = photo()
    w, y = edge_response(x)
    n, k, p, s = x.shape[0], w.shape[0], 0, 1
    m = out_size(n, k, p, s)
    assert y.shape == (m, m)
    scale = 240 / n
    top = 44
    px, kx, ox = 16.0, 298.0, 462.0  # photo, filter, output
    size = 40  # a filter cell

    body = [
        text(px, 24, f"input: {n} × {n} pixels", c["fg"], 15, weight="600"),
        text(kx + 1.5 * size, 24, f"filter: {k} × {k}", c["fg"], 15, "middle", "600"),
        text(ox, 24, f"output: {m} × {m}", c["fg"], 15, weight="600"),
        image(px, top, n * scale, n * scale, png(x)),
    ]
    # The output, drawn at the photo's scale: grey is 0, white a dark-to-bright edge.
    lim = float(np.percentile(np.abs(y), 99.5))
    grey = np.clip(128 + 127 * y / lim, 0, 255).round().astype(np.uint8)
    body.append(image(ox, top, m * scale, m * scale, png(grey)))
    body.append(text(ox, top + m * scale + 20, "grey = 0, white > 0, black < 0", c["muted"], 12))
    body.append(text(277, top + 130, "∗", c["fg"], 30, "middle"))
    body.append(text(440, top + 130, "=", c["fg"], 30, "middle"))
    labels = [[minus(f"{w[u, v]:g}") for v in range(k)] for u in range(k)]
    body += grid(kx, top + 120 - 1.5 * size, size, labels, c["fg"], c, 17, "600")

    # One window, followed: its nine pixels, times the filter, summed.
    i, j = marked(y)
    patch = x[i : i + k, j : j + k].astype(np.int64)
    value = float(y[i, j])
    body.append(
        f'<rect x="{px + j * scale - 2:.1f}" y="{top + i * scale - 2:.1f}" '
        f'width="{k * scale + 4:.1f}" height="{k * scale + 4:.1f}" fill="none" '
        f'stroke="{c["orange"]}" stroke-width="2.5"/>'
    )
    body.append(
        f'<rect x="{ox + j * scale - 2:.1f}" y="{top + i * scale - 2:.1f}" '
        f'width="{scale + 4:.1f}" height="{scale + 4:.1f}" fill="none" '
        f'stroke="{c["orange"]}" stroke-width="2.5"/>'
    )
    gx, gy, cell = 16.0, 320.0, 36
    body.append(
        line(
            px + (j + k / 2) * scale,
            top + (i + k) * scale + 2,
            gx + k * cell / 2,
            gy,
            c["orange"],
            1.5,
        )
    )
    body += grid(gx, gy, cell, [[str(v) for v in row] for row in patch], c["orange"], c, 14)
    tx = gx + k * cell + 24
    right = " + ".join(str(v) for v in patch[:, 2])
    left = " + ".join(str(v) for v in patch[:, 0])
    body += [
        text(tx, gy + 14, "the marked window, times the filter, summed:", c["muted"], 14),
        text(tx, gy + 40, f"({right}) − ({left}) = {value:g}", c["fg"], 16, weight="600"),
        text(tx, gy + 66, "output size (n + 2p − k)/s + 1:", c["muted"], 14),
        text(tx, gy + 92, f"({n} + 2·{p} − {k})/{s} + 1 = {m}", c["fg"], 16, weight="600"),
    ]
    return doc(fig.width, fig.height, body, fig.alt)


def rf_rows() -> list[dict[str, Any]]:
    """The digits network's convolutions and poolings: name, output shape, receptive field
    (from `nets.stages`), the layer's k and the jump (product of earlier strides) it adds with."""
    from torch import nn

    from deepbook.models import nets

    net = nets.digits_cnn()
    layers = dict(net.named_children())
    rows, jump = [], 1
    for st in nets.stages(net):
        layer = layers[st.name]
        if not isinstance(layer, nn.Conv2d | nn.MaxPool2d):
            continue
        k = layer.kernel_size if isinstance(layer.kernel_size, int) else layer.kernel_size[0]
        s = layer.stride if isinstance(layer.stride, int) else layer.stride[0]
        rows.append(
            {"name": st.name, "shape": st.shape, "rf": st.receptive_field, "k": k, "jump": jump}
        )
        jump *= s
    return rows


def receptive_fields(theme: str) -> bytes:
    from deepbook.figures import get
    from deepbook.figures.png import png
    from deepbook.models import nets, shipped

    c = THEME[theme]
    fig = get("receptive-fields")
    model = shipped.load("digits_cnn")
    digit = model.images[int(np.flatnonzero(model.labels == 8)[0])]
    side = digit.shape[0]
    rows = rf_rows()
    size = 150
    scale = size / side
    gap = (fig.width - len(rows) * size) / (len(rows) + 1)
    top = 38
    body = []
    for n, row in enumerate(rows):
        x0 = gap + n * (size + gap)
        cells = row["shape"][1]
        r0, r1, c0, c1 = nets.window(model.cnn, row["name"], cells // 2, cells // 2)
        assert r1 - r0 == c1 - c0 == row["rf"]
        body.append(text(x0 + size / 2, 24, row["name"], c["fg"], 15, "middle", "600"))
        body.append(image(x0, top, size, size, png(digit)))
        body.append(
            f'<rect x="{x0 + c0 * scale:.1f}" y="{top + r0 * scale:.1f}" '
            f'width="{(c1 - c0) * scale:.1f}" height="{(r1 - r0) * scale:.1f}" fill="none" '
            f'stroke="{c["orange"]}" stroke-width="3"/>'
        )
        shape = " × ".join(str(d) for d in row["shape"])
        body.append(
            text(x0 + size / 2, top + size + 22, f"output {shape}", c["muted"], 13, "middle")
        )
        rf = row["rf"]
        body.append(
            text(x0 + size / 2, top + size + 44, f"sees {rf} × {rf}", c["fg"], 15, "middle", "600")
        )
    steps, prev = [], 1
    for row in rows:
        steps.append(f"{prev} + {(row['k'] - 1) * row['jump']} = {row['rf']}")
        prev = row["rf"]
    y = top + size + 84
    body.append(
        text(
            fig.width / 2,
            y,
            "from 1 pixel, each layer adds (k − 1) × (product of earlier strides):",
            c["muted"],
            14,
            "middle",
        )
    )
    body.append(text(fig.width / 2, y + 24, ",   ".join(steps), c["fg"], 15, "middle", "600"))
    return doc(fig.width, fig.height, body, fig.alt)
