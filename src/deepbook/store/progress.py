"""What a learner has done: answers to questions and simulations used, read back as progress.

Plain functions on a ``Session``; the caller owns the transaction: ``with factory.begin() as s:``
to write, ``with factory.read() as s:`` to only read (see ``db.Store``). They flush, so ids are
assigned, but never commit.

Learners come into being with their first write: ``find_learner`` returns the stored learner or
an unsaved one (``id`` None) whose progress reads as empty, and ``record_answer`` or
``record_sim_event`` stores it. Each write also updates its summary row (``question_summaries``,
``sim_summaries``) in the same transaction, so the readers here never scan a learner's history.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Insert, Table, bindparam, case, delete, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from deepbook.store.models import (
    ID_LEN,
    KEY_LEN,
    KIND_LEN,
    Answer,
    Base,
    Learner,
    QuestionSummary,
    SimEvent,
    SimSummary,
)

USED = "used"
SIM_KEYS = ("learner_id", "sim_id", "kind")  # primary key of sim_summaries
READ_ONLY = "deepbook_read_only"  # Session.info flag of read transactions (db.Store.read)


class ReadOnlyError(RuntimeError):
    """A write was attempted in a read transaction (``factory.read()``)."""


@dataclass(frozen=True, slots=True)
class ChapterProgress:
    """Counts of distinct questions for one chapter."""

    chapter: str
    answered: int  # questions answered at least once
    correct: int  # questions whose latest answer is correct
    first_try_correct: int  # questions whose first answer was correct


def _check_id(value: object, name: str, max_len: int = ID_LEN) -> None:
    """Raise ValueError unless value is a non-empty string of at most max_len characters."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} must be a non-empty string, got {value!r}")
    if len(value) > max_len:
        raise ValueError(f"{name} must be at most {max_len} characters, got {len(value)}")


def _check_writable(s: Session) -> None:
    """Refuse to write in a read transaction."""
    if s.info.get(READ_ONLY):
        raise ReadOnlyError("this is a read transaction: write inside factory.begin()")


def _stored_id(s: Session, learner: Learner) -> int:
    """Return the learner's id, storing an unsaved learner (from find_learner) first."""
    if learner.id is not None:
        return learner.id
    if not isinstance(learner.key, str):
        raise ValueError("learner has no id and no key: obtain it with find_learner()")
    return get_or_create_learner(s, learner.key).id


def find_learner(s: Session, key: str = "default") -> Learner:
    """Return the stored learner with this key, or an unsaved one that its first write stores."""
    _check_id(key, "key", KEY_LEN)
    found = s.scalars(select(Learner).where(Learner.key == key)).one_or_none()
    return found if found is not None else Learner(key=key)


def get_or_create_learner(s: Session, key: str = "default") -> Learner:
    """Return the learner with this key, creating it if needed (safe under concurrent calls)."""
    _check_id(key, "key", KEY_LEN)
    query = select(Learner).where(Learner.key == key)
    learner = s.scalars(query).one_or_none()
    if learner is not None:
        return learner
    _check_writable(s)
    try:
        # The savepoint keeps the caller's transaction usable if another session won the race.
        with s.begin_nested():
            learner = Learner(key=key)
            s.add(learner)
    except IntegrityError:
        return s.scalars(query).one()
    return learner


def _insert_for(s: Session) -> Callable[[Table], Any]:
    """The dialect's ``insert`` (the one with ``on_conflict_do_update``) for the session's bind."""
    name = s.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert
    if name == "sqlite":
        return sqlite.insert
    raise NotImplementedError(f"deepbook's store supports SQLite and PostgreSQL, not {name}")


# Built once per dialect: a statement built per call costs more than the write itself.
_ANSWER_UPSERTS: dict[str, Any] = {}
_SIM_UPSERTS: dict[str, Any] = {}
QUESTION_COLUMNS = (
    *("learner_id", "question_id", "chapter", "choice", "correct", "first_correct"),
    *("attempts", "first_answer_id", "last_answer_id", "answered_at"),
)


def _answer_upsert(s: Session) -> Any:
    """INSERT a question's first summary, or fold a later answer into it (one statement)."""
    name = s.get_bind().dialect.name
    if name not in _ANSWER_UPSERTS:
        table = Base.metadata.tables[QuestionSummary.__tablename__]
        t = table.c
        ins = _insert_for(s)(table).values(
            {c: bindparam(c, type_=t[c].type) for c in QUESTION_COLUMNS}
        )
        new = ins.excluded
        # Compare ids rather than trust arrival order: on PostgreSQL two transactions answering
        # the same question can commit in the other order than their ids; the summary follows ids.
        later = new.last_answer_id > t.last_answer_id
        earlier = new.first_answer_id < t.first_answer_id
        latest = ("chapter", "choice", "correct", "last_answer_id", "answered_at")
        first = ("first_correct", "first_answer_id")
        updates: dict[str, Any] = {c: case((later, new[c]), else_=t[c]) for c in latest}
        updates |= {c: case((earlier, new[c]), else_=t[c]) for c in first}
        updates["attempts"] = t.attempts + 1
        key = ["learner_id", "question_id"]
        _ANSWER_UPSERTS[name] = ins.on_conflict_do_update(index_elements=key, set_=updates)
    return _ANSWER_UPSERTS[name]


def _sim_upsert(s: Session) -> Any:
    """INSERT a simulation's first summary, or count one more event in it (one statement)."""
    name = s.get_bind().dialect.name
    if name not in _SIM_UPSERTS:
        table = Base.metadata.tables[SimSummary.__tablename__]
        params = {c: bindparam(c, type_=table.c[c].type) for c in SIM_KEYS}
        ins = _insert_for(s)(table).values({**params, "events": 1})
        count = {"events": table.c.events + 1}
        _SIM_UPSERTS[name] = ins.on_conflict_do_update(index_elements=list(SIM_KEYS), set_=count)
    return _SIM_UPSERTS[name]


def record_answer(
    s: Session, learner: Learner, question_id: str, chapter: str, choice: int, correct: bool
) -> Answer:
    """Store one submission to a question (retries are new rows) and update its summary.

    The summary row stays locked until the transaction ends. On PostgreSQL, transactions that
    answer several questions should answer them in one order (say, sorted by question id), or
    two of them answering the same questions in opposite orders can deadlock.
    """
    _check_id(question_id, "question_id")
    _check_id(chapter, "chapter")
    if isinstance(choice, bool) or not isinstance(choice, int) or choice < 0:
        raise ValueError(f"choice must be a non-negative int, got {choice!r}")
    if not isinstance(correct, bool):
        raise ValueError(f"correct must be a bool, got {correct!r}")
    _check_writable(s)
    answer = Answer(
        learner_id=_stored_id(s, learner),
        question_id=question_id,
        chapter=chapter,
        choice=choice,
        correct=correct,
    )
    s.add(answer)
    s.flush()
    s.execute(
        _answer_upsert(s),
        {
            "learner_id": answer.learner_id,
            "question_id": question_id,
            "chapter": chapter,
            "choice": choice,
            "correct": correct,
            "first_correct": correct,
            "attempts": 1,
            "first_answer_id": answer.id,
            "last_answer_id": answer.id,
            "answered_at": answer.created_at,
        },
    )
    return answer


def attempts(s: Session, answer: Answer) -> int:
    """How many times this answer's learner has answered its question, this answer included."""
    query = select(QuestionSummary.attempts).where(
        QuestionSummary.learner_id == answer.learner_id,
        QuestionSummary.question_id == answer.question_id,
    )
    return int(s.scalar(query) or 0)


def latest_answers(s: Session, learner: Learner) -> dict[str, QuestionSummary]:
    """Return each answered question's summary (latest choice and correctness), by question id."""
    if learner.id is None:
        return {}
    query = (
        select(QuestionSummary)
        .where(QuestionSummary.learner_id == learner.id)
        .execution_options(populate_existing=True)  # summaries change by Core upserts
    )
    return {q.question_id: q for q in s.scalars(query)}


def first_try_correct(s: Session, learner: Learner) -> set[str]:
    """Return the ids of questions whose first answer was correct."""
    if learner.id is None:
        return set()
    query = select(QuestionSummary.question_id).where(
        QuestionSummary.learner_id == learner.id, QuestionSummary.first_correct
    )
    return set(s.scalars(query))


def record_sim_event(
    s: Session, learner: Learner, sim_id: str, chapter: str | None, kind: str = USED
) -> SimEvent:
    """Store one interaction with a simulation; chapter is None on its standalone page."""
    _check_id(sim_id, "sim_id")
    if chapter is not None:
        _check_id(chapter, "chapter")
    _check_id(kind, "kind", KIND_LEN)
    _check_writable(s)
    event = SimEvent(learner_id=_stored_id(s, learner), sim_id=sim_id, chapter=chapter, kind=kind)
    s.add(event)
    s.flush()
    s.execute(_sim_upsert(s), {"learner_id": event.learner_id, "sim_id": sim_id, "kind": kind})
    return event


def sims_used(s: Session, learner: Learner) -> set[str]:
    """Return the ids of simulations the learner has used (events of kind "used")."""
    if learner.id is None:
        return set()
    query = select(SimSummary.sim_id).where(
        SimSummary.learner_id == learner.id, SimSummary.kind == USED
    )
    return set(s.scalars(query))


def chapter_progress(s: Session, learner: Learner) -> dict[str, ChapterProgress]:
    """Return per-chapter counts of questions answered, correct now and correct first time."""
    if learner.id is None:
        return {}
    q = QuestionSummary
    query = (  # a question counts under its latest answer's chapter
        select(
            q.chapter,
            func.count(),
            func.sum(case((q.correct, 1), else_=0)),
            func.sum(case((q.first_correct, 1), else_=0)),
        )
        .where(q.learner_id == learner.id)
        .group_by(q.chapter)
    )
    rows = sorted(s.execute(query).all())
    return {ch: ChapterProgress(ch, n, int(ok), int(first)) for ch, n, ok, first in rows}


def _rebuild_statements() -> list[Insert]:
    """The INSERT … SELECTs that derive every summary row from the full history."""
    a = Answer
    g = (
        select(
            a.learner_id,
            a.question_id,
            func.min(a.id).label("first_id"),
            func.max(a.id).label("last_id"),
            func.count().label("n"),
        )
        .group_by(a.learner_id, a.question_id)
        .subquery()
    )
    last, first = aliased(Answer), aliased(Answer)
    questions = (
        select(
            g.c.learner_id,
            g.c.question_id,
            last.chapter,
            last.choice,
            last.correct,
            first.correct,
            g.c.n,
            g.c.first_id,
            g.c.last_id,
            last.created_at,
        )
        .join(last, last.id == g.c.last_id)
        .join(first, first.id == g.c.first_id)
    )
    e = SimEvent
    sims = select(e.learner_id, e.sim_id, e.kind, func.count()).group_by(
        e.learner_id, e.sim_id, e.kind
    )
    return [
        insert(QuestionSummary).from_select(QUESTION_COLUMNS, questions),
        insert(SimSummary).from_select([*SIM_KEYS, "events"], sims),
    ]


def rebuild_summaries(s: Session) -> None:
    """Recompute every summary row from answers and sim_events (after restoring or bulk loading)."""
    _check_writable(s)
    s.execute(delete(QuestionSummary))
    s.execute(delete(SimSummary))
    for stmt in _rebuild_statements():
        s.execute(stmt)
