"""The exported PyTorch script reproduces the engine's run: same final training loss (1e-5).

Each case trains the engine, writes its export to a file and runs that file with this Python in a
subprocess (about 3 s: importing torch and torch.optim); the script imports only torch and numpy.
One case runs in the fast suite, the others are marked slow.
"""

import dataclasses
import re
import subprocess
import sys

import pytest

from deepbook.sims.playground import SPEC
from deepbook.sims.playground_export import export

CASES = {
    # the defaults (Adam, cross-entropy, ReLU) with L1, a mid-run learning rate and two edits
    "defaults-l1-edits": (
        {"reg": "l1", "reg_rate": 0.01},
        [(12, {"lr": 0.01}), (20, "edit"), (25, {"reg_rate": 0.003})],
        30,
    ),
    # TF Playground's bench network, squared loss, momentum, L2, step schedule, short last batch
    "squared-momentum-l2-step": (
        {
            "layers": "8,8",
            "activation": "tanh",
            "loss": "squared",
            "optimiser": "momentum",
            "lr": 0.01,
            "reg": "l2",
            "reg_rate": 0.003,
            "schedule": "step",
            "decay_every": 10,
            "batch": 7,
        },
        [],
        25,
    ),
    # regression, SGD, cosine over a 20-epoch limit, engineered features, mixed activations
    "regression-sgd-cosine": (
        {
            "dataset": "multigauss",
            "features": "x1,x2,x1x2,sin1,sin2",
            "layers": "6,5",
            "activations": "sigmoid,linear",
            "optimiser": "sgd",
            "lr": 0.1,
            "schedule": "cosine",
            "epoch_limit": 20,
            "noise": 0.2,
            "seed": 5,
        },
        [],
        20,
    ),
    # three classes, per-layer activations, full batch
    "three-classes-full-batch": (
        {"dataset": "spiral3", "layers": "8,4", "activations": "tanh,relu", "batch": 250},
        [(5, {"lr": 0.1})],
        30,
    ),
}


def engine_run(params, changes, epochs):
    sim = SPEC.start(params)
    for when, change in [*changes, (epochs, None)]:
        while sim.steps < when and not sim.done:
            sim.step(when - sim.steps)
        if change == "edit":
            sim.set_weight(0, 1, 2, 0.75)
            sim.edit({"layer": 1, "from": None, "to": 0, "value": -0.25})
        elif change:
            sim.update(dataclasses.replace(sim.v, **change))
    return sim


def check_round_trip(name, tmp_path):
    """Train the engine, run its exported script, compare the final losses."""
    params, changes, epochs = CASES[name]
    sim = engine_run(params, changes, epochs)
    path = tmp_path / "run.py"
    path.write_text(export(sim.v, sim))
    proc = subprocess.run(
        [sys.executable, str(path)], capture_output=True, text=True, timeout=300, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert f"epochs: {epochs}" in proc.stdout and sim.steps == epochs
    train = float(re.search(r"final train loss: (\S+)", proc.stdout).group(1))
    test = float(re.search(r"final test loss: (\S+)", proc.stdout).group(1))
    assert train == pytest.approx(sim.scores[0], rel=1e-5)
    assert test == pytest.approx(sim.scores[1], rel=1e-5)


def test_exported_script_reproduces_the_run(tmp_path):
    check_round_trip("defaults-l1-edits", tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in CASES if n != "defaults-l1-edits"])
def test_exported_script_reproduces_other_runs(name, tmp_path):
    check_round_trip(name, tmp_path)


def test_the_script_imports_only_torch_and_numpy():
    sim = engine_run({}, [], 1)
    text = export(sim.v, sim)
    imports = {
        line.split()[1].split(".")[0]
        for line in text.splitlines()
        if line.startswith(("import ", "from "))
    }
    assert imports == {"math", "numpy", "torch"}
    compile(text, "run.py", "exec")
