import pytest
from fastapi.testclient import TestClient

from deepbook.settings import Settings
from deepbook.web.app import create_app


@pytest.fixture
def settings(tmp_path):
    # "testserver" is the host Starlette's TestClient sends; a real server serves loopback only
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'test.db'}",
        open_browser=False,
        allowed_hosts=["127.0.0.1", "localhost", "testserver"],
    )


@pytest.fixture
def client(settings):
    with TestClient(create_app(settings)) as c:
        yield c
