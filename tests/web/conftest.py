import pytest
from fastapi.testclient import TestClient

from deepbook.settings import Settings
from deepbook.web.app import create_app


@pytest.fixture
def settings(tmp_path):
    return Settings(database_url=f"sqlite:///{tmp_path / 'test.db'}", open_browser=False)


@pytest.fixture
def client(settings):
    with TestClient(create_app(settings)) as c:
        yield c
