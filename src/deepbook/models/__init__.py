"""The course's trained models: data sets, networks, recipes, and the shipped weights and cards.

`MODELS` names every model `deepbook train NAME` can train; the trained weights and cards ship in
`models/shipped/` and are loaded by the server at start (`models.shipped`).
"""

from __future__ import annotations

from deepbook.models.train import Recipe

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
}
