"""Fixtures running every store test against SQLite (WAL file) and a throw-away PostgreSQL."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

import conftest_pg
from deepbook.store import Base, Store, make_engine, make_sessionmaker, migrate

_db_numbers = itertools.count()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Return the URL of an empty database: a new SQLite file or a new PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'data' / 'deepbook.db'}"
    server = request.getfixturevalue("pg_server")
    name = f"store_{next(_db_numbers)}"
    return conftest_pg.create_database(server, name)


@pytest.fixture
def engine(store_url: str) -> Iterator[Engine]:
    """Yield a migrated engine on the test's database, disposed afterwards."""
    eng = make_engine(store_url)
    migrate(eng)
    try:
        yield eng
    finally:
        eng.dispose()


@pytest.fixture
def factory(engine: Engine) -> Store:
    """Return a session factory bound to the migrated engine."""
    return make_sessionmaker(engine)


@pytest.fixture
def count(factory: Store) -> Callable[[type[Base]], int]:
    """Return a function counting the committed rows of a model's table."""

    def count_rows(model: type[Base]) -> int:
        with factory() as s:
            return s.scalar(select(func.count()).select_from(model)) or 0

    return count_rows
