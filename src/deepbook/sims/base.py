"""What a simulation is: an id, a parameter table, and either a pure function or a stateful engine.

Instant sims map parameters to one frame (`compute`). Live sims own state that evolves: `make`
builds an engine with `reset()`, `step(n)`, `snapshot()` and `done`; the same seed and parameters
give the same frames.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

from deepbook.sims.frames import Frame
from deepbook.sims.params import Params, Values


class LiveSim(Protocol):
    """A simulation whose state evolves one step at a time."""

    done: bool

    def reset(self) -> None: ...

    def step(self, n: int) -> None: ...

    def snapshot(self, since: int = 0) -> Frame: ...


@dataclass(frozen=True)
class SimSpec:
    """Everything the rest of deepbook needs to know about one simulation."""

    id: str
    title: str
    chapter: str
    summary: str
    params: Params
    kind: Literal["instant", "live"]
    compute: Callable[[Values], Frame] | None = None
    make: Callable[[Values], LiveSim] | None = None

    def __post_init__(self) -> None:
        if (self.kind == "instant") != (self.compute is not None) or (self.kind == "live") != (
            self.make is not None
        ):
            raise ValueError(f"sim {self.id}: instant sims need compute, live sims need make")

    def run(self, raw: dict[str, object]) -> Frame:
        """Validate raw parameters and compute an instant sim's frame."""
        assert self.compute is not None, f"{self.id} is a live simulation"
        return self.compute(self.params.validate(raw))

    def start(self, raw: dict[str, object]) -> LiveSim:
        """Validate raw parameters and build a live sim's engine."""
        assert self.make is not None, f"{self.id} is an instant simulation"
        return self.make(self.params.validate(raw))

    def describe(self) -> dict[str, object]:
        """The JSON description served by /api/sims."""
        return {
            "id": self.id,
            "title": self.title,
            "chapter": self.chapter,
            "summary": self.summary,
            "kind": self.kind,
            "params": self.params.schema(),
        }
