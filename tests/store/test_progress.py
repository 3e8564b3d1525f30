"""Progress functions (deepbook.store.progress) on SQLite and PostgreSQL: the data survives,
learners are stored by their first write, and read transactions refuse to write."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from deepbook.store import (
    Answer,
    Base,
    ChapterProgress,
    Learner,
    ReadOnlyError,
    SimEvent,
    Store,
    chapter_progress,
    find_learner,
    first_try_correct,
    get_or_create_learner,
    latest_answers,
    record_answer,
    record_sim_event,
    sims_used,
)

Factory = Store
Count = Callable[[type[Base]], int]


def test_record_answer_and_read_it_back_in_a_new_session(factory: Factory) -> None:
    before = datetime.now(UTC)
    with factory.begin() as s:
        learner = get_or_create_learner(s)
        answer = record_answer(s, learner, "cnn-q1", "convolutions", 2, True)
        assert answer.id is not None  # flushed inside the caller's transaction
    with factory() as s:
        learner = get_or_create_learner(s)
        assert learner.key == "default"
        (got,) = latest_answers(s, learner).values()
        assert (got.question_id, got.chapter, got.choice, got.correct) == (
            "cnn-q1",
            "convolutions",
            2,
            True,
        )
        assert (got.learner_id, got.attempts, got.first_correct) == (learner.id, 1, True)
        assert got.first_answer_id == got.last_answer_id == answer.id
        for stamp in (got.answered_at, learner.created_at):
            assert stamp.tzinfo is not None and stamp.utcoffset() == timedelta(0)
            assert before - timedelta(seconds=1) <= stamp <= datetime.now(UTC)


def test_latest_and_first_try_follow_retries(factory: Factory, count: Count) -> None:
    with factory.begin() as s:
        me = get_or_create_learner(s)
        record_answer(s, me, "q1", "ch1", 0, False)  # wrong, then right
        record_answer(s, me, "q1", "ch1", 1, True)
        record_answer(s, me, "q2", "ch1", 3, True)  # right, then wrong
        record_answer(s, me, "q2", "ch1", 0, False)
        record_answer(s, me, "q3", "ch2", 2, True)  # right once
    with factory() as s:
        me = get_or_create_learner(s)
        latest = latest_answers(s, me)
        assert {q: (a.choice, a.correct) for q, a in latest.items()} == {
            "q1": (1, True),
            "q2": (0, False),
            "q3": (2, True),
        }
        assert first_try_correct(s, me) == {"q2", "q3"}
    assert count(Answer) == 5  # every submission is kept


def test_chapter_progress_counts_distinct_questions(factory: Factory) -> None:
    with factory.begin() as s:
        me = get_or_create_learner(s)
        assert chapter_progress(s, me) == {}
        for qid, chapter, correct in [
            ("a1", "ch-a", False),
            ("a1", "ch-a", True),
            ("a2", "ch-a", True),
            ("a3", "ch-a", False),
            ("b1", "ch-b", True),
            ("b1", "ch-b", False),
        ]:
            record_answer(s, me, qid, chapter, 0, correct)
        assert chapter_progress(s, me) == {
            "ch-a": ChapterProgress("ch-a", answered=3, correct=2, first_try_correct=1),
            "ch-b": ChapterProgress("ch-b", answered=1, correct=0, first_try_correct=1),
        }


def test_sims_used_counts_distinct_used_events(factory: Factory) -> None:
    with factory.begin() as s:
        me = get_or_create_learner(s)
        event_ = record_sim_event(s, me, "conv2d", "convolutions")
        record_sim_event(s, me, "conv2d", None)  # standalone page
        record_sim_event(s, me, "gan_game", None)
        record_sim_event(s, me, "vae_latent", "vae", kind="viewed")
        assert (event_.kind, event_.chapter) == ("used", "convolutions")
    with factory() as s:
        assert sims_used(s, get_or_create_learner(s)) == {"conv2d", "gan_game"}
        chapters = s.scalars(select(SimEvent.chapter).order_by(SimEvent.id)).all()
        assert chapters == ["convolutions", None, None, "vae"]


def test_learners_are_isolated(factory: Factory, count: Count) -> None:
    with factory.begin() as s:
        alice, bob = get_or_create_learner(s, "alice"), get_or_create_learner(s, "bob")
        record_answer(s, alice, "q1", "ch", 0, True)
        record_answer(s, bob, "q1", "ch", 1, False)
        record_answer(s, bob, "q2", "ch", 1, True)
        record_sim_event(s, alice, "mlp_train", "ch")
    with factory() as s:
        alice, bob = get_or_create_learner(s, "alice"), get_or_create_learner(s, "bob")
        assert alice.id != bob.id
        assert {q: a.correct for q, a in latest_answers(s, alice).items()} == {"q1": True}
        assert {q: a.correct for q, a in latest_answers(s, bob).items()} == {
            "q1": False,
            "q2": True,
        }
        assert first_try_correct(s, alice) == {"q1"}
        assert first_try_correct(s, bob) == {"q2"}
        assert sims_used(s, alice) == {"mlp_train"}
        assert sims_used(s, bob) == set()
        assert chapter_progress(s, get_or_create_learner(s, "carol")) == {}
    assert count(Learner) == 2  # carol's session was never committed


def test_get_or_create_learner_returns_the_same_row(factory: Factory, count: Count) -> None:
    with factory.begin() as s:
        first = get_or_create_learner(s, "tok")
        assert get_or_create_learner(s, "tok") is first
    with factory.begin() as s:
        assert get_or_create_learner(s, "tok").id == first.id
    assert count(Learner) == 1


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda s, me: get_or_create_learner(s, ""), "key"),
        (lambda s, me: get_or_create_learner(s, "k" * 129), "key"),
        (lambda s, me: record_answer(s, me, "", "ch", 0, True), "question_id"),
        (lambda s, me: record_answer(s, me, "  ", "ch", 0, True), "question_id"),
        (lambda s, me: record_answer(s, me, "q" * 201, "ch", 0, True), "question_id"),
        (lambda s, me: record_answer(s, me, "q1", "", 0, True), "chapter"),
        (lambda s, me: record_answer(s, me, "q1", "ch", -1, True), "choice"),
        (lambda s, me: record_answer(s, me, "q1", "ch", True, True), "choice"),
        (lambda s, me: record_answer(s, me, "q1", "ch", 0, 1), "correct"),
        (lambda s, me: record_answer(s, Learner(), "q1", "ch", 0, True), "learner"),
        (lambda s, me: record_sim_event(s, me, "", None), "sim_id"),
        (lambda s, me: record_sim_event(s, me, "conv2d", ""), "chapter"),
        (lambda s, me: record_sim_event(s, me, "conv2d", None, kind=""), "kind"),
    ],
)
def test_bad_input_is_refused_naming_the_argument(
    factory: Factory, call: Any, argument: str, count: Count
) -> None:
    with factory.begin() as s:
        me = get_or_create_learner(s)
        with pytest.raises(ValueError, match=rf"^{argument}\b"):
            call(s, me)
    assert count(Answer) == count(SimEvent) == 0


def test_foreign_keys_are_enforced(factory: Factory, count: Count) -> None:
    with pytest.raises(IntegrityError), factory.begin() as s:
        record_answer(s, Learner(id=999, key="ghost"), "q1", "ch", 0, True)
    assert count(Answer) == 0


def test_a_learner_is_stored_by_its_first_write_only(factory: Factory, count: Count) -> None:
    with factory.read() as s:
        me = find_learner(s, "newcomer")
        assert me.id is None and me.key == "newcomer"
        assert latest_answers(s, me) == {} and chapter_progress(s, me) == {}
        assert first_try_correct(s, me) == set() and sims_used(s, me) == set()
    with factory.begin() as s:  # reading in a write transaction does not store it either
        assert find_learner(s, "newcomer").id is None
    assert count(Learner) == 0
    with factory.begin() as s:
        me = find_learner(s, "newcomer")
        record_answer(s, me, "q1", "ch", 1, True)
        record_sim_event(s, me, "conv2d", None)  # the same unsaved object: one row, found again
    assert count(Learner) == 1
    with factory.read() as s:
        me = find_learner(s, "newcomer")
        assert me.id is not None
        assert {q: a.choice for q, a in latest_answers(s, me).items()} == {"q1": 1}
        assert sims_used(s, me) == {"conv2d"}


def test_read_transactions_refuse_to_write(factory: Factory, count: Count) -> None:
    with factory.begin() as s:
        record_answer(s, get_or_create_learner(s), "q1", "ch", 0, True)
    attempts: list[Any] = [
        lambda s: record_answer(s, find_learner(s), "q2", "ch", 0, True),
        lambda s: record_sim_event(s, find_learner(s), "conv2d", None),
        lambda s: get_or_create_learner(s, "someone-new"),
        lambda s: record_answer(s, find_learner(s, "someone-new"), "q2", "ch", 0, True),
        lambda s: (s.add(Learner(key="sneaky")), s.flush()),
    ]
    for attempt in attempts:
        with pytest.raises(ReadOnlyError), factory.read() as s:
            attempt(s)
    assert (count(Learner), count(Answer), count(SimEvent)) == (1, 1, 0)
    with factory.read() as s:  # and a read transaction that only reads commits quietly
        assert set(latest_answers(s, find_learner(s))) == {"q1"}


def test_latest_answers_are_fresh_within_one_session(factory: Factory) -> None:
    with factory.begin() as s:
        me = get_or_create_learner(s)
        record_answer(s, me, "q1", "ch", 0, False)
        assert latest_answers(s, me)["q1"].choice == 0
        record_answer(s, me, "q1", "ch", 2, True)  # the summary row changes under the session
        got = latest_answers(s, me)["q1"]
        assert (got.choice, got.correct, got.first_correct, got.attempts) == (2, True, False, 2)
