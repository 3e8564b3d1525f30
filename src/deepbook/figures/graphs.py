"""Chapter 3's computational graph of a small loss, with every forward value and every gradient
computed by PyTorch's autograd (not written by hand)."""

from __future__ import annotations

from deepbook.figures import figure
from deepbook.figures.svg import SUPER, THEME, doc, line, number, text

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
    figure(
        "step-sizes",
        "graphs",
        "Gradient descent on the loss ½·50·w² from w = 1 with four learning rates, the size of w "
        "after each of 20 steps on a log scale: at η = 0.01 it shrinks by 0.5 a step, at 0.02 "
        "it lands on 0 in one step, at 0.039 it flips sign and shrinks slowly to about 0.36, "
        "and at 0.05 it flips and grows by 1.5 a step to about 3,325.",
        720,
        300,
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


RATES = (0.01, 0.02, 0.039, 0.05)  # on L(w) = ½·50·w²: creep, one step, oscillate, diverge


def step_sizes(theme: str) -> bytes:
    """Gradient descent on L(w) = ½λw² with λ = 50 from w = 1, for four learning rates: each
    step multiplies w by 1 − ηλ; |w| after each of 20 steps on a log scale."""
    import math

    from deepbook.figures import get
    from deepbook.figures.svg import polyline

    c = THEME[theme]
    fig = get("step-sizes")
    lam, steps = 50.0, 20
    w_, h_ = fig.width, fig.height
    left, right, top, bottom = 56, 230, 18, 40
    lo, hi = -12, 4  # log10 |w|

    def X(k: float) -> float:
        return left + k / steps * (w_ - left - right)

    def Y(v: float) -> float:
        return top + (hi - v) / (hi - lo) * (h_ - top - bottom)

    body = []
    for t in range(lo, hi + 1, 2):
        body.append(line(X(0), Y(t), X(steps), Y(t), c["grid"]))
        label = "1" if t == 0 else f"10{str(t).translate(SUPER)}"
        body.append(text(left - 8, Y(t) + 4, label, c["muted"], 12, "end"))
    for k in range(0, steps + 1, 5):
        body.append(text(X(k), h_ - bottom + 18, str(k), c["muted"], 12, "middle"))
    body.append(text(X(steps), h_ - 6, "step", c["fg"], 13, "end"))
    body.append(text(left, top - 2, "|w| (log scale)", c["fg"], 12))
    colours = (c["blue"], c["green"], c["orange"], c["pink"])
    for i, (eta, colour) in enumerate(zip(RATES, colours, strict=True)):
        ws = [(1 - eta * lam) ** k for k in range(steps + 1)]
        pts = [(X(k), Y(max(lo, math.log10(abs(v))) if v else lo)) for k, v in enumerate(ws)]
        body.append(polyline(pts, colour, 2.5))
        factor = 1 - eta * lam
        ly = top + 22 + 40 * i
        body.append(line(w_ - right + 16, ly - 4, w_ - right + 40, ly - 4, colour, 3))
        body.append(text(w_ - right + 46, ly, f"η = {eta:g}", c["fg"], 13))
        body.append(text(w_ - right + 46, ly + 16, f"× {factor:.2f} a step → {number(abs(ws[-1]))}"
                         .replace("-", "−"), c["muted"], 12))  # fmt: skip
    return doc(fig.width, fig.height, body, fig.alt)
