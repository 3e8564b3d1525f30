"""Figures of chapter 9 (connections)."""

from __future__ import annotations

from deepbook.figures import Figure

CATALOG: list[Figure] = []
