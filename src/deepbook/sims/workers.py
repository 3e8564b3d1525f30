"""Where a simulation's independent heavy jobs run: in the calling thread, or on worker processes.

`Workers()` (no processes; notebooks, tests, the default) runs each job at once in the caller's
thread. `Workers(n, modules)` runs them on n processes forked from a fork server that imported
`modules` first (so a new worker is ready at once and shares their memory), several jobs of one
request at a time: one click in `decision_boundaries` refits seven scikit-learn classifiers, in
about half the time on two cores. The server creates its workers and `start()`s them before it
imports torch, so the fork server's imports run on another core meanwhile, and only the workers
import scikit-learn.

A job is a module-level function and a picklable argument; it returns a picklable result. The
CPU time a job used in a worker is reported to `on_cpu` from the thread that asked for the result
(the server charges it to the client whose request it was). A worker that dies (killed, out of
memory) breaks the pool: it is started again and the job is run once more. A worker exits when
the process that started it does, even if that one was killed.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.connection
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Generic, TypeVar

J = TypeVar("J")
T = TypeVar("T")


def _context(modules: Sequence[str]) -> multiprocessing.context.ForkServerContext:
    ctx = multiprocessing.get_context("forkserver")
    # "__main__" too (multiprocessing's default): a worker would otherwise run the main script
    # (e.g. the `deepbook` command's) again as it starts, to find functions defined there
    ctx.set_forkserver_preload(["__main__", *modules])
    return ctx


def _begin() -> None:
    """In a worker, as it starts: one BLAS and one OpenMP thread (the workers are the
    parallelism), and a watch on the process that started it: when that process ends, even
    killed, this one exits too (a pool's workers would otherwise wait for jobs forever, and keep
    the fork server alive with them)."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    parent = multiprocessing.parent_process()
    if parent is not None:

        def watch() -> None:
            multiprocessing.connection.wait([parent.sentinel])
            os._exit(0)

        threading.Thread(target=watch, name="deepbook-parent-watch", daemon=True).start()


def _ready(_: object) -> None:
    """A job that does nothing: asking for it makes the pool start a worker."""


def _timed(fn: Callable[[J], T], job: J) -> tuple[T, float]:
    """In a worker: the job's result and the CPU seconds it took."""
    c0 = time.thread_time()
    out = fn(job)
    return out, time.thread_time() - c0


class Pending(Generic[T]):
    """A job under way; `result()` waits for it (and reports its CPU time to the asker)."""

    def __init__(self, workers: Workers, fn: Callable[[J], T], job: J) -> None:
        self._workers, self._fn, self._job = workers, fn, job
        self._future: Future[tuple[T, float]] | None = None
        if workers.processes == 0:  # here and now (the caller's thread pays, as it measures)
            self._future = Future()
            try:
                self._future.set_result((fn(job), 0.0))
            except Exception as e:
                self._future.set_exception(e)
        else:
            self._pool, self._future = workers._submit(fn, job)

    def result(self) -> T:
        """The job's result (its exception if it raised)."""
        assert self._future is not None
        if self._workers.processes == 0:
            return self._future.result()[0]
        try:
            out, cpu = self._future.result()
        except BrokenProcessPool:  # a worker died: a fresh pool runs the job once more
            self._workers._replace(self._pool)
            out, cpu = self._workers._submit(self._fn, self._job)[1].result()
        if self._workers.on_cpu is not None:
            self._workers.on_cpu(cpu)
        return out


class Workers:
    """Runs jobs here (processes=0) or on `processes` forked workers; see the module's text."""

    def __init__(
        self,
        processes: int = 0,
        modules: Sequence[str] = (),
        on_cpu: Callable[[float], None] | None = None,
    ) -> None:
        if processes < 0:
            raise ValueError(f"processes must be 0 or more, got {processes}")
        self.processes = processes
        self.modules = tuple(modules)
        self.on_cpu = on_cpu
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = self._new() if processes else None

    def _new(self) -> ProcessPoolExecutor:
        ctx = _context(self.modules)
        return ProcessPoolExecutor(self.processes, ctx, initializer=_begin)

    def start(self) -> threading.Thread:
        """Start every worker now, in the background (the pool would start them on first use,
        and the first job would wait for the fork server's imports). The thread ends when all
        of them are ready."""

        def run() -> None:
            with contextlib.suppress(RuntimeError):  # closed before they all started
                self.map(_ready, [None] * self.processes)

        thread = threading.Thread(target=run, name="deepbook-workers", daemon=True)
        thread.start()
        return thread

    def _replace(self, broken: ProcessPoolExecutor) -> None:
        """A fresh pool for a broken one (unless another thread has already made one)."""
        with self._lock:
            if self._pool is not broken:
                return
            self._pool = self._new()
        broken.shutdown(wait=False, cancel_futures=True)

    def _submit(
        self, fn: Callable[[J], T], job: J
    ) -> tuple[ProcessPoolExecutor, Future[tuple[T, float]]]:
        with self._lock:
            pool = self._pool
        if pool is None:
            raise RuntimeError("these workers are closed")
        try:
            return pool, pool.submit(_timed, fn, job)
        except BrokenProcessPool:
            self._replace(pool)
            return self._submit(fn, job)

    def submit(self, fn: Callable[[J], T], job: J) -> Pending[T]:
        """Start fn(job) (here: run it now); its result comes from `.result()`."""
        return Pending(self, fn, job)

    def map(self, fn: Callable[[J], T], jobs: Sequence[J]) -> list[T]:
        """fn of every job, in order; on workers, all of them under way at once."""
        pending = [self.submit(fn, job) for job in jobs]
        return [p.result() for p in pending]

    def close(self) -> None:
        """Stop the worker processes (jobs not yet begun are dropped)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)


LOCAL = Workers()  # jobs run in the caller's thread: what a notebook or a test gets
