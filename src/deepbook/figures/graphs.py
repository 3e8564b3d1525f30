"""Chapter 3's computational graph of a small loss, with every forward value and every gradient
computed by PyTorch's autograd (not written by hand)."""

from __future__ import annotations

import torch

from deepbook.figures import get
from deepbook.figures.svg import THEME, doc, line, text

W, X, B, Y = 2.0, 3.0, 1.0, 4.0


def values() -> dict[str, tuple[float, float]]:
    """Each node's forward value and ∂L/∂node, from autograd, for L = (w·x + b − y)²."""
    w, x, b, y = (torch.tensor(v, requires_grad=True) for v in (W, X, B, Y))
    u = w * x
    v = u + b
    r = v - y
    loss = r**2
    for t in (u, v, r):
        t.retain_grad()
    loss.backward()  # type: ignore[no-untyped-call]
    out = {}
    for name, t in (("w", w), ("x", x), ("b", b), ("y", y), ("u = w·x", u), ("v = u + b", v),
                    ("r = v − y", r)):  # fmt: skip
        assert t.grad is not None
        out[name] = (float(t.detach()), float(t.grad))
    out["L = r²"] = (float(loss.detach()), 1.0)
    return out


def computational_graph(theme: str) -> bytes:
    c = THEME[theme]
    fig = get("computational-graph")
    vals = values()
    pos = {
        "w": (70, 60), "x": (70, 150), "b": (250, 200), "y": (420, 200),
        "u = w·x": (250, 100), "v = u + b": (420, 100), "r = v − y": (570, 100),
        "L = r²": (670, 100),
    }  # fmt: skip
    edges = [("w", "u = w·x"), ("x", "u = w·x"), ("u = w·x", "v = u + b"), ("b", "v = u + b"),
             ("v = u + b", "r = v − y"), ("y", "r = v − y"), ("r = v − y", "L = r²")]  # fmt: skip
    body = []
    for a, b in edges:
        (x0, y0), (x1, y1) = pos[a], pos[b]
        body.append(line(x0, y0, x1, y1, c["axis"], 1.5))
    for name, (x, y) in pos.items():
        v, g = vals[name]
        body.append(
            f'<rect x="{x - 52}" y="{y - 26}" width="104" height="52" rx="8" '
            f'fill="{c["panel"]}" stroke="{c["fg"]}" stroke-width="1.5"/>'
        )
        body.append(text(x, y - 8, name, c["fg"], 13, "middle", "600"))
        body.append(text(x, y + 8, f"= {v:g}".replace("-", "−"), c["blue"], 12, "middle"))
        grad = f"∂L/∂· = {g:g}".replace("-", "−")
        body.append(text(x, y + 21, grad, c["orange"], 11, "middle"))
    body.append(text(12, 252, "blue: forward values; orange: gradients of L, from autograd",
                     c["muted"], 12))  # fmt: skip
    return doc(fig.width, fig.height, body, fig.alt)
