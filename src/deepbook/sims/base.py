"""What a simulation is: an id, a typed parameter table, resources, and a function or an engine.

Instant sims map parameters to one frame (`compute(values, resources)`). Live sims own state that
evolves: `make(values, resources)` builds an engine (the `LiveSim` protocol); the same seed and
parameters give the same frames. Resources (trained models, datasets, caches of expensive work)
are built once by `setup(workers)` and handed to every call, so no engine keeps a module-level
cache; tests hand in small ones with `spec.load(resources)`. `workers` is where the sim may run
independent heavy jobs (`sims/workers.py`): the server's worker processes, or by default the
calling thread.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, Literal, Protocol, TypeVar, runtime_checkable

from deepbook.sims.frames import Frame
from deepbook.sims.params import Params
from deepbook.sims.workers import LOCAL, Workers

V = TypeVar("V")
R = TypeVar("R")
V_contra = TypeVar("V_contra", contravariant=True)


class LiveSim(Protocol[V_contra]):
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

    def update(self, values: V_contra) -> None:
        """Take new values that differ only in hot parameters, keeping the state."""
        ...

    def snapshot(self, since: int | None = None) -> Frame:
        """Everything (since None), or what changed after step `since`. The frame's meta carries
        "step" (= steps) and "full" (whether the view should start over from this frame)."""
        ...


@runtime_checkable
class Commands(Protocol):
    """A live engine that also takes commands beyond play, step and reset: its class names them in
    `COMMANDS` (e.g. the playground's ("edit", "export")), and `command(msg)` carries one out on
    the engine's worker, returning a JSON reply for the client ({"type": msg["type"], ...}) or
    None, or raising ParamError naming the field that was wrong. The session answers with a new
    frame after the commands, so an edit shows at once."""

    COMMANDS: tuple[str, ...]

    def command(self, msg: Mapping[str, object]) -> dict[str, Any] | None:
        """Carry out one command message."""
        ...


def commands_of(make: object) -> tuple[str, ...]:
    """The command types an engine class (a live spec's `make`) takes; () for none."""
    names = getattr(make, "COMMANDS", ())
    return tuple(names) if isinstance(names, tuple) else ()


def no_resources(workers: Workers = LOCAL) -> None:
    """The setup of a simulation that needs nothing loaded."""
    return None


@dataclass(frozen=True)
class SimSpec(Generic[V, R]):
    """Everything the rest of deepbook needs to know about one simulation."""

    id: str
    title: str
    chapter: str
    summary: str
    params: Params[V]
    kind: Literal["instant", "live"]
    compute: Callable[[V, R], Frame] | None = None
    make: Callable[[V, R], LiveSim[V]] | None = None
    setup: Callable[[Workers], R] = no_resources  # type: ignore[assignment]
    # parameters run once at start after the defaults (`Loaded.warm`), for first-call costs the
    # defaults do not pay (e.g. a fit that runs on every worker process only in another view)
    warm_with: tuple[Mapping[str, object], ...] = ()

    def __post_init__(self) -> None:
        if (self.kind == "instant") != (self.compute is not None) or (self.kind == "live") != (
            self.make is not None
        ):
            raise ValueError(f"sim {self.id}: instant sims need compute, live sims need make")

    def load(self, resources: R | None = None, workers: Workers = LOCAL) -> Loaded[V, R]:
        """This simulation with its resources (built by `setup(workers)` unless given)."""
        return Loaded(self, self.setup(workers) if resources is None else resources)

    def run(self, raw: Mapping[str, object]) -> Frame:
        """Validate raw parameters and compute an instant sim's frame (loads resources anew)."""
        return self.load().run(raw)

    def start(self, raw: Mapping[str, object]) -> LiveSim[V]:
        """Validate raw parameters and build a live sim's engine (loads resources anew)."""
        return self.load().start(raw)

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


@dataclass(frozen=True)
class Loaded(Generic[V, R]):
    """A simulation bound to its loaded resources: what the server runs."""

    spec: SimSpec[V, R]
    resources: R

    def frame(self, values: V) -> Frame:
        """An instant sim's frame for typed values."""
        assert self.spec.compute is not None, f"{self.spec.id} is a live simulation"
        return self.spec.compute(values, self.resources)

    def engine(self, values: V) -> LiveSim[V]:
        """A live sim's engine for typed values."""
        assert self.spec.make is not None, f"{self.spec.id} is an instant simulation"
        return self.spec.make(values, self.resources)

    def run(self, raw: Mapping[str, object]) -> Frame:
        return self.frame(self.spec.params.validate(raw))

    def start(self, raw: Mapping[str, object]) -> LiveSim[V]:
        return self.engine(self.spec.params.validate(raw))

    def warm(self) -> None:
        """Run once at the defaults (and at each of `warm_with`) so lazy imports and first-call
        costs are paid at start."""
        for raw in ({}, *self.spec.warm_with):
            values = self.spec.params.validate(raw)
            if self.spec.kind == "instant":
                self.frame(values)
            else:
                sim = self.engine(values)
                sim.step(2)
                sim.snapshot()


AnySpec = SimSpec[Any, Any]
