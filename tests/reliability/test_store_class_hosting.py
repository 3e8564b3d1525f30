"""Class hosting, store side (issue 7): four servers on one PostgreSQL, 4 × 1,000 learners at once.

Four `deepbook serve` processes on four ports share a throw-away PostgreSQL and one
DEEPBOOK_SECRET_KEY, as app servers behind a reverse proxy would (several workers of one
`deepbook serve --workers N` are the same case on one machine). They start together (their
migrations serialise on the advisory lock), then 1,000 new learners per server each post an
answer, all at once; every learner then reads its progress through another server. Checked:
every acknowledged answer is stored exactly once (0 lost), each learner sees only its own answer,
keys signed by one server are honoured by the others, and nothing else was created.
"""

from __future__ import annotations

import asyncio
import random
import secrets
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any

import httpx2 as httpx
import pytest
from sqlalchemy import func, select

import aio
import conftest_pg
from deepbook.content import load_course
from deepbook.settings import Settings
from deepbook.store import Answer, Learner, QuestionSummary, make_engine
from deepbook.web.learners import LEARNER_COOKIE
from live_server import LiveServer, start_server

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

SERVERS = 4
LEARNERS = 1_000  # per server
IN_FLIGHT = 32  # requests in flight per server
DEADLINE = 300.0  # seconds for the whole exchange


@dataclass
class Learned:
    """One simulated learner: what it answered and the key its cookie carries."""

    question: str
    choice: int
    cookie: str = ""
    latencies: list[float] = field(default_factory=list)


def no_cookie_jar() -> CookieJar:
    """A cookie store that keeps nothing: each request names its learner explicitly."""
    return CookieJar(policy=DefaultCookiePolicy(allowed_domains=[]))


def learner_cookie(response: httpx.Response) -> str:
    """The learner cookie value a response sets."""
    for header in response.headers.get_list("set-cookie"):
        name, _, rest = header.partition("=")
        if name.strip() == LEARNER_COOKIE:
            return rest.split(";")[0]
    raise AssertionError(f"no learner cookie in {response.headers}")


async def exchange(urls: list[str], plan: list[list[Learned]]) -> None:
    """Every learner answers on its server, all at once; then reads its progress on the next."""
    clients = [
        httpx.AsyncClient(
            base_url=u,
            cookies=no_cookie_jar(),
            timeout=60,
            # one connection per request, as from the proxy in docs/deploy.md (nginx sends
            # `Connection: close` upstream). CI once saw a request reset unanswered on a reused
            # connection, most likely uvicorn's 5 s keep-alive: when this one process stalls, a
            # server may close an idle connection just as the next request goes out on it.
            limits=httpx.Limits(max_connections=IN_FLIGHT, max_keepalive_connections=0),
        )
        for u in urls
    ]
    gates = [asyncio.Semaphore(IN_FLIGHT) for _ in urls]

    async def answer(i: int, who: Learned) -> None:
        async with gates[i]:
            t0 = time.perf_counter()
            body = {"question_id": who.question, "choice": who.choice}
            r = await clients[i].post("/api/answers", json=body)
            who.latencies.append(time.perf_counter() - t0)
        assert r.status_code == 200, r.text
        assert r.json()["choice"] == who.choice
        who.cookie = learner_cookie(r)

    async def check(i: int, who: Learned) -> None:
        j = (i + 1) % len(urls)  # another server than the one that issued the key
        async with gates[j]:
            headers = {"cookie": f"{LEARNER_COOKIE}={who.cookie}"}
            r = await clients[j].get("/api/progress", headers=headers)
        assert r.status_code == 200 and "set-cookie" not in r.headers, r.headers
        answers = r.json()["answers"]
        assert list(answers) == [who.question] and answers[who.question]["choice"] == who.choice

    try:
        await asyncio.gather(*(answer(i, w) for i, ws in enumerate(plan) for w in ws))
        await asyncio.gather(*(check(i, w) for i, ws in enumerate(plan) for w in ws))
    finally:
        for c in clients:
            await c.aclose()


def report(servers: list[LiveServer]) -> str:
    """Each server's exit status (None: still running) and the end of its log."""
    return "\n".join(
        f"--- {s.url}: exit status {s.proc.poll()}\n{s.log_text()[-3000:]}" for s in servers
    )


def test_four_servers_take_4000_concurrent_answers_with_none_lost(pg_server: str) -> None:
    url = conftest_pg.create_database(pg_server, "class_hosting")
    env = {
        "DEEPBOOK_LEARNER_MODE": "cookie",
        "DEEPBOOK_SECRET_KEY": secrets.token_hex(32),
        "DEEPBOOK_TORCH_THREADS": "1",
    }
    servers: list[LiveServer] = []
    with ThreadPoolExecutor(SERVERS) as pool:
        futures = [pool.submit(start_server, url, env=env) for _ in range(SERVERS)]
        try:
            servers = [f.result() for f in futures]
        finally:  # stop those that started if another did not
            started = [f.result() for f in futures if f.exception() is None]
            if len(started) < SERVERS:
                for s in started:
                    s.stop()
    try:
        rng = random.Random(1)
        questions = [
            (q.id, len(q.options))
            for ch in load_course(Settings().content_dir).chapters
            for q in ch.questions
        ]
        plan = [
            [Learned(q, rng.randrange(n)) for q, n in rng.choices(questions, k=LEARNERS)]
            for _ in servers
        ]
        t0 = time.perf_counter()
        try:
            aio.run(asyncio.wait_for(exchange([s.url for s in servers], plan), DEADLINE))
        except Exception as e:  # what each server was doing: running or not, and its log
            raise AssertionError(f"{e!r} in the exchange; the servers:\n{report(servers)}") from e
        seconds = time.perf_counter() - t0
        for s in servers:
            assert s.proc.poll() is None, s.log_text()
    finally:
        for s in servers:
            s.stop()
    learners = [w for ws in plan for w in ws]
    assert len({w.cookie for w in learners}) == SERVERS * LEARNERS  # distinct learners
    engine = make_engine(url)
    try:
        with engine.connect() as conn:

            def count(model: Any) -> int:
                return int(conn.execute(select(func.count()).select_from(model)).scalar_one())

            assert count(Answer) == count(Learner) == count(QuestionSummary) == 4000  # 0 lost
            per_learner = select(func.count()).select_from(Answer).group_by(Answer.learner_id)
            assert set(conn.execute(per_learner).scalars()) == {1}
    finally:
        engine.dispose()
    ms = sorted(1000 * t for w in learners for t in w.latencies)
    print(
        f"\n{SERVERS} servers, {len(learners)} answers + {len(learners)} progress reads in "
        f"{seconds:.1f} s; answer p50 {statistics.median(ms):.0f} ms, "
        f"p95 {ms[int(0.95 * len(ms))]:.0f} ms"
    )
