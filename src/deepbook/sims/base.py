"""What a simulation is: an id, a parameter table, and either a pure function or a stateful engine.

Instant sims map parameters to one frame (`compute`). Live sims own state that evolves: `make`
builds an engine (the `LiveSim` protocol); the same seed and parameters give the same frames.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

from deepbook.sims.frames import Frame
from deepbook.sims.params import Params, Values


class LiveSim(Protocol):
    """A simulation whose state evolves one step at a time."""

    done: bool  # nothing more will change: stop playing
    steps: int  # steps taken since the start

    @property
    def steps_per_frame(self) -> int:
        """Steps between two pictures while playing."""
        ...

    def reset(self) -> None:
        """Back to step 0 with the same parameters and seed."""
        ...

    def step(self, n: int) -> None:
        """Advance by n steps (fewer if it finishes)."""
        ...

    def snapshot(self, since: int | None = None) -> Frame:
        """Everything (since None), or what changed after step `since`. The frame's meta carries
        "step" (= steps) and "full" (whether the view should start over from this frame)."""
        ...


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
