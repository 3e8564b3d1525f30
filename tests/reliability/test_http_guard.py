"""The HTTP surface of a hosted app: hosts, cross-site writes, body limits, headers, bad input.

Each test reproduces a finding of the outside reliability probe (issue 7) and shows it fixed.
"""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from deepbook.settings import Settings
from deepbook.web.app import create_app

Q = "backprop-softmax-loss"  # a real question id


@pytest.fixture
def settings(tmp_path):
    hosts = ["127.0.0.1", "localhost", "testserver"]  # TestClient's WebSockets say "testserver"
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'guard.db'}", open_browser=False, allowed_hosts=hosts
    )


@pytest.fixture
def app_client(settings):
    with TestClient(create_app(settings), base_url="http://127.0.0.1") as c:
        yield c


def test_only_configured_hosts_are_served(app_client):
    assert app_client.get("/healthz").status_code == 200
    r = app_client.get("/api/progress", headers={"Host": "attacker.example"})
    assert r.status_code == 400
    assert "allow-host" in r.json()["detail"] and "attacker.example" in r.json()["detail"]
    assert app_client.get("/", headers={"Host": "localhost:8000"}).status_code == 200
    assert app_client.get("/", headers={"Host": "example.org:8000"}).status_code == 400


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site", "Origin": "http://127.0.0.1"},
    ],
)
def test_cross_site_writes_are_refused(app_client, headers):
    r = app_client.post("/api/answers", json={"question_id": Q, "choice": 1}, headers=headers)
    assert r.status_code == 403 and "cross-site" in r.json()["detail"]
    form = app_client.post(
        f"/chapters/backpropagation/questions/{Q}", data={"choice": "1"}, headers=headers
    )
    assert form.status_code == 403
    assert app_client.get("/api/progress").json()["answers"] == {}  # nothing was written


def test_same_origin_writes_and_cross_site_reads_work(app_client):
    ok = {"Origin": "http://127.0.0.1", "Sec-Fetch-Site": "same-origin"}
    r = app_client.post("/api/answers", json={"question_id": Q, "choice": 1}, headers=ok)
    assert r.status_code == 200
    assert app_client.get("/", headers={"Sec-Fetch-Site": "cross-site"}).status_code == 200


def test_a_websocket_from_another_site_is_refused(app_client):
    from starlette.websockets import WebSocketDisconnect

    with (
        pytest.raises(WebSocketDisconnect) as e,
        app_client.websocket_connect(
            "/ws/sims/gradient_descent", headers={"Origin": "https://evil.example"}
        ) as ws,
    ):
        ws.receive_text()
    assert e.value.code == 1008
    with app_client.websocket_connect(  # same origin: TestClient's WebSocket host is testserver
        "/ws/sims/gradient_descent", headers={"Origin": "http://testserver"}
    ) as ws:
        ws.send_json({"type": "start", "params": {}})
        assert ws.receive_bytes()[:4] == b"DBF1"


def test_bodies_are_limited_while_read_and_errors_never_echo_them(app_client, settings):
    big = b'{"question_id": "' + b"x" * (settings.max_body_bytes + 10) + b'", "choice": 1}'
    r = app_client.post("/api/answers", content=big, headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and len(r.content) < 200

    def chunks():  # no Content-Length: the limit must hold while reading
        for _ in range(1000):
            yield b"y" * 1024

    r = app_client.post(
        "/api/answers", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 413 and len(r.content) < 200
    r = app_client.post("/api/answers", json={"question_id": "z" * 5000, "choice": 1})
    assert r.status_code == 413 or (r.status_code == 422 and "zzzz" not in r.text)


@pytest.mark.parametrize(
    "body",
    [
        f'{{"question_id": "{Q}", "choice": NaN}}',
        f'{{"question_id": "{Q}", "choice": Infinity}}',
        f'{{"question_id": "{Q}", "choice": -Infinity}}',
        '{"question_id": "\\ud800", "choice": "\\udfff"}',
        f'{{"question_id": "{Q}", "choice": 1e999}}',
        f'{{"question_id": "{Q}", "choice": true}}',
        f'{{"question_id": "{Q}", "choice": 123456789012345678901234567890}}',
        '{"question_id": ["\\ud800"], "choice": 1}',
        "[1, 2, 3]",
        '"just a string"',
    ],
)
def test_bad_answers_get_a_4xx_never_a_500(app_client, body):
    r = app_client.post("/api/answers", content=body, headers={"Content-Type": "application/json"})
    assert 400 <= r.status_code < 500, (r.status_code, r.text)
    detail = r.json()["detail"]
    assert isinstance(detail, str) and "\ud800" not in detail and "Infinity" not in detail
    assert app_client.get("/api/progress").json()["answers"] == {}


@pytest.mark.parametrize(
    "body",
    [
        '{"sim_id": "\\udfff"}',
        '{"sim_id": "activations", "chapter": NaN}',
        '{"sim_id": 12345678901234567890123}',
    ],
)
def test_bad_events_get_a_4xx_never_a_500(app_client, body):
    r = app_client.post("/api/events", content=body, headers={"Content-Type": "application/json"})
    assert 400 <= r.status_code < 500, (r.status_code, r.text)


def test_huge_integers_in_sim_parameters_get_a_422(app_client):
    r = app_client.post("/api/sims/activations", content='{"depth": 1e999, "probe": 10E400}')
    assert r.status_code == 422
    r = app_client.post("/api/sims/activations", json={"probe": 10**400})
    assert r.status_code == 422 and r.json()["param"] == "probe"


def test_a_form_answer_that_does_not_validate_gets_the_html_page(app_client):
    r = app_client.post(f"/chapters/backpropagation/questions/{Q}", data={"choice": "two"})
    assert r.status_code == 422 and r.headers["content-type"].startswith("text/html")
    assert "choose one of the options" in r.text


def test_405_names_the_allowed_methods_and_head_works(app_client):
    r = app_client.put("/api/answers", json={})
    assert r.status_code == 405 and r.headers["allow"] == "POST"
    r = app_client.delete("/api/sims/activations")  # two routes share this path
    assert r.status_code == 405 and r.headers["allow"] == "GET, HEAD, POST"
    for path in ("/", "/healthz", "/chapters/backpropagation", "/api/sims", "/glossary"):
        r = app_client.head(path)
        assert r.status_code == 200 and r.content == b"", path


def test_every_response_carries_the_security_headers(app_client):
    for path in ("/", "/api/sims", "/static/js/app.js", "/nope", "/chapters/nope"):
        r = app_client.get(path)
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp, path
        assert "frame-ancestors 'none'" in csp
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "same-origin"


def test_no_page_loads_anything_from_outside(app_client):
    assert app_client.get("/docs").status_code == 404  # Swagger UI would come from a CDN
    assert app_client.get("/redoc").status_code == 404
    spec = app_client.get("/openapi.json").json()
    assert "/api/answers" in spec["paths"]
    for path in ("/", "/chapters/backpropagation", "/glossary", "/sims/activations"):
        html = app_client.get(path).text
        assert "http://" not in html.replace("http://www.w3.org", "") or path, path
        assert "<script>" not in html and " style=" not in html, path


def test_openapi_documents_the_error_statuses(app_client):
    spec = app_client.get("/openapi.json").json()
    answers = spec["paths"]["/api/answers"]["post"]["responses"]
    assert {"200", "400", "403", "404", "413", "422"} <= set(answers)
    json.dumps(spec)  # serialisable


def test_the_largest_body_accepted_is_the_limit(app_client, settings):
    core = json.dumps({"question_id": Q, "choice": 1}).encode()
    limit = settings.max_body_bytes
    exact = core[:-1] + b" " * (limit - len(core)) + b"}"  # JSON padded with spaces
    assert len(exact) == limit
    headers = {"Content-Type": "application/json"}
    assert app_client.post("/api/answers", content=exact, headers=headers).status_code == 200
    over = core[:-1] + b" " * (limit + 1 - len(core)) + b"}"
    assert app_client.post("/api/answers", content=over, headers=headers).status_code == 413
