"""Summaries (question_summaries, sim_summaries) always equal what a full scan of the history gives.

The oracle recomputes every summary from all answers and sim events in Python; it is checked
after random answers, concurrent answers to the same question, the 0002 migration's backfill and
``rebuild_summaries``. Runs on SQLite and PostgreSQL like the rest of tests/store.
"""

from __future__ import annotations

import random
import threading
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from alembic import command
from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import Session

from deepbook.store import (
    Answer,
    Base,
    ChapterProgress,
    Learner,
    QuestionSummary,
    SimEvent,
    SimSummary,
    Store,
    chapter_progress,
    find_learner,
    first_try_correct,
    get_or_create_learner,
    latest_answers,
    migrate,
    rebuild_summaries,
    record_answer,
    record_sim_event,
    sims_used,
)
from deepbook.store.db import alembic_config

Count = Callable[[type[Base]], int]
QKEY = ("learner_id", "question_id")
QFIELDS = ("chapter", "choice", "correct", "first_correct", "attempts")
QFIELDS += ("first_answer_id", "last_answer_id", "answered_at")


def oracle_questions(s: Session) -> dict[tuple[int, str], tuple[Any, ...]]:
    """Every question summary, recomputed from the full answer history."""
    by_question: defaultdict[tuple[int, str], list[Answer]] = defaultdict(list)
    for a in s.scalars(select(Answer).order_by(Answer.id)):
        by_question[a.learner_id, a.question_id].append(a)
    out = {}
    for key, answers in by_question.items():
        first, last = answers[0], answers[-1]
        out[key] = (last.chapter, last.choice, last.correct, first.correct, len(answers))
        out[key] += (first.id, last.id, last.created_at)
    return out


def stored_questions(s: Session) -> dict[tuple[int, str], tuple[Any, ...]]:
    """Every question summary as stored."""
    rows = s.scalars(select(QuestionSummary).execution_options(populate_existing=True))
    return {(r.learner_id, r.question_id): tuple(getattr(r, f) for f in QFIELDS) for r in rows}


def oracle_sims(s: Session) -> dict[tuple[int, str, str], int]:
    """Every sim summary (event counts), recomputed from the full event history."""
    out: defaultdict[tuple[int, str, str], int] = defaultdict(int)
    for e in s.scalars(select(SimEvent)):
        out[e.learner_id, e.sim_id, e.kind] += 1
    return dict(out)


def stored_sims(s: Session) -> dict[tuple[int, str, str], int]:
    """Every sim summary as stored."""
    rows = s.scalars(select(SimSummary).execution_options(populate_existing=True))
    return {(r.learner_id, r.sim_id, r.kind): r.events for r in rows}


def oracle_chapters(s: Session, learner: Learner) -> dict[str, ChapterProgress]:
    """chapter_progress the way it was computed before summaries: from every answer."""
    latest: dict[str, Answer] = {}
    first: dict[str, Answer] = {}
    for a in s.scalars(select(Answer).where(Answer.learner_id == learner.id).order_by(Answer.id)):
        latest[a.question_id] = a
        first.setdefault(a.question_id, a)
    counts: defaultdict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for qid, a in latest.items():
        c = counts[a.chapter]
        c[0], c[1], c[2] = c[0] + 1, c[1] + a.correct, c[2] + first[qid].correct
    return {ch: ChapterProgress(ch, *counts[ch]) for ch in sorted(counts)}


def assert_summaries_match(factory: Store) -> None:
    """The stored summaries and every reader agree with the oracle."""
    with factory.read() as s:
        assert stored_questions(s) == oracle_questions(s)
        assert stored_sims(s) == oracle_sims(s)
        for learner in s.scalars(select(Learner)):
            assert chapter_progress(s, learner) == oracle_chapters(s, learner)
            expected = {q: v for (lid, q), v in oracle_questions(s).items() if lid == learner.id}
            latest = latest_answers(s, learner)
            assert {q: (a.choice, a.correct) for q, a in latest.items()} == {
                q: (v[1], v[2]) for q, v in expected.items()
            }
            assert first_try_correct(s, learner) == {q for q, v in expected.items() if v[3]}
            used = {
                sim for (lid, sim, kind) in oracle_sims(s) if lid == learner.id and kind == "used"
            }
            assert sims_used(s, learner) == used


def random_writes(factory: Store, rng: random.Random, n: int) -> None:
    """n random answers and sim events by a few learners, in transactions of random size."""
    keys = ["ada", "bo", "cy", "default"]
    done = 0
    while done < n:
        with factory.begin() as s:
            for _ in range(rng.randint(1, 12)):
                me = find_learner(s, rng.choice(keys))
                if rng.random() < 0.8:
                    q = f"q{rng.randint(0, 14)}"
                    chapter = f"ch{rng.randint(0, 2)}"  # a question may move between chapters
                    record_answer(s, me, q, chapter, rng.randint(0, 3), rng.random() < 0.5)
                else:
                    kind = rng.choice(["used", "used", "viewed"])
                    record_sim_event(s, me, f"sim{rng.randint(0, 4)}", None, kind)
                done += 1


def test_summaries_equal_a_full_scan_after_many_random_writes(factory: Store) -> None:
    rng = random.Random(7)
    for _ in range(4):
        random_writes(factory, rng, 150)
        assert_summaries_match(factory)


def test_a_rolled_back_answer_leaves_no_summary(factory: Store, count: Count) -> None:
    try:
        with factory.begin() as s:
            record_answer(s, find_learner(s), "q1", "ch", 0, True)
            raise RuntimeError("the request failed later")
    except RuntimeError:
        pass
    assert count(QuestionSummary) == count(Answer) == 0


def test_concurrent_answers_to_one_question_keep_the_summary_exact(factory: Store) -> None:
    # On PostgreSQL the transactions really overlap (ids and commits can come in either order);
    # on SQLite they queue. Either way the summary follows the answer ids.
    with factory.begin() as s:
        get_or_create_learner(s)
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def worker(i: int) -> None:
        rng = random.Random(i)
        start.wait()
        try:
            for _ in range(40):
                with factory.begin() as s:
                    me = find_learner(s)
                    # several answers in one transaction go in question order (see record_answer)
                    for q in sorted(f"q{rng.randint(0, 2)}" for _ in range(rng.randint(1, 3))):
                        record_answer(s, me, q, "ch", rng.randint(0, 3), rng.random() < 0.5)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    assert_summaries_match(factory)
    with factory.read() as s:
        assert sum(v[4] for v in stored_questions(s).values()) == len(
            s.scalars(select(Answer)).all()
        )


def load_history(engine: Engine) -> None:
    """Insert answers and sim events directly (as at revision 0001, without summaries)."""
    rng = random.Random(3)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(insert(Learner), [{"key": k, "created_at": now} for k in ("a", "b", "c")])
        ids = list(conn.scalars(select(Learner.id)))
        answers = [
            {
                "learner_id": rng.choice(ids),
                "question_id": f"q{rng.randint(0, 9)}",
                "chapter": f"ch{rng.randint(0, 1)}",
                "choice": rng.randint(0, 3),
                "correct": rng.random() < 0.5,
                "created_at": now,
            }
            for _ in range(500)
        ]
        conn.execute(insert(Answer), answers)
        events = [
            {
                "learner_id": rng.choice(ids),
                "sim_id": f"sim{rng.randint(0, 3)}",
                "chapter": None,
                "kind": rng.choice(["used", "viewed"]),
                "created_at": now,
            }
            for _ in range(100)
        ]
        conn.execute(insert(SimEvent), events)


def test_migration_0002_backfills_summaries_from_the_history(
    engine: Engine, factory: Store
) -> None:
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0001")
    load_history(engine)
    migrate(engine)
    with factory.read() as s:
        assert len(stored_questions(s)) > 20 and len(stored_sims(s)) > 10
    assert_summaries_match(factory)
    random_writes(factory, random.Random(11), 100)  # and they stay in step afterwards
    assert_summaries_match(factory)


def test_rebuild_summaries_recomputes_them_from_the_history(engine: Engine, factory: Store) -> None:
    random_writes(factory, random.Random(5), 200)
    with factory.read() as s:
        before = (stored_questions(s), stored_sims(s))
    load_history(engine)  # rows written behind the store's back: summaries are now stale
    with factory.begin() as s:
        rebuild_summaries(s)
    assert_summaries_match(factory)
    with factory.read() as s:
        assert stored_questions(s) != before[0]
