"""Figures of chapter 5 (architectures)."""

from __future__ import annotations

from deepbook.figures import Figure

CATALOG: list[Figure] = []
