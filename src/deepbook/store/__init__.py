"""Learner progress store: SQLAlchemy models, engine set-up, migrations and progress queries.

SQLite (WAL) in the user's data directory by default, PostgreSQL by URL. Typical use::

    engine = make_engine(default_sqlite_url()); migrate(engine); factory = make_sessionmaker(engine)
"""

from deepbook.store.db import default_sqlite_url, make_engine, make_sessionmaker, migrate
from deepbook.store.models import Answer, Base, Learner, SimEvent
from deepbook.store.progress import (
    ChapterProgress,
    chapter_progress,
    first_try_correct,
    get_or_create_learner,
    latest_answers,
    record_answer,
    record_sim_event,
    sims_used,
)

__all__ = [
    "Answer",
    "Base",
    "ChapterProgress",
    "Learner",
    "SimEvent",
    "chapter_progress",
    "default_sqlite_url",
    "first_try_correct",
    "get_or_create_learner",
    "latest_answers",
    "make_engine",
    "make_sessionmaker",
    "migrate",
    "record_answer",
    "record_sim_event",
    "sims_used",
]
