"""A few SVG pieces for the figures: a document with the theme's colours, text, lines, axes.

Colours are the site's tokens for each theme (the same Okabe–Ito series as the pages), written
into the SVG, because a picture shown with <img> cannot see the page's CSS.
"""

from __future__ import annotations

import base64
import math
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


def box(x: float, y: float, w: float, h: float, stroke: str, fill: str, width: float = 1.5,
        rx: float = 7) -> str:  # fmt: skip
    """A rounded rectangle."""
    return (
        f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" rx="{rx:g}" '
        f'fill="{fill}" stroke="{stroke}" stroke-width="{width:g}"/>'
    )


def arrow(x0: float, y0: float, x1: float, y1: float, colour: str, width: float = 1.5,
          head: float = 8.0) -> str:  # fmt: skip
    """A line with a filled triangular head `head` long at (x1, y1)."""
    dx, dy = x1 - x0, y1 - y0
    n = math.hypot(dx, dy) or 1.0
    ux, uy = dx / n, dy / n
    b = 4.5  # the head's half-width
    bx, by = x1 - head * ux, y1 - head * uy
    tip = (
        f'<polygon points="{x1:.1f},{y1:.1f} {bx - b * uy:.1f},{by + b * ux:.1f} '
        f'{bx + b * uy:.1f},{by - b * ux:.1f}" fill="{colour}"/>'
    )
    return line(x0, y0, bx, by, colour, width) + tip


def dims(shape: Sequence[int]) -> str:
    """A tensor shape as the text writes it: 64 × 56 × 56."""
    return " × ".join(str(v) for v in shape)


def minus(s: str) -> str:
    """A typographic minus sign for every hyphen-minus."""
    return s.replace("-", "−")


SUPER = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def number(v: float) -> str:
    """As the text writes numbers: 0, 0.358, 3,325, 9.5 × 10⁻⁷."""
    if v == 0:
        return "0"
    if 1e-3 <= abs(v) < 1e5:
        return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3g}"
    mantissa, exponent = f"{v:.1e}".split("e")
    return f"{mantissa} × 10{str(int(exponent)).translate(SUPER)}"
