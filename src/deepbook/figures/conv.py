"""Figures of chapter 4 (convolutional networks)."""

from __future__ import annotations

from deepbook.figures import Figure

CATALOG: list[Figure] = []
