"""Simulation engines: pure Python (PyTorch / NumPy / scikit-learn), no web, no database.

    from deepbook.sims import get
    frame = get("activations").run({"depth": 10})

The registry is lazy: importing this package imports no engine, and `get(id)` imports only that
engine's module (so a notebook that uses `activations` never imports scikit-learn).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping

from deepbook.sims.base import AnySpec, Commands, LiveSim, Loaded, SimSpec, commands_of
from deepbook.sims.frames import Frame, decode, encode
from deepbook.sims.params import ParamError

# id → module defining SPEC; the order is the order of /api/sims.
MODULES = {
    "decision_boundaries": "deepbook.sims.decision_boundaries",
    "unsupervised": "deepbook.sims.unsupervised",
    "activations": "deepbook.sims.activations",
    "gradient_descent": "deepbook.sims.gradient_descent",
    "playground": "deepbook.sims.playground",
    "cnn_flow": "deepbook.sims.cnn_flow",
    "feature_hierarchy": "deepbook.sims.feature_hierarchy",
    "excite_unit": "deepbook.sims.excite_unit",
    "latent_interpolation": "deepbook.sims.latent_interpolation",
}

# The modules of the jobs sims send to the server's worker processes (sims/workers.py), imported
# before the workers start. Only these processes import scikit-learn.
WORKER_MODULES = ("deepbook.sims.fitting", "deepbook.sims.decision_boundaries")


class Registry(Mapping[str, AnySpec]):
    """Simulation id → spec, importing each engine module on first use."""

    def __init__(self, modules: Mapping[str, str]) -> None:
        self.modules = dict(modules)

    def __getitem__(self, sim_id: str) -> AnySpec:
        spec: AnySpec = importlib.import_module(self.modules[sim_id]).SPEC
        return spec

    def __iter__(self) -> Iterator[str]:
        return iter(self.modules)

    def __len__(self) -> int:
        return len(self.modules)

    def __contains__(self, sim_id: object) -> bool:
        return sim_id in self.modules


REGISTRY = Registry(MODULES)


def get(sim_id: str) -> AnySpec:
    """The simulation with this id (KeyError if there is none)."""
    return REGISTRY[sim_id]


__all__ = [
    "REGISTRY",
    "WORKER_MODULES",
    "Commands",
    "Frame",
    "LiveSim",
    "Loaded",
    "ParamError",
    "SimSpec",
    "commands_of",
    "decode",
    "encode",
    "get",
]
