"""The course's trained models: data sets, networks, recipes, and the shipped weights and cards.

`MODELS` names every model `deepbook train NAME` can train; the trained weights and cards ship in
`models/shipped/` and are loaded by the server at start (`models.shipped`).
"""

from __future__ import annotations

from deepbook.models.train import Recipe


def coder(name: str, title: str, latent: int, variational: bool, target: float) -> Recipe:
    """One of chapter 7's autoencoders: all three share the data, the layers (but the code's
    size) and the training budget; `target` is the held-out squared error per pixel to beat."""
    return Recipe(
        name=name,
        title=title,
        net="coder",
        data="mnist",
        epochs=80,
        batch=128,
        lr=1e-3,
        augment=0.0,
        latent=latent,
        variational=variational,
        target=target,
    )


MODELS = {
    "digits_cnn": Recipe(
        name="digits_cnn",
        title="Digits CNN: conv → ReLU → pool → conv → ReLU → pool → fully connected",
        net="digits_cnn",
        data="mnist",
        epochs=30,
        target=0.985,
        hierarchy=True,
    ),
    "fashion_cnn": Recipe(
        name="fashion_cnn",
        title="Clothing CNN: four conv blocks and a fully connected layer",
        net="fashion_cnn",
        data="fashion",
        epochs=12,
        batch=128,
        augment=0.5,
        target=0.90,
        hierarchy=True,
    ),
    "digits_ae": coder("digits_ae", "Digits autoencoder with a 2-D code", 2, False, 0.06),
    "digits_vae": coder(
        "digits_vae", "Digits variational autoencoder with a 2-D code", 2, True, 0.06
    ),
    "digits_vae16": coder(
        "digits_vae16", "Digits variational autoencoder with a 16-D code", 16, True, 0.04
    ),
}
