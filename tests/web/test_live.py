"""The live-simulation WebSocket: paced by acknowledgements, refusing bad messages, never dying."""

import json

import pytest

from deepbook.sims import decode

URL = "/ws/sims/gradient_descent"


def frame(ws):
    return decode(ws.receive_bytes())


def error(ws):
    msg = json.loads(ws.receive_text())
    assert msg["type"] == "error"
    return msg


def test_start_play_ack_pause_step_reset(client):
    with client.websocket_connect(URL) as ws:
        ws.send_json({"type": "start", "params": {"optimisers": ["sgd", "adam"]}})
        f = frame(ws)
        assert f.meta["seq"] == 1 and f.meta["step"] == 0 and f.meta["full"]
        assert f.arrays["field"].shape == (160, 160) and f.arrays["points"].shape == (2, 1, 3)
        ws.send_json({"type": "ack", "seq": 1})  # nothing is playing: no frame
        ws.send_json({"type": "play"})
        f = frame(ws)
        assert f.meta["playing"] and f.meta["step"] == 1 and not f.meta["full"]
        assert "field" not in f.arrays
        for seq in range(2, 6):  # each acknowledgement buys exactly one more frame
            ws.send_json({"type": "ack", "seq": seq})
            f = frame(ws)
            assert f.meta["seq"] == seq + 1 and f.meta["step"] == seq
        ws.send_json({"type": "pause"})
        assert ws.receive_json() == {"type": "state", "playing": False}
        ws.send_json({"type": "ack", "seq": 6})  # paused: the ack buys nothing
        ws.send_json({"type": "step", "n": 1})
        f = frame(ws)
        assert not f.meta["playing"] and f.meta["step"] == 6
        ws.send_json({"type": "reset"})
        f = frame(ws)
        assert f.meta["step"] == 0 and f.meta["full"] and "field" in f.arrays


def test_a_hot_parameter_changes_mid_run_without_a_reset(client):
    with client.websocket_connect(URL) as ws:
        ws.send_json({"type": "start", "params": {"optimisers": ["sgd"], "lr": 0.01}})
        frame(ws)
        ws.send_json({"type": "step", "n": 5})
        assert frame(ws).meta["step"] == 5
        ws.send_json({"type": "start", "params": {"optimisers": ["sgd"], "lr": 0.1}})  # hot
        f = frame(ws)
        assert f.meta["step"] == 5 and not f.meta["full"]  # the run goes on
        before = f.meta["optimisers"][0]
        ws.send_json({"type": "step", "n": 1})
        after = frame(ws).meta["optimisers"][0]
        # one SGD step at the new rate on 0.5 (x² + 15 y²): x ← x − 0.1 x
        assert after["x"] == pytest.approx(before["x"] * 0.9, rel=1e-5)
        ws.send_json({"type": "start", "params": {"optimisers": ["sgd"], "lr": 0.1, "x0": 1}})
        f = frame(ws)  # not hot: a fresh run
        assert f.meta["step"] == 0 and f.meta["full"]


def test_bad_messages_get_an_error_and_the_session_keeps_running(client):
    with client.websocket_connect(URL) as ws:
        ws.send_json({"type": "play"})
        assert "start message first" in error(ws)["detail"]
        ws.send_json({"type": "start", "params": {"lr": 50}})
        e = error(ws)
        assert e["param"] == "lr" and "between 0.0001 and 10" in e["detail"]
        ws.send_text("{broken")
        assert "not valid JSON" in error(ws)["detail"]
        ws.send_text("[1]")
        assert "JSON object" in error(ws)["detail"]
        ws.send_json({"type": "explode"})
        assert "unknown message type" in error(ws)["detail"]
        ws.send_bytes(b"\x00\x01")
        assert "binary messages" in error(ws)["detail"]
        ws.send_text("x" * 5000)
        assert "limit is 4096" in error(ws)["detail"]
        ws.send_json({"type": "start", "params": {"surface": "rosenbrock"}})
        assert frame(ws).meta["seq"] == 1
        ws.send_json({"type": "step", "n": 0})
        assert error(ws)["param"] == "n"
        ws.send_json({"type": "ack", "seq": 99})
        assert error(ws)["param"] == "seq"
        ws.send_json({"type": "step", "n": 3})
        assert frame(ws).meta["step"] == 3
        ws.send_text("[" * 1500 + "]" * 1500)  # deeper than the JSON parser recurses
        assert "not valid JSON" in error(ws)["detail"]
        ws.send_json({"type": "visible", "value": "false"})
        assert error(ws)["param"] == "value"
        ws.send_json({"type": "step"})
        assert frame(ws).meta["step"] == 4  # still alive


def test_a_hidden_view_gets_no_frames_until_visible_again(client):
    with client.websocket_connect(URL) as ws:
        ws.send_json({"type": "start", "params": {}})
        frame(ws)
        ws.send_json({"type": "visible", "value": False})
        ws.send_json({"type": "play"})
        assert ws.receive_json() == {"type": "state", "playing": True}  # waits for the ack
        ws.send_json({"type": "ack", "seq": 1})
        ws.send_json({"type": "explode"})  # the next thing to arrive is its error, not a frame
        assert "unknown message type" in error(ws)["detail"]
        ws.send_json({"type": "visible", "value": True})
        f = frame(ws)  # the first frame after becoming visible again
        assert f.meta["seq"] == 2 and f.meta["step"] == 1


def test_divergence_is_reported_and_nothing_is_nan(client):
    with client.websocket_connect(URL) as ws:
        ws.send_json({"type": "start", "params": {"optimisers": ["sgd"], "lr": 10, "speed": 50}})
        frame(ws)
        ws.send_json({"type": "play"})  # no frame yet: frame 1 is not acknowledged
        assert ws.receive_json() == {"type": "state", "playing": True}
        ws.send_json({"type": "ack", "seq": 1})
        f = frame(ws)
        assert f.meta["optimisers"][0]["diverged_at"] is not None
        assert f.meta["done"] and not f.meta["playing"]


def test_sessions_per_client_are_limited(client, settings):
    n = settings.max_live_per_client
    from contextlib import ExitStack

    with ExitStack() as stack:
        for _ in range(n):
            stack.enter_context(client.websocket_connect(URL))
        with client.websocket_connect(URL) as extra:
            assert "live sessions open already" in error(extra)["detail"]
    with client.websocket_connect(URL) as ws:  # released on close
        ws.send_json({"type": "start", "params": {}})
        assert frame(ws).meta["seq"] == 1


@pytest.mark.parametrize("path", ["/ws/sims/activations", "/ws/sims/nope"])
def test_only_live_sims_have_sessions(client, path):
    with client.websocket_connect(path) as ws:
        assert "no live simulation" in error(ws)["detail"]


def test_a_burst_of_parameter_changes_costs_few_pictures(client, monkeypatch):
    import time

    from deepbook.web import live

    compute = live.Session.compute

    def slow(self, what):  # a picture takes a while: messages pile up meanwhile
        time.sleep(0.05)
        return compute(self, what)

    monkeypatch.setattr(live.Session, "compute", slow)
    with client.websocket_connect(URL) as ws:
        for i in range(40):
            ws.send_json({"type": "start", "params": {"lr": 0.001 * (i + 1)}})
        ws.send_json({"type": "explode"})  # marks the end of the burst
        frames = 0
        while True:
            message = ws.receive()
            if message.get("text"):
                break
            frames += 1
        assert 1 <= frames <= 5


def test_acks_are_never_refused_by_the_rate_limit(client, settings):
    with client.websocket_connect(URL) as ws:
        ws.send_json({"type": "start", "params": {}})
        frame(ws)
        ws.send_json({"type": "play"})
        for _ in range(settings.max_messages_per_second + 5):
            ws.send_json({"type": "visible", "value": True})
        ws.send_json({"type": "ack", "seq": 1})
        seen_frame = False
        for _ in range(settings.max_messages_per_second + 10):
            message = ws.receive()
            if message.get("bytes"):
                seen_frame = True
                break
        assert seen_frame


def test_an_engine_failure_is_reported_and_the_session_survives(client, monkeypatch):
    from deepbook.sims import gradient_descent

    def boom(self, n=1):
        raise RuntimeError("boom")

    with client.websocket_connect(URL) as ws:
        ws.send_json({"type": "start", "params": {}})
        frame(ws)
        monkeypatch.setattr(gradient_descent.Descent, "step", boom)
        ws.send_json({"type": "step"})
        assert error(ws)["detail"] == "the simulation failed: boom"
        monkeypatch.undo()
        ws.send_json({"type": "reset"})
        assert frame(ws).meta["step"] == 0
