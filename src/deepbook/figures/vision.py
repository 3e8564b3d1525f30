"""Figures of chapter 0 (why learning): hand-crafted features computed on real photographs from
scikit-image's samples: the Sobel gradients of the cameraman photo, and the HOG cells of a
64 × 128 detection window cut from the astronaut photo."""

from __future__ import annotations

import numpy as np

from deepbook.figures import figure
from deepbook.figures.svg import THEME, doc, line, text

CATALOG = [
    figure(
        "sobel-gradients",
        "vision",
        "Four greyscale panels of scikit-image's cameraman photograph, shrunk to 240 × 240 "
        "pixels. The photo; its horizontal Sobel response Gx, mid-grey where it is 0, white "
        "where brightness rises to the right and black where it falls, from −863 to 814, "
        "strong along the vertical edges of the coat and the tripod legs; its vertical "
        "response Gy, from −699 to 733, strong along horizontal edges such as the horizon, "
        "the shoulders and the camera; and the gradient magnitude, the square root of Gx² + Gy², "
        "from 0 to 906, black in flat regions such as the sky and white along every outline.",
        528,
        628,
    ),
    figure(
        "hog-cells",
        "vision",
        "Dalal and Triggs's HOG descriptor on a real detection window: the astronaut photo "
        "cut to a 64 × 128-pixel window around the person's head and shoulders, enlarged. "
        "Beside it, the window's 8 × 16 = 128 cells of 8 × 8 pixels, each drawn as a star of "
        "strokes along the edge directions of its 9 orientation bins, longer for stronger "
        "edges: the outlines of the hair, face, collar ring and suit stand out. The cell with "
        "the strongest single orientation, on a vertical strap near the bottom, is marked and "
        "its histogram plotted on the right: 59 in the 0–20° bin (brightness changing "
        "sideways, a vertical edge), 12 in the 160–180° bin and 5 or less in the others. "
        "With overlapping blocks of 2 × 2 cells, scikit-image's HOG of the window has "
        "105 blocks × 36 = 3,780 numbers.",
        720,
        450,
    ),
]

SOBEL_X = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])  # chapter 0's G_x kernel
CELL, BINS = 8, 9  # HOG: 8 × 8-pixel cells, 9 orientation bins over 0–180°


def _num(v: float, fmt: str = ",.0f") -> str:
    return f"{v:{fmt}}".replace("-", "−")


def _rich(x: float, y: float, s: str, fill: str, size: float, weight: str = "normal") -> str:
    """Text in which `_x` and `_y` are written as subscripts (G_x → G with a small x below)."""
    from html import escape
    from re import split

    parts = []
    for i, piece in enumerate(split(r"_([xy])", s)):  # odd pieces are the subscripts
        if i % 2:
            parts.append(f'<tspan dy="4" font-size="12">{piece}</tspan>')
        elif piece:
            parts.append(f'<tspan dy="-4">{escape(piece)}</tspan>' if i else escape(piece))
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{fill}" '
        f'font-weight="{weight}">{"".join(parts)}</text>'
    )


def _png(x: float, y: float, w: float, h: float, gray: np.ndarray) -> str:
    from deepbook.figures.png import png
    from deepbook.figures.svg import image

    return image(x, y, w, h, png(np.ascontiguousarray(gray, dtype=np.uint8)))


def cameraman() -> np.ndarray:
    """The cameraman photo shrunk to 240 × 240 pixels, as uint8 (the Sobel figure's input)."""
    from skimage import data
    from skimage.transform import resize

    photo = data.camera().astype(float)  # type: ignore[no-untyped-call]
    small = resize(photo, (240, 240), anti_aliasing=True)  # type: ignore[no-untyped-call]
    return np.asarray(np.clip(np.rint(small), 0, 255), dtype=np.uint8)


def sobel(img: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """G_x and G_y: each pixel's 3 × 3 neighbourhood weighted by chapter 0's kernel (and its
    transpose) and summed; positive where brightness rises to the right (G_x) or downwards
    (G_y). Edge pixels repeat their neighbours."""
    padded = np.pad(img.astype(float), 1, mode="edge")
    h, w = img.shape
    gx = np.zeros((h, w))
    gy = np.zeros((h, w))
    for i in range(3):
        for j in range(3):
            window = padded[i : i + h, j : j + w]
            gx += SOBEL_X[i, j] * window
            gy += SOBEL_X.T[i, j] * window
    return gx, gy


def sobel_gradients(theme: str) -> bytes:
    from deepbook.figures import get

    c = THEME[theme]
    fig = get("sobel-gradients")
    img = cameraman()
    gx, gy = sobel(img)
    mag = np.hypot(gx, gy)

    def signed(g: np.ndarray) -> np.ndarray:  # mid-grey 0; ±1/3 of the extreme saturates
        s = np.abs(g).max() / 3
        return np.asarray(np.rint(128 + 127 * np.clip(g / s, -1, 1)))

    panels = [
        ("the photo (240 × 240)", img, "brightness 0 (black) to 255"),
        ("G_x: change left → right", signed(gx), f"from {_num(gx.min())} to {_num(gx.max())}"),
        ("G_y: change top → bottom", signed(gy), f"from {_num(gy.min())} to {_num(gy.max())}"),
        ("magnitude √(G_x² + G_y²)", np.rint(255 * np.clip(3 * mag / mag.max(), 0, 1)),
         f"from 0 to {_num(mag.max())}"),
    ]  # fmt: skip
    body = []
    size, gap, left, top = 240, 24, 12, 28
    for k, (title, pixels, note) in enumerate(panels):
        x = left + (k % 2) * (size + gap)
        y = top + (k // 2) * (size + 66)
        body.append(_rich(x, y - 10, title, c["fg"], 14, "600"))
        body.append(_png(x, y, size, size, pixels))
        body.append(text(x, y + size + 20, note, c["muted"], 13))
    key = "In G_x and G_y, mid-grey is 0, white positive, black negative."
    body.append(_rich(left, fig.height - 10, key, c["muted"], 14))
    return doc(fig.width, fig.height, body, fig.alt)


def hog_window() -> np.ndarray:
    """A 64 × 128 detection window (width × height) around the astronaut, greyscale uint8."""
    from skimage import color, data
    from skimage.transform import resize

    grey = color.rgb2gray(data.astronaut())[0:512, 96:352] * 255  # type: ignore[no-untyped-call]
    small = resize(grey, (128, 64), anti_aliasing=True)  # type: ignore[no-untyped-call]
    return np.asarray(np.clip(np.rint(small), 0, 255), dtype=np.uint8)


def cell_histograms(img: np.ndarray) -> np.ndarray:
    """HOG's cell histograms, shape (rows, cols, 9): the gradient by central differences (0 on
    the border), its angle in [0°, 180°) counter-clockwise from "brighter to the right", and in
    each 8 × 8 cell the gradient magnitude summed per 20° bin and divided by the 64 pixels."""
    f = img.astype(float)
    right = np.zeros_like(f)
    up = np.zeros_like(f)
    right[:, 1:-1] = f[:, 2:] - f[:, :-2]
    up[1:-1, :] = f[:-2, :] - f[2:, :]  # rows count downwards, so "up" is minus the row change
    mag = np.hypot(right, up)
    angle = np.rad2deg(np.arctan2(up, right)) % 180
    bins = np.minimum((angle // (180 / BINS)).astype(int), BINS - 1)
    rows, cols = f.shape[0] // CELL, f.shape[1] // CELL
    out = np.zeros((rows, cols, BINS))
    for r in range(rows):
        for q in range(cols):
            sl = np.s_[r * CELL : (r + 1) * CELL, q * CELL : (q + 1) * CELL]
            out[r, q] = np.bincount(bins[sl].ravel(), mag[sl].ravel(), BINS) / CELL**2
    return out


def hog_length(img: np.ndarray) -> tuple[int, int, int]:
    """scikit-image's HOG of the window with Dalal and Triggs's settings: (blocks, numbers per
    block, total length)."""
    from skimage.feature import hog

    blocks = hog(img, orientations=BINS, pixels_per_cell=(CELL, CELL), cells_per_block=(2, 2),
                 block_norm="L2-Hys", feature_vector=False)  # fmt: skip
    n_blocks = blocks.shape[0] * blocks.shape[1]
    per_block = int(np.prod(blocks.shape[2:]))
    return n_blocks, per_block, int(blocks.size)


def marked_cell(hist: np.ndarray) -> tuple[int, int]:
    """The cell whose tallest bin is tallest: the window's strongest single-orientation edge."""
    r, q = np.unravel_index(np.argmax(hist.max(axis=2)), hist.shape[:2])
    return int(r), int(q)


def hog_cells(theme: str) -> bytes:
    from deepbook.figures import get

    c = THEME[theme]
    fig = get("hog-cells")
    img = hog_window()
    hist = cell_histograms(img)
    rows, cols = hist.shape[:2]
    n_blocks, per_block, length = hog_length(img)
    mr, mq = marked_cell(hist)
    scale, top = 3, 52
    cw = CELL * scale  # one cell on screen
    pw, ph = 64 * scale, 128 * scale
    x_photo, x_hog = 12, 12 + pw + 24
    body = [
        text(x_photo, top - 30, "the window,", c["fg"], 14, weight="600"),
        text(x_photo, top - 12, "64 × 128 pixels", c["muted"], 13),
        text(x_hog, top - 30, "its cells,", c["fg"], 14, weight="600"),
        text(x_hog, top - 12, f"{cols} × {rows} = {rows * cols} of 8 × 8", c["muted"], 13),
        _png(x_photo, top, pw, ph, img),
        f'<rect x="{x_hog}" y="{top}" width="{pw}" height="{ph}" fill="{c["panel"]}" '
        f'stroke="{c["axis"]}"/>',
    ]
    for r in range(1, rows):
        body.append(line(x_hog, top + r * cw, x_hog + pw, top + r * cw, c["grid"], 0.8))
    for q in range(1, cols):
        body.append(line(x_hog + q * cw, top, x_hog + q * cw, top + ph, c["grid"], 0.8))
    full = float(np.percentile(hist, 95))  # a stroke reaches across its cell from here up
    centres = np.deg2rad((np.arange(BINS) + 0.5) * 180 / BINS)
    for r in range(rows):
        for q in range(cols):
            cx, cy = x_hog + (q + 0.5) * cw, top + (r + 0.5) * cw
            for b in range(BINS):
                half = 0.45 * cw * min(1.0, hist[r, q, b] / full)
                if half < 1:
                    continue
                # the edge runs across the gradient: gradient angle + 90°, y down on screen
                dx, dy = -np.sin(centres[b]) * half, -np.cos(centres[b]) * half
                body.append(line(cx - dx, cy - dy, cx + dx, cy + dy, c["fg"], 1.5))
    for x0 in (x_photo, x_hog):
        body.append(
            f'<rect x="{x0 + mq * cw:.1f}" y="{top + mr * cw:.1f}" width="{cw:.1f}" '
            f'height="{cw:.1f}" fill="none" stroke="{c["orange"]}" stroke-width="3"/>'
        )
    # the marked cell's histogram
    hx, hw, hy, hh = x_hog + pw + 32, BINS * 26, top + 24, 190
    h = hist[mr, mq]
    body.append(text(hx, top - 30, "the marked cell", c["fg"], 14, weight="600"))
    body.append(text(hx, top - 12, "mean gradient per bin", c["muted"], 13))
    body.append(line(hx, hy + hh, hx + hw, hy + hh, c["axis"]))
    bw = hw / BINS
    for b in range(BINS):
        bh = hh * h[b] / h.max()
        bx = hx + b * bw
        body.append(
            f'<rect x="{bx + 3:.1f}" y="{hy + hh - bh:.1f}" width="{bw - 6:.1f}" '
            f'height="{bh:.1f}" fill="{c["orange"] if b == h.argmax() else c["blue"]}"/>'
        )
        body.append(text(bx + bw / 2, hy + hh - bh - 5, _num(h[b]), c["fg"], 12, "middle"))
        tick = 9
        dx, dy = -np.sin(centres[b]) * tick, -np.cos(centres[b]) * tick
        mx, my = bx + bw / 2, hy + hh + 18
        body.append(line(mx - dx, my - dy, mx + dx, my + dy, c["fg"], 2))
    notes = [
        (f"{BINS} bins of gradient angle, 0° to 180°;", c["muted"]),
        ("each tick: the edge its bin stands for", c["muted"]),
        ("", ""),
        ("The full descriptor:", c["fg"]),
        (f"{n_blocks} blocks of 2 × 2 cells,", c["muted"]),
        (f"each {per_block} numbers: {n_blocks} × {per_block}", c["muted"]),
        (f"= {length:,} numbers", c["fg"]),
    ]
    for i, (s, colour) in enumerate(notes):
        if s:
            body.append(text(hx, hy + hh + 52 + 19 * i, s, colour, 13))
    return doc(fig.width, fig.height, body, fig.alt)
