"""Figures of chapter 0 (why learning)."""

from __future__ import annotations

from deepbook.figures import Figure

CATALOG: list[Figure] = []
