"""Paths through a latent space, and the shell where Gaussian codes live (chapter 7).

- `lerp`: the straight line (1 − t)·z0 + t·z1.
- `slerp`: the arc at constant angular speed, sin((1 − t)θ)/sin θ · z0 + sin(tθ)/sin θ · z1, with
  θ the angle between z0 and z1 (the straight line when they are parallel).
- `shell(d)`: where the length of z ~ N(0, I_d) lies: its mean and the central 95 % interval of
  the chi distribution with d degrees of freedom (‖z‖ ≈ √d, with a spread near 1/√2 for large d).
  ‖z‖²/2 is Gamma(d/2)-distributed, so the chi distribution's CDF is the regularised incomplete
  gamma function P(d/2, r²/2) (torch's), its quantiles solve P = q by bisection, and its mean is
  √2 Γ((d+1)/2) / Γ(d/2) (no scipy: scipy.stats alone would cost the server 0.4 s to import).

Both paths give exactly z0 at t = 0 and exactly z1 at t = 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch


def lerp(z0: np.ndarray, z1: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Points (len(t), d) on the straight line from z0 to z1."""
    t = np.asarray(t, dtype=np.float64)[:, None]
    out: np.ndarray = (1 - t) * z0 + t * z1
    return out


def angle(z0: np.ndarray, z1: np.ndarray) -> float:
    """The angle between two vectors, in radians (0 if either is zero)."""
    n0, n1 = float(np.linalg.norm(z0)), float(np.linalg.norm(z1))
    if n0 == 0 or n1 == 0:
        return 0.0
    return float(np.arccos(np.clip(np.dot(z0, z1) / (n0 * n1), -1.0, 1.0)))


def slerp(z0: np.ndarray, z1: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Points (len(t), d) on the arc from z0 to z1 (the straight line if they are parallel, or
    nearly: θ below 1e-6 rad)."""
    theta = angle(z0, z1)
    s = np.sin(theta)
    if theta < 1e-6 or s < 1e-6:
        return lerp(z0, z1, t)
    t = np.asarray(t, dtype=np.float64)[:, None]
    out: np.ndarray = np.sin((1 - t) * theta) / s * z0 + np.sin(t * theta) / s * z1
    return out


@dataclass(frozen=True)
class Shell:
    """Where ‖z‖ lies for z ~ N(0, I_d)."""

    dims: int
    mean: float
    low: float  # 2.5 % of draws are shorter
    high: float  # 2.5 % are longer

    def share_below(self, r: float) -> float:
        """The probability that a draw is shorter than r."""
        return _gammainc(self.dims / 2, r * r / 2)


def _gammainc(a: float, x: float) -> float:
    """The regularised lower incomplete gamma function P(a, x)."""
    return float(
        torch.special.gammainc(
            torch.tensor(a, dtype=torch.float64), torch.tensor(x, dtype=torch.float64)
        )
    )


def _gammainc_inverse(a: float, q: float) -> float:
    """The x with P(a, x) = q, by bisection (P rises from 0 to 1 in x) to float64 precision."""
    lo, hi = 0.0, a + 20 * math.sqrt(a) + 40  # P(a, hi) = 1 to double precision
    for _ in range(200):
        mid = (lo + hi) / 2
        if mid in (lo, hi):
            break
        lo, hi = (mid, hi) if _gammainc(a, mid) < q else (lo, mid)
    return (lo + hi) / 2


def shell(dims: int) -> Shell:
    """The chi distribution's mean and central 95 % interval for d = dims."""
    lo, hi = (math.sqrt(2 * _gammainc_inverse(dims / 2, q)) for q in (0.025, 0.975))
    mean = math.sqrt(2) * math.exp(math.lgamma((dims + 1) / 2) - math.lgamma(dims / 2))
    return Shell(dims, mean, lo, hi)
