"""Figures of chapter 6 (training techniques), and chapter 7's autoencoder reconstructions.

- `augmented-copies`: one real photograph (scikit-image's Chelsea the cat, in grey) and five
  augmented copies drawn with a seeded generator: a mirror image, a random resized crop, a small
  rotation, a brightness and contrast jitter, and all of them at once.
- `overfitting-curves`: a small network trained inside the figure, deterministically, on 200 of
  scikit-learn's 8×8 digits, each label replaced by a wrong one with probability 0.2; its
  training and validation losses per epoch, and the epoch early stopping would keep.
- `autoencoder-reconstructions`: held-out MNIST digits and what the shipped autoencoder and VAE
  (2-D codes) rebuild from them, with the mean squared error over all held-out digits.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np

from deepbook.figures import figure
from deepbook.figures.svg import THEME, doc, image, line, polyline, text

CATALOG = [
    figure(
        "augmented-copies",
        "training",
        "A photograph of a tabby cat's face in grey and five randomly augmented copies made "
        "with a fixed seed: its mirror image; a random crop of 45% of the photo's area "
        "stretched back to full size; the photo rotated 16.7 degrees clockwise, with black "
        "corners; brightness scaled by 1.38 and contrast by 1.05; and a flip, crop, rotation "
        "and jitter applied together. The cat is recognisable in every copy.",
        720,
        420,
    ),
    figure(
        "overfitting-curves",
        "training",
        "Training and validation loss per epoch for a network with one hidden layer of 128 ReLU "
        "units, trained on 200 of scikit-learn's 8×8 digits, 47 of them with a wrong label, and "
        "validated on the other 1,597. The training loss falls from 2.17 to 0.03 over 80 "
        "epochs. The validation loss reaches its lowest, 0.63, at epoch 19, marked, then climbs "
        "to 1.11; validation accuracy falls from 80.2% there to 69.5% at epoch 80.",
        680,
        360,
    ),
    figure(
        "autoencoder-reconstructions",
        "training",
        "Ten held-out MNIST digits, 0 to 9, in the top row; below them their reconstructions "
        "by the shipped autoencoder and by the variational autoencoder, both with a code of "
        "only 2 numbers. The reconstructions are blurred, typical versions of the digits; both "
        "models turn the 4 into something like a 9 and the 9 into a 7. Mean squared error per "
        "pixel over all 2,000 held-out digits: 0.041 for each model.",
        720,
        250,
    ),
]


# ---------------------------------------------------------------------------------------------
# Augmentation


AUGMENT_SEED = 18


def cat() -> np.ndarray:
    """Chelsea in grey, 150 × 225, uint8: scikit-image's photo, its 300 × 450 top-left part
    averaged over 2 × 2 blocks."""
    from skimage import data
    from skimage.color import rgb2gray

    grey = rgb2gray(data.chelsea())[:300, :450]  # type: ignore[no-untyped-call]
    small = grey.reshape(150, 2, 225, 2).mean(axis=(1, 3))
    out: np.ndarray = np.clip(np.round(small * 255), 0, 255).astype(np.uint8)
    return out


def crop(x: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """The window (top, left, height, width) of x, resized back to x's size (bilinear)."""
    from skimage.transform import resize

    top, left, h, w = box
    window = x[top : top + h, left : left + w].astype(np.float64)
    out = resize(window, x.shape, order=1)  # type: ignore[no-untyped-call]
    return to_uint8(out)


def rotate(x: np.ndarray, degrees: float) -> np.ndarray:
    """x rotated anticlockwise about its centre (bilinear), black where no pixel lands."""
    from skimage.transform import rotate as sk_rotate

    out = sk_rotate(  # type: ignore[no-untyped-call]
        x.astype(np.float64), degrees, order=1, mode="constant", cval=0.0
    )
    return to_uint8(out)


def jitter(x: np.ndarray, brightness: float, contrast: float) -> np.ndarray:
    """Brightness scales every pixel; contrast then scales the distance from the mean grey."""
    y = np.clip(x.astype(np.float64) * brightness, 0, 255)
    y = np.clip(y.mean() + contrast * (y - y.mean()), 0, 255)
    return to_uint8(y)


def turn(degrees: float) -> str:
    """How a rotation by `degrees` (anticlockwise when positive) reads."""
    return f"{abs(degrees):.1f}° " + ("anticlockwise" if degrees > 0 else "clockwise")


def to_uint8(x: np.ndarray) -> np.ndarray:
    out: np.ndarray = np.clip(np.round(x), 0, 255).astype(np.uint8)
    return out


def draw_crop(rng: np.random.Generator, shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    """A random window as torchvision's RandomResizedCrop draws one: 8% to 100% of the area,
    aspect ratio between 3/4 and 4/3 (log-uniform), retried until it fits."""
    h, w = shape
    while True:
        area = rng.uniform(0.08, 1.0) * h * w
        ratio = float(np.exp(rng.uniform(np.log(3 / 4), np.log(4 / 3))))
        cw, ch = round(np.sqrt(area * ratio)), round(np.sqrt(area / ratio))
        if 0 < cw <= w and 0 < ch <= h:
            return int(rng.integers(0, h - ch + 1)), int(rng.integers(0, w - cw + 1)), ch, cw


def augmentations(seed: int = AUGMENT_SEED) -> list[tuple[str, str, np.ndarray, dict[str, Any]]]:
    """The figure's six pictures: (title, detail, uint8 image, parameters drawn)."""
    rng = np.random.default_rng(seed)
    x = cat()
    box = draw_crop(rng, x.shape)
    angle = float(rng.uniform(-20, 20))
    b, c = (float(v) for v in rng.uniform(0.6, 1.4, size=2))
    area = box[2] * box[3] / x.size
    box2 = draw_crop(rng, x.shape)
    angle2 = float(rng.uniform(-20, 20))
    b2, c2 = (float(v) for v in rng.uniform(0.6, 1.4, size=2))
    both = jitter(rotate(crop(np.fliplr(x), box2), angle2), b2, c2)
    return [
        ("original", "150 × 225 pixels", x, {}),
        ("horizontal flip", "mirror image", np.fliplr(x).copy(), {}),
        ("random crop", f"{area:.0%} of the area, resized", crop(x, box), {"box": box}),
        ("rotation", turn(angle), rotate(x, angle), {"angle": angle}),
        ("brightness, contrast", f"×{b:.2f}, ×{c:.2f}", jitter(x, b, c), {"b": b, "c": c}),
        ("all at once", "flip, crop, rotate, jitter", both,
         {"box": box2, "angle": angle2, "b": b2, "c": c2}),
    ]  # fmt: skip


def augmented_copies(theme: str) -> bytes:
    from deepbook.figures import get
    from deepbook.figures.png import png

    c = THEME[theme]
    fig = get("augmented-copies")
    body = []
    tw, th, gap = 225, 150, 22
    left = (fig.width - 3 * tw - 2 * gap) / 2
    for i, (title, detail, pixels, _) in enumerate(augmentations()):
        x = left + (i % 3) * (tw + gap)
        y = 6 + (i // 3) * (th + 58)
        body.append(image(x, y, tw, th, png(pixels)))
        body.append(text(x + tw / 2, y + th + 20, title, c["fg"], 14, "middle", "600"))
        body.append(text(x + tw / 2, y + th + 38, detail, c["muted"], 13, "middle"))
    return doc(fig.width, fig.height, body, fig.alt)


# ---------------------------------------------------------------------------------------------
# Overfitting


TRAIN, NOISE, EPOCHS, HIDDEN, BATCH, LR = 200, 0.2, 80, 128, 20, 0.05


@lru_cache(maxsize=1)
def overfit_run() -> dict[str, Any]:
    """Train the figure's network (seeded, about a second on one CPU thread) and record, per
    epoch, the training loss (on the noisy labels it learns from), the validation loss and the
    validation accuracy (on true labels). Also returns the final network's validation
    probabilities and the data, for checking."""
    import torch
    import torch.nn.functional as F
    from sklearn.datasets import load_digits
    from torch import nn

    digits = load_digits()
    xs = digits.data.astype(np.float32) / 16
    ys = digits.target.astype(np.int64)
    rng = np.random.default_rng(0)
    order = rng.permutation(len(xs))
    tr, va = order[:TRAIN], order[TRAIN:]
    noisy = ys[tr].copy()
    wrong = rng.random(TRAIN) < NOISE
    noisy[wrong] = (noisy[wrong] + rng.integers(1, 10, int(wrong.sum()))) % 10
    torch.manual_seed(0)
    net = nn.Sequential(nn.Linear(64, HIDDEN), nn.ReLU(), nn.Linear(HIDDEN, 10))
    opt = torch.optim.SGD(net.parameters(), lr=LR, momentum=0.9)
    xt, yt = torch.from_numpy(xs[tr]), torch.from_numpy(noisy)
    xv, yv = torch.from_numpy(xs[va]), torch.from_numpy(ys[va])
    shuffle = torch.Generator().manual_seed(0)
    train_loss, val_loss, val_acc = [], [], []
    for _ in range(EPOCHS):
        for idx in torch.split(torch.randperm(TRAIN, generator=shuffle), BATCH):
            opt.zero_grad()
            F.cross_entropy(net(xt[idx]), yt[idx]).backward()  # type: ignore[no-untyped-call]
            opt.step()
        with torch.no_grad():
            train_loss.append(F.cross_entropy(net(xt), yt).item())
            out = net(xv)
            val_loss.append(F.cross_entropy(out, yv).item())
            val_acc.append((out.argmax(1) == yv).double().mean().item())
    with torch.no_grad():
        probs = torch.softmax(net(xv).double(), 1).numpy()
    return {
        "train_loss": np.array(train_loss), "val_loss": np.array(val_loss),
        "val_acc": np.array(val_acc), "wrong": int(wrong.sum()), "validation": len(va),
        "val_probs": probs, "val_labels": ys[va],
    }  # fmt: skip


def overfitting_curves(theme: str) -> bytes:
    from deepbook.figures import get

    c = THEME[theme]
    fig = get("overfitting-curves")
    w, h = fig.width, fig.height
    run = overfit_run()
    tl, vl, acc = run["train_loss"], run["val_loss"], run["val_acc"]
    best = int(np.argmin(vl))  # index; epoch best + 1
    left, right, top, bottom = 52, 20, 34, 46
    ymax = float(np.ceil(max(tl.max(), vl.max()) * 2) / 2)

    def X(epoch: float) -> float:
        return left + (epoch - 1) / (EPOCHS - 1) * (w - left - right)

    def Y(v: float) -> float:
        return top + (ymax - v) / ymax * (h - top - bottom)

    body = []
    for t in np.arange(0, ymax + 1e-9, 0.5):
        body.append(line(X(1), Y(t), X(EPOCHS), Y(t), c["grid"]))
        body.append(text(left - 8, Y(t) + 4, f"{t:g}", c["muted"], 12, "end"))
    for e in (1, 20, 40, 60, 80):
        body.append(line(X(e), Y(0), X(e), Y(0) + 5, c["axis"]))
        body.append(text(X(e), Y(0) + 20, str(e), c["muted"], 12, "middle"))
    body.append(line(X(1), Y(0), X(EPOCHS), Y(0), c["axis"]))
    body.append(text(X(EPOCHS), h - 6, "epoch", c["fg"], 13, "end"))
    body.append(text(left - 8, top - 16, "loss", c["fg"], 13, "end"))
    epochs = range(1, EPOCHS + 1)
    body.append(polyline([(X(e), Y(v)) for e, v in zip(epochs, vl, strict=True)], c["orange"], 2.5))
    body.append(polyline([(X(e), Y(v)) for e, v in zip(epochs, tl, strict=True)], c["blue"], 2.5))
    bx, by = X(best + 1), Y(float(vl[best]))
    body.append(polyline([(bx, Y(0)), (bx, Y(ymax))], c["muted"], 1.5, "5 4"))
    body.append(f'<circle cx="{bx:.1f}" cy="{by:.1f}" r="5.5" fill="{c["orange"]}"/>')
    body.append(
        text(bx + 8, Y(ymax) + 14, f"lowest validation loss {vl[best]:.2f} at epoch {best + 1}",
             c["fg"], 13)
    )  # fmt: skip
    body.append(
        text(bx + 8, Y(ymax) + 31, f"validation accuracy {acc[best]:.1%} there, "
             f"{acc[-1]:.1%} at epoch {EPOCHS}", c["muted"], 13)
    )  # fmt: skip
    body.append(
        text(X(EPOCHS), Y(float(vl[-1])) - 10, f"validation {vl[-1]:.2f}", c["orange"], 13, "end")
    )
    body.append(
        text(X(EPOCHS), Y(float(tl[-1])) - 10, f"training {tl[-1]:.2f}", c["blue"], 13, "end")
    )
    return doc(w, h, body, fig.alt)


# ---------------------------------------------------------------------------------------------
# Chapter 7: autoencoder reconstructions


CODERS = (("digits_ae", "autoencoder"), ("digits_vae", "VAE"))


def reconstructions() -> tuple[np.ndarray, dict[str, tuple[np.ndarray, float]]]:
    """The first held-out digit of each class 0–9 (uint8), and for each shipped coder its
    reconstructions of them (uint8) and its mean squared error per pixel, in [0, 1] units, over
    all held-out digits (the VAE decodes its mean code)."""
    import torch

    from deepbook.models import shipped

    sample = shipped.load("digits_cnn")
    images, labels = sample.images, sample.labels
    picks = np.array([int(np.flatnonzero(labels == k)[0]) for k in range(10)])
    x = torch.from_numpy(images.astype(np.float32) / 255)
    out = {}
    for name, _ in CODERS:
        coder = shipped.load(name).coder
        with torch.no_grad():
            rebuilt = coder.decode(coder.encode(x)[0])
        mse = float(((rebuilt - x) ** 2).mean())
        out[name] = (to_uint8(rebuilt[picks].numpy() * 255), mse)
    return images[picks], out


def autoencoder_reconstructions(theme: str) -> bytes:
    from deepbook.figures import get
    from deepbook.figures.png import png

    c = THEME[theme]
    fig = get("autoencoder-reconstructions")
    originals, rebuilt = reconstructions()
    size, gap, left = 52, 6, 142
    rows = [("held-out", "digits", "", originals)]
    for name, label in CODERS:
        pixels, mse = rebuilt[name]
        rows.append((label, "2-D code", f"error {mse:.3f}", pixels))
    body = []
    for r, (title, sub, score, pixels) in enumerate(rows):
        y = 8 + r * (size + 28)
        body.append(text(left - 14, y + 17, title, c["fg"], 14, "end", "600"))
        body.append(text(left - 14, y + 34, sub, c["muted"], 13, "end"))
        if score:
            body.append(text(left - 14, y + 51, score, c["orange"], 13, "end"))
        for i in range(10):
            body.append(image(left + i * (size + gap), y, size, size, png(pixels[i])))
    return doc(fig.width, fig.height, body, fig.alt)
