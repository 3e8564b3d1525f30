"""One learner running flat out leaves another learner a smooth live sim and quick instant sims.

Issue 7, defect 2: six sessions sending `step n=1000` stalled another learner's live sim for 14.7 s
and an instant sim for 14.6 s; six ordinary tabs at top speed dropped another learner from 60 to
3.7 fps. Here, on a real `deepbook serve`, client A (127.0.0.2) runs its maximum number of live
sessions flat out (speed 50, four optimisers, acks at once; half of them also send `step n=1000`
and restarts at 100 messages a second) plus uncached decision_boundaries refits back to back,
while client B (127.0.0.3) plays gradient_descent as a 60 Hz browser does and drags the
activations probe. B alone is measured first, as the machine's baseline: up to three fresh
servers are tried, and if even B alone misses the budgets on each (a machine busy with other jobs)
the test is skipped and says so. The figures go to test-artifacts/live-fairness.json.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import aio  # asyncio.run in a thread: Playwright may hold the main thread's loop
from deepbook.settings import Settings
from live_server import start_server
from reliability.live_load import fairness

pytestmark = pytest.mark.slow
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
MIN_FPS, MAX_P95_MS = 30.0, 100.0
ATTEMPTS = 3  # the machine may be shared with other jobs: a fresh server, a fresh measurement


def passes(r: dict[str, Any]) -> bool:
    return bool(r["b_fps"] >= MIN_FPS and r["b_instant_p95_ms"] <= MAX_P95_MS)


def test_a_client_flooding_compute_does_not_starve_another(tmp_path: Path) -> None:
    sessions = Settings().max_live_per_client
    runs: list[dict[str, Any]] = []
    for attempt in range(ATTEMPTS):
        srv = start_server(  # a class server: one learner per browser, budgets per learner
            f"sqlite:///{tmp_path / f'fair{attempt}.db'}", env={"DEEPBOOK_LEARNER_MODE": "cookie"}
        )
        try:
            alone = aio.run(fairness(srv.url, 0, seconds=3.0, warm=0.5, heavy=0))
            flood = aio.run(fairness(srv.url, sessions, seconds=6.0, warm=2.0, heavy=1))
        finally:
            srv.stop()
        runs.append({"alone": alone, "flood": flood})
        if passes(flood):
            break
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "live-fairness.json").write_text(json.dumps(runs, indent=2) + "\n")
    r = runs[-1]["flood"]
    shown = ", ".join(f"{k} {v:.1f}" for k, v in r.items() if isinstance(v, float))
    print(shown)
    if not passes(r) and not any(passes(run["alone"]) for run in runs):
        pytest.skip(f"the machine is too busy to measure: B alone got {runs[-1]['alone']}")
    assert not r["b_errors"], r["b_errors"]
    assert r["b_fps"] >= MIN_FPS, shown
    assert r["b_instant_p95_ms"] <= MAX_P95_MS and r["b_instant_n"] >= 30, shown
    assert r["a_fps_per_session"] > 0 and r["a_instant_n"] > 0, shown  # A did run
    assert not r["a_closed"], r["a_closed"]  # within the message rate: never closed
