"""PCA of scikit-learn's 8×8 digits (1,797 images, pixels 0–16) by SVD, fitted once.

Pearson (1901): the directions of largest variance are the right singular vectors of the centred
data. Used by `sims/unsupervised.py`: `fit_digits()` in setup, then `Digits.reconstruct(i, m)`.
"""

from __future__ import annotations

import gzip
import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

Floats = NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class Digits:
    """The digits and their principal components; every array is read-only."""

    images: Floats  # (N, 64) pixel values 0–16
    labels: NDArray[np.uint8]  # (N,) true class
    mean: Floats  # (64,)
    basis: Floats  # (64, 64) unit components, rows in order of decreasing variance
    ratios: Floats  # (64,) share of the total variance along each component
    cumulative: Floats  # (65,) cumulative[m] = share carried by the first m components
    scores: Floats  # (N, 64) coordinates of every digit on every component

    def reconstruct(self, i: int, m: int) -> Floats:
        """Digit i rebuilt from the mean and its first m coordinates, (64,)."""
        return self.mean + self.scores[i, :m] @ self.basis[:m]


def digits_file() -> Path:
    """scikit-learn's copy of the UCI digits (`load_digits` reads it), found without importing
    scikit-learn: the server does not load it (sims/fitting.py's workers do)."""
    spec = importlib.util.find_spec("sklearn")
    if spec is None or spec.origin is None:
        raise FileNotFoundError("scikit-learn is not installed: it ships the digits data")
    return Path(spec.origin).parent / "datasets" / "data" / "digits.csv.gz"


def fit_digits() -> Digits:
    """Load the digits (bundled with scikit-learn, no network) and fit a full PCA."""
    with gzip.open(digits_file()) as f:
        table = np.loadtxt(f, delimiter=",")  # 64 pixel columns, then the class
    images = table[:, :-1]
    labels = table[:, -1].astype(np.uint8)
    mean = images.mean(axis=0)
    _, s, vt = np.linalg.svd(images - mean, full_matrices=False)
    # scikit-learn's sign convention: each component's largest-magnitude entry is positive
    signs = np.sign(vt[np.arange(len(vt)), np.argmax(np.abs(vt), axis=1)])
    basis = vt * signs[:, None]
    variance = s**2 / (len(images) - 1)
    ratios = variance / variance.sum()
    cumulative = np.concatenate([[0.0], np.cumsum(ratios)])
    scores = (images - mean) @ basis.T
    out = Digits(images, labels, mean, basis, ratios, cumulative, scores)
    for a in (images, labels, mean, basis, ratios, cumulative, scores):
        a.flags.writeable = False
    return out
