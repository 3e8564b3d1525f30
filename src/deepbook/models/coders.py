"""Chapter 7's autoencoders: a plain autoencoder and a variational one, with the same layers.

`Coder(latent, variational)` is an encoder 784 → 512 → 256 → code and a decoder code → 256 → 512
→ 784, with ReLUs between. The plain autoencoder's encoder outputs the code z itself; the VAE's
outputs a mean μ and a log-variance log σ² per latent dimension (twice the outputs in its last
layer, the only difference in shape), and during training z = μ + σ ⊙ ε. The decoder gives a
probability of ink per pixel: a Bernoulli decoder, so the reconstruction term of the ELBO is the
negative binary cross-entropy summed over the 784 pixels (in nats), and the plain autoencoder is
trained on that same cross-entropy. Only the VAE adds the KL term, in the closed form of the
chapter: ½ Σ_j (μ_j² + σ_j² − 1 − log σ_j²).

The shipped models: `digits_ae` and `digits_vae` (2-D codes, so the latent space is a map) and
`digits_vae16` (16-D, for sharper decodes and the chapter's point about spherical paths).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

PIXELS = 28 * 28
HIDDEN = (512, 256)


class Coder(nn.Module):
    """An autoencoder (variational or not) on 28 × 28 images with a `latent`-D code."""

    def __init__(self, latent: int, variational: bool) -> None:
        super().__init__()
        self.latent, self.variational = latent, variational
        a, b = HIDDEN
        out = 2 * latent if variational else latent
        self.encoder = nn.Sequential(
            nn.Flatten(),
            nn.Linear(PIXELS, a),
            nn.ReLU(),
            nn.Linear(a, b),
            nn.ReLU(),
            nn.Linear(b, out),
        )
        self.decoder = nn.Sequential(
            nn.Linear(latent, b), nn.ReLU(), nn.Linear(b, a), nn.ReLU(), nn.Linear(a, PIXELS)
        )

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(μ, log σ²) for a VAE, (z, None) for a plain autoencoder; x is (N, 1, 28, 28) or
        (N, 784) in [0, 1]."""
        h = self.encoder(x)
        if not self.variational:
            return h, None
        return h[:, : self.latent], h[:, self.latent :]

    def logits(self, z: torch.Tensor) -> torch.Tensor:
        """The decoder's pre-sigmoid outputs, (N, 784)."""
        out: torch.Tensor = self.decoder(z)
        return out

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Images (N, 28, 28) in [0, 1] for codes (N, latent)."""
        return torch.sigmoid(self.logits(z)).view(-1, 28, 28)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The reconstruction from the code (the mean code, for a VAE)."""
        return self.decode(self.encode(x)[0])


def digits_ae() -> Coder:
    return Coder(2, variational=False)


def digits_vae() -> Coder:
    return Coder(2, variational=True)


def digits_vae16() -> Coder:
    return Coder(16, variational=True)


@dataclass(frozen=True)
class Terms:
    """Per-image averages over a batch, in nats. For a plain autoencoder kl is 0 and elbo is
    just the reconstruction term."""

    reconstruction: torch.Tensor  # E_q[log p(x | z)]: minus the summed cross-entropy
    kl: torch.Tensor  # KL(q(z | x) ‖ N(0, I))
    elbo: torch.Tensor  # reconstruction − kl

    @property
    def loss(self) -> torch.Tensor:
        """What training minimises: −ELBO (the cross-entropy alone for a plain autoencoder)."""
        return -self.elbo


def terms(coder: Coder, x: torch.Tensor, eps: torch.Tensor | None = None) -> Terms:
    """The ELBO's two terms on a batch x (N, 1, 28, 28). For a VAE, z = μ + σ ⊙ eps with the given
    noise eps (N, latent), or the mean code μ when eps is None."""
    flat = x.reshape(len(x), PIXELS)
    mu, logvar = coder.encode(x)
    z = mu if logvar is None or eps is None else mu + torch.exp(0.5 * logvar) * eps
    recon = -F.binary_cross_entropy_with_logits(coder.logits(z), flat, reduction="sum") / len(x)
    if logvar is None:
        kl = torch.zeros(())
    else:
        kl = 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum() / len(x)
    return Terms(reconstruction=recon, kl=kl, elbo=recon - kl)


def codes(coder: Coder, images: np.ndarray, batch: int = 1000) -> np.ndarray:
    """The mean codes (N, latent) float64 of uint8 images (N, 28, 28)."""
    x = torch.from_numpy(images.astype(np.float32) / 255.0)
    with torch.no_grad():
        out = [coder.encode(x[i : i + batch])[0] for i in range(0, len(x), batch)]
    return torch.cat(out).double().numpy()
