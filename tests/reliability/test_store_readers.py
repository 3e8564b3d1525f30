"""Readers and writers on SQLite (issue 7, item 9): read transactions take no lock.

Reproduction: every transaction began ``BEGIN IMMEDIATE``, so a page view queued behind writers
and held the write lock while it rendered its queries, halving answer throughput under readers.
Now ``store.read()`` begins a deferred transaction (a WAL snapshot): a writer commits while it is
open, and it keeps its consistent view until it ends. ``store.begin()`` still writes IMMEDIATE.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, event

from deepbook.store import (
    Store,
    find_learner,
    latest_answers,
    make_engine,
    make_sessionmaker,
    migrate,
    record_answer,
)

WRITE_WAIT = 2.0  # seconds; a writer blocked by the reader would wait busy_timeout (5 s)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    """A migrated SQLite (WAL) engine."""
    eng = make_engine(f"sqlite:///{tmp_path / 'deepbook.db'}")
    migrate(eng)
    yield eng
    eng.dispose()


def answer_in_thread(store: Store, qid: str) -> tuple[threading.Thread, list[object]]:
    """Start a thread that answers qid in its own write transaction; return it and its outcome."""
    outcome: list[object] = []

    def run() -> None:
        t0 = time.perf_counter()
        try:
            with store.begin() as s:
                record_answer(s, find_learner(s), qid, "ch", 1, True)
            outcome.append(time.perf_counter() - t0)
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def test_a_writer_commits_while_a_read_transaction_is_open(engine: Engine) -> None:
    store = make_sessionmaker(engine)
    with store.begin() as s:
        record_answer(s, find_learner(s), "q0", "ch", 0, False)
    with store.read() as r:
        seen = set(latest_answers(r, find_learner(r)))  # the snapshot is taken here
        thread, outcome = answer_in_thread(store, "q1")
        thread.join(timeout=WRITE_WAIT)
        assert not thread.is_alive(), "the writer waited for the reader"
        assert len(outcome) == 1 and isinstance(outcome[0], float), outcome
        assert outcome[0] < WRITE_WAIT
        # the reader still sees its snapshot: consistent reads while others write
        assert set(latest_answers(r, find_learner(r))) == seen == {"q0"}
    with store.read() as r:
        assert set(latest_answers(r, find_learner(r))) == {"q0", "q1"}


def test_readers_go_on_while_a_write_transaction_is_open(engine: Engine) -> None:
    store = make_sessionmaker(engine)
    with store.begin() as w:
        record_answer(w, find_learner(w), "q0", "ch", 0, False)  # holds the write lock
        done: list[set[str]] = []

        def read() -> None:
            with store.read() as r:
                done.append(set(latest_answers(r, find_learner(r))))

        thread = threading.Thread(target=read)
        thread.start()
        thread.join(timeout=WRITE_WAIT)
        assert done == [set()]  # not blocked, and the uncommitted answer is not visible


def test_only_write_transactions_take_the_write_lock(engine: Engine) -> None:
    begins: list[str] = []

    def log(conn: object, cursor: object, statement: str, *args: object) -> None:
        if statement.startswith("BEGIN"):
            begins.append(statement)

    event.listen(engine, "before_cursor_execute", log)
    store = make_sessionmaker(engine)
    with store.read() as r:
        latest_answers(r, find_learner(r))
    with store.begin() as w:
        record_answer(w, find_learner(w), "q0", "ch", 0, False)
    assert begins == ["BEGIN", "BEGIN IMMEDIATE"]


def test_two_write_transactions_still_queue(engine: Engine) -> None:
    # The contrast that shows the tests above can fail: a write transaction held open makes the
    # next one wait (readers did exactly this before they had their own transactions).
    store = make_sessionmaker(engine)
    with store.begin() as w:
        record_answer(w, find_learner(w), "q0", "ch", 0, False)
        thread, outcome = answer_in_thread(store, "q1")
        time.sleep(0.5)
        assert thread.is_alive() and outcome == []
    thread.join(timeout=10)
    assert len(outcome) == 1 and isinstance(outcome[0], float) and outcome[0] >= 0.5
