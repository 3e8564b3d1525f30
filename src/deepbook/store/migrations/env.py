"""Alembic environment for the deepbook progress store.

Uses the connection that ``deepbook.store.db.migrate()`` passes in ``config.attributes``; from
the ``alembic`` CLI it falls back to ``sqlalchemy.url``, ``DEEPBOOK_DATABASE_URL`` or the default
SQLite file, e.g. ``alembic -c src/deepbook/store/migrations/alembic.ini upgrade head``.
"""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import Connection, func, select

from deepbook.store.db import default_sqlite_url, make_engine
from deepbook.store.models import Base

config = context.config
LOCK_ID = 0x6465_6570  # "deep": PostgreSQL advisory lock serialising concurrent upgrades


def database_url() -> str:
    """Return the URL to migrate when no connection was passed in."""
    url = config.get_main_option("sqlalchemy.url") or os.environ.get("DEEPBOOK_DATABASE_URL")
    return url or default_sqlite_url()


def run_on(connection: Connection) -> None:
    """Run the pending migrations on a connection inside its transaction."""
    if connection.dialect.name == "postgresql":
        # Several workers starting at once: the others wait, then find the schema at head.
        connection.execute(select(func.pg_advisory_xact_lock(LOCK_ID)))
    context.configure(connection=connection, target_metadata=Base.metadata)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    """Migrate through the passed connection, or through a new engine for the configured URL."""
    connection = config.attributes.get("connection")
    if connection is not None:
        run_on(connection)
        return
    engine = make_engine(database_url())
    try:
        with engine.begin() as conn:
            run_on(conn)
    finally:
        engine.dispose()


def run_offline() -> None:
    """Print the migration SQL for the configured URL (``alembic upgrade head --sql``)."""
    context.configure(url=database_url(), target_metadata=Base.metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
