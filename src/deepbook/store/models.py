"""Tables of the learner progress store: learners, their answers and their use of simulations.

Every submission is its own row, so history (and first-try vs latest) is never lost. Summaries
(one row per learner and question, per learner and simulation) are kept in step by the writers in
``progress.py``, in the same transaction, so reading progress costs the same after 10 answers or
a million. The schema itself is created by the Alembic migrations in ``store/migrations``; keep
both in step.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, Dialect, ForeignKey, Index, MetaData, String, TypeDecorator
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

ID_LEN = 200  # question, chapter and sim ids
KEY_LEN = 128  # learner keys: "default" or a random cookie token
KIND_LEN = 32

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Return the current time as a timezone-aware UTC datetime."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Refuse naive datetimes and convert aware ones to UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("created_at must be timezone-aware")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Attach UTC to the naive values SQLite returns."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base carrying the shared constraint naming convention."""

    metadata = MetaData(naming_convention=NAMING)


class Learner(Base):
    """A reader, identified by a key ("default" locally, a cookie token on a shared server)."""

    __tablename__ = "learners"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(KEY_LEN), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Answer(Base):
    """One submission to a question; retries are new rows."""

    __tablename__ = "answers"
    __table_args__ = (Index("ix_answers_learner_id_question_id", "learner_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(String(ID_LEN))
    chapter: Mapped[str] = mapped_column(String(ID_LEN))
    choice: Mapped[int]  # index of the option picked
    correct: Mapped[bool]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class QuestionSummary(Base):
    """One learner's standing on one question: latest and first answer, number of attempts."""

    __tablename__ = "question_summaries"

    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), primary_key=True
    )
    question_id: Mapped[str] = mapped_column(String(ID_LEN), primary_key=True)
    chapter: Mapped[str] = mapped_column(String(ID_LEN))  # the latest answer's
    choice: Mapped[int]  # the latest answer's
    correct: Mapped[bool]  # the latest answer's
    first_correct: Mapped[bool]  # the first answer's
    attempts: Mapped[int]
    first_answer_id: Mapped[int]  # answers.id of the first and latest answer (ids grow in order)
    last_answer_id: Mapped[int]
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the latest answer's time


class SimSummary(Base):
    """How many events of one kind a learner sent for one simulation."""

    __tablename__ = "sim_summaries"

    learner_id: Mapped[int] = mapped_column(
        ForeignKey("learners.id", ondelete="CASCADE"), primary_key=True
    )
    sim_id: Mapped[str] = mapped_column(String(ID_LEN), primary_key=True)
    kind: Mapped[str] = mapped_column(String(KIND_LEN), primary_key=True)
    events: Mapped[int]


class SimEvent(Base):
    """A learner interacting with a simulation, inside a chapter or on its standalone page."""

    __tablename__ = "sim_events"
    __table_args__ = (Index("ix_sim_events_learner_id_sim_id", "learner_id", "sim_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("learners.id", ondelete="CASCADE"))
    sim_id: Mapped[str] = mapped_column(String(ID_LEN))
    chapter: Mapped[str | None] = mapped_column(String(ID_LEN))  # None on the standalone page
    kind: Mapped[str] = mapped_column(String(KIND_LEN))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
