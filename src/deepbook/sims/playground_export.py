"""Export a playground run as a standalone PyTorch script that reproduces it.

Chapter 8's "export as PyTorch". `export(values, sim)` returns the text of a script that imports
only torch and numpy and rebuilds the run: the data points and the initial weights embedded as
literals (exact float64 reprs, so nothing depends on our generators), the same `nn.Sequential`,
the same optimiser (torch.optim, PyTorch's defaults), the same learning-rate schedule, the same
batch order (NumPy's `default_rng([seed, 2]).permutation` each epoch, as the engine draws it),
the same regularisation (L2 in the loss; L1 as the engine's orthant-wise step) and every mid-run
change the engine recorded (learning rate, regularisation rate, edited weights, each at the epoch
it was made). It trains the epochs the engine trained and prints the final training loss, which
`tests/sims/test_playground_export.py` compares with the engine's. A run that diverged is
reproduced up to its last good epoch (the engine restores those weights; the script stops there).
Agreement is to rounding (1e-15) while training is not chaotic; NumPy and PyTorch sum in different
orders, and where small batches at a high learning rate make the dynamics chaotic (Adam at
0.03, batch 10) that 1e-16 grows about tenfold every ten epochs, so after a few hundred
epochs the script trains an equally good but different network (measured there: 5e-11
relative at 100 epochs, 4e-8 at 200, 1 % at 400; TF Playground's SGD bench: 1e-15 at 400).

    from deepbook.sims.playground_export import export
    open("run.py", "w").write(export(sim.v, sim))   # then: python run.py
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import pairwise
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from deepbook.sims.playground import Playground, Settings

TORCH_ACTS = {"relu": "nn.ReLU()", "tanh": "nn.Tanh()", "sigmoid": "nn.Sigmoid()"}
OPTIMS = {
    "sgd": "torch.optim.SGD(model.parameters(), lr=LR)",
    "momentum": "torch.optim.SGD(model.parameters(), lr=LR, momentum=0.9)",
    "adam": "torch.optim.Adam(model.parameters(), lr=LR)",
}
FEATURE_CODE = {
    "x1": "x",
    "x2": "y",
    "x1sq": "x * x",
    "x2sq": "y * y",
    "x1x2": "x * y",
    "sin1": "np.sin(x)",
    "sin2": "np.sin(y)",
}

BODY = '''
def features(xy):
    """The input features of each point, as the playground computes them."""
    x, y = xy[:, 0], xy[:, 1]
    return np.stack([{features}], axis=1)


def lr_at(epoch, base):
    """The learning rate of an epoch (0-based) under the schedule."""
    if SCHEDULE == "step":
        return base * 0.5 ** (epoch // DECAY_EVERY)
    if SCHEDULE == "cosine":
        return base * 0.5 * (1 + math.cos(math.pi * min(epoch, EPOCH_LIMIT) / EPOCH_LIMIT))
    return base


torch.set_default_dtype(torch.float64)
model = nn.Sequential({modules})
linears = [m for m in model if isinstance(m, nn.Linear)]
with torch.no_grad():  # initial weights: per layer an (n_in + 1) x n_out block, last row biases
    k = 0
    for lin in linears:
        n_out, n_in = lin.weight.shape
        block = torch.tensor(THETA0[k : k + (n_in + 1) * n_out]).reshape(n_in + 1, n_out)
        lin.weight.copy_(block[:n_in].T)
        lin.bias.copy_(block[n_in])
        k += (n_in + 1) * n_out
weights = [lin.weight for lin in linears]

X = torch.tensor(features(XY))
Y = torch.tensor(LABELS) if LOSS == "cross_entropy" else torch.tensor({targets})[:, None]
X_train, Y_train = X[:N_TRAIN], Y[:N_TRAIN]


def data_loss(out, y):
    """Mean cross-entropy of the logits, or half the mean squared error."""
    return F.cross_entropy(out, y) if LOSS == "cross_entropy" else 0.5 * F.mse_loss(out, y)


def apply_events(epoch):
    """Changes made in the playground before this epoch was trained."""
    global base_lr, reg_rate
    for when, what, value in EVENTS:
        if when != epoch:
            continue
        if what == "lr":
            base_lr = value
        elif what == "reg_rate":
            reg_rate = value
        else:  # an edited weight: (layer, from unit or n_in for the bias, to unit, value)
            layer, i, j, v = value
            lin = linears[layer]
            with torch.no_grad():
                if i == lin.weight.shape[1]:
                    lin.bias[j] = v
                else:
                    lin.weight[j, i] = v


optimiser = {optimiser}
rng = np.random.default_rng([SEED, 2])  # the batch order, as the engine draws it
base_lr, reg_rate = LR, REG_RATE
for epoch in range(EPOCHS):
    apply_events(epoch)
    for group in optimiser.param_groups:
        group["lr"] = lr_at(epoch, base_lr)
    order = rng.permutation(N_TRAIN)
    for start in range(0, N_TRAIN, BATCH):
        idx = torch.from_numpy(order[start : start + BATCH])
        optimiser.zero_grad()
        loss = data_loss(model(X_train[idx]), Y_train[idx])
        if REG == "l2":  # rate * (1/2) * sum of squared weights (biases are not penalised)
            loss = loss + reg_rate * 0.5 * sum((w * w).sum() for w in weights)
        loss.backward()
        if REG == "l1":  # orthant-wise step: zero weights stay zero unless |grad| > rate
            with torch.no_grad():
                for w in weights:
                    g, s = w.grad, torch.sign(w)
                    soft = torch.sign(g) * torch.clamp(g.abs() - reg_rate, min=0)
                    w.grad = torch.where(s == 0, soft, g + reg_rate * s)
                old = [w.detach().clone() for w in weights]
        optimiser.step()
        if REG == "l1":  # a weight that left its orthant stops at exactly zero
            with torch.no_grad():
                for w, w0 in zip(weights, old):
                    orthant = torch.where(w0 != 0, torch.sign(w0), -torch.sign(w.grad))
                    w[torch.sign(w) != orthant] = 0.0
apply_events(EPOCHS)

with torch.no_grad():
    print(f"epochs: {{EPOCHS}}")
    print(f"final train loss: {{data_loss(model(X_train), Y_train).item():.17g}}")
    print(f"final test loss: {{data_loss(model(X[N_TRAIN:]), Y[N_TRAIN:]).item():.17g}}")
'''


def _floats(values: Iterable[float], per_line: int = 4) -> str:
    """A Python list of exact float literals, wrapped."""
    items = [repr(float(x)) for x in values]
    lines = [", ".join(items[k : k + per_line]) for k in range(0, len(items), per_line)]
    return "[\n    " + ",\n    ".join(lines) + ",\n]" if items else "[]"


def _modules(sizes: tuple[int, ...], acts: tuple[str, ...], tanh_out: bool) -> str:
    parts = []
    for k, (a, b) in enumerate(pairwise(sizes)):
        parts.append(f"nn.Linear({a}, {b})")
        act = acts[k] if k < len(acts) else ("tanh" if tanh_out else "linear")
        if act in TORCH_ACTS:
            parts.append(TORCH_ACTS[act])
    return "\n    " + ",\n    ".join(parts) + ",\n"


def export(values: Settings, sim: Playground) -> str:
    """The text of a standalone PyTorch script that reproduces this run's training."""
    v, d = values, sim.data
    classification = bool(v.classes)
    labels = [int(c) for c in d.y] if classification else []
    events = [(e, what, x) for e, what, x in sim.events if e <= sim.steps]
    head = [
        f'"""A deepbook network-playground run as a PyTorch script: {sim.steps} epochs.',
        "",
        f"Dataset {v.dataset!r}, features {', '.join(v.features)}, layers {list(sim.sizes)},",
        f"{sim.loss} loss, {v.optimiser} at lr {sim.start[0]:g} ({v.schedule}), batch {v.batch},",
        f"regularisation {v.reg} ({sim.start[1]:g}), seed {v.seed}. Data and initial weights are",
        "embedded; the batch order comes from NumPy's default_rng([SEED, 2]). The final loss",
        "matches the playground's to rounding unless the run is chaotic (high learning rate,",
        "small batches), where rounding differences grow over hundreds of epochs.",
        'Run: python this_file.py (needs torch and numpy)."""',
        "",
        "import math",
        "",
        "import numpy as np",
        "import torch",
        "import torch.nn.functional as F",
        "from torch import nn",
        "",
        f"SEED = {v.seed}",
        f"LOSS = {sim.loss!r}",
        f"OPTIMISER = {v.optimiser!r}",
        f"LR = {sim.start[0]!r}",
        f"SCHEDULE, DECAY_EVERY, EPOCH_LIMIT = {v.schedule!r}, {v.decay_every}, {v.epoch_limit}",
        f"BATCH = {v.batch}",
        f"REG, REG_RATE = {v.reg!r}, {sim.start[1]!r}",
        f"EPOCHS = {sim.steps}",
        f"EVENTS = {events!r}",
        f"N_TRAIN = {d.n_train}  # the first N_TRAIN points train, the rest test",
        f"XY = np.array({_floats(d.xy.ravel())}).reshape(-1, 2)",
        f"LABELS = {labels!r}",
        f"TARGETS = {_floats(d.y.astype(float)) if not classification else '[]'}",
        f"THETA0 = {_floats(sim.theta0)}",
    ]
    targets = "TARGETS" if not classification else "[-1.0 if c == 0 else 1.0 for c in LABELS]"
    body = BODY.format(
        features=", ".join(FEATURE_CODE[f] for f in v.features),
        modules=_modules(sim.sizes, sim.net.acts, sim.net.out_act == "tanh"),
        targets=targets,
        optimiser=OPTIMS[v.optimiser],
    )
    return "\n".join(head) + "\n\n" + body
