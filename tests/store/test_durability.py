"""Concurrency and durability of the store: racing writers, rollbacks, reopening, killed processes.

Each test runs on SQLite (WAL file) and PostgreSQL, like the rest of tests/store.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from deepbook.store import (
    Answer,
    Base,
    Learner,
    get_or_create_learner,
    latest_answers,
    make_engine,
    make_sessionmaker,
    migrate,
    record_answer,
)

Factory = sessionmaker[Session]
Count = Callable[[type[Base]], int]


def run_threads(n: int, target: Callable[[int], None]) -> list[BaseException]:
    """Run target(i) in n threads and return the exceptions they raised."""
    errors: list[BaseException] = []

    def wrapped(i: int) -> None:
        try:
            target(i)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=wrapped, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return errors


def test_concurrent_first_calls_create_a_single_learner(
    engine: Engine, factory: Factory, count: Count
) -> None:
    n = 6
    ids: list[int] = []
    savepoint_rollbacks: list[object] = []
    event.listen(engine, "rollback_savepoint", lambda *a: savepoint_rollbacks.append(a))
    start = threading.Barrier(n)
    race = threading.Barrier(n, timeout=30)
    forced = engine.dialect.name == "postgresql"  # SQLite's BEGIN IMMEDIATE queues them instead

    def wait_for_all(session: Session, *_: object) -> None:
        race.wait()  # every session has looked and found nothing before any inserts

    def worker(_: int) -> None:
        start.wait()
        with factory.begin() as s:
            ids.append(get_or_create_learner(s, "shared").id)

    if forced:
        event.listen(Session, "before_flush", wait_for_all)
    try:
        assert run_threads(n, worker) == []
    finally:
        if forced:
            event.remove(Session, "before_flush", wait_for_all)
    assert len(ids) == n and len(set(ids)) == 1
    assert count(Learner) == 1
    if forced:
        assert len(savepoint_rollbacks) == n - 1  # the losers recovered through the savepoint


def test_concurrent_writers_keep_every_answer(factory: Factory, count: Count) -> None:
    with factory.begin() as s:
        get_or_create_learner(s)

    def worker(i: int) -> None:
        for j in range(20):
            with factory.begin() as s:
                me = get_or_create_learner(s)
                latest_answers(s, me)  # read, then write: the pattern that can hit SQLITE_BUSY
                record_answer(s, me, f"q{i}-{j}", "ch", j % 4, j % 2 == 0)

    assert run_threads(4, worker) == []
    assert count(Answer) == 80


def test_rolled_back_transaction_stores_nothing(factory: Factory, count: Count) -> None:
    with pytest.raises(RuntimeError), factory.begin() as s:
        record_answer(s, get_or_create_learner(s), "q1", "ch", 0, True)
        raise RuntimeError("request failed after the answer was recorded")
    assert count(Answer) == 0
    assert count(Learner) == 0


def read_latest(url: str) -> dict[str, tuple[int, bool]]:
    """Open a new engine on url and return the default learner's latest (choice, correct)."""
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as s:
            latest = latest_answers(s, get_or_create_learner(s))
            return {q: (a.choice, a.correct) for q, a in latest.items()}
    finally:
        engine.dispose()


def test_committed_answer_survives_reopening_the_engine(store_url: str, engine: Engine) -> None:
    with make_sessionmaker(engine).begin() as s:
        record_answer(s, get_or_create_learner(s), "q1", "ch", 3, True)
    engine.dispose()
    restarted = make_engine(store_url)  # as at the next server start
    migrate(restarted)
    restarted.dispose()
    assert read_latest(store_url) == {"q1": (3, True)}


def test_acknowledged_answer_survives_a_killed_process(store_url: str, engine: Engine) -> None:
    code = textwrap.dedent(
        """
        import os, signal, sys
        from deepbook.store import *
        factory = make_sessionmaker(make_engine(sys.argv[1]))
        with factory.begin() as s:
            record_answer(s, get_or_create_learner(s), "q-crash", "ch", 1, False)
        print("ack", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)  # no dispose, no checkpoint, no atexit
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, store_url], capture_output=True, text=True, timeout=60
    )
    assert (proc.stdout, proc.returncode) == ("ack\n", -signal.SIGKILL), proc.stderr
    assert read_latest(store_url) == {"q-crash": (1, False)}
