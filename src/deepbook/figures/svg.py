"""A few SVG pieces for the figures: a document with the theme's colours, text, lines, axes.

Colours are the site's tokens for each theme (the same Okabe–Ito series as the pages), written
into the SVG, because a picture shown with <img> cannot see the page's CSS.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from html import escape

THEME = {
    "light": {
        "fg": "#1f2328", "muted": "#59636e", "grid": "#e4e7eb", "axis": "#8c959f",
        "panel": "#ffffff", "blue": "#0072b2", "orange": "#d55e00", "green": "#009e73",
        "pink": "#cc79a7", "sky": "#56b4e9", "yellow": "#b3a100",
    },
    "dark": {
        "fg": "#e6e6e6", "muted": "#a3abb5", "grid": "#30363d", "axis": "#6e7681",
        "panel": "#1b1f24", "blue": "#5aa9e6", "orange": "#ff9a52", "green": "#3fd0a0",
        "pink": "#e79ccb", "sky": "#9ad4f5", "yellow": "#f0e442",
    },
}  # fmt: skip
FONT = "system-ui, -apple-system, 'Segoe UI', sans-serif"


def doc(width: int, height: int, body: Sequence[str], label: str) -> bytes:
    """An SVG document: a transparent background, `body` elements, a title for tools."""
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" font-family="{FONT}" role="img">'
        f"<title>{escape(label)}</title>"
    )
    return (head + "".join(body) + "</svg>").encode()


def text(x: float, y: float, s: str, fill: str, size: float = 13, anchor: str = "start",
         weight: str = "normal") -> str:  # fmt: skip
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{fill}" '
        f'text-anchor="{anchor}" font-weight="{weight}">{escape(s)}</text>'
    )


def line(x0: float, y0: float, x1: float, y1: float, stroke: str, width: float = 1) -> str:
    return (
        f'<line x1="{x0:.1f}" y1="{y0:.1f}" x2="{x1:.1f}" y2="{y1:.1f}" '
        f'stroke="{stroke}" stroke-width="{width}"/>'
    )


def polyline(points: Sequence[tuple[float, float]], stroke: str, width: float = 2.5,
             dash: str = "") -> str:  # fmt: skip
    pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    extra = f' stroke-dasharray="{dash}"' if dash else ""
    return (
        f'<polyline points="{pts}" fill="none" stroke="{stroke}" stroke-width="{width}" '
        f'stroke-linejoin="round"{extra}/>'
    )


def image(x: float, y: float, w: float, h: float, png: bytes) -> str:
    """A PNG drawn at (x, y), pixels kept sharp."""
    data = base64.b64encode(png).decode()
    return (
        f'<image x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" '
        f'style="image-rendering: pixelated" href="data:image/png;base64,{data}"/>'
    )
