"""What `deepbook serve` begins before it imports torch: the sims' worker processes, and on one
of them the course's rendering.

Importing torch keeps the server's process busy for over a second. Meanwhile, on another core,
the workers' fork server imports scikit-learn, then a worker renders the course (0.3 s); the
server takes the rendered course instead of rendering it itself. `create_app` without it (tests,
one core, `--workers N`) renders the course in its own process, as before.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING

from deepbook.settings import Settings
from deepbook.sims import WORKER_MODULES
from deepbook.sims.workers import Workers

if TYPE_CHECKING:
    from deepbook.content import Course


@dataclass(frozen=True)
class Begun:
    """The worker processes, and the course being rendered on one of them."""

    workers: Workers
    course: Future[Course]


def start_workers(settings: Settings) -> Workers:
    """The sims' worker processes (sims/workers.py), started in the background."""
    workers = Workers(settings.worker_processes, WORKER_MODULES)
    workers.start()
    return workers


def begin(settings: Settings) -> Begun | None:
    """Start the workers and, on one, the course (None: no worker processes are configured, so
    the server renders the course itself)."""
    if not settings.worker_processes:
        return None
    workers = start_workers(settings)
    begun = Begun(workers, Future())

    def run() -> None:  # on a thread: a job's first submit waits for the fork server
        try:
            from deepbook.content import load_course

            begun.course.set_result(workers.submit(load_course, settings.content_dir).result())
        except BaseException as e:  # whoever waits for the course learns why
            begun.course.set_exception(e)

    threading.Thread(target=run, name="deepbook-begin", daemon=True).start()
    return begun
