"""The network playground: a small network trained live on 2-D data, every neuron on show.

Chapter 8 (network-playground); after TensorFlow Playground (Smilkov, Carter et al., 2016), which
it measures itself against. One engine step is one epoch; `mlp.py` trains exactly as PyTorch
would, `playground_data.py` makes the data, `playground_export.py` writes the run as a PyTorch
script. Run it as `sim = get("playground").start({"layers": "2"}); sim.step(500); sim.snapshot()`.

Frame (G = 100 map cells; M = 24 neuron-map cells, fewer beyond 64 hidden units so the neuron
maps stay within 64 maps of 24² bytes (256 units: M = 12); cell centres over EXTENT² = [-6, 6]²,
row 0 the lowest y, column 0 the lowest x):
meta = {"step", "epoch" (= step), "full", "done", "stopped": null | "limit" | "target" |
  "diverged", "diverged": bool, "diverged_at": epoch | null, "problem": str | null,
  "problem_type": "classification" | "regression", "classes": 0 | 2 | 3,
  "train_loss", "test_loss", "train_accuracy", "test_accuracy" (null for regression),
  "confusion": K × K test counts [true][predicted] | null, "lr": rate in force next epoch,
  "sizes": [F, hidden…, outputs], "features": [names], "activations": [one per hidden layer],
  "loss": "cross_entropy" | "squared", "output": "score" | "probs" | "value", "n_params",
  "n_train", "n_test", "extent": [-6, 6], "grid": G, "map_grid": M,
  "history_columns": ["train_loss", "test_loss"(, "test_accuracy")]}
arrays = {
  "output": float16 (G, G): "score" in [-1, 1] (2 classes: P(1) − P(0), or the tanh unit; class 1
     where > 0) or "value" (regression, clipped to ±60000); "probs": float16 (G, G, 3);
  "neurons": uint8 (H, M, M), every hidden unit, layer by layer; 0 ↔ −s, 255 ↔ +s with
     s = "neuron_scale": float32 (H,) = max(1, max |output| on the map);
  "params": float32 (P,), layer l's (n_l + 1) × n_{l+1} block row-major, the last row biases;
  "history": float32 (m, C), one row per epoch after `since` (all from epoch 0 when full);
  full frames only: "points": float32 (n, 3) x, y, label or target, the n_train training
     points first; "features": uint8 (F, M, M) input-feature maps, scaled by "feature_scale"}
Editing one weight: `set_weight(layer, i, j, value)` (i = n_layer means the bias of unit j), or
`edit({"layer", "from": i | null, "to": j, "value"})` which validates and names bad fields.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Mapping
from typing import Any

import numpy as np
from threadpoolctl import ThreadpoolController

from deepbook.sims import playground_data as pd
from deepbook.sims.base import SimSpec
from deepbook.sims.frames import Frame
from deepbook.sims.mlp import Fit, Net, epoch, features, features_t, init_params, n_params
from deepbook.sims.optim import SGD, Adam, Optimiser
from deepbook.sims.params import ParamError, number
from deepbook.sims.playground_params import PARAMS, Settings

__all__ = ["PARAMS", "SPEC", "Playground", "Settings"]
G, M, MAPS = 100, 24, 64
FAST = 100_000  # steps per frame "as fast as the server can": the server's frame budget decides
STEP_SECONDS = 0.25  # one step(n) call stops after this long, whatever n
BOUND, LOSS_BOUND = 1e5, 1e30  # a weight or a loss beyond these (or not finite): divergence
HUGE = 6e4  # map values are clipped to ±HUGE (float16 holds them)
EDIT_BOUND = 100.0  # an edited weight or bias must lie within ±EDIT_BOUND


class OneBlasThread:
    """While any thread is inside, BLAS multiplies on one thread (counted; process-wide while it
    lasts). The 100 × 100 map's products are big enough for OpenBLAS to start a second thread,
    which on a busy 2-core machine only waits: a 32-unit layer took 20-240 ms, not 0.3 ms."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._inside = 0
        self._blas: Any = None
        self._limiter: Any = None

    def __enter__(self) -> None:
        with self._lock:
            if self._inside == 0:
                if self._blas is None:
                    self._blas = ThreadpoolController().select(user_api="blas")
                self._limiter = self._blas.limit(limits=1)
            self._inside += 1

    def __exit__(self, *_: object) -> None:
        with self._lock:
            self._inside -= 1
            if self._inside == 0:
                self._limiter.restore_original_limits()
                self._limiter = None


ONE_BLAS_THREAD = OneBlasThread()


def quantise(maps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Maps (k, m) → uint8 (0 ↔ −s, 255 ↔ +s, rounded) and their scales s = max(1, max |map|)."""
    maps = np.clip(np.nan_to_num(maps), -HUGE, HUGE)
    s = np.maximum(1.0, np.abs(maps).max(axis=1)) if maps.size else np.ones(len(maps))
    q = maps * (127.5 / s)[:, None]
    q += 128.0  # 127.5 for the middle, 0.5 to round when truncated below
    return np.clip(q, 0, 255, out=q).astype(np.uint8), s.astype(np.float32)


def map_size(units: int) -> int:
    """Cells a side of each neuron map: M, or fewer so that the maps hold ≤ MAPS · M² bytes."""
    return M if units <= MAPS else max(8, int(M * math.sqrt(MAPS / units)))


def optimiser(name: str, lr: float) -> Optimiser:
    """PyTorch's SGD, SGD with momentum 0.9, or Adam, with its default settings."""
    if name == "adam":
        return Adam(lr)
    return SGD(lr, momentum=0.9 if name == "momentum" else 0.0)


class Playground:
    """The live state: data, network, optimiser, per-epoch history and the edits made."""

    COMMANDS = ("edit", "export")  # the session's extra messages (`sims.base.Commands`)

    def __init__(self, v: Settings, resources: object = None) -> None:
        self.v = v
        self.data = pd.load(v.dataset, v.n_points, v.noise, v.seed, v.turns, v.train_pct, v.points)
        d, k = self.data, v.classes
        self.problem = None
        if v.dataset == "custom" and (d.n_train < 1 or len(np.unique(d.y)) < 2):
            self.problem = "Place points of at least two classes."
        self.loss = "squared" if k == 0 else v.loss
        out = k if self.loss == "cross_entropy" else 1
        self.sizes = (len(v.features), *v.layers, out)
        xa = features(d.xy, v.features)
        if self.loss == "cross_entropy":
            y = np.eye(k)[d.y]
        else:
            y = (np.where(d.y > 0, 1.0, -1.0) if k else d.y.astype(np.float64))[:, None]
        self.xa, self.y, self.labels = xa, y, d.y
        self.xt = features_t(d.xy, v.features)
        self.grid_t = features_t(pd.grid(G), v.features, np.float32)
        self.m = map_size(sum(v.layers))
        self.map_t = features_t(pd.grid(self.m), v.features, np.float32)
        self.theta0 = init_params(self.sizes, np.random.default_rng([v.seed, 1]))
        self.reset()

    def reset(self) -> None:
        """Back to epoch 0: initial weights, fresh optimiser and batch order, no edits."""
        v, n = self.v, self.data.n_train
        self.net = Net(self.sizes, v.acts, self.loss, self.theta0.copy())
        self.opt = optimiser(v.optimiser, v.lr)
        self.fit = Fit(self.xa[:n], self.y[:n], v.batch, v.reg, v.reg_rate)
        self.shuffle = np.random.default_rng([v.seed, 2])
        self.start = (v.lr, v.reg_rate)  # the hot values at epoch 0 (for the export)
        self.events: list[tuple[int, str, Any]] = []  # (epoch, "lr" | "reg_rate" | "weight", …)
        self.steps, self.version = 0, 0
        self.diverged_at: int | None = None
        self.stopped: str | None = "problem" if self.problem else None
        self.done = self.problem is not None
        self.history = np.zeros((256, 3), dtype=np.float32)
        self.cache: tuple[tuple[int, int], dict[str, np.ndarray]] | None = None
        self.scores = self.evaluate()
        self.history[0] = self.row(self.scores)

    @property
    def steps_per_frame(self) -> int:
        """Epochs between two pictures: the speed, or FAST ("max": the server's budget decides)."""
        return FAST if self.v.speed == "max" else int(self.v.speed)

    def update(self, v: Settings) -> None:
        """New learning rate, regularisation rate, target, speed or view: the run goes on."""
        if v.lr != self.v.lr:
            self.events.append((self.steps, "lr", v.lr))
        if v.reg_rate != self.v.reg_rate:
            self.events.append((self.steps, "reg_rate", v.reg_rate))
            self.fit.rate = v.reg_rate
        self.v = v
        if self.stopped == "target" and not self.reached():
            self.stopped, self.done = None, False
        elif self.stopped is None and self.reached():
            self.stopped, self.done = "target", True

    def reached(self) -> bool:
        """Has test accuracy reached a set target?"""
        acc = self.scores[3]
        return self.v.target > 0 and acc is not None and acc >= self.v.target

    @property
    def lr(self) -> float:
        """The learning rate the next epoch trains at."""
        return self.v.lr_at(self.steps)

    def evaluate(self) -> tuple[float, float, float | None, float | None]:
        """Train loss, test loss, train and test accuracy (None for regression)."""
        n, net, y = self.data.n_train, self.net, self.y
        out = net.output(self.xt)
        train = net.loss_of(out[:n], y[:n]) if n else 0.0
        test = net.loss_of(out[n:], y[n:]) if len(y) > n else 0.0
        if not self.v.classes:
            return train, test, None, None
        self.pred = self.predict(out)
        right = self.pred == self.labels
        test_acc = float(right[n:].mean()) if len(y) > n else 0.0
        return train, test, float(right[:n].mean()) if n else 0.0, test_acc

    def predict(self, out: np.ndarray) -> np.ndarray:
        """Predicted classes from output-layer values."""
        return out.argmax(axis=1) if out.shape[1] > 1 else (out[:, 0] > 0).astype(np.int64)

    def row(self, s: tuple[float, float, float | None, float | None]) -> list[float]:
        """A history row: train loss, test loss, test accuracy (0 for regression)."""
        return [s[0], s[1], s[3] or 0.0]

    def step(self, n: int = 1) -> None:
        """Train up to n epochs (fewer if it stops, or after STEP_SECONDS)."""
        deadline = time.perf_counter() + STEP_SECONDS
        with np.errstate(all="ignore"), ONE_BLAS_THREAD:
            for _ in range(n):
                if self.done:
                    break
                self.train_epoch()
                if time.perf_counter() > deadline:
                    break

    def train_epoch(self) -> None:
        """One epoch; divergence (a loss or weight out of bounds) restores the weights and stops."""
        keep = self.net.theta.copy()
        epoch(self.net, self.opt, self.fit, self.shuffle.permutation(self.data.n_train), self.lr)
        scores = self.evaluate()
        worst = max(scores[0], scores[1])
        if not (worst <= LOSS_BOUND and np.abs(self.net.theta).max() <= BOUND):
            self.net.theta[:] = keep
            self.diverged_at, self.stopped, self.done = self.steps + 1, "diverged", True
            return
        self.steps += 1
        self.scores = scores
        if self.steps >= len(self.history):
            self.history = np.concatenate([self.history, np.zeros_like(self.history)])
        self.history[self.steps] = self.row(scores)
        if self.steps >= self.v.epoch_limit:
            self.stopped, self.done = "limit", True
        elif self.reached():
            self.stopped, self.done = "target", True

    def set_weight(self, layer: int, i: int, j: int, value: float) -> None:
        """Set the weight from unit i of layer `layer` to unit j of the next (i = n: bias)."""
        mats = self.net.mats
        if not 0 <= layer < len(mats):
            raise ParamError("layer", f"must be between 0 and {len(mats) - 1}, got {layer}")
        rows, cols = mats[layer].shape
        if not 0 <= i < rows:
            raise ParamError("from", f"must be between 0 and {rows - 2} (or the bias), got {i}")
        if not 0 <= j < cols:
            raise ParamError("to", f"must be between 0 and {cols - 1}, got {j}")
        if not (math.isfinite(value) and abs(value) <= EDIT_BOUND):
            raise ParamError("value", f"must be between {-EDIT_BOUND:g} and {EDIT_BOUND:g}")
        mats[layer][i, j] = value
        self.events.append((self.steps, "weight", (layer, i, j, float(value))))
        self.version += 1
        self.scores = self.evaluate()
        if self.steps < len(self.history):
            self.history[self.steps] = self.row(self.scores)

    def edit(self, msg: Mapping[str, object]) -> None:
        """Apply {"layer", "from": unit | null (the bias), "to": unit, "value"} or ParamError."""
        whole = {}
        for key in ("layer", "from", "to"):
            raw = msg.get(key)
            if key == "from" and raw is None:
                continue
            x = number(key, raw)
            if x != int(x):
                raise ParamError(key, f"expected a whole number, got {raw!r:.40}")
            whole[key] = int(x)
        layer = whole["layer"]
        if not 0 <= layer < len(self.net.mats):
            raise ParamError("layer", f"must be between 0 and {len(self.net.mats) - 1}")
        i = whole.get("from", self.net.mats[layer].shape[0] - 1)
        self.set_weight(layer, i, whole["to"], number("value", msg.get("value")))

    def command(self, msg: Mapping[str, object]) -> dict[str, Any] | None:
        """An edit of one weight or bias (no reply: the next frame shows it), or the run so far
        as a standalone PyTorch script: {"type": "export", "filename", "epoch", "script"}."""
        if msg.get("type") == "edit":
            self.edit(msg)
            return None
        from deepbook.sims.playground_export import export  # only when asked for

        name = f"playground_{self.v.dataset}_seed{self.v.seed}_epoch{self.steps}.py"
        script = export(self.v, self)
        return {"type": "export", "filename": name, "epoch": self.steps, "script": script}

    def maps(self) -> dict[str, np.ndarray]:
        """The output map and every hidden unit's map for the current weights (cached)."""
        key = (self.steps, self.version)
        if self.cache is not None and self.cache[0] == key:
            return self.cache[1]
        net, k = self.net, self.v.classes
        with np.errstate(all="ignore"), ONE_BLAS_THREAD:
            z = np.clip(np.nan_to_num(net.output(self.grid_t)), -HUGE, HUGE)
            hidden = net.layers(self.map_t)[:-1]
        if self.loss == "cross_entropy" and k == 2:
            out = np.tanh((z[:, 1] - z[:, 0]) / 2).reshape(G, G)  # P(1) − P(0)
        elif self.loss == "cross_entropy":
            e = np.exp(z - z.max(axis=1, keepdims=True))
            out = (e / e.sum(axis=1, keepdims=True)).reshape(G, G, k)
        else:
            out = z[:, 0].reshape(G, G)
        m = self.m
        units = np.concatenate(hidden) if hidden else np.zeros((0, m * m))
        neurons, scale = quantise(units)
        maps = {"output": out.astype(np.float16), "neurons": neurons.reshape(-1, m, m)}
        maps["neuron_scale"] = scale
        self.cache = (key, maps)
        return maps

    def confusion(self) -> list[list[int]] | None:
        """Test-set counts [true class][predicted class]; None for regression."""
        k, n = self.v.classes, self.data.n_train
        if not k:
            return None
        table = np.zeros((k, k), dtype=np.int64)
        np.add.at(table, (self.labels[n:], self.pred[n:]), 1)
        return table.tolist()

    def snapshot(self, since: int | None = None) -> Frame:
        """Everything (since None), or the maps, weights and history rows after epoch `since`."""
        v, d, full = self.v, self.data, since is None
        cols = 3 if v.classes else 2
        start = 0 if since is None else since + 1
        arrays = dict(self.maps())
        arrays["params"] = self.net.theta.astype(np.float32)
        arrays["history"] = self.history[start : self.steps + 1, :cols].copy()
        if full:
            pts = np.column_stack([d.xy, d.y]).astype(np.float32)
            arrays["points"] = pts.reshape(-1, 3)
            fmaps = self.map_t.astype(np.float64)
            scale = np.maximum(np.abs(fmaps).max(axis=1), 1e-9)
            q = np.rint(127.5 + 127.5 * fmaps / scale[:, None]).astype(np.uint8)
            arrays["features"] = q.reshape(-1, self.m, self.m)
        train, test, train_acc, test_acc = self.scores
        k = v.classes
        meta: dict[str, Any] = {
            "step": self.steps,
            "epoch": self.steps,
            "full": full,
            "done": self.done,
            "stopped": self.stopped,
            "diverged": self.diverged_at is not None,
            "diverged_at": self.diverged_at,
            "problem": self.problem,
            "problem_type": "classification" if k else "regression",
            "classes": k,
            "train_loss": train,
            "test_loss": test,
            "train_accuracy": train_acc,
            "test_accuracy": test_acc,
            "confusion": self.confusion(),
            "lr": self.lr,
            "sizes": list(self.sizes),
            "features": list(v.features),
            "activations": list(v.acts),
            "loss": self.loss,
            "output": "value" if not k else "probs" if arrays["output"].ndim == 3 else "score",
            "n_params": n_params(self.sizes),
            "n_train": d.n_train,
            "n_test": d.n_test,
            "extent": list(pd.EXTENT),
            "grid": G,
            "map_grid": self.m,
            "history_columns": ["train_loss", "test_loss", "test_accuracy"][:cols],
        }
        if full:
            meta["feature_scale"] = [float(s) for s in scale]
        return Frame(meta=meta, arrays=arrays)


SPEC = SimSpec(
    id="playground",
    title="Network playground",
    chapter="network-playground",
    summary="Train a small network live on 2-D data and watch every neuron, weight and loss.",
    params=PARAMS,
    kind="live",
    make=Playground,
)
