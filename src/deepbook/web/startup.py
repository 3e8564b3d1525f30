"""What `deepbook serve` begins before it imports torch: the sims' worker processes, and on them
the course's rendering and the database's migration.

Importing torch keeps the server's process busy for over a second. Meanwhile, on another core,
the workers' fork server imports scikit-learn, then one worker renders the course (0.3 s) while
the other migrates the database (importing Alembic: 0.3 s); the server takes the rendered course
and the migrated database instead of doing both itself. `create_app` without them (tests, one core,
`--workers N`) does everything in its own process, as before.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from deepbook.settings import Settings
from deepbook.sims import WORKER_MODULES
from deepbook.sims.workers import Workers

if TYPE_CHECKING:
    from deepbook.content import Course

T = TypeVar("T")


@dataclass(frozen=True)
class Begun:
    """The worker processes, and the course and the migration under way on them."""

    workers: Workers
    course: Future[Course]
    migrated: Future[None]


def _settle(out: Future[T], fn: Callable[[], T]) -> None:
    try:
        out.set_result(fn())
    except BaseException as e:  # passed on to whoever waits for it
        out.set_exception(e)


def begin(settings: Settings) -> Begun | None:
    """Start the workers and, on them, the course and the migration (None: no worker processes
    are configured, so the server does both itself)."""
    if not settings.worker_processes:
        return None
    workers = Workers(settings.worker_processes, WORKER_MODULES)
    workers.start()
    begun = Begun(workers, Future(), Future())

    def run() -> None:  # on a thread: a job's first submit waits for the fork server
        from deepbook.content import load_course
        from deepbook.store import migrate_url

        try:
            course = workers.submit(load_course, settings.content_dir)
            migrated = workers.submit(migrate_url, settings.database_url)
        except BaseException as e:  # no workers: whoever waits learns why
            for f in (begun.course, begun.migrated):
                f.set_exception(e)
            return
        _settle(begun.course, course.result)
        _settle(begun.migrated, migrated.result)

    threading.Thread(target=run, name="deepbook-begin", daemon=True).start()
    return begun
