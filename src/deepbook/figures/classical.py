"""Figures of chapter 1 (classical ML): PCA of scikit-learn's 8 × 8 digits shown as images (the
"eigen-digits"), and a bag of visual words built by k-means from the patches of scikit-image's
sample photographs."""

from __future__ import annotations

from functools import cache

import numpy as np

from deepbook.figures import figure
from deepbook.figures.svg import THEME, doc, line, minus, text

CATALOG = [
    figure(
        "eigen-digits",
        "classical",
        "PCA of scikit-learn's 1,797 handwritten digits of 8 × 8 pixels, shown as eight "
        "enlarged images. The first is the mean digit, a blurry ring like a faint 0. The "
        "other seven are the first seven principal components, mid-grey with white and black "
        "blobs where they add or remove ink, each with its share of the total variance: "
        "14.9%, 13.6%, 11.8%, 8.4%, 5.8%, 4.9% and 4.3%, together 63.7%. Reaching 80% takes "
        "13 of the 64 components, and 90% takes 21.",
        560,
        436,
    ),
    figure(
        "visual-words",
        "classical",
        "A bag of visual words built from real photographs. k-means with k = 8 groups 5,766 "
        "patches of 8 × 8 pixels (each with its mean brightness removed and its contrast "
        "normalised) from six of scikit-image's sample photos. Its eight centres, the visual "
        "words, are shown as small images along the top, most used first: a flat patch, then "
        "edges and gradients of different directions. Below, two photos, a cat's face and a "
        "tray of coins, are each cut into 961 patches and described by how many fall nearest "
        "each word, as a bar chart: the cat gives 266, 108, 132, 124, 104, 83, 104 and 40; "
        "the coins give 241, 210, 94, 115, 98, 73, 52 and 78.",
        600,
        500,
    ),
]

PHOTOS = ("chelsea", "coins", "camera", "astronaut", "coffee", "rocket")  # scikit-image samples
SIDE, PATCH, STRIDE, WORDS = 128, 8, 4, 8


def _num(v: float, fmt: str = ",.0f") -> str:
    return minus(f"{v:{fmt}}")


def _png(x: float, y: float, w: float, h: float, gray: np.ndarray) -> str:
    from deepbook.figures.png import png
    from deepbook.figures.svg import image

    return image(x, y, w, h, png(np.ascontiguousarray(gray, dtype=np.uint8)))


def _signed(v: np.ndarray, scale: float) -> np.ndarray:
    """Mid-grey for 0, white for +scale and above, black for −scale and below."""
    return np.rint(128 + 127 * np.clip(v / scale, -1, 1))


def digits_pca() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """PCA of scikit-learn's digits as chapter 1 describes it: centre the data, form the
    covariance matrix, take its eigenvectors by decreasing eigenvalue. Returns the mean (64,),
    the components (64, 64) one per row, each signed so its largest-magnitude pixel is
    positive, and each component's share of the total variance (64,)."""
    from sklearn.datasets import load_digits

    x = load_digits().data
    mean = x.mean(axis=0)
    cov = np.cov(x - mean, rowvar=False)
    values, vectors = np.linalg.eigh(cov)
    order = np.argsort(values)[::-1]
    values, comps = np.clip(values[order], 0, None), vectors[:, order].T
    signs = np.sign(comps[np.arange(len(comps)), np.abs(comps).argmax(axis=1)])
    return mean, comps * signs[:, None], values / values.sum()


def eigen_digits(theme: str) -> bytes:
    from deepbook.figures import get

    c = THEME[theme]
    fig = get("eigen-digits")
    mean, comps, shares = digits_pca()
    cumulative = np.cumsum(shares)
    tile, pitch, left, top = 112, 136, 12, 28
    tiles = [("mean digit", np.rint(mean / mean.max() * 255), "1,797 digits")]
    for k in range(7):
        scale = np.abs(comps[k]).max()
        tiles.append((f"component {k + 1}", _signed(comps[k], scale), f"{shares[k]:.1%}"))
    body = []
    for i, (title, pixels, note) in enumerate(tiles):
        x = left + (i % 4) * pitch
        y = top + (i // 4) * 176
        body.append(text(x, y - 9, title, c["fg"], 14, weight="600"))
        body.append(_png(x, y, tile, tile, pixels.reshape(8, 8)))
        body.append(text(x, y + tile + 20, note, c["muted"] if i == 0 else c["fg"], 14))
    need = {p: int(np.searchsorted(cumulative, p / 100)) + 1 for p in (80, 90)}
    y = top + 2 * 176 + 4
    lines = [
        f"Components 1 to 7 together carry {cumulative[6]:.1%} of the variance;",
        f"80% takes {need[80]} of the 64 components, and 90% takes {need[90]}.",
    ]
    for i, s in enumerate(lines):
        body.append(text(left, y + 20 * i, s, c["fg"], 14))
    key = "Components: mid-grey 0, white positive, black negative."
    body.append(text(left, y + 46, key, c["muted"], 13))
    return doc(fig.width, fig.height, body, fig.alt)


def photo(name: str) -> np.ndarray:
    """A sample photo's central square, greyscale, shrunk to 128 × 128, as uint8."""
    from skimage import color, data
    from skimage.transform import resize

    a = getattr(data, name)()
    a = color.rgb2gray(a) * 255 if a.ndim == 3 else a.astype(float)
    h, w = a.shape
    m = min(h, w)
    square = a[(h - m) // 2 : (h - m) // 2 + m, (w - m) // 2 : (w - m) // 2 + m]
    small = resize(square, (SIDE, SIDE), anti_aliasing=True)  # type: ignore[no-untyped-call]
    return np.asarray(np.clip(np.rint(small), 0, 255), dtype=np.uint8)


def patches(img: np.ndarray) -> np.ndarray:
    """Every 8 × 8 patch on a grid 4 pixels apart, one per row (64 numbers), its mean brightness
    removed and its contrast normalised (flat patches stay near 0)."""
    f = img.astype(float)
    p = np.lib.stride_tricks.sliding_window_view(f, (PATCH, PATCH))[::STRIDE, ::STRIDE]
    p = p.reshape(-1, PATCH * PATCH)
    p = p - p.mean(axis=1, keepdims=True)
    return np.asarray(p / (np.linalg.norm(p, axis=1, keepdims=True) + 10 * PATCH))


@cache
def vocabulary() -> tuple[np.ndarray, int]:
    """k-means (k = 8, the best of 4 seeded starts) on the patches of the six photos: the eight
    centres, most used word first, and how many patches they were learned from."""
    from sklearn.cluster import KMeans

    x = np.concatenate([patches(photo(n)) for n in PHOTOS])
    km = KMeans(n_clusters=WORDS, n_init=4, random_state=0).fit(x)
    counts = np.bincount(km.labels_, minlength=WORDS)
    order = np.argsort(-counts, kind="stable")
    centres = km.cluster_centers_[order]
    centres.flags.writeable = False  # cached: shared by every caller
    return centres, len(x)


def word_histogram(img: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """How many of the image's patches are nearest each word."""
    p = patches(img)
    d = ((p[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
    return np.bincount(d.argmin(axis=1), minlength=len(centres))


def visual_words(theme: str) -> bytes:
    from deepbook.figures import get

    c = THEME[theme]
    fig = get("visual-words")
    centres, n_patches = vocabulary()
    shown = (("chelsea", "a cat"), ("coins", "coins"))
    left, photo_size, x0, pitch = 12, 136, 176, 52
    body = [
        text(left, 22, f"{WORDS} visual words", c["fg"], 14, weight="600"),
        text(left, 40, f"k-means on {n_patches:,}", c["muted"], 13),
        text(left, 57, f"patches of {PATCH} × {PATCH} px", c["muted"], 13),
        text(left, 74, f"from {len(PHOTOS)} photos", c["muted"], 13),
    ]
    scale = 0.7 * np.abs(centres).max()
    for k, centre in enumerate(centres):
        x = x0 + k * pitch + 4
        body.append(_png(x, 12, 44, 44, _signed(centre, scale).reshape(PATCH, PATCH)))
        body.append(text(x + 22, 74, str(k + 1), c["muted"], 13, "middle"))
    top = 90
    for row, (name, label) in enumerate(shown):
        y = top + row * 190
        img = photo(name)
        counts = word_histogram(img, centres)
        body.append(text(left, y + 14, f"{label}: {counts.sum():,} patches", c["fg"], 14,
                         weight="600"))  # fmt: skip
        body.append(_png(left, y + 24, photo_size, photo_size, img))
        base, height = y + 24 + photo_size, 112
        body.append(line(x0, base, x0 + WORDS * pitch, base, c["axis"]))
        for k, n in enumerate(counts):
            bh = height * n / counts.max()
            x = x0 + k * pitch + 8
            body.append(
                f'<rect x="{x:.1f}" y="{base - bh:.1f}" width="{pitch - 16:.1f}" '
                f'height="{bh:.1f}" fill="{c["blue"]}"/>'
            )
            body.append(text(x + (pitch - 16) / 2, base - bh - 5, str(n), c["fg"], 13, "middle"))
            body.append(text(x + (pitch - 16) / 2, base + 18, str(k + 1), c["muted"], 13,
                             "middle"))  # fmt: skip
    key = "Bars: how many of the photo's patches are nearest each word."
    body.append(text(left, fig.height - 10, key, c["muted"], 13))
    return doc(fig.width, fig.height, body, fig.alt)
