"""Figures computed by real code: each chapter's pictures, drawn on the server, never by hand.

A chapter places one with `::: figure <id>` (its body is the caption). `FIGURES` names every
figure: its alt text, its size and the function that draws it, imported only when the figure is
first asked for (`/figures/<id>-<theme>.<ext>`, cached by the server), so importing this package
costs nothing. A figure function takes the theme ("light" or "dark") and returns the SVG or PNG
bytes; every number printed in a figure is computed by that function.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

THEMES = ("light", "dark")


@dataclass(frozen=True)
class Figure:
    """One figure: where its drawing function lives, what it shows (alt text) and its size."""

    id: str
    module: str  # deepbook.figures.<module>
    function: str
    alt: str
    kind: Literal["svg", "png"]
    width: int
    height: int

    @property
    def ext(self) -> str:
        return self.kind

    @property
    def media_type(self) -> str:
        return "image/svg+xml" if self.kind == "svg" else "image/png"

    def draw(self, theme: str) -> bytes:
        """The figure's bytes in a theme."""
        if theme not in THEMES:
            raise ValueError(f"theme must be one of {', '.join(THEMES)}, got {theme!r}")
        fn: Callable[[str], bytes] = getattr(
            importlib.import_module(f"deepbook.figures.{self.module}"), self.function
        )
        return fn(theme)


def _fig(id: str, module: str, alt: str, width: int, height: int, kind: str = "svg") -> Figure:
    assert kind in ("svg", "png")
    return Figure(id, module, id.replace("-", "_"), alt, kind, width, height)  # type: ignore[arg-type]


FIGURES = {
    f.id: f
    for f in [
        _fig(
            "activation-curves",
            "plots",
            "Four activation functions plotted for z from −4 to 4: sigmoid rises from 0 to 1, "
            "tanh from −1 to 1, ReLU is 0 for negative z and equals z above 0, and GELU follows "
            "ReLU closely but dips slightly below 0 for negative z near −0.75.",
            640,
            340,
        ),
        _fig(
            "computational-graph",
            "graphs",
            "The computational graph of chapter 3's worked example: inputs x = 2, w₁ = 0.5, "
            "b = −0.5, w₂ = 3 and target t = 1 feed z = w₁x + b = 0.5, h = ReLU(z) = 0.5, "
            "s = w₂h = 1.5 and L = ½(s − t)² = 0.125. Under each box, the gradient of L computed "
            "by PyTorch's autograd: 3 for w₁, 1.5 for b and z and h, 0.25 for w₂, 0.5 for s.",
            780,
            280,
        ),
        _fig(
            "forward-diffusion",
            "diffusion",
            "A held-out MNIST digit under DDPM's forward process at steps 0, 100, 250, 500, 750 "
            "and 1000: the digit fades into Gaussian noise, with the image weight √ᾱ and noise "
            "weight √(1 − ᾱ) printed under each.",
            720,
            190,
        ),
        _fig(
            "two-spirals",
            "plots",
            "The playground's two-spirals data set: 500 points in two interleaved spirals of "
            "orange and blue, each arm turning 1.25 times around the centre, as the playground "
            "draws them at its defaults.",
            360,
            360,
        ),
    ]
}


def get(figure_id: str) -> Figure:
    """The figure with this id (KeyError if there is none)."""
    return FIGURES[figure_id]
