"""Figures drawn once per theme and kept in memory, ready before the browser asks.

A figure is computed by real code on first use, and a few take a second or two (the playground's
trained creases train a network). So a chapter's page, when it is served, queues its figures to
be drawn on one background thread; the browser, asking for the images a moment later (they load
lazily, as the reader scrolls), finds them drawn or waits for the drawing already under way.
Nothing is drawn twice: a request for a figure still in the queue waits for that same job.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor

from deepbook.figures import FIGURES, THEMES, Figure


class FigureCache:
    """Figure bytes by file name (`<id>-<theme>.<ext>`), drawn by one background thread."""

    def __init__(self) -> None:
        self._jobs: dict[str, Future[bytes]] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="deepbook-figures")

    def _job(self, fig: Figure, theme: str) -> Future[bytes]:
        name = f"{fig.id}-{theme}.{fig.ext}"
        with self._lock:
            job = self._jobs.get(name)
            if job is None or (job.done() and job.exception() is not None):  # a failure: again
                job = self._jobs[name] = self._pool.submit(fig.draw, theme)
            return job

    def get(self, fig: Figure, theme: str) -> bytes:
        """The figure's bytes in a theme (drawn now, or by the job already queued)."""
        return self._job(fig, theme).result()

    def prefetch(self, ids: Iterable[str]) -> None:
        """Queue figures to be drawn in every theme, in page order, light first."""
        figs = [FIGURES[i] for i in ids if i in FIGURES]
        for theme in THEMES:
            for fig in figs:
                self._job(fig, theme)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
