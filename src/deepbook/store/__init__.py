"""Learner progress store: SQLAlchemy models, engine set-up, migrations and progress queries.

SQLite (WAL) in the user's data directory by default, PostgreSQL by URL. Typical use::

    engine = make_engine(default_sqlite_url()); migrate(engine); store = make_sessionmaker(engine)
    with store.begin() as s:  # a write
        record_answer(s, find_learner(s, key), "q1", "chapter", 2, True)
    with store.read() as s:  # a read: no write lock on SQLite
        progress = chapter_progress(s, find_learner(s, key))
"""

from deepbook.store.db import Store, default_sqlite_url, make_engine, make_sessionmaker, migrate
from deepbook.store.models import (
    Answer,
    Base,
    Learner,
    QuestionSummary,
    SimEvent,
    SimSummary,
)
from deepbook.store.progress import (
    ChapterProgress,
    ReadOnlyError,
    attempts,
    chapter_progress,
    find_learner,
    first_try_correct,
    get_or_create_learner,
    latest_answers,
    rebuild_summaries,
    record_answer,
    record_sim_event,
    sims_used,
)

__all__ = [
    "Answer",
    "Base",
    "ChapterProgress",
    "Learner",
    "QuestionSummary",
    "ReadOnlyError",
    "SimEvent",
    "SimSummary",
    "Store",
    "attempts",
    "chapter_progress",
    "default_sqlite_url",
    "find_learner",
    "first_try_correct",
    "get_or_create_learner",
    "latest_answers",
    "make_engine",
    "make_sessionmaker",
    "migrate",
    "rebuild_summaries",
    "record_answer",
    "record_sim_event",
    "sims_used",
]
