"""Engine set-up and migrations (deepbook.store.db, store/migrations) on SQLite and PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from deepbook.store import Base, default_sqlite_url, make_engine, migrate
from deepbook.store.db import alembic_config

TABLES = {"learners", "answers", "sim_events", "question_summaries", "sim_summaries"}


def test_migrate_twice_creates_exactly_the_model_schema(store_url: str) -> None:
    engine = make_engine(store_url)
    try:
        migrate(engine)
        migrate(engine)  # idempotent: a second server start changes nothing
        insp = inspect(engine)
        assert set(insp.get_table_names()) == TABLES | {"alembic_version"}
        assert {ix["name"]: ix["column_names"] for ix in insp.get_indexes("answers")} == {
            "ix_answers_learner_id_question_id": ["learner_id", "question_id"]
        }
        assert {ix["name"]: ix["column_names"] for ix in insp.get_indexes("sim_events")} == {
            "ix_sim_events_learner_id_sim_id": ["learner_id", "sim_id"]
        }
        assert [uq["column_names"] for uq in insp.get_unique_constraints("learners")] == [["key"]]
        assert insp.get_pk_constraint("question_summaries")["constrained_columns"] == [
            "learner_id",
            "question_id",
        ]
        assert insp.get_pk_constraint("sim_summaries")["constrained_columns"] == [
            "learner_id",
            "sim_id",
            "kind",
        ]
        with engine.connect() as conn:
            assert MigrationContext.configure(conn).get_current_revision() == "0002"
            # The hand-written migration and the ORM models describe the same schema.
            assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    finally:
        engine.dispose()


def test_concurrent_migrate_from_threads(store_url: str) -> None:
    engines = [make_engine(store_url) for _ in range(4)]
    errors: list[BaseException] = []
    start = threading.Barrier(len(engines))

    def worker(engine: Engine) -> None:
        start.wait()
        try:
            migrate(engine)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(e,)) for e in engines]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert errors == []
        assert set(inspect(engines[0]).get_table_names()) == TABLES | {"alembic_version"}
    finally:
        for e in engines:
            e.dispose()


def test_concurrent_migrate_from_worker_processes(store_url: str) -> None:
    # Like several server workers starting at once on a new database.
    code = "import sys; from deepbook.store import *; migrate(make_engine(sys.argv[1]))"
    procs = [
        subprocess.Popen([sys.executable, "-c", code, store_url], stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    errors = [p.communicate(timeout=60)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], errors
    engine = make_engine(store_url)
    try:
        assert set(inspect(engine).get_table_names()) == TABLES | {"alembic_version"}
    finally:
        engine.dispose()


def test_downgrade_to_base_then_upgrade_again(engine: Engine) -> None:
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "base")
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    migrate(engine)
    assert set(inspect(engine).get_table_names()) == TABLES | {"alembic_version"}


def test_sqlite_connections_use_wal_and_safety_pragmas(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "progress.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        migrate(engine)
        assert path.parent.is_dir()
        with engine.connect() as conn:
            pragma = conn.exec_driver_sql
            assert pragma("PRAGMA journal_mode").scalar() == "wal"
            assert pragma("PRAGMA foreign_keys").scalar() == 1
            assert pragma("PRAGMA busy_timeout").scalar() == 5000
            assert pragma("PRAGMA synchronous").scalar() == 2  # FULL
        assert path.with_name("progress.db-wal").exists()
    finally:
        engine.dispose()


def test_default_sqlite_url_is_in_the_user_data_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", "/xdg/data")
    assert default_sqlite_url() == "sqlite:////xdg/data/deepbook/deepbook.db"


def test_postgresql_engine_pings_before_use(store_url: str) -> None:
    engine = make_engine(store_url)
    try:
        assert engine.pool._pre_ping is (engine.dialect.name == "postgresql")
    finally:
        engine.dispose()


def test_head_constant_is_the_newest_migration(tmp_path):
    from alembic.script import ScriptDirectory

    from deepbook.store.db import HEAD, alembic_config, current_revision

    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == HEAD
    engine = make_engine(f"sqlite:///{tmp_path / 'h.db'}")
    assert current_revision(engine) is None
    migrate(engine)
    assert current_revision(engine) == HEAD
    migrate(engine)  # the fast path: already at head
    assert current_revision(engine) == HEAD
    engine.dispose()


def test_read_transactions_are_read_only_and_leave_the_pool_clean(engine: Engine) -> None:
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from deepbook.store import Store, find_learner, make_sessionmaker, record_answer

    store = make_sessionmaker(engine)
    assert isinstance(store, Store)
    pg = engine.dialect.name == "postgresql"
    for _ in range(3):  # the same pooled connections serve both kinds, in turn
        with store.read() as s:
            if pg:
                assert s.execute(text("SHOW transaction_read_only")).scalar() == "on"
            find_learner(s)
        with store.begin() as s:
            if pg:
                assert s.execute(text("SHOW transaction_read_only")).scalar() == "off"
            record_answer(s, find_learner(s), "q1", "ch", 0, True)
    if pg:  # PostgreSQL also refuses raw SQL writes in a read transaction (SQLite: see
        # tests/reliability/test_store_readers.py for what its read transactions do)
        with pytest.raises(DBAPIError, match="read-only"), store.read() as s:
            s.execute(text("DELETE FROM answers"))


def _schema(engine: Engine) -> dict[str, object]:
    """Every table's columns, keys, indexes and constraints, as SQLAlchemy reads them back."""
    insp = inspect(engine)
    out: dict[str, object] = {}
    for t in sorted(insp.get_table_names()):
        out[t] = {
            "columns": [
                (c["name"], str(c["type"]), c["nullable"], c.get("default"))
                for c in insp.get_columns(t)
            ],
            "pk": insp.get_pk_constraint(t)["constrained_columns"],
            "fks": sorted(
                (tuple(f["constrained_columns"]), f["referred_table"], tuple(f["referred_columns"]))
                for f in insp.get_foreign_keys(t)
            ),
            "indexes": sorted((i["name"], tuple(i["column_names"])) for i in insp.get_indexes(t)),
            "unique": sorted(tuple(u["column_names"]) for u in insp.get_unique_constraints(t)),
        }
    return out


def test_a_new_sqlite_database_built_at_head_equals_one_migrated_by_alembic(tmp_path: Path) -> None:
    from deepbook.store.db import HEAD, current_revision

    fresh, migrated = (make_engine(f"sqlite:///{tmp_path / name}") for name in ("a.db", "b.db"))
    try:
        migrate(fresh)  # empty SQLite: the models' schema, stamped at HEAD (no Alembic)
        with migrated.begin() as conn:  # the migrations, one by one
            config = alembic_config()
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
        assert _schema(fresh) == _schema(migrated)
        assert set(_schema(fresh)) == TABLES | {"alembic_version"}
        assert current_revision(fresh) == current_revision(migrated) == HEAD
        with fresh.connect() as conn:
            assert MigrationContext.configure(conn).get_current_revision() == HEAD
    finally:
        fresh.dispose()
        migrated.dispose()


def test_a_first_start_on_a_new_sqlite_file_does_not_import_alembic(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from deepbook.store import make_engine, migrate\n"
        f"migrate(make_engine('sqlite:///{tmp_path / 'new.db'}'))\n"
        "assert 'alembic' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
