"""Figures of chapter 1 (classical ML)."""

from __future__ import annotations

from deepbook.figures import Figure

CATALOG: list[Figure] = []
