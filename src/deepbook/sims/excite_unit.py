"""What excites a unit: an input synthesised, step by step, to make one unit of the clothing CNN
fire as strongly as it can (activation maximisation, Erhan et al. 2009; Olah et al. 2017).

Start from faint noise; at each step take the gradient of the chosen unit's input to its ReLU (the
cell at the centre of its map; climbing the ReLU's output would stall wherever it is zero) with
respect to the pixels, by autograd, and climb it with
Adam (deepbook's own, `sims/optim.py`, as torch.optim would), keeping pixels in [0, 1]. Two gentle
priors keep the picture image-like instead of high-frequency noise: a pull of every pixel towards
grey (an L2 penalty) and, at each step, a slight blur. Only pixels inside the unit's
receptive field can change its activation, so the pattern grows inside that square (drawn by the
view). Chapter 0 shows each unit's favourite real patches; this shows what it wants to see.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from deepbook.models import MODELS, shipped
from deepbook.models.nets import stages, window
from deepbook.sims.base import SimSpec
from deepbook.sims.frames import Frame
from deepbook.sims.optim import Adam
from deepbook.sims.params import Choice, Float, Int, ParamError, Params, param
from deepbook.sims.workers import LOCAL, Workers

LAYERS = (("1", "Block 1"), ("2", "Block 2"), ("3", "Block 3"), ("4", "Block 4"))
CHANNELS = {s.name[4:]: s.shape[0] for s in stages(MODELS["fashion_cnn"].cnn()) if s.kind == "relu"}
MAX_STEPS = 400
BLUR = 0.25  # the share of the blurred picture mixed in each step, at full smoothness
KERNEL = (
    torch.tensor([[[[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]]], dtype=torch.float64) / 16
)


@dataclass(frozen=True)
class Settings:
    """excite_unit's parameters."""

    layer: str = param(
        Choice("Layer", options=LAYERS, default="4", group="model", help="The unit's block.")
    )
    channel: int = param(
        Int("Unit", min=0, max=63, default=3, group="model", help="Which unit (channel).")
    )
    seed: int = param(Int("Seed", min=0, max=999, default=0, group="data", help="Start noise."))
    lr: float = param(
        Float(
            "Step size",
            min=0.002,
            max=0.2,
            default=0.03,
            log=True,
            hot=True,
            group="training",
            help="Adam's learning rate on the pixels.",
        )
    )
    prior: float = param(
        Float(
            "Smoothness",
            min=0.0,
            max=1.0,
            default=0.5,
            step=0.05,
            hot=True,
            group="training",
            help="How strongly the picture is kept smooth and near grey.",
        )
    )
    speed: int = param(
        Int("Steps a frame", min=1, max=20, default=2, hot=True, group="view", help="Speed.")
    )

    def __post_init__(self) -> None:
        top = CHANNELS[self.layer]
        if self.channel >= top:
            raise ParamError("channel", f"must be from 0 to {top - 1} for block {self.layer}")


PARAMS = Params(Settings)


class Excite:
    """The live state: the picture, its optimiser, the activation after each step."""

    def __init__(self, v: Settings, model: shipped.Model) -> None:
        self.v, self.model = v, model
        names = [n for n, _ in model.cnn.named_children()]
        self.upto = model.cnn[: names.index(f"conv{v.layer}") + 1]  # up to the ReLU's input
        info = model.stages[f"relu{v.layer}"]
        self.field = int(info.receptive_field or 28)
        self.cell = (info.shape[1] // 2, info.shape[2] // 2)
        self.window = window(model.cnn, f"relu{v.layer}", *self.cell)  # [r0, r1, c0, c1)
        self.reset()

    def reset(self) -> None:
        rng = np.random.default_rng([self.v.seed, int(self.v.layer), self.v.channel])
        self.x = (0.5 + 0.02 * rng.standard_normal((28, 28))).astype(np.float64)
        self.opt = Adam(self.v.lr)
        self.steps, self.done = 0, False
        self.history = [max(0.0, self.pre(self.x))]

    @property
    def steps_per_frame(self) -> int:
        return self.v.speed

    def pre(self, x: np.ndarray) -> float:
        """The unit's value before its ReLU for picture x."""
        with torch.no_grad():
            out = self.upto(torch.from_numpy(x.astype(np.float32))[None, None])
        return float(out[0, self.v.channel, self.cell[0], self.cell[1]])

    def update(self, v: Settings) -> None:
        self.v = v
        self.opt.lr = v.lr

    def step(self, n: int) -> None:
        for _ in range(n):
            if self.done:
                return
            x = torch.from_numpy(self.x.astype(np.float32))[None, None].requires_grad_(True)
            act = self.upto(x)[0, self.v.channel, self.cell[0], self.cell[1]]
            penalty = 0.05 * self.v.prior * ((x - 0.5) ** 2).sum()
            (-act + penalty).backward()
            assert x.grad is not None
            grad = x.grad[0, 0].numpy().astype(np.float64)
            self.opt.step(self.x, grad / (np.abs(grad).max() + 1e-8))  # a step of about lr a pixel
            np.clip(self.x, 0.0, 1.0, out=self.x)
            self.steps += 1
            if self.v.prior:  # a slight blur: a quarter of the way towards the 3 × 3 average
                blurred = F.conv2d(torch.from_numpy(self.x)[None, None], KERNEL, padding=1)
                mix = BLUR * self.v.prior
                self.x = (1 - mix) * self.x + mix * blurred[0, 0].numpy()
            self.history.append(max(0.0, self.pre(self.x)))  # the unit's activation (after ReLU)
            self.done = self.steps >= MAX_STEPS

    def snapshot(self, since: int | None = None) -> Frame:
        start = 0 if since is None else since + 1
        probs = self.model.predict(self.x[None].astype(np.float32))[0]
        layer = self.model.card["top_patches"][int(self.v.layer) - 1]
        best_real = layer["channels"][self.v.channel]
        meta: dict[str, Any] = {
            "step": self.steps,
            "full": since is None,
            "done": self.done,
            "activation": self.history[-1],
            "start_activation": self.history[0],
            "best_held_out": best_real[0][5],
            "receptive_field": self.field,
            "cell": list(self.cell),
            "window": self.window,
            "max_steps": MAX_STEPS,
            "prediction": self.model.classes[int(probs.argmax())],
            "confidence": float(probs.max()),
        }
        arrays: dict[str, np.ndarray] = {
            "image": np.rint(self.x * 255).astype(np.uint8),
            "history": np.asarray(self.history[start:], dtype=np.float32),
        }
        return Frame(meta=meta, arrays=arrays)


def setup(workers: Workers = LOCAL) -> shipped.Model:
    return shipped.load("fashion_cnn")


SPEC = SimSpec(
    id="excite_unit",
    title="What excites a unit",
    chapter="why-learning",
    summary="Synthesise, step by step, the input that makes one unit of a trained CNN fire most.",
    params=PARAMS,
    kind="live",
    make=Excite,
    setup=setup,
)
