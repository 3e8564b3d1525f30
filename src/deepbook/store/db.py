"""Engines, sessions and schema upgrades for the progress store.

SQLite (WAL, in the user's data directory) by default; PostgreSQL by URL for a shared server.
``migrate(engine)`` runs Alembic's ``upgrade head`` in code and is safe at every server start.
``make_sessionmaker(engine)`` returns a ``Store``: ``with store.begin() as s:`` for a transaction
that writes (on SQLite it takes the write lock at once, ``BEGIN IMMEDIATE``), ``with store.read()
as s:`` for one that only reads (a snapshot: on SQLite it never waits for or blocks a writer;
on PostgreSQL it is ``READ ONLY``).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import platformdirs
from sqlalchemy import Connection, Engine, create_engine, event, inspect, make_url, text
from sqlalchemy.orm import Session, UOWTransaction, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

from deepbook.store.models import Base
from deepbook.store.progress import READ_ONLY, ReadOnlyError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_migrate_lock = threading.Lock()

# busy_timeout first: switching to WAL needs a lock another connection may briefly hold.
# synchronous=FULL (not NORMAL) so an acknowledged answer also survives a power cut, at the
# cost of one fsync per commit, which a reader answering questions never notices.
SQLITE_PRAGMAS = (
    "PRAGMA busy_timeout=5000",
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
)


def default_sqlite_url() -> str:
    """Return the URL of the SQLite file in the user's data directory."""
    path = Path(platformdirs.user_data_dir("deepbook")) / "deepbook.db"
    return f"sqlite:///{path.as_posix()}"


def _sqlite_connect(dbapi_conn: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
    """Set the pragmas on each new SQLite connection and take BEGIN away from the driver."""
    # The sqlite3 driver's own transaction handling skips BEGIN before SELECT and SAVEPOINT,
    # which breaks savepoints; SQLAlchemy emits BEGIN itself instead (see _sqlite_begin).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    for pragma in SQLITE_PRAGMAS:
        _retry_if_busy(cur, pragma)
    cur.close()


def _retry_if_busy(cur: sqlite3.Cursor, sql: str, timeout: float = 5.0) -> None:
    """Execute sql, retrying while the database is locked, for at most timeout seconds."""
    # Two connections switching a new file to WAL at once both hold a read lock and want an
    # exclusive one; SQLite refuses one at once without calling the busy handler.
    deadline = time.monotonic() + timeout
    while True:
        try:
            cur.execute(sql)
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _sqlite_begin(conn: Connection) -> None:
    """Start SQLite write transactions as writers (so busy_timeout queues them), reads deferred."""
    # A deferred transaction that reads and then writes fails at once with SQLITE_BUSY when
    # another writer committed in between (no wait can fix a stale snapshot); IMMEDIATE waits.
    # A read transaction needs no lock: in WAL mode it reads a snapshot while writers go on.
    read = conn.get_execution_options().get(READ_ONLY, False)
    conn.exec_driver_sql("BEGIN" if read else "BEGIN IMMEDIATE")


def read_options(engine: Engine) -> dict[str, Any]:
    """Execution options of an engine's read transactions (see ``Store.read``)."""
    if engine.dialect.name == "postgresql":
        return {READ_ONLY: True, "postgresql_readonly": True}
    return {READ_ONLY: True}


def make_engine(url: str) -> Engine:
    """Create an engine for a SQLite or PostgreSQL URL, configured for safe concurrent writes."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, pool_pre_ping=True)
    db = parsed.database
    if db and db != ":memory:" and not db.startswith("file:"):
        Path(db).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(parsed)
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


# The newest revision in migrations/versions (a test keeps the two equal). Knowing it lets a
# start-up on an up-to-date database skip importing Alembic (~0.3 s).
HEAD = "0002"


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at, or None before the first migration."""
    with engine.execution_options(**read_options(engine)).connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        rev = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        return str(rev) if rev is not None else None


def alembic_config() -> Config:
    """Build the Alembic configuration in code, pointing at the packaged migrations."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    config.set_main_option("path_separator", "os")
    return config


def migrate(engine: Engine) -> None:
    """Upgrade the schema to the newest revision; a no-op when it is already there. A new, empty
    SQLite database gets the models' schema stamped at the newest revision instead (Alembic's
    recipe for a database built from scratch; a test checks it equals the migrations' schema),
    which spares a first start importing Alembic."""
    if current_revision(engine) == HEAD:
        return
    # Alembic keeps its running context in module globals, so one upgrade per process at a
    # time; other processes are serialised by the database (env.py; SQLite: BEGIN IMMEDIATE).
    with _migrate_lock, engine.begin() as conn:
        if engine.dialect.name == "sqlite" and not inspect(conn).get_table_names():
            create_at_head(conn)
            return
        from alembic import command

        config = alembic_config()
        config.attributes["connection"] = conn
        command.upgrade(config, "head")


def create_at_head(conn: Connection) -> None:
    """The models' tables, and Alembic's version table saying they are at HEAD."""
    Base.metadata.create_all(conn)
    conn.execute(
        text(
            "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, "
            "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))"
        )
    )
    conn.execute(text("INSERT INTO alembic_version (version_num) VALUES (:head)"), {"head": HEAD})


def _refuse_flush(session: Session, _flush: UOWTransaction, _instances: object) -> None:
    """Raise before a read transaction would write changed objects."""
    raise ReadOnlyError("this is a read transaction: write inside factory.begin()")


class Store(sessionmaker[Session]):
    """A session factory: ``begin()`` for a transaction that writes, ``read()`` for one that reads.

    Both commit at the end of their ``with`` block (an acknowledged write is on disk) and keep
    loaded objects readable afterwards. Writing inside ``read()`` raises ``ReadOnlyError``.
    """

    def __init__(self, engine: Engine) -> None:
        """Bind writers to engine and readers to its read-transaction options."""
        # expire_on_commit=False: objects stay readable after the block, e.g. for rendering a page.
        super().__init__(bind=engine, expire_on_commit=False)
        self.reader = sessionmaker(
            bind=engine.execution_options(**read_options(engine)),
            expire_on_commit=False,
            info={READ_ONLY: True},
        )
        event.listen(self.reader, "before_flush", _refuse_flush)

    def read(self) -> AbstractContextManager[Session]:
        """Open a read-only transaction: ``with store.read() as s:`` (a consistent snapshot)."""
        return self.reader.begin()


def make_sessionmaker(engine: Engine) -> Store:
    """Return the engine's ``Store``: ``store.begin()`` to write, ``store.read()`` to read."""
    return Store(engine)
