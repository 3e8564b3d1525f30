"""Chapter 7's forward diffusion on a real held-out digit: DDPM's linear schedule (β from 10⁻⁴
to 0.02 over 1,000 steps), x_t = √ᾱ_t x₀ + √(1 − ᾱ_t) ε with one seeded ε."""

from __future__ import annotations

import numpy as np

from deepbook.figures import figure
from deepbook.figures.svg import THEME, doc, image, text

CATALOG = [
    figure(
        "forward-diffusion",
        "diffusion",
        "A held-out MNIST digit under DDPM's forward process at steps 0, 100, 250, 500, 750 "
        "and 1000: the digit fades into Gaussian noise, with the image weight √ᾱ and noise "
        "weight √(1 − ᾱ) printed under each.",
        720,
        190,
    ),
]

STEPS = (0, 100, 250, 500, 750, 1000)


def alpha_bar(t: int, T: int = 1000) -> float:
    """ᾱ_t = ∏_{s ≤ t} (1 − β_s) for β rising linearly from 1e-4 to 0.02 (ᾱ_0 = 1)."""
    betas = np.linspace(1e-4, 0.02, T)
    return float(np.prod(1 - betas[:t]))


def forward_diffusion(theme: str) -> bytes:
    from deepbook.figures import get
    from deepbook.figures.png import png
    from deepbook.models import shipped

    c = THEME[theme]
    fig = get("forward-diffusion")
    model = shipped.load("digits_cnn")
    x0 = model.images[3].astype(np.float64) / 255 * 2 - 1  # a held-out digit, scaled to [−1, 1]
    eps = np.random.default_rng(0).standard_normal(x0.shape)
    body = []
    size, gap = 96, 24
    left = (fig.width - len(STEPS) * size - (len(STEPS) - 1) * gap) / 2
    for i, t in enumerate(STEPS):
        a = alpha_bar(t)
        xt = np.sqrt(a) * x0 + np.sqrt(1 - a) * eps
        pixels = np.clip((xt + 1) / 2 * 255, 0, 255).round().astype(np.uint8)
        x = left + i * (size + gap)
        body.append(image(x, 8, size, size, png(pixels)))
        body.append(text(x + size / 2, size + 28, f"t = {t}", c["fg"], 13, "middle", "600"))
        body.append(
            text(x + size / 2, size + 46, f"√ᾱ = {np.sqrt(a):.3f}", c["blue"], 12, "middle")
        )
        body.append(
            text(
                x + size / 2, size + 62, f"√(1−ᾱ) = {np.sqrt(1 - a):.3f}", c["orange"], 12, "middle"
            )
        )
    return doc(fig.width, fig.height, body, fig.alt)
