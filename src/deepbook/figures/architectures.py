"""Figures of chapter 5 (architectures): ResNet's basic and bottleneck blocks, GoogLeNet's first
inception module and U-Net, each built in PyTorch so that every shape and parameter count in the
drawing comes from the modules; and a vision transformer's 16 × 16 patches of a real photograph."""

from __future__ import annotations

from typing import Any

import numpy as np

from deepbook.figures import figure
from deepbook.figures.svg import THEME, arrow, box, dims, doc, image, line, text

CATALOG = [
    figure(
        "residual-blocks",
        "architectures",
        "Two residual blocks built in PyTorch, on 56 × 56 feature maps. The basic block of "
        "ResNet-34: two 3 × 3 convolutions from 64 to 64 channels, 36,864 weights each, "
        "73,728 in all. The bottleneck block of ResNet-50: a 1 × 1 convolution from 256 to 64 "
        "channels (16,384 weights), a 3 × 3 at 64 (36,864) and a 1 × 1 back to 256 (16,384), "
        "69,632 in all. In both, the identity shortcut adds the input to the output with no "
        "weights; the bottleneck's stream is 256 channels wide instead of 64.",
        720,
        480,
    ),
    figure(
        "inception-module",
        "architectures",
        "GoogLeNet's first inception module built in PyTorch: a 192 × 28 × 28 input feeds four "
        "branches: a 1 × 1 convolution to 64 channels (12,288 weights); 1 × 1 to 96 then "
        "3 × 3 to 128 (18,432 and 110,592); 1 × 1 to 16 then 5 × 5 to 32 (3,072 and 12,800); "
        "3 × 3 max pooling then 1 × 1 to 32 (0 and 6,144). Concatenated, 64 + 128 + 32 + 32 = "
        "256 channels at 28 × 28, with 163,328 weights. A 5 × 5 convolution straight on the "
        "192 channels would need 153,600 weights; the reduction cuts that branch to 15,872.",
        720,
        410,
    ),
    figure(
        "unet-shapes",
        "architectures",
        "U-Net built in PyTorch with the paper's unpadded convolutions, drawn as a U. Going "
        "down, each level's two 3 × 3 convolutions trim 4 pixels and 2 × 2 pooling halves the "
        "size: 572 → 568 with 64 channels, 284 → 280 with 128, 140 → 136 with 256, 68 → 64 "
        "with 512, and 32 → 28 with 1,024 at the bottom. Going up, each level doubles the size "
        "with an up-convolution, concatenates the encoder's maps cropped to match, and "
        "convolves: 56 → 52, 104 → 100, 200 → 196 and 392 → 388, ending in a 388 × 388 map of "
        "2 class scores. 23 convolutional layers and 31,030,658 parameters.",
        720,
        430,
    ),
    figure(
        "vit-patches",
        "architectures",
        "A vision transformer's input: scikit-image's cat photograph, resized and centre-cropped "
        "to 224 × 224 (shown in grey), cut into a 14 × 14 grid of 16 × 16 patches: 196 "
        "patches, read row by row. Patches 1 to 4 and 196 are shown enlarged; each is "
        "flattened into 16 × 16 × 3 = 768 numbers. With a class token, the transformer reads "
        "197 tokens.",
        720,
        380,
    ),
]


def fmt(n: int) -> str:
    return f"{n:,}"


def params(module: Any) -> int:
    return int(sum(p.numel() for p in module.parameters()))


def residual_numbers() -> dict[str, dict[str, Any]]:
    """ResNet's basic block (ResNet-34, 64 channels) and bottleneck block (ResNet-50, 256 → 64
    → 256), built as PyTorch modules without biases or batch norm, run on 56 × 56 maps: each
    convolution's label, output shape and weights, and each block's input shape and total."""
    import torch
    from torch import nn

    def conv(c_in: int, c_out: int, k: int) -> nn.Conv2d:
        return nn.Conv2d(c_in, c_out, k, padding=k // 2, bias=False)

    blocks = {
        "basic": nn.Sequential(conv(64, 64, 3), nn.ReLU(), conv(64, 64, 3)),
        "bottleneck": nn.Sequential(
            conv(256, 64, 1), nn.ReLU(), conv(64, 64, 3), nn.ReLU(), conv(64, 256, 1)
        ),
    }
    out: dict[str, dict[str, Any]] = {}
    with torch.no_grad():
        for name, body in blocks.items():
            first = body[0]
            assert isinstance(first, nn.Conv2d)
            x = torch.zeros(1, first.in_channels, 56, 56)
            layers = []
            h = x
            for m in body:
                h = m(h)
                if isinstance(m, nn.Conv2d):
                    k = m.kernel_size[0]
                    layers.append(
                        {
                            "label": f"{k} × {k} conv, {m.in_channels} → {m.out_channels}",
                            "shape": tuple(h.shape[1:]),
                            "weights": params(m),
                        }
                    )
            y = h + x  # the identity shortcut: F(x) + x needs the shapes to agree
            out[name] = {
                "layers": layers,
                "input": tuple(x.shape[1:]),
                "output": tuple(y.shape[1:]),
                "total": params(body),
            }
    return out


def residual_blocks(theme: str) -> bytes:
    from deepbook.figures import get

    c = THEME[theme]
    fig = get("residual-blocks")
    nums = residual_numbers()
    titles = {"basic": "basic block (ResNet-34)", "bottleneck": "bottleneck block (ResNet-50)"}
    bw, bh, step = 250, 58, 84
    body = []
    y_plus = 60 + 3 * step + 30
    for col, name in enumerate(("basic", "bottleneck")):
        block = nums[name]
        cx = 180 + col * 360
        body.append(text(cx, 22, titles[name], c["fg"], 16, "middle", "600"))
        body.append(text(cx, 46, f"in: {dims(block['input'])}", c["muted"], 14, "middle"))
        y = 60
        top = y
        for layer in block["layers"]:
            body.append(arrow(cx, y, cx, y + step - bh, c["axis"]))
            y += step - bh
            body.append(box(cx - bw / 2, y, bw, bh, c["fg"], c["panel"]))
            body.append(text(cx, y + 23, layer["label"], c["fg"], 15, "middle", "600"))
            detail = f"{dims(layer['shape'])} · {fmt(layer['weights'])} weights"
            body.append(text(cx, y + 44, detail, c["blue"], 13, "middle"))
            y += bh
            if layer is not block["layers"][-1]:
                body.append(text(cx + 8, y + 17, "ReLU", c["muted"], 12))
        body.append(arrow(cx, y, cx, y_plus - 13, c["axis"]))
        # The shortcut: around the right of the convolutions, into the sum.
        sx = cx + bw / 2 + 20
        body.append(line(cx, top - 4, sx, top - 4, c["orange"], 2))
        body.append(line(sx, top - 4, sx, y_plus, c["orange"], 2))
        body.append(arrow(sx, y_plus, cx + 13, y_plus, c["orange"], 2))
        mid = (top + y_plus) / 2
        body.append(
            f'<text x="{sx + 16:.1f}" y="{mid:.1f}" font-size="13" fill="{c["orange"]}" '
            f'text-anchor="middle" transform="rotate(90 {sx + 16:.1f} {mid:.1f})">'
            "identity shortcut · 0 weights</text>"
        )
        body.append(
            f'<circle cx="{cx}" cy="{y_plus}" r="13" fill="{c["panel"]}" '
            f'stroke="{c["orange"]}" stroke-width="2"/>'
        )
        body.append(text(cx, y_plus + 6, "+", c["orange"], 20, "middle", "600"))
        body.append(text(cx - 22, y_plus + 5, "F(x) + x", c["fg"], 14, "end"))
        body.append(arrow(cx, y_plus + 13, cx, y_plus + 40, c["axis"]))
        body.append(
            text(cx, y_plus + 58, f"ReLU → out: {dims(block['output'])}", c["muted"], 14, "middle")
        )
        body.append(
            text(cx, y_plus + 86, f"{fmt(block['total'])} weights", c["fg"], 17, "middle", "600")
        )
    basic, neck = nums["basic"], nums["bottleneck"]
    ratio = neck["total"] / basic["total"]
    wider = neck["input"][0] // basic["input"][0]
    body.append(
        text(
            fig.width / 2,
            y_plus + 122,
            f"the bottleneck: {ratio:.2f} × the weights, a stream {wider} × as wide",
            c["muted"],
            14,
            "middle",
        )
    )
    return doc(fig.width, fig.height, body, fig.alt)


def inception_numbers() -> dict[str, Any]:
    """GoogLeNet's inception (3a) as PyTorch modules without biases, run on a 192 × 28 × 28
    input: each branch's layers (label, weights) and output shape, the concatenated shape, the
    total weights, and the 5 × 5 branch's cost with and without its 1 × 1 reduction."""
    import torch
    from torch import nn

    def conv(c_in: int, c_out: int, k: int) -> nn.Conv2d:
        return nn.Conv2d(c_in, c_out, k, padding=k // 2, bias=False)

    c_in = 192
    branches = [
        nn.Sequential(conv(c_in, 64, 1)),
        nn.Sequential(conv(c_in, 96, 1), nn.ReLU(), conv(96, 128, 3)),
        nn.Sequential(conv(c_in, 16, 1), nn.ReLU(), conv(16, 32, 5)),
        nn.Sequential(nn.MaxPool2d(3, stride=1, padding=1), conv(c_in, 32, 1)),
    ]
    x = torch.zeros(1, c_in, 28, 28)
    rows, outs = [], []
    with torch.no_grad():
        for branch in branches:
            layers = []
            for m in branch:
                if isinstance(m, nn.Conv2d):
                    k = m.kernel_size[0]
                    layers.append(
                        {"label": f"{k} × {k} conv, {m.out_channels}", "weights": params(m)}
                    )
                elif isinstance(m, nn.MaxPool2d):
                    layers.append({"label": "3 × 3 max pool", "weights": 0})
            y = branch(x)
            outs.append(y)
            rows.append({"layers": layers, "shape": tuple(y.shape[1:])})
        cat = torch.cat(outs, dim=1)
    return {
        "input": tuple(x.shape[1:]),
        "branches": rows,
        "output": tuple(cat.shape[1:]),
        "total": sum(params(b) for b in branches),
        "direct_5x5": params(conv(c_in, 32, 5)),
        "reduced_5x5": params(branches[2]),
    }


def inception_module(theme: str) -> bytes:
    from deepbook.figures import get

    c = THEME[theme]
    fig = get("inception-module")
    nums = inception_numbers()
    body = []
    cw, bw, bh = 176, 160, 50
    xs = [(fig.width - 4 * cw) / 2 + cw * (i + 0.5) for i in range(4)]
    top_y, row1, row2, out_y = 16, 92, 170, 262
    body.append(box(fig.width / 2 - 130, top_y, 260, 40, c["fg"], c["panel"]))
    body.append(
        text(
            fig.width / 2, top_y + 26, f"input {dims(nums['input'])}", c["fg"], 15, "middle", "600"
        )
    )
    for x, branch in zip(xs, nums["branches"], strict=True):
        body.append(arrow(fig.width / 2, top_y + 40, x, row1, c["axis"]))
        layers = branch["layers"]
        ys = [row1, row2][: len(layers)]
        for n, (layer, y) in enumerate(zip(layers, ys, strict=True)):
            five = layer["label"].startswith("5 × 5")
            body.append(
                box(
                    x - bw / 2,
                    y,
                    bw,
                    bh,
                    c["orange"] if five else c["fg"],
                    c["panel"],
                    2.5 if five else 1.5,
                )
            )
            body.append(text(x, y + 21, layer["label"], c["fg"], 15, "middle", "600"))
            body.append(
                text(x, y + 40, f"{fmt(layer['weights'])} weights", c["blue"], 13, "middle")
            )
            if n + 1 < len(layers):
                body.append(arrow(x, y + bh, x, ys[n + 1], c["axis"]))
        end = ys[-1] + bh
        body.append(arrow(x, end, x, out_y - 22, c["axis"]))
        body.append(text(x, out_y - 6, dims(branch["shape"]), c["muted"], 13, "middle"))
        body.append(arrow(x, out_y, fig.width / 2, out_y + 34, c["axis"]))
    chans = " + ".join(str(b["shape"][0]) for b in nums["branches"])
    cy = out_y + 34
    body.append(box(fig.width / 2 - 230, cy, 460, 44, c["fg"], c["panel"]))
    body.append(
        text(
            fig.width / 2,
            cy + 28,
            f"concatenate: {chans} = {dims(nums['output'])}",
            c["fg"],
            15,
            "middle",
            "600",
        )
    )
    body.append(
        text(
            fig.width / 2,
            cy + 72,
            f"the whole module: {fmt(nums['total'])} weights",
            c["fg"],
            15,
            "middle",
            "600",
        )
    )
    body.append(
        text(
            fig.width / 2,
            cy + 98,
            f"5 × 5 straight on {nums['input'][0]} channels: "
            f"{fmt(nums['direct_5x5'])} weights; after the 1 × 1 reduction: "
            f"{fmt(nums['reduced_5x5'])}",
            c["orange"],
            14,
            "middle",
        )
    )
    return doc(fig.width, fig.height, body, fig.alt)


def unet_numbers() -> dict[str, Any]:
    """U-Net (Ronneberger et al. 2015) built in PyTorch on the meta device (no memory for
    weights) and run on a 1 × 572 × 572 tile: each level's sizes through its two convolutions
    and channels, going down and coming up, the crop of each skip, the output shape, the number
    of convolutional layers and the parameters (with biases, 2 classes)."""
    import torch
    import torch.nn.functional as F
    from torch import nn

    meta = torch.device("meta")
    widths = (64, 128, 256, 512, 1024)

    def double(c_in: int, c_out: int) -> nn.Sequential:
        return nn.Sequential(
            nn.Conv2d(c_in, c_out, 3, device=meta),
            nn.ReLU(),
            nn.Conv2d(c_out, c_out, 3, device=meta),
            nn.ReLU(),
        )

    down = nn.ModuleList([double(1 if i == 0 else widths[i - 1], w) for i, w in enumerate(widths)])
    ups = nn.ModuleList(
        [nn.ConvTranspose2d(widths[i + 1], widths[i], 2, stride=2, device=meta) for i in range(4)]
    )
    up_convs = nn.ModuleList([double(2 * widths[i], widths[i]) for i in range(4)])
    head = nn.Conv2d(64, 2, 1, device=meta)
    net = nn.ModuleList([down, ups, up_convs, head])

    def sizes(block: nn.Module, x: torch.Tensor) -> tuple[torch.Tensor, list[int]]:
        seen = [x.shape[-1]]
        for m in block.children():
            x = m(x)
            if isinstance(m, nn.Conv2d):
                seen.append(x.shape[-1])
        return x, seen

    x = torch.zeros(1, 1, 572, 572, device=meta)
    enc, skips = [], []
    for i, block in enumerate(down):
        if i:
            x = F.max_pool2d(x, 2)
        x, seen = sizes(block, x)
        enc.append({"sizes": seen, "channels": x.shape[1]})
        skips.append(x)
    dec: list[dict[str, Any]] = []
    for i in reversed(range(4)):
        x = ups[i](x)
        skip = skips[i]
        cut = (skip.shape[-1] - x.shape[-1]) // 2
        cropped = skip[..., cut : cut + x.shape[-1], cut : cut + x.shape[-1]]
        x, seen = sizes(up_convs[i], torch.cat([cropped, x], dim=1))
        dec.insert(
            0, {"sizes": seen, "channels": x.shape[1], "crop": (skip.shape[-1], cropped.shape[-1])}
        )
    y = head(x)
    convs = sum(isinstance(m, nn.Conv2d | nn.ConvTranspose2d) for m in net.modules())
    return {
        "encoder": enc,
        "decoder": dec,
        "input": 572,
        "output": tuple(y.shape[1:]),
        "convs": convs,
        "params": params(net),
    }


def unet_shapes(theme: str) -> bytes:
    from deepbook.figures import get

    c = THEME[theme]
    fig = get("unet-shapes")
    nums = unet_numbers()
    bw, bh, row, inset = 160, 50, 68, 40
    body = []

    def level_box(x: float, y: float, level: dict[str, Any], extra: str = "") -> None:
        body.append(box(x, y, bw, bh, c["fg"], c["panel"]))
        body.append(
            text(
                x + bw / 2,
                y + 21,
                " → ".join(str(s) for s in level["sizes"]),
                c["fg"],
                15,
                "middle",
                "600",
            )
        )
        body.append(
            text(
                x + bw / 2,
                y + 40,
                f"{fmt(level['channels'])} channels{extra}",
                c["blue"],
                13,
                "middle",
            )
        )

    top = 34
    body.append(text(16, 20, "encoder: two 3 × 3 convs, then 2 × 2 max pool", c["muted"], 13))
    body.append(
        text(
            fig.width - 16,
            20,
            "decoder: 2 × 2 up-conv, concat, two 3 × 3 convs",
            c["muted"],
            13,
            "end",
        )
    )

    def ex(i: int) -> float:  # the left edge of level i's encoder box (the bottom: centred)
        return 16 + i * inset if i < 4 else fig.width / 2 - bw / 2

    def dx_(i: int) -> float:  # the left edge of level i's decoder box
        return fig.width - 16 - i * inset - bw if i < 4 else fig.width / 2 - bw / 2

    for i, level in enumerate(nums["encoder"]):
        y = top + i * row
        if i < 4:
            x, dx = ex(i), dx_(i)
            level_box(x, y, level)
            dec = nums["decoder"][i]
            level_box(dx, y, dec)
            # The skip: copy, crop, concatenate.
            body.append(arrow(x + bw, y + bh / 2, dx, y + bh / 2, c["orange"], 2))
            a, b = dec["crop"]
            body.append(
                text(
                    (x + bw + dx) / 2, y + bh / 2 - 7, f"crop {a} → {b}", c["orange"], 13, "middle"
                )
            )
            # Down to the next level (pool) and up from it (up-conv).
            body.append(arrow(x + 30, y + bh, ex(i + 1) + 30, y + row, c["axis"]))
            body.append(arrow(dx_(i + 1) + bw - 30, y + row, dx + bw - 30, y + bh, c["axis"]))
        else:
            level_box(fig.width / 2 - bw / 2, y, level)
    foot = top + 4 * row + bh + 34
    out = " × ".join(str(s) for s in nums["output"][1:]) + f" × {nums['output'][0]}"
    body.append(
        text(
            fig.width / 2,
            foot,
            f"{nums['input']} × {nums['input']} tile in; a 1 × 1 conv makes {out} class scores",
            c["fg"],
            15,
            "middle",
            "600",
        )
    )
    body.append(
        text(
            fig.width / 2,
            foot + 24,
            f"{nums['convs']} convolutional layers, {fmt(nums['params'])} parameters",
            c["fg"],
            15,
            "middle",
            "600",
        )
    )
    return doc(fig.width, fig.height, body, fig.alt)


def vit_numbers() -> dict[str, Any]:
    """The cat photograph resized (shorter side 256) and centre-cropped to 224 × 224 × 3, and
    its 16 × 16 patches, row by row, each flattened: (196, 768), computed with torch's unfold."""
    import skimage.data
    import skimage.transform
    import torch

    cat = skimage.data.chelsea()  # type: ignore[no-untyped-call]
    h, w = cat.shape[:2]
    small = skimage.transform.resize(  # type: ignore[no-untyped-call]
        cat, (256, round(w * 256 / h)), anti_aliasing=True, preserve_range=True
    )
    top, left = (small.shape[0] - 224) // 2, (small.shape[1] - 224) // 2
    crop = small[top : top + 224, left : left + 224].round().astype(np.uint8)
    p = 16
    t = torch.from_numpy(crop).permute(2, 0, 1)  # 3 × 224 × 224
    tiles = t.unfold(1, p, p).unfold(2, p, p)  # 3 × 14 × 14 × 16 × 16
    grid = tiles.shape[1]
    patches = tiles.permute(1, 2, 3, 4, 0).reshape(grid * grid, p * p * 3)  # row by row
    return {"crop": crop, "patch": p, "grid": grid, "patches": patches.numpy()}


def vit_patches(theme: str) -> bytes:
    from deepbook.figures import get
    from deepbook.figures.png import png

    c = THEME[theme]
    fig = get("vit-patches")
    nums = vit_numbers()
    crop, p, grid, patches = nums["crop"], nums["patch"], nums["grid"], nums["patches"]
    n, length = patches.shape
    grey = (crop.astype(np.float64) @ np.array([0.2125, 0.7154, 0.0721])).round()
    grey = grey.clip(0, 255).astype(np.uint8)
    side = crop.shape[0]

    def tile(k: int) -> np.ndarray:
        r, q = divmod(k, grid)
        return np.asarray(grey[r * p : (r + 1) * p, q * p : (q + 1) * p])

    body = [
        text(16, 20, f"{side} × {side} crop, cut into {p} × {p} patches", c["fg"], 15, weight="600")
    ]
    cell, gap, x0, y0 = 21, 2, 16.0, 34.0  # a patch drawn at 21 px, 2 px apart
    show = [0, 1, 2, 3, n - 1]
    for k in range(n):
        r, q = divmod(k, grid)
        x, y = x0 + q * (cell + gap), y0 + r * (cell + gap)
        body.append(image(x, y, cell, cell, png(tile(k))))
    for first, last in ((0, 3), (n - 1, n - 1)):  # outline the patches shown enlarged
        r, q = divmod(first, grid)
        x, y = x0 + q * (cell + gap), y0 + r * (cell + gap)
        run = (last - first + 1) * (cell + gap) - gap
        body.append(
            f'<rect x="{x - 2:.1f}" y="{y - 2:.1f}" width="{run + 4}" height="{cell + 4}" '
            f'fill="none" stroke="{c["orange"]}" stroke-width="3"/>'
        )
    span = grid * (cell + gap) - gap
    body.append(
        text(
            x0 + span / 2, y0 + span + 22, f"{side}/{p} = {grid} per side", c["muted"], 14, "middle"
        )
    )
    # The sequence the transformer reads: patches in order, each flattened.
    sx, sy, big = 362.0, 58.0, 56
    body.append(text(sx, 44, "read row by row:", c["muted"], 14))
    for i, k in enumerate(show):
        x = sx + i * (big + 10) + (22 if k == n - 1 else 0)
        body.append(image(x, sy, big, big, png(tile(k))))
        body.append(text(x + big / 2, sy + big + 20, str(k + 1), c["fg"], 15, "middle", "600"))
    body.append(text(sx + 4 * (big + 10) + 8, sy + big / 2 + 6, "…", c["fg"], 18, "middle"))
    lines = [
        (f"{grid} × {grid} = {n} patches", c["fg"]),
        (f"each: {p} × {p} × 3 = {length} numbers", c["fg"]),
        ("a learned linear map makes each a token", c["muted"]),
        (f"plus a class token: {n + 1} tokens", c["fg"]),
    ]
    for i, (s, colour) in enumerate(lines):
        weight = "600" if colour == c["fg"] else "normal"
        body.append(text(sx, sy + big + 64 + 32 * i, s, colour, 15, weight=weight))
    return doc(fig.width, fig.height, body, fig.alt)
