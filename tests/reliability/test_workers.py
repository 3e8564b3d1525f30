"""`deepbook serve --workers 4` on one port with one PostgreSQL: every worker serves, answers
sent concurrently through the port are all stored, learners stay apart, live sessions run."""

from __future__ import annotations

import json
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from websockets.sync.client import connect

import conftest_pg
import live_server

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
WORKERS, LEARNERS = 4, 1000
Q = "backprop-softmax-loss"


def _post(url: str, body: dict[str, object], cookie: str = "") -> tuple[int, str]:
    req = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json", **({"Cookie": cookie} if cookie else {})},
    )  # fmt: skip
    with urllib.request.urlopen(req, timeout=30) as r:
        got = r.headers.get("set-cookie") or ""
        return r.status, got.split(";", 1)[0] or cookie


def test_four_workers_share_one_port_and_one_database(pg_server: str, tmp_path: Path) -> None:
    db = conftest_pg.create_database(pg_server, "workers")
    env = {"DEEPBOOK_LEARNER_MODE": "cookie", "DEEPBOOK_SECRET_KEY": "k" * 40}
    srv = live_server.start_server(db, env=env, args=["--workers", str(WORKERS)])
    try:
        seen: set[int] = set()
        deadline = time.monotonic() + 60
        while len(seen) < WORKERS and time.monotonic() < deadline:  # new connection each time
            with urllib.request.urlopen(f"{srv.url}/healthz", timeout=10) as r:
                seen.add(json.loads(r.read())["worker"])
        assert len(seen) == WORKERS, f"only workers {seen} answered"

        def learner(i: int) -> tuple[str, int]:
            status, cookie = _post(f"{srv.url}/api/answers", {"question_id": Q, "choice": i % 4})
            assert status == 200
            return cookie, i % 4

        with ThreadPoolExecutor(32) as pool:
            learners = list(pool.map(learner, range(LEARNERS)))
        assert len({c for c, _ in learners}) == LEARNERS  # each its own learner

        def check(item: tuple[str, int]) -> bool:
            cookie, choice = item
            req = urllib.request.Request(f"{srv.url}/api/progress", headers={"Cookie": cookie})
            with urllib.request.urlopen(req, timeout=30) as r:
                answers = json.loads(r.read())["answers"]
            return answers == {Q: {"choice": choice, "correct": answers[Q]["correct"]}}

        with ThreadPoolExecutor(32) as pool:
            assert all(pool.map(check, learners))  # 0 lost, each sees only its own answer

        ws_url = srv.url.replace("http", "ws") + "/ws/sims/gradient_descent"

        def live(_: int) -> int:
            with connect(ws_url, open_timeout=20) as ws:
                ws.send(json.dumps({"type": "start", "params": {}}))
                frame = ws.recv(timeout=20)
                assert isinstance(frame, bytes) and frame[:4] == b"DBF1"
                return 1

        with ThreadPoolExecutor(8) as pool:
            assert sum(pool.map(live, range(8))) == 8
        assert srv.log_text().count("Application startup complete") >= WORKERS
    finally:
        srv.stop()
