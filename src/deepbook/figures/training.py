"""Figures of chapter 6 (training techniques)."""

from __future__ import annotations

from deepbook.figures import Figure

CATALOG: list[Figure] = []
