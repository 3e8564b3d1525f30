"""Who may use how much: per-client session caps, and fair, budgeted compute on few cores.

A client is a learner (cookie mode) at a network address; `Registry` caps live sessions per
server, per address and per learner (an anonymous client counts as its address). Live and instant
frames run on two pools of worker threads (`live_threads`, `instant_threads`), never on the event
loop, in units of a few milliseconds (a live frame's steps are cut into slices). Each pool serves
clients in start-time fair order (Goyal et al., "Start-time fair queueing", 1996): the client that
has used the least CPU time goes next, so a learner with six busy sessions gets the same turns as a
learner with one, and a client runs one unit at a time per pool. Every unit is charged, in CPU time
it actually used (`time.thread_time`), to its client's budget, a token bucket of CPU seconds shared
by both pools: a client over budget waits for the bucket to refill, even on an idle machine.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from starlette.requests import HTTPConnection

from deepbook.settings import Settings
from deepbook.web.learners import signed_learner

if TYPE_CHECKING:
    from deepbook.web.engines import EngineProcess

T = TypeVar("T")
_unit = threading.local()  # CPU a pool unit had done elsewhere (an engine process), in seconds


def report_cpu(seconds: float) -> None:
    """Charge the running unit with CPU time it used outside this thread (a process's)."""
    _unit.cpu = getattr(_unit, "cpu", 0.0) + seconds


@dataclass(frozen=True)
class Client:
    """Who asks: a network address and, in cookie mode, the learner the browser's cookie names."""

    address: str
    learner: str | None = None

    @property
    def key(self) -> str:
        """The unit of fairness, budgets and the per-client cap."""
        return f"{self.learner}@{self.address}" if self.learner else self.address


def client_of(conn: HTTPConnection) -> Client:
    """The client of an HTTP request or a WebSocket: its peer address and its learner, if the
    request carries a key this server signed (never one issued just now: those cost nothing)."""
    return Client(conn.client.host if conn.client else "?", signed_learner(conn))


@dataclass
class Bucket:
    """A token bucket: `rate` tokens a second up to `burst`; taking may run into debt."""

    rate: float
    burst: float
    tokens: float = math.nan  # nan: full
    when: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        if math.isnan(self.tokens):
            self.tokens = self.burst

    def refill(self, now: float) -> float:
        """The tokens there are now."""
        self.tokens = min(self.burst, self.tokens + (now - self.when) * self.rate)
        self.when = now
        return self.tokens

    def take(self, now: float, amount: float = 1.0) -> float:
        """Take `amount`; what is left (below zero: a debt)."""
        self.tokens = self.refill(now) - amount
        return self.tokens

    def delay(self, now: float, amount: float = 1.0) -> float:
        """Seconds until `amount` tokens are there."""
        return max(0.0, (amount - self.refill(now)) / self.rate)


class Budgets:
    """A bucket of CPU seconds per client, `rate` a second up to `burst` (thread-safe)."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst = rate, burst
        self._lock = threading.Lock()
        self._buckets: dict[str, Bucket] = {}
        self._charges = 0

    def wait(self, key: str) -> float:
        """Seconds until `key` may run again (0: now): while its bucket holds anything."""
        with self._lock:
            bucket = self._buckets.get(key)
            left = bucket.refill(time.monotonic()) if bucket else self.burst
        return 0.0 if left > 0 else -left / self.rate + 1e-3

    def charge(self, key: str, seconds: float) -> None:
        """Take `seconds` of CPU time from `key`'s bucket (it may go below zero: a debt)."""
        now = time.monotonic()
        with self._lock:
            bucket = self._buckets.setdefault(key, Bucket(self.rate, self.burst, when=now))
            bucket.take(now, seconds)
            self._charges += 1
            if self._charges % 1024 == 0:  # forget full buckets: they are as good as new ones
                for k in [k for k, b in self._buckets.items() if b.refill(now) >= self.burst]:
                    del self._buckets[k]

    def __len__(self) -> int:
        return len(self._buckets)


class Registry:
    """Counts open live sessions per server, per learner (or anonymous address) and per address."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.by_client: Counter[str] = Counter()  # "learner:<key>" or "address:<ip>"
        self.by_address: Counter[str] = Counter()

    @staticmethod
    def _who(client: Client) -> str:
        return f"learner:{client.learner}" if client.learner else f"address:{client.address}"

    def admit(self, client: Client) -> str | None:
        """None if a new session may open (and counts it), else why not."""
        s = self.settings
        if self.by_address.total() >= s.max_live_sessions:
            return f"the server runs {s.max_live_sessions} live sessions already"
        if self.by_address[client.address] >= s.max_live_per_address:
            return f"this address has {s.max_live_per_address} live sessions open already"
        if self.by_client[self._who(client)] >= s.max_live_per_client:
            return f"this client has {s.max_live_per_client} live sessions open already"
        self.by_client[self._who(client)] += 1
        self.by_address[client.address] += 1
        return None

    def release(self, client: Client) -> None:
        """Forget one session of this client."""
        for counter, key in (
            (self.by_client, self._who(client)),
            (self.by_address, client.address),
        ):
            counter[key] -= 1
            if counter[key] <= 0:
                del counter[key]


@dataclass(eq=False)
class _Job(Generic[T]):
    """One unit of work of one client, and the future its caller awaits."""

    key: str
    fn: Callable[[], T]
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[T]
    cancelled: bool = False  # the caller stopped waiting: skip it


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    """Hand a unit's outcome to its caller (on the caller's event loop)."""
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


class Busy(Exception):
    """A client has too much work waiting already."""


@dataclass
class Pool:
    """Worker threads (started on demand, gone when idle) serving clients in fair order."""

    name: str
    threads: int
    budgets: Budgets
    idle_exit: float = 30.0  # seconds a worker waits for work before it ends
    _cond: threading.Condition = field(default_factory=threading.Condition)
    _queues: dict[str, deque[_Job[Any]]] = field(default_factory=dict)
    _tags: dict[str, float] = field(default_factory=dict)  # CPU seconds served, per client
    _virtual: float = 0.0  # the tag of the client served last
    _running: set[str] = field(default_factory=set)
    _workers: int = 0
    _idle: int = 0
    _served: int = 0
    # live sessions seen playing, with when (kept by the sessions, on the event loop)
    playing: dict[int, float] = field(default_factory=dict)

    def waiting(self, key: str) -> int:
        """Units of `key` queued, not yet running."""
        with self._cond:
            return len(self._queues.get(key, ()))

    async def run(self, key: str, fn: Callable[[], T], limit: int | None = None) -> T:
        """Run fn on a worker in `key`'s fair turn; Busy if `limit` units of key wait already."""
        loop = asyncio.get_running_loop()
        job = _Job(key, fn, loop, loop.create_future())
        with self._cond:
            queue = self._queues.get(key)
            if queue is None:
                queue = self._queues[key] = deque()
                self._tags[key] = max(self._tags.get(key, 0.0), self._virtual)
            if limit is not None and len(queue) >= limit:
                raise Busy(key)
            queue.append(job)
            if self._idle == 0 and self._workers < self.threads:
                self._workers += 1
                threading.Thread(
                    target=self._work, name=f"{self.name}-compute", daemon=True
                ).start()
            self._cond.notify()
        try:
            result: T = await job.future
            return result
        except asyncio.CancelledError:
            job.cancelled = True
            raise

    def _pick(self) -> tuple[_Job[Any] | None, float | None]:
        """The next job in fair order, or how long until a client's budget allows one."""
        best: str | None = None
        for key in self._queues:  # the least served client whose budget allows it
            if key in self._running or (best and self._tags[key] >= self._tags[best]):
                continue
            if self.budgets.wait(key) == 0:  # asked only of a new best: few per pick
                best = key
        if best is None:
            waits = [self.budgets.wait(k) for k in self._queues if k not in self._running]
            return None, min(waits, default=None)
        queue = self._queues[best]
        job = queue.popleft()
        if not queue:
            del self._queues[best]
        self._virtual = max(self._virtual, self._tags[best])
        self._running.add(best)
        return job, None

    def _work(self) -> None:
        """A worker thread: take jobs in fair order until idle for `idle_exit` seconds."""
        while True:
            with self._cond:
                idle_since = time.monotonic()
                while True:
                    job, wait = self._pick()
                    if job is not None:
                        break
                    if not self._queues and time.monotonic() - idle_since > self.idle_exit:
                        self._workers -= 1
                        return
                    self._idle += 1
                    self._cond.wait(wait if wait is not None else self.idle_exit)
                    self._idle -= 1
            self._serve(job)

    def _serve(self, job: _Job[Any]) -> None:
        """Run one job (unless its caller left), charge its CPU time, hand back the outcome."""
        result: Any = None
        error: BaseException | None = None
        cpu, _unit.cpu = time.thread_time(), 0.0
        if not job.cancelled:
            try:
                result = job.fn()
            except Exception as e:  # handed to the caller, who decides what it means
                error = e
        cpu = time.thread_time() - cpu + _unit.cpu
        self.budgets.charge(job.key, cpu)
        with self._cond:
            self._running.discard(job.key)
            self._tags[job.key] = self._tags.get(job.key, self._virtual) + cpu
            self._served += 1
            if self._served % 1024 == 0:  # a tag behind the virtual time is as good as none
                busy = self._queues.keys() | self._running
                for k in [k for k, t in self._tags.items() if t <= self._virtual and k not in busy]:
                    del self._tags[k]
            self._cond.notify()
        if not job.cancelled:
            with contextlib.suppress(RuntimeError):  # a closed loop: nobody is waiting
                job.loop.call_soon_threadsafe(_settle, job.future, result, error)


@dataclass
class Compute:
    """The live and instant pools of one app, sharing one budget per client, and the engine
    processes (`web/engines.py`) with a live pool each, if live engines run in processes."""

    live: Pool
    instant: Pool
    budgets: Budgets
    processes: list[tuple[EngineProcess, Pool]] = field(default_factory=list)

    def start_processes(self, settings: Settings) -> None:
        """Spawn the engine processes the settings ask for (none on a laptop)."""
        from deepbook.web.engines import EngineProcess

        for i in range(settings.engine_processes - len(self.processes)):
            pool = Pool(f"live-{i}", 1, self.budgets)
            self.processes.append((EngineProcess(settings), pool))

    def live_place(self) -> tuple[Pool, EngineProcess | None]:
        """Where a new live session's engine runs: the engine process with the fewest sessions
        (and its pool), or this process's live pool. The caller counts the session there."""
        if not self.processes:
            return self.live, None
        proc, pool = min(self.processes, key=lambda pp: pp[0].sessions)
        return pool, proc

    def close(self) -> None:
        """Stop the engine processes."""
        for proc, _ in self.processes:
            proc.close()
        self.processes.clear()

    @classmethod
    def from_settings(cls, settings: Settings) -> Compute:
        """Pools sized by the settings (their threads start on first use)."""
        share = settings.client_cpu_share
        if settings.learner_mode == "single":  # a laptop: the one learner may use every core
            share = max(share, float(os.cpu_count() or 1))
        budgets = Budgets(share, settings.client_cpu_burst)
        return cls(
            Pool("live", settings.live_threads, budgets),
            Pool("instant", settings.instant_threads, budgets),
            budgets,
        )


def compute_of(state: Any, settings: Settings) -> Compute:
    """The app's pools (`app.state.compute`), made on first use."""
    pools: Compute | None = getattr(state, "compute", None)
    if pools is None:
        pools = state.compute = Compute.from_settings(settings)
    return pools
