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


def figure(id: str, module: str, alt: str, width: int, height: int, kind: str = "svg") -> Figure:
    """A catalogue entry: the drawing function is `<module>.<id with _ for ->`."""
    assert kind in ("svg", "png"), kind
    return Figure(id, module, id.replace("-", "_"), alt, kind, width, height)  # type: ignore[arg-type]


# Each module declares its figures in a `CATALOG` list at its top and keeps its imports light
# (numpy at most): PyTorch, scikit-learn and the models are imported inside the functions.
MODULES = ("plots", "graphs", "diffusion", "vision", "classical", "conv", "architectures",
           "training", "connections")  # fmt: skip


def _catalogue() -> dict[str, Figure]:
    out: dict[str, Figure] = {}
    for name in MODULES:
        for fig in importlib.import_module(f"deepbook.figures.{name}").CATALOG:
            if fig.id in out:
                raise ValueError(f"figure {fig.id!r} is declared twice")
            out[fig.id] = fig
    return out


FIGURES = _catalogue()


def get(figure_id: str) -> Figure:
    """The figure with this id (KeyError if there is none)."""
    return FIGURES[figure_id]
