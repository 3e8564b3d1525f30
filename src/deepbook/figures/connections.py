"""Figures of chapter 9 (connections).

- `backbone-heads`: one backbone, three heads. The shipped clothing CNN's four conv blocks run on
  a 224 × 224 photograph (convolutions slide, so the 28 × 28 network takes any size), and three
  small heads read its feature map: a classifier, a detection-style box head and a
  segmentation-style per-pixel head. Every shape and parameter count is what PyTorch gives.
- `depth-from-disparity`: Z = fB/d for the chapter's stereo rig (f = 700 px, B = 0.54 m), with
  what one pixel of disparity error costs near and far.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from deepbook.figures import figure
from deepbook.figures.svg import THEME, arrow, box, dims, doc, image, line, polyline, text

if TYPE_CHECKING:
    from torch import nn

CATALOG = [
    figure(
        "backbone-heads",
        "connections",
        "A diagram of one backbone shared by three task heads, with shapes computed by running "
        "PyTorch. A 224 × 224 grey photograph of a cameraman enters the shipped clothing CNN's "
        "four convolutional blocks (60,224 parameters), whose outputs are 16 × 112 × 112, "
        "32 × 56 × 56, 64 × 28 × 28 and 64 × 14 × 14. Three heads read the final feature map: a "
        "classification head (average pooling and a linear layer, 650 parameters) outputs 10 "
        "class scores; a box head (a 1 × 1 convolution, 975 parameters) outputs 15 × 14 × 14, "
        "4 box coordinates, 1 objectness score and 10 class scores for each of 196 cells; a "
        "segmentation head (a 1 × 1 convolution and 16× upsampling, 650 parameters) outputs "
        "10 × 224 × 224, a class score for every pixel.",
        720,
        340,
    ),
    figure(
        "depth-from-disparity",
        "connections",
        "Depth Z = fB/d plotted against disparity d from 4 to 60 pixels, for f = 700 pixels and "
        "B = 0.54 m, so fB = 378 pixel-metres. The curve is steep at small disparities and flat "
        "at large ones. Two marked one-pixel steps: from 36 to 35 pixels the depth changes from "
        "10.5 to 10.8 m, by 0.3 m; from 7 to 6 pixels it changes from 54 to 63 m, by 9 m.",
        660,
        360,
    ),
]


# ---------------------------------------------------------------------------------------------
# One backbone, three heads


SIDE = 224  # the photograph's side in pixels
CLASSES = 10


def backbone() -> nn.Sequential:
    """The shipped fashion_cnn's conv blocks (conv → ReLU → pool, four times), trained weights."""
    from collections import OrderedDict

    from torch import nn

    from deepbook.models import shipped

    cnn = shipped.load("fashion_cnn").cnn
    keep = [(n, m) for n, m in cnn.named_children() if n not in ("flatten", "fc")]
    return nn.Sequential(OrderedDict(keep))


def heads(features: int) -> dict[str, nn.Module]:
    """Three fresh heads for a feature map with `features` channels (seeded, untrained: only the
    shapes matter here). The classifier reuses the shipped network's own fully connected layer."""
    import torch
    from torch import nn

    from deepbook.models import shipped

    torch.manual_seed(0)
    fc = shipped.load("fashion_cnn").cnn.get_submodule("fc")
    return {
        "classify": nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), fc),
        "boxes": nn.Conv2d(features, 4 + 1 + CLASSES, 1),
        "segment": nn.Sequential(
            nn.Conv2d(features, CLASSES, 1),
            nn.Upsample(scale_factor=16, mode="bilinear", align_corners=False),
        ),
    }


def photo() -> np.ndarray:
    """scikit-image's cameraman, 512 × 512, resized to 224 × 224 (uint8)."""
    from skimage import data
    from skimage.transform import resize

    cam = data.camera().astype(np.float64)  # type: ignore[no-untyped-call]
    small = resize(cam, (SIDE, SIDE), anti_aliasing=True)  # type: ignore[no-untyped-call]
    out: np.ndarray = np.clip(np.round(small), 0, 255).astype(np.uint8)
    return out


def shapes() -> dict[str, Any]:
    """Each backbone block's output shape, the heads' output shapes and every parameter count,
    from one forward pass of the photograph (batch dimension dropped)."""
    import torch

    net = backbone()
    x = torch.from_numpy(photo().astype(np.float32) / 255)[None, None]
    blocks = []
    with torch.no_grad():
        for name, layer in net.named_children():
            x = layer(x)
            if name.startswith("pool"):
                blocks.append(tuple(x.shape[1:]))
        outs = {}
        params = {}
        for name, head in heads(x.shape[1]).items():
            outs[name] = tuple(head(x).shape[1:])
            params[name] = sum(p.numel() for p in head.parameters())
    return {
        "input": (1, SIDE, SIDE),
        "blocks": blocks,
        "backbone_params": sum(p.numel() for p in net.parameters()),
        "heads": outs,
        "head_params": params,
    }


def backbone_heads(theme: str) -> bytes:
    from deepbook.figures import get
    from deepbook.figures.png import png

    c = THEME[theme]
    fig = get("backbone-heads")
    s = shapes()
    body = []
    # the input photograph
    px, py, ps = 6, 100, 112
    body.append(image(px, py, ps, ps, png(photo())))
    body.append(text(px + ps / 2, py + ps + 20, "input", c["fg"], 13, "middle", "600"))
    body.append(text(px + ps / 2, py + ps + 37, dims(s["input"]), c["muted"], 13, "middle"))
    # the backbone
    bx, by, bw, bh = 148, 40, 226, 262
    body.append(arrow(px + ps + 2, py + ps / 2, bx - 2, py + ps / 2, c["axis"], width=2, head=9))
    body.append(box(bx, by, bw, bh, c["axis"], c["panel"], width=2, rx=8))
    body.append(text(bx + bw / 2, by + 26, "shared backbone", c["fg"], 15, "middle", "600"))
    body.append(text(bx + bw / 2, by + 45, "4 conv blocks", c["muted"], 13, "middle"))
    for i, shape in enumerate(s["blocks"]):
        y = by + 82 + i * 36
        body.append(text(bx + 16, y, f"block {i + 1}", c["muted"], 13))
        body.append(text(bx + bw - 16, y, dims(shape), c["fg"], 14, "end"))
    body.append(
        text(bx + bw / 2, by + bh - 18, f"{s['backbone_params']:,} parameters", c["muted"], 13,
             "middle")
    )  # fmt: skip
    # the heads
    hx, hw, hh = 430, 284, 96
    rows = [
        ("classify", "classification head", "average pool, linear", "class scores", c["blue"]),
        (
            "boxes",
            "box head",
            f"1 × 1 conv: 4 box + 1 score + {CLASSES} classes",
            "per cell",
            c["orange"],
        ),
        ("segment", "segmentation head", "1 × 1 conv, upsample × 16", "per pixel", c["green"]),
    ]
    for i, (key, title, layers, unit, colour) in enumerate(rows):
        y = 8 + i * (hh + 18)
        body.append(arrow(bx + bw + 2, by + bh / 2, hx - 2, y + hh / 2, colour, width=2, head=9))
        body.append(box(hx, y, hw, hh, colour, c["panel"], width=2, rx=8))
        body.append(text(hx + 14, y + 24, title, colour, 14, "start", "600"))
        body.append(text(hx + 14, y + 45, layers, c["muted"], 12))
        out = s["heads"][key]
        body.append(text(hx + 14, y + 67, f"output {dims(out)}", c["fg"], 14, "start", "600"))
        body.append(text(hx + hw - 14, y + 67, unit, c["muted"], 13, "end"))
        body.append(text(hx + 14, y + 86, f"{s['head_params'][key]:,} parameters", c["muted"], 12))
    return doc(fig.width, fig.height, body, fig.alt)


# ---------------------------------------------------------------------------------------------
# Depth from disparity


FOCAL, BASELINE = 700.0, 0.54  # the chapter's rig: f in pixels, B in metres
STEPS = ((36, 35), (7, 6))  # the chapter's one-pixel steps, near and far


def depth(d: float) -> float:
    """Z = fB/d in metres for a disparity of d pixels."""
    return FOCAL * BASELINE / d


def depth_from_disparity(theme: str) -> bytes:
    from deepbook.figures import get

    c = THEME[theme]
    fig = get("depth-from-disparity")
    w, h = fig.width, fig.height
    left, right, top, bottom = 56, 24, 34, 48
    d0, d1, zmax = 4.0, 60.0, 100.0

    def X(d: float) -> float:
        return left + (d - 0) / d1 * (w - left - right)

    def Y(z: float) -> float:
        return top + (zmax - z) / zmax * (h - top - bottom)

    body = []
    for zt in range(0, 101, 20):
        body.append(line(X(0), Y(zt), X(d1), Y(zt), c["grid"]))
        body.append(text(left - 8, Y(zt) + 4, str(zt), c["muted"], 12, "end"))
    for dt in range(0, 61, 10):
        body.append(line(X(dt), Y(0), X(dt), Y(0) + 5, c["axis"]))
        body.append(text(X(dt), Y(0) + 20, str(dt), c["muted"], 12, "middle"))
    body.append(line(X(0), Y(0), X(d1), Y(0), c["axis"]))
    body.append(line(X(0), Y(0), X(0), Y(zmax), c["axis"]))
    body.append(text(X(d1), h - 6, "disparity d (pixels)", c["fg"], 13, "end"))
    body.append(text(left - 8, top - 16, "depth Z (m)", c["fg"], 13))
    ds = np.linspace(d0, d1, 225)
    body.append(polyline([(X(d), Y(depth(d))) for d in ds], c["blue"], 2.5))
    body.append(
        text(X(d1) - 4, Y(depth(d1)) - 12, f"Z = fB/d, fB = {FOCAL * BASELINE:g} px·m",
             c["blue"], 13, "end")
    )  # fmt: skip
    labels = [(X(29), Y(44)), (X(12), Y(82))]
    for ((da, db), (lx, ly)), colour in zip(zip(STEPS, labels, strict=True),
                                            (c["orange"], c["green"]), strict=True):  # fmt: skip
        za, zb = depth(da), depth(db)
        for dp, z in ((da, za), (db, zb)):
            body.append(polyline([(X(dp), Y(0)), (X(dp), Y(z)), (X(0), Y(z))], colour, 1.5, "4 3"))
            body.append(f'<circle cx="{X(dp):.1f}" cy="{Y(z):.1f}" r="5" fill="{colour}"/>')
        body.append(text(lx, ly, f"d = {da} → {db} px", colour, 14, "start", "600"))
        body.append(text(lx, ly + 19, f"Z = {za:.3g} → {zb:.3g} m", c["fg"], 13))
        body.append(text(lx, ly + 37, f"one pixel = {abs(zb - za):.2g} m", c["fg"], 13))
    return doc(w, h, body, fig.alt)
