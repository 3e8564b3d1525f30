"""Chapter 3's computational graph of a small loss, with every forward value and every gradient
computed by PyTorch's autograd (not written by hand)."""

from __future__ import annotations

from deepbook.figures import figure
from deepbook.figures.svg import THEME, doc, line, text

CATALOG = [
    figure(
        "computational-graph",
        "graphs",
        "The computational graph of chapter 3's worked example: inputs x = 2, w₁ = 0.5, "
        "b = −0.5, w₂ = 3 and target t = 1 feed z = w₁x + b = 0.5, h = ReLU(z) = 0.5, "
        "s = w₂h = 1.5 and L = ½(s − t)² = 0.125. Under each box, the gradient of L computed "
        "by PyTorch's autograd: 3 for w₁, 1.5 for b and z and h, 0.25 for w₂, 0.5 for s.",
        780,
        280,
    ),
]

X, T, W1, B, W2 = 2.0, 1.0, 0.5, -0.5, 3.0  # chapter 3's worked example


def values() -> dict[str, tuple[float, float]]:
    """Each node's forward value and ∂L/∂node, from autograd, for chapter 3's worked example:
    z = w₁x + b, h = ReLU(z), s = w₂h, L = ½(s − t)²."""
    import torch

    x, t, w1, b, w2 = (torch.tensor(v, requires_grad=True) for v in (X, T, W1, B, W2))
    z = w1 * x + b
    h = torch.relu(z)
    s = w2 * h
    loss = 0.5 * (s - t) ** 2
    for node in (z, h, s):
        node.retain_grad()
    loss.backward()  # type: ignore[no-untyped-call]
    out = {}
    named = (("x", x), ("w₁", w1), ("b", b), ("z = w₁x + b", z), ("h = ReLU(z)", h),
             ("w₂", w2), ("s = w₂h", s), ("t", t))  # fmt: skip
    for name, node in named:
        assert node.grad is not None
        out[name] = (float(node.detach()), float(node.grad))
    out["L = ½(s − t)²"] = (float(loss.detach()), 1.0)
    return out


def computational_graph(theme: str) -> bytes:
    from deepbook.figures import get

    c = THEME[theme]
    fig = get("computational-graph")
    vals = values()
    pos = {
        "x": (70, 50), "w₁": (70, 135), "b": (70, 220), "z = w₁x + b": (235, 135),
        "h = ReLU(z)": (395, 135), "w₂": (395, 220), "s = w₂h": (550, 135), "t": (550, 220),
        "L = ½(s − t)²": (700, 135),
    }  # fmt: skip
    edges = [("x", "z = w₁x + b"), ("w₁", "z = w₁x + b"), ("b", "z = w₁x + b"),
             ("z = w₁x + b", "h = ReLU(z)"), ("h = ReLU(z)", "s = w₂h"), ("w₂", "s = w₂h"),
             ("s = w₂h", "L = ½(s − t)²"), ("t", "L = ½(s − t)²")]  # fmt: skip
    body = []
    for a, b in edges:
        (x0, y0), (x1, y1) = pos[a], pos[b]
        body.append(line(x0, y0, x1, y1, c["axis"], 1.5))
    for name, (x, y) in pos.items():
        v, g = vals[name]
        body.append(
            f'<rect x="{x - 60}" y="{y - 27}" width="120" height="54" rx="8" '
            f'fill="{c["panel"]}" stroke="{c["fg"]}" stroke-width="1.5"/>'
        )
        body.append(text(x, y - 9, name, c["fg"], 13, "middle", "600"))
        body.append(text(x, y + 7, f"value {v:g}".replace("-", "−"), c["blue"], 12, "middle"))
        grad = f"∂L/∂· = {g:g}".replace("-", "−")
        body.append(text(x, y + 21, grad, c["orange"], 12, "middle"))
    key = "blue: forward values; orange: gradients of L, from PyTorch's autograd"
    body.append(text(12, 268, key, c["muted"], 12))
    return doc(fig.width, fig.height, body, fig.alt)
