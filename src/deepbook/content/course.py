"""The shape of the course: the ten chapter slugs in reading order, fixed by the brief."""

from __future__ import annotations

SLUGS: tuple[str, ...] = (
    "why-learning",
    "classical-ml",
    "neurons-and-layers",
    "backpropagation",
    "convolutional-networks",
    "architectures",
    "training-techniques",
    "generative-models",
    "network-playground",
    "connections",
)
