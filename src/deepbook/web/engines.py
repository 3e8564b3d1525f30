"""Where live engines run: in the server process, or in engine processes of their own.

A live session's engine side (`Engine`: the `LiveSim`, the values it was built with, the step of
the last frame sent, the measured cost of a step) carries out a frame's `Plan` one unit at a time
(`Engine.unit`: at most `compute_slice_ms`, so other sessions get their turns), then snapshots
and encodes the frame. On a laptop (`live_processes` 0) the engines live in the server process
and units run on the live pool's thread. For a class (`live_processes` N; by default the number
of cores in cookie mode) N engine processes hold the engines: each session's engine lives in the
process that had the fewest sessions when it started, and each process has a pool (one thread)
of its own, whose thread sends the process a unit and waits for it without holding the GIL. The
engines then use every core while the server process does the transport; one process's Python
alone served 50 playground sessions 14 frames a second each (docs/performance.md).

Engine processes are spawned at start-up and load each live simulation once, in the background.
A unit that raises comes back as an error (the session reports it and goes on); a process that
dies is started again, and its sessions' next frames rebuild their engines from their values.
A process exits when the server's end of its pipe closes (the server stopped, even by SIGKILL).
"""

from __future__ import annotations

import itertools
import json
import logging
import multiprocessing
import multiprocessing.connection
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from deepbook.settings import Settings
from deepbook.sims import Commands, LiveSim, Loaded, ParamError, encode

log = logging.getLogger("deepbook.engines")
_session_ids = itertools.count(1)


def new_session_id() -> int:
    """A number no other session of this server had (engines are kept by it)."""
    return next(_session_ids)


def error_json(detail: str, param: str | None = None, command: str | None = None) -> str:
    """An error message (ASCII JSON: lone surrogates in a detail cannot break the send)."""
    msg = {"type": "error", "detail": detail, "param": param}
    if command:
        msg["command"] = command
    return json.dumps(msg)


@dataclass
class Plan:
    """What one frame does: fixed on the event loop, carried out in units by the engine."""

    values: Any
    params: bool  # new values: update in place if only hot ones changed, else rebuild
    reset: bool
    steps: int | None  # None: one frame's worth (`steps_per_frame`)
    cap: float  # CPU seconds the steps may take
    playing: bool
    seq: int
    commands: list[dict[str, Any]] = field(default_factory=list)  # carried out before the steps
    replies: list[str] = field(default_factory=list)  # the commands' replies, sent before the frame
    spent: float = 0.0


@dataclass
class Engine:
    """The engine side of one live session."""

    loaded: Loaded[Any, Any]
    slice_seconds: float
    sim: LiveSim[Any] | None = None
    built: Any = None  # the values the engine runs with
    shown: int | None = None  # the engine step of the last frame sent; None: send everything
    step_cost: float = 0.0  # seconds per engine step (wall clock), a running average

    def unit(self, plan: Plan) -> tuple[bytes, bool] | None:
        """Advance the plan by one slice: (frame, done) when finished, else None."""
        deadline = time.perf_counter() + self.slice_seconds
        if plan.params or self.sim is None:
            hot = self.sim is not None and self.loaded.spec.params.only_hot(self.built, plan.values)
            if hot:
                assert self.sim is not None
                self.sim.update(plan.values)
            else:
                self.sim, self.shown = self.loaded.engine(plan.values), None
                plan.steps, plan.reset = 0, False
            self.built, plan.params = plan.values, False
        sim = self.sim
        if plan.reset:
            sim.reset()
            self.shown, plan.reset = None, False
        for msg in plan.commands:
            plan.replies.append(self.command(sim, msg))
        plan.commands = []
        if plan.steps is None:
            plan.steps = sim.steps_per_frame
        while plan.steps > 0 and not sim.done:
            left = deadline - time.perf_counter()
            if left <= 0:
                return None  # other sessions take their turn
            left = min(left, plan.cap - plan.spent)
            n = min(plan.steps, max(1, int(left / self.step_cost))) if self.step_cost else 1
            t0, c0 = time.perf_counter(), time.thread_time()
            sim.step(n)
            dt = time.thread_time() - c0
            cost = max((time.perf_counter() - t0) / n, 1e-7)  # wall time: others wait for it
            self.step_cost = cost if not self.step_cost else 0.7 * self.step_cost + 0.3 * cost
            plan.spent += dt
            # no step that would overrun the cap is begun (but a frame has at least one)
            plan.steps = 0 if plan.spent + self.step_cost > plan.cap else plan.steps - n
        frame = sim.snapshot(self.shown)
        self.shown = sim.steps
        frame.meta |= {"seq": plan.seq, "playing": plan.playing and not sim.done}
        return encode(frame), sim.done

    @staticmethod
    def command(sim: LiveSim[Any], msg: dict[str, Any]) -> str:
        """Carry out one command on the engine: its reply, or the refusal, as JSON text."""
        assert isinstance(sim, Commands)
        try:
            reply = sim.command(msg)
        except ParamError as e:
            return error_json(str(e), e.name, msg["type"])
        return json.dumps(reply if reply is not None else {"type": msg["type"], "done": True})


# ---- engine processes ------------------------------------------------------------------------

Request = tuple[list[int], int, str, Plan]  # (sessions gone, session, sim id, plan)
Reply = tuple[str, Any, Plan, float]  # ("ok" | "error", out | message, plan, CPU seconds)


def _child(conn: multiprocessing.connection.Connection, settings: dict[str, Any]) -> None:
    """An engine process: load the live sims, then carry out units until the pipe closes."""
    import torch
    from threadpoolctl import threadpool_limits

    from deepbook.sims import REGISTRY

    s = Settings.model_validate(settings)
    torch.set_num_threads(s.torch_threads)
    threadpool_limits(s.torch_threads, user_api="blas")
    loaded: dict[str, Loaded[Any, Any]] = {}
    engines: dict[int, Engine] = {}

    def load(sim_id: str) -> Loaded[Any, Any]:
        if sim_id not in loaded:
            loaded[sim_id] = REGISTRY[sim_id].load()
            loaded[sim_id].warm()
        return loaded[sim_id]

    for sim_id in REGISTRY:  # warm before the first session needs them
        if REGISTRY[sim_id].kind == "live":
            load(sim_id)
    while True:
        try:
            gone, sid, sim_id, plan = conn.recv()
        except (EOFError, OSError):
            return  # the server is gone
        for old in gone:
            engines.pop(old, None)
        c0 = time.thread_time()
        status, out = "ok", None  # type: str, tuple[bytes, bool] | str | None
        try:
            engine = engines.get(sid)
            if engine is None:
                engine = engines[sid] = Engine(load(sim_id), s.compute_slice_ms / 1000)
            out = engine.unit(plan)
        except Exception as e:  # reported to the session, which goes on
            engines.pop(sid, None)
            status, out = "error", f"{type(e).__name__}: {e}"
        reply: Reply = (status, out, plan, time.thread_time() - c0)
        try:
            conn.send(reply)
        except (EOFError, OSError):
            return


class EngineProcess:
    """One engine process and the pipe to it; `sessions` counts those whose engines live there."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.sessions = 0
        self.gone: deque[int] = deque()  # sessions that ended: their engines go with the next unit
        self._lock = threading.Lock()
        self._start()

    def _start(self) -> None:
        ctx = multiprocessing.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(
            target=_child,
            args=(child, self.settings.model_dump()),
            name="deepbook-engines",
            daemon=True,
        )
        self.proc.start()
        child.close()

    def unit(self, sid: int, sim_id: str, plan: Plan) -> tuple[tuple[bytes, bool] | None, float]:
        """Carry out one unit of `plan` in the process (updating `plan`); (result, CPU seconds)."""
        with self._lock:
            gone = []
            while self.gone:
                gone.append(self.gone.popleft())
            try:
                self.conn.send((gone, sid, sim_id, plan))
                status, out, after, cpu = self.conn.recv()
            except (EOFError, OSError) as e:
                log.error("engine process %s stopped (%s); starting another", self.proc.pid, e)
                self.conn.close()
                self._start()
                raise RuntimeError("the engine process stopped; the run starts again") from None
        plan.__dict__.update(after.__dict__)
        if status == "error":
            raise RuntimeError(out)
        return out, cpu

    def close(self) -> None:
        """Stop the process (it would also stop on its own once the pipe closes)."""
        self.conn.close()
        self.proc.join(timeout=2)
        if self.proc.is_alive():
            self.proc.kill()
