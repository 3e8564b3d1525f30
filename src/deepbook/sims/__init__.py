"""Simulation engines: pure Python (PyTorch / NumPy), no web, no database.

from deepbook.sims import get
frame = get("activations").run({"depth": 10})
"""

from deepbook.sims import activations, gradient_descent
from deepbook.sims.base import LiveSim, SimSpec
from deepbook.sims.frames import Frame, decode, encode
from deepbook.sims.params import ParamError

REGISTRY: dict[str, SimSpec] = {s.id: s for s in (activations.SPEC, gradient_descent.SPEC)}


def get(sim_id: str) -> SimSpec:
    """The simulation with this id (KeyError if there is none)."""
    return REGISTRY[sim_id]


__all__ = ["REGISTRY", "Frame", "LiveSim", "ParamError", "SimSpec", "decode", "encode", "get"]
