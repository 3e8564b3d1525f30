"""What a learner has done: answers to questions and simulations used, read back as progress.

Plain functions on a ``Session``; the caller owns the transaction (``with factory.begin() as s:``).
They flush, so ids are assigned, but never commit.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from deepbook.store.models import ID_LEN, KEY_LEN, KIND_LEN, Answer, Learner, SimEvent

USED = "used"


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


def _learner_id(learner: Learner) -> int:
    """Return the learner's id, refusing learners that were never stored."""
    if learner.id is None:
        raise ValueError("learner has no id: obtain it with get_or_create_learner()")
    return learner.id


def get_or_create_learner(s: Session, key: str = "default") -> Learner:
    """Return the learner with this key, creating it if needed (safe under concurrent calls)."""
    _check_id(key, "key", KEY_LEN)
    query = select(Learner).where(Learner.key == key)
    learner = s.scalars(query).one_or_none()
    if learner is not None:
        return learner
    try:
        # The savepoint keeps the caller's transaction usable if another session won the race.
        with s.begin_nested():
            learner = Learner(key=key)
            s.add(learner)
    except IntegrityError:
        return s.scalars(query).one()
    return learner


def record_answer(
    s: Session, learner: Learner, question_id: str, chapter: str, choice: int, correct: bool
) -> Answer:
    """Store one submission to a question (retries are new rows)."""
    _check_id(question_id, "question_id")
    _check_id(chapter, "chapter")
    if isinstance(choice, bool) or not isinstance(choice, int) or choice < 0:
        raise ValueError(f"choice must be a non-negative int, got {choice!r}")
    if not isinstance(correct, bool):
        raise ValueError(f"correct must be a bool, got {correct!r}")
    answer = Answer(
        learner_id=_learner_id(learner),
        question_id=question_id,
        chapter=chapter,
        choice=choice,
        correct=correct,
    )
    s.add(answer)
    s.flush()
    return answer


def latest_answers(s: Session, learner: Learner) -> dict[str, Answer]:
    """Return the latest answer to each question the learner answered, keyed by question id."""
    # Ids grow in insertion order, so they order submissions even when timestamps tie.
    last = (
        select(func.max(Answer.id))
        .where(Answer.learner_id == _learner_id(learner))
        .group_by(Answer.question_id)
    )
    rows = s.scalars(select(Answer).where(Answer.id.in_(last)))
    return {a.question_id: a for a in rows}


def first_try_correct(s: Session, learner: Learner) -> set[str]:
    """Return the ids of questions whose first answer was correct."""
    first = (
        select(func.min(Answer.id))
        .where(Answer.learner_id == _learner_id(learner))
        .group_by(Answer.question_id)
    )
    return set(s.scalars(select(Answer.question_id).where(Answer.id.in_(first), Answer.correct)))


def record_sim_event(
    s: Session, learner: Learner, sim_id: str, chapter: str | None, kind: str = USED
) -> SimEvent:
    """Store one interaction with a simulation; chapter is None on its standalone page."""
    _check_id(sim_id, "sim_id")
    if chapter is not None:
        _check_id(chapter, "chapter")
    _check_id(kind, "kind", KIND_LEN)
    event = SimEvent(learner_id=_learner_id(learner), sim_id=sim_id, chapter=chapter, kind=kind)
    s.add(event)
    s.flush()
    return event


def sims_used(s: Session, learner: Learner) -> set[str]:
    """Return the ids of simulations the learner has used (events of kind "used")."""
    query = select(SimEvent.sim_id).where(
        SimEvent.learner_id == _learner_id(learner), SimEvent.kind == USED
    )
    return set(s.scalars(query.distinct()))


def chapter_progress(s: Session, learner: Learner) -> dict[str, ChapterProgress]:
    """Return per-chapter counts of questions answered, correct now and correct first time."""
    latest = latest_answers(s, learner)
    first_ok = first_try_correct(s, learner)
    counts: defaultdict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for qid, answer in latest.items():  # a question counts under its latest answer's chapter
        c = counts[answer.chapter]
        c[0] += 1
        c[1] += answer.correct
        c[2] += qid in first_ok
    return {ch: ChapterProgress(ch, *counts[ch]) for ch in sorted(counts)}
