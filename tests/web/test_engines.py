"""Live engines in engine processes (a class's server): sessions spread over the processes, run
exactly as in the server process, and outlive a process that dies."""

import os
import signal
import time

import numpy as np
import pytest
from fastapi.testclient import TestClient

from deepbook.settings import Settings
from deepbook.sims import decode
from deepbook.web.app import create_app

PLAYGROUND = "/ws/sims/playground"


def drawn(ws):
    f = decode(ws.receive_bytes())
    ws.send_json({"type": "ack", "seq": f.meta["seq"]})
    return f


def run(ws, params, steps):
    """Start, step and edit a playground run; the frames' parameters and losses."""
    ws.send_json({"type": "start", "params": params})
    drawn(ws)
    ws.send_json({"type": "step", "n": steps})
    a = drawn(ws)
    ws.send_json({"type": "edit", "layer": 0, "from": 0, "to": 1, "value": 0.5})
    assert ws.receive_json() == {"type": "edit", "done": True}
    b = drawn(ws)
    return a.arrays["params"], a.meta["train_loss"], b.arrays["params"], b.meta["train_loss"]


@pytest.fixture
def processes(tmp_path):
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'test.db'}",
        open_browser=False,
        allowed_hosts=["testserver"],
        live_processes=2,
    )
    with TestClient(create_app(settings)) as c:
        yield c


def test_cookie_mode_uses_a_process_per_core_and_a_laptop_none():
    assert Settings(learner_mode="single").engine_processes == 0
    assert Settings(learner_mode="cookie").engine_processes == (os.cpu_count() or 1)
    assert Settings(learner_mode="cookie", live_processes=0).engine_processes == 0


def test_a_run_in_an_engine_process_is_the_run_in_the_server(processes, client):
    params = {"layers": "4,3", "seed": 5}
    with client.websocket_connect(PLAYGROUND) as ws:
        here = run(ws, params, 20)
    with processes.websocket_connect(PLAYGROUND) as ws:
        there = run(ws, params, 20)
    for a, b in zip(here, there, strict=True):
        np.testing.assert_array_equal(a, b)


def test_sessions_are_spread_over_the_processes(processes):
    compute = processes.app.state.compute
    procs = [p for p, _ in compute.processes]
    assert len(procs) == 2 and len({p.proc.pid for p in procs}) == 2
    with (
        processes.websocket_connect(PLAYGROUND) as a,
        processes.websocket_connect(PLAYGROUND) as b,
    ):
        for ws in (a, b):
            ws.send_json({"type": "start", "params": {}})
            drawn(ws)
        assert [p.sessions for p in procs] == [1, 1]
    for p in procs:  # released when they closed
        for _ in range(50):
            if p.sessions == 0:
                break
            time.sleep(0.02)
        assert p.sessions == 0 and len(p.gone) == 1


def test_a_session_outlives_its_engine_process(processes):
    compute = processes.app.state.compute
    with processes.websocket_connect(PLAYGROUND) as ws:
        ws.send_json({"type": "start", "params": {"seed": 2}})
        drawn(ws)
        ws.send_json({"type": "step", "n": 5})
        assert drawn(ws).meta["epoch"] == 5
        proc = next(p for p, _ in compute.processes if p.sessions == 1)
        pid = proc.proc.pid
        os.kill(pid, signal.SIGKILL)
        proc.proc.join(5)
        ws.send_json({"type": "step", "n": 1})
        e = ws.receive_json()
        assert e["type"] == "error" and "engine process stopped" in e["detail"]
        assert proc.proc.pid != pid and proc.proc.is_alive()  # another one took its place
        ws.send_json({"type": "step", "n": 3})  # the run starts again from its values
        f = drawn(ws)
        assert f.meta["full"] and f.meta["epoch"] == 0
        ws.send_json({"type": "step", "n": 3})
        assert drawn(ws).meta["epoch"] == 3
