"""Learners in cookie mode (issue 7, item 8): server-signed keys, rows only from the first write.

Reproductions: 400 cookieless GETs used to create 400 learner rows; any 16–64 character
alphanumeric string (non-ASCII digits included) was accepted as a key, so anyone could name a
learner and read its progress. Now the server issues HMAC-signed keys, replaces any other cookie
with a new key, creates the row on the first answer or sim event, and flags the cookie HttpOnly,
SameSite=Lax, and Secure over HTTPS.
"""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI, Request, WebSocket
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from deepbook.settings import Settings
from deepbook.store import Answer, Learner, SimEvent, make_engine
from deepbook.web import learners
from deepbook.web.app import create_app
from deepbook.web.learners import (
    COOKIE_RE,
    LEARNER_COOKIE,
    SECRET_ENV,
    SECRET_FILE,
    LearnerKeys,
    LearnerMiddleware,
    persisted_secret,
    signed_learner,
)

QUESTION = "backprop-softmax-loss"
GETS = ["/", "/api/progress", "/chapters/backpropagation", "/glossary"]


def cookie_settings(folder: Path) -> Settings:
    """Cookie-mode settings on a SQLite file in folder (TestClient's host allowed)."""
    return Settings(
        database_url=f"sqlite:///{folder / 'deepbook.db'}",
        open_browser=False,
        learner_mode="cookie",
        allowed_hosts=["127.0.0.1", "localhost", "testserver"],
    )


@pytest.fixture(autouse=True)
def no_env_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests choose their own secret: none comes from the environment unless set here."""
    monkeypatch.delenv(SECRET_ENV, raising=False)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Cookie-mode settings on a new SQLite file."""
    return cookie_settings(tmp_path)


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """A client of a cookie-mode app."""
    with TestClient(create_app(settings)) as c:
        yield c


def rows(settings: Settings, model: type[Learner] | type[Answer] | type[SimEvent]) -> int:
    """Committed rows of model's table."""
    engine = make_engine(settings.database_url)
    try:
        with engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(model)).scalar_one()
    finally:
        engine.dispose()


def issued(response: object) -> str | None:
    """The learner cookie value a response sets, if any."""
    value: str | None = response.cookies.get(LEARNER_COOKIE)  # type: ignore[attr-defined]
    return value


def test_400_cookieless_gets_create_no_learner(client: TestClient, settings: Settings) -> None:
    cookies = set()
    for i in range(400):
        client.cookies.clear()
        r = client.get(GETS[i % len(GETS)])
        assert r.status_code == 200
        cookie = issued(r)
        assert cookie is not None and COOKIE_RE.fullmatch(cookie)
        cookies.add(cookie)
    assert len(cookies) == 400  # a new key each time, and still
    assert rows(settings, Learner) == 0


def test_the_first_write_creates_the_learner_once(client: TestClient, settings: Settings) -> None:
    assert client.get("/").status_code == 200
    cookie = client.cookies[LEARNER_COOKIE]
    assert client.get("/api/progress").json() == {"answers": {}, "chapters": {}}
    assert rows(settings, Learner) == 0
    r = client.post("/api/answers", json={"question_id": QUESTION, "choice": 1})
    assert r.status_code == 200 and issued(r) is None  # the key was kept, not replaced
    assert client.post("/api/answers", json={"question_id": QUESTION, "choice": 2}).is_success
    assert client.post("/api/events", json={"sim_id": "activations"}).status_code == 204
    assert (rows(settings, Learner), rows(settings, Answer), rows(settings, SimEvent)) == (1, 2, 1)
    assert client.cookies[LEARNER_COOKIE] == cookie
    assert client.get("/api/progress").json()["answers"][QUESTION]["choice"] == 2


def forgeries(victim: str) -> dict[str, bytes]:
    """Cookie values that must not name the victim's learner (nor any chosen learner)."""
    key, sig = victim.split(".")
    other = LearnerKeys(b"another server's secret, 32 bytes or more").issue()[1]
    flipped = sig[:-1] + ("A" if sig[-1] != "A" else "B")
    return {
        "bare key": key.encode(),
        "wrong signature": f"{key}.{flipped}".encode(),
        "truncated signature": f"{key}.{sig[:-2]}".encode(),
        "another secret": f"{key}.{other.split('.')[1]}".encode(),
        "old style hex": b"0123456789abcdef0123456789abcdef",
        "non-ASCII digits": ("٠١٢٣٤٥٦٧٨٩" * 3).encode(),  # str.isalnum() accepts these
        "non-ASCII in key": f"{key[:-1]}é.{sig}".encode(),
        "default": b"default",
        "too long": f"{key}.{sig}{'A' * 500}".encode(),
        "empty": b"",
    }


def test_a_forged_key_gets_a_fresh_signed_one_and_reads_nothing(
    client: TestClient, settings: Settings
) -> None:
    client.post("/api/answers", json={"question_id": QUESTION, "choice": 3})
    victim = client.cookies[LEARNER_COOKIE]
    assert client.get("/api/progress").json()["answers"] != {}
    for name, value in forgeries(victim).items():
        client.cookies.clear()
        header = {"cookie": b"%s=%s" % (LEARNER_COOKIE.encode(), value)}
        r = client.get("/api/progress", headers=header)
        assert r.status_code == 200, name
        assert r.json() == {"answers": {}, "chapters": {}}, name
        fresh = issued(r)
        assert fresh is not None and COOKIE_RE.fullmatch(fresh), name
        assert fresh.split(".")[0] != victim.split(".")[0], name
        # a write with the forged cookie lands on a new learner, never on the victim
        client.cookies.clear()
        r = client.post("/api/answers", json={"question_id": QUESTION, "choice": 0}, headers=header)
        assert r.status_code == 200 and issued(r) is not None, name
    client.cookies.clear()
    client.cookies[LEARNER_COOKIE] = victim
    mine = client.get("/api/progress").json()["answers"]
    assert mine == {QUESTION: {"choice": 3, "correct": mine[QUESTION]["correct"]}}
    assert rows(settings, Learner) == 1 + len(forgeries(victim))


def test_cookie_flags(settings: Settings) -> None:
    app = create_app(settings)
    with TestClient(app) as plain, TestClient(app, base_url="https://testserver") as tls:
        header = plain.get("/").headers["set-cookie"]
        flags = {f.strip().split("=")[0].lower() for f in header.split(";")[1:]}
        assert flags == {"max-age", "path", "httponly", "samesite"}
        assert "SameSite=Lax" in header and "Path=/" in header
        assert "; Secure" in tls.get("/").headers["set-cookie"]
        plain.cookies.clear()
        r = plain.get("/static/css/deepbook.css")
        assert r.status_code == 200 and "set-cookie" not in r.headers  # stays cacheable


def test_single_mode_sets_no_cookie(tmp_path: Path) -> None:
    s = cookie_settings(tmp_path).model_copy(update={"learner_mode": "single"})
    with TestClient(create_app(s)) as c:
        r = c.post("/api/answers", json={"question_id": QUESTION, "choice": 1})
        assert r.status_code == 200 and "set-cookie" not in r.headers
        assert rows(s, Learner) == 1


def test_keys_survive_a_restart_and_the_secret_is_private(settings: Settings) -> None:
    with TestClient(create_app(settings)) as first:
        first.post("/api/answers", json={"question_id": QUESTION, "choice": 2})
        cookie = first.cookies[LEARNER_COOKIE]
    secret = Path(settings.database_url.removeprefix("sqlite:///")).parent / SECRET_FILE
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    with TestClient(create_app(settings)) as again:  # the next start, or a second worker
        again.cookies[LEARNER_COOKIE] = cookie
        r = again.get("/api/progress")
        assert issued(r) is None and r.json()["answers"][QUESTION]["choice"] == 2


def test_an_environment_secret_is_shared_by_servers_on_different_machines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SECRET_ENV, "s" * 40)
    a, b = cookie_settings(tmp_path / "a"), cookie_settings(tmp_path / "b")
    with TestClient(create_app(a)) as ca, TestClient(create_app(b)) as cb:
        ca.get("/")
        cb.cookies[LEARNER_COOKIE] = ca.cookies[LEARNER_COOKIE]
        assert issued(cb.get("/api/progress")) is None  # b accepts a's key
    assert not (tmp_path / "a" / SECRET_FILE).exists()
    monkeypatch.setenv(SECRET_ENV, "too short")
    with pytest.raises(ValueError, match=SECRET_ENV):
        create_app(a)


def test_workers_racing_to_create_the_secret_agree(tmp_path: Path) -> None:
    got: list[bytes] = []
    start = threading.Barrier(8)

    def worker() -> None:
        start.wait()
        got.append(persisted_secret(tmp_path / "data"))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(got) == 8 and len(set(got)) == 1 and len(got[0]) == 64
    assert os.listdir(tmp_path / "data") == [SECRET_FILE]  # no temporary files left


def test_a_damaged_secret_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / SECRET_FILE).write_text("short\n")
    with pytest.raises(RuntimeError, match="damaged"):
        persisted_secret(tmp_path)


def test_websockets_get_only_the_key_of_a_valid_cookie() -> None:
    keys = LearnerKeys(b"k" * 32)
    app = FastAPI()

    @app.get("/who")
    def who(request: Request) -> dict[str, str | None]:
        return {"key": request.state.learner_key, "signed": signed_learner(request)}

    @app.websocket("/ws")
    async def ws(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_json({"key": websocket.state.learner_key})
        await websocket.close()

    app.add_middleware(LearnerMiddleware, keys=keys)
    key, cookie = keys.issue()
    with TestClient(app) as c:
        fresh = c.get("/who").json()
        assert fresh["signed"] is None and fresh["key"] == c.cookies[LEARNER_COOKIE].split(".")[0]
        c.cookies.clear()
        c.cookies[LEARNER_COOKIE] = cookie
        assert c.get("/who").json() == {"key": key, "signed": key}
        with c.websocket_connect("/ws") as w:
            assert w.receive_json() == {"key": key}
        c.cookies.clear()
        c.cookies[LEARNER_COOKIE] = key  # unsigned
        with c.websocket_connect("/ws") as w:
            assert w.receive_json() == {"key": None}
    assert learners.MAX_AGE == 365 * 24 * 3600
