"""Fixtures shared by every test folder."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import conftest_pg


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start one throw-away PostgreSQL server for the session and yield its URL."""
    url, stop = conftest_pg.start_postgres(tmp_path_factory.mktemp("pg"))
    try:
        yield url
    finally:
        stop()
