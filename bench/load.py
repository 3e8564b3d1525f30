"""A class on one server: simulated learners read pages, answer questions and use instant sims.

Open-loop load at rising request rates against a real `deepbook serve` on loopback (cookie mode,
one cookie per simulated learner), bounded in time; prints p50/p95/p99 and errors per rate, and
the highest rate whose p95 stays within the budget (200 ms).

    .venv/bin/python bench/load.py                               # SQLite
    .venv/bin/python bench/load.py --db postgresql+psycopg://…   # a PostgreSQL you started
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
import live_server  # noqa: E402

PAGES = ["/", "/chapters/classical-ml", "/chapters/backpropagation", "/glossary", "/api/progress"]
QUESTIONS = ["backprop-softmax-loss", "why-learned-features-advantage", "convolutional-output-size"]
BUDGET_MS = 200.0


class Learner:
    """One simulated learner: a keep-alive connection and the cookie the server gave it."""

    def __init__(self, host: str, port: int, rng: random.Random) -> None:
        self.conn = http.client.HTTPConnection(host, port, timeout=10)
        self.cookie = ""
        self.rng = rng

    def request(self) -> tuple[float, int]:
        """One request of the mix; (latency in ms, status)."""
        r = self.rng.random()
        headers = {"Cookie": self.cookie} if self.cookie else {}
        if r < 0.5:
            method, path, body = "GET", self.rng.choice(PAGES), None
        elif r < 0.8:
            method, path = "POST", "/api/answers"
            body = json.dumps(
                {"question_id": self.rng.choice(QUESTIONS), "choice": self.rng.randrange(4)}
            )
            headers["Content-Type"] = "application/json"
        else:
            method, path = "POST", "/api/sims/activations"
            body = json.dumps(
                {"probe": round(self.rng.uniform(-5, 5), 2), "depth": self.rng.randrange(1, 50)}
            )
            headers["Content-Type"] = "application/json"
        t0 = time.perf_counter()
        try:
            self.conn.request(method, path, body=body, headers=headers)
            res = self.conn.getresponse()
            res.read()
            status = res.status
            cookie = res.getheader("set-cookie")
            if cookie:
                self.cookie = cookie.split(";", 1)[0]
        except (OSError, http.client.HTTPException):
            self.conn.close()
            status = 0
        return (time.perf_counter() - t0) * 1000, status


def run_rate(host: str, port: int, rate: float, seconds: float, learners: int) -> dict[str, Any]:
    """Send `rate` requests per second for `seconds` from `learners` threads (open loop)."""
    lat: list[float] = []
    errors = 0
    lock = threading.Lock()
    start = time.perf_counter() + 0.2
    per = rate / learners

    def worker(i: int) -> None:
        nonlocal errors
        me = Learner(host, port, random.Random(i))
        n = 0
        while True:
            due = start + n / per + (i / rate)
            if due - start >= seconds:
                return
            wait = due - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            ms, status = me.request()
            with lock:
                lat.append(ms)
                errors += status == 0 or status >= 500
            n += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(learners)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=seconds + 30)
    lat.sort()
    q = statistics.quantiles(lat, n=100, method="inclusive") if len(lat) > 1 else [0.0] * 99
    achieved = len(lat) / seconds
    return {
        "rate": rate,
        "achieved": achieved,
        "p50": q[49],
        "p95": q[94],
        "p99": q[98],
        "errors": errors,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", help="database URL (default: a fresh SQLite file)")
    ap.add_argument("--rates", default="10,20,40,80,120,160", help="requests per second to try")
    ap.add_argument("--seconds", type=float, default=8.0, help="how long each rate runs")
    ap.add_argument("--learners", type=int, default=24, help="simulated learners (threads)")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="deepbook-load-") as tmp:
        db = args.db or f"sqlite:///{Path(tmp) / 'load.db'}"
        srv = live_server.start_server(db, env={"DEEPBOOK_LEARNER_MODE": "cookie"})
        try:
            host, port = "127.0.0.1", int(srv.url.rsplit(":", 1)[1])
            rows = []
            for rate in (float(r) for r in args.rates.split(",")):
                row = run_rate(host, port, rate, args.seconds, args.learners)
                rows.append(row)
                print(
                    f"{row['rate']:5.0f}/s asked, {row['achieved']:6.1f}/s done: "
                    f"p50 {row['p50']:6.1f} ms, "
                    f"p95 {row['p95']:6.1f} ms, p99 {row['p99']:6.1f} ms, {row['errors']} errors",
                    file=sys.stderr,
                    flush=True,
                )
                if row["p95"] > 4 * BUDGET_MS:
                    break  # far past the budget: stop loading the machine
        finally:
            srv.stop()
    ok = [
        r
        for r in rows
        if r["p95"] <= BUDGET_MS and r["errors"] == 0 and r["achieved"] >= 0.9 * r["rate"]
    ]
    best = max((r["achieved"] for r in ok), default=0.0)
    print("| asked | done | p50 | p95 | p99 | 5xx/failed |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        cells = [f"{r['rate']:.0f}/s", f"{r['achieved']:.1f}/s"]
        cells += [f"{r[k]:.1f} ms" for k in ("p50", "p95", "p99")] + [str(r["errors"])]
        print("| " + " | ".join(cells) + " |")
    print(f"\nhighest rate with p95 ≤ {BUDGET_MS:.0f} ms and no errors: {best:.0f} requests/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
