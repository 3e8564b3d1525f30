"""The live-simulation WebSocket: paced by acknowledgements, refusing bad messages, never dying."""

import json
import time
from contextlib import ExitStack

import numpy as np
import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from deepbook.settings import Settings
from deepbook.sims import decode
from deepbook.web.app import create_app

URL = "/ws/sims/gradient_descent"


def _settings(tmp_path, **limits):
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'test.db'}",
        open_browser=False,
        allowed_hosts=["testserver"],
        **limits,
    )


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
        assert f.arrays["field"].shape == (160, 160)  # the landscape and both whole paths
        assert f.arrays["points"].shape == (2, f.meta["length"] + 1, 3) and f.meta["length"] > 6
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


def test_a_hot_parameter_redraws_the_paths_and_keeps_plays_place(client):
    with client.websocket_connect(URL) as ws:
        ws.send_json({"type": "start", "params": {"optimisers": ["sgd"], "lr": 0.01}})
        frame(ws)
        ws.send_json({"type": "step", "n": 5})
        f = frame(ws)
        assert f.meta["step"] == 5 and not f.meta["full"] and f.arrays == {}  # Play's place only
        ws.send_json({"type": "start", "params": {"optimisers": ["sgd"], "lr": 0.1}})  # hot
        f = frame(ws)
        assert f.meta["step"] == 5 and f.meta["full"]  # new paths, the same place
        # SGD on 0.5 (x² + 15 y²) from x = -2.5 at the new rate: x ← 0.9 x every step
        assert f.arrays["points"][0, 5, 0] == pytest.approx(-2.5 * 0.9**5, rel=1e-5)
        ws.send_json({"type": "start", "params": {"optimisers": ["sgd", "adam"], "lr": 0.1}})
        f = frame(ws)  # the optimisers are not hot: a fresh run
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
        f = frame(ws)
        gone = f.meta["optimisers"][0]["diverged_at"]
        assert (
            gone is not None and f.meta["length"] == gone and np.isfinite(f.arrays["points"]).all()
        )
        ws.send_json({"type": "play"})  # no frame yet: frame 1 is not acknowledged
        assert ws.receive_json() == {"type": "state", "playing": True}
        ws.send_json({"type": "ack", "seq": 1})
        f = frame(ws)
        assert f.meta["step"] == gone and f.meta["done"] and not f.meta["playing"]


def test_sessions_per_client_are_limited(client, settings):
    n = settings.max_live_per_client
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

    unit = live.Session.unit

    def slow(self, plan):  # a picture takes a while (on the worker): messages pile up meanwhile
        time.sleep(0.05)
        return unit(self, plan)

    monkeypatch.setattr(live.Session, "unit", slow)
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


def test_acks_count_towards_the_rate_but_play_never_stalls(tmp_path):
    """Over the rate, other messages are refused (one "slow down" per streak) and acks are still
    applied, silently, so a browser that was told to slow down keeps getting frames."""
    settings = _settings(tmp_path, max_messages_per_second=20)
    with TestClient(create_app(settings)) as c, c.websocket_connect(URL) as ws:
        ws.send_json({"type": "start", "params": {}})
        frame(ws)
        ws.send_json({"type": "play"})
        assert ws.receive_json() == {"type": "state", "playing": True}
        for _ in range(24):  # the burst, and five more
            ws.send_json({"type": "visible", "value": True})
        ws.send_json({"type": "pause"})  # refused: over the rate
        ws.send_json({"type": "ack", "seq": 1})  # applied: still playing, so a frame follows
        assert "slow down" in error(ws)["detail"]  # said once for the whole streak
        assert frame(ws).meta["playing"]
        time.sleep(0.8)  # the bucket refills
        ws.send_json({"type": "pause"})
        assert ws.receive_json() == {"type": "state", "playing": False}


def test_a_flood_is_closed_with_1008_and_never_echoed(client, settings):
    bogus = "9" * 3000
    with client.websocket_connect(URL) as ws:
        for _ in range(3 * settings.max_messages_per_second):
            ws.send_text(f'{{"type": "ack", "seq": "{bogus}"}}')
        replies = []
        with pytest.raises(WebSocketDisconnect) as closed:
            while True:
                replies.append(ws.receive_text())
    assert closed.value.code == 1008 and closed.value.reason == "too many messages"
    assert replies and all(len(r) < 300 and bogus[:50] not in r for r in replies)
    assert sum("slow down" in r for r in replies) == 1


ODD_INPUT = [
    ('{"type": "start", "params": {"lr": ' + "9" * 400 + "}}", "lr"),  # too large for a float
    ('{"type": "start", "params": {"lr": NaN}}', "lr"),
    ('{"type": "start", "params": {"lr": -Infinity}}', "lr"),
    ('{"type": "start", "params": {"lr": 1e999}}', "lr"),
    ('{"type": "step", "n": ' + "9" * 400 + "}", "n must be"),
    ('{"type": "ack", "seq": 1e999}', "seq must be"),
    ('{"type": "start", "params": {"surface": "\\ud800"}}', "surface"),  # a lone surrogate
    ('{"type": "\\udfff"}', "unknown message type"),
    ('{"type": "start", "params": {"\\ud800": 1}}', "not a parameter"),
    ('{"type": "start", "params": ' + "[" * 900 + "]" * 900 + "}", "JSON object"),
    ('{"type": "start", "params": {"lr": ' + "{" * 2000 + "}", "not valid JSON"),
    ('{"type": ["start"]}', "unknown message type"),
    ('"start"', "JSON object"),
    ("null", "JSON object"),
    ("1e999", "JSON object"),
    ("", "not valid JSON"),
]


def test_odd_input_gets_an_error_and_the_session_lives_on(client):
    with client.websocket_connect(URL) as ws:
        ws.send_json({"type": "start", "params": {}})
        assert frame(ws).meta["seq"] == 1
        for i, (text, detail) in enumerate(ODD_INPUT, start=1):
            ws.send_text(text)
            e = error(ws)
            assert detail in e["detail"] or e["param"] == detail, text[:60]
            assert len(e["detail"]) < 200
            ws.send_json({"type": "step"})
            f = frame(ws)
            assert f.meta["step"] == i  # the session lives on
            ws.send_json({"type": "ack", "seq": f.meta["seq"]})


def test_frames_are_paced_at_the_display_rate(tmp_path):
    settings = _settings(tmp_path, max_frames_per_second=20)
    with TestClient(create_app(settings)) as c, c.websocket_connect(URL) as ws:
        ws.send_json({"type": "start", "params": {}})
        frame(ws)
        ws.send_json({"type": "play"})
        assert ws.receive_json() == {"type": "state", "playing": True}
        t0 = time.perf_counter()
        for seq in range(2, 22):
            ws.send_json({"type": "ack", "seq": seq - 1})
            assert frame(ws).meta["seq"] == seq
        assert time.perf_counter() - t0 >= 0.85  # 20 frames at 20 a second, after a burst of 2


def costly_steps(monkeypatch, seconds):
    """Make each gradient_descent step burn CPU (its steps are a cursor moving along paths
    computed in advance: almost free), so the transport's time limits have something to cut."""
    from deepbook.sims import gradient_descent

    step = gradient_descent.Descent.step

    def slow(self, n=1):
        end = time.thread_time() + seconds * n
        while time.thread_time() < end:
            pass
        step(self, n)

    monkeypatch.setattr(gradient_descent.Descent, "step", slow)


def test_a_played_frame_is_capped_in_time(tmp_path, monkeypatch):
    costly_steps(monkeypatch, 0.0005)
    settings = _settings(tmp_path, max_frame_ms=1)
    with TestClient(create_app(settings)) as c, c.websocket_connect(URL) as ws:
        ws.send_json({"type": "start", "params": {"speed": 50}})
        frame(ws)
        ws.send_json({"type": "play"})
        assert ws.receive_json() == {"type": "state", "playing": True}
        ws.send_json({"type": "ack", "seq": 1})
        assert frame(ws).meta["step"] < 50  # the time cap cut the frame's steps short


def test_a_long_step_runs_in_slices(client, monkeypatch):
    from deepbook.web import live

    slices = []
    unit = live.Session.unit

    def counted(self, plan):
        slices.append(plan.steps)
        return unit(self, plan)

    monkeypatch.setattr(live.Session, "unit", counted)
    costly_steps(monkeypatch, 0.0002)
    with client.websocket_connect(URL) as ws:
        ws.send_json(
            {
                "type": "start",
                "params": {"optimisers": ["sgd", "adam"], "steps": 3000, "noise": 0.1},
            }
        )
        frame(ws)
        slices.clear()
        ws.send_json({"type": "step", "n": 1000})
        assert frame(ws).meta["step"] == 1000
    assert len(slices) > 3  # others get turns between the slices of a long step


@pytest.mark.parametrize(
    ("limits", "script", "why"),
    [
        ({"live_idle_seconds": 0.3}, [{"type": "ack", "seq": 1}], "no message for 0.3 s"),
        (
            {"live_hidden_seconds": 0.3},
            [{"type": "visible", "value": False}, {"type": "play"}],
            "hidden for 0.3 s",
        ),
    ],
)
def test_idle_and_hidden_sessions_are_closed_and_told_to_come_back(tmp_path, limits, script, why):
    settings = _settings(tmp_path, **limits)
    with TestClient(create_app(settings)) as c, c.websocket_connect(URL) as ws:
        ws.send_json({"type": "start", "params": {}})
        frame(ws)
        for msg in script:
            ws.send_json(msg)
        texts = []
        with pytest.raises(WebSocketDisconnect) as closed:
            while True:
                texts.append(ws.receive_text())
        assert closed.value.code == 1013 and closed.value.reason == why  # the browser retries
        assert "session was closed: " + why in json.loads(texts[-1])["detail"]


def test_frames_wait_for_acks_beyond_the_window(client):
    from deepbook.web.live import WINDOW

    with client.websocket_connect(URL) as ws:
        ws.send_json({"type": "start", "params": {}})
        frame(ws)
        for i in range(WINDOW + 3):
            ws.send_json({"type": "step"})
            if i < WINDOW - 1:
                assert frame(ws).meta["seq"] == i + 2  # one frame per step, unacknowledged
        ws.send_json({"type": "ack", "seq": WINDOW})  # the window was full: steps waited
        f = frame(ws)  # the waiting steps, in one frame
        assert f.meta["seq"] == WINDOW + 1 and f.meta["step"] == WINDOW + 3


def test_a_visible_client_that_acks_nothing_is_dropped(tmp_path):
    settings = _settings(tmp_path, live_send_seconds=0.3)
    with TestClient(create_app(settings)) as c, c.websocket_connect(URL) as ws:
        ws.send_json({"type": "start", "params": {}})
        frame(ws)  # read, never acknowledged
        with pytest.raises(WebSocketDisconnect) as closed:
            while True:
                ws.receive_text()
        assert closed.value.code == 1013 and closed.value.reason == "no ack for 0.3 s"


def _learner(c):
    """The Cookie header of a new learner, signed by this app."""
    _, value = c.app.state.learner_keys.issue()
    return {"Cookie": f"deepbook_learner={value}"}


def test_the_cap_is_per_learner_and_per_address(tmp_path):
    settings = _settings(tmp_path, learner_mode="cookie", max_live_per_client=2)
    settings.max_live_per_address = 3
    with TestClient(create_app(settings)) as c, ExitStack() as stack:
        a, b = _learner(c), _learner(c)
        for _ in range(2):
            stack.enter_context(c.websocket_connect(URL, headers=a))
        with c.websocket_connect(URL, headers=a) as extra:  # learner a is at its cap
            assert "this client has 2 live sessions" in error(extra)["detail"]
        stack.enter_context(c.websocket_connect(URL, headers=b))
        with c.websocket_connect(URL, headers=b) as extra:  # learner b is not; the address is
            assert "this address has 3 live sessions" in error(extra)["detail"]


@pytest.mark.parametrize(
    "cookie",
    ["", "deepbook_learner=short", f"deepbook_learner={'a' * 22}.{'b' * 43}"],  # none, bad, forged
)
def test_without_a_signed_learner_cookie_the_address_is_the_client(tmp_path, cookie):
    settings = _settings(tmp_path, learner_mode="cookie", max_live_per_client=1)
    with TestClient(create_app(settings)) as c, c.websocket_connect(URL):
        headers = {"Cookie": cookie} if cookie else {}
        with c.websocket_connect(URL, headers=headers) as extra:
            assert "this client has 1 live sessions" in error(extra)["detail"]
        with c.websocket_connect(
            URL, headers=_learner(c)
        ) as ws:  # a learner is a client of its own
            ws.send_json({"type": "start", "params": {}})
            assert frame(ws).meta["seq"] == 1


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


PLAYGROUND = "/ws/sims/playground"


def drawn(ws):
    """A frame, acknowledged as a browser does once it has drawn it."""
    f = frame(ws)
    ws.send_json({"type": "ack", "seq": f.meta["seq"]})
    return f


def test_playground_edit_and_export_commands(client):
    """A weight edited over the session shows in the next frame; export returns a script of the
    run so far; a bad edit is refused, naming the field, and the session goes on."""
    with client.websocket_connect(PLAYGROUND) as ws:
        ws.send_json({"type": "start", "params": {"layers": "4", "seed": 3}})
        first = drawn(ws)
        ws.send_json({"type": "step", "n": 5})
        before = drawn(ws)
        assert before.meta["epoch"] == 5
        # layer 0 is features → hidden 1: its weights come first, row-major (from, to)
        ws.send_json({"type": "edit", "layer": 0, "from": 1, "to": 2, "value": 1.5})
        assert ws.receive_json() == {"type": "edit", "done": True}
        after = drawn(ws)
        fan_out = first.meta["sizes"][1]
        assert after.arrays["params"][1 * fan_out + 2] == 1.5
        assert after.meta["epoch"] == 5 and after.meta["train_loss"] != before.meta["train_loss"]
        ws.send_json({"type": "edit", "layer": 1, "from": None, "to": 0, "value": -2.0})  # a bias
        ws.receive_json()
        sizes = first.meta["sizes"]
        bias = (sizes[0] + 1) * sizes[1] + sizes[1] * sizes[2]  # the output layer's first bias
        assert drawn(ws).arrays["params"][bias] == -2.0
        for bad, param in (
            ({"layer": 7, "from": 0, "to": 0, "value": 1}, "layer"),
            ({"layer": 0, "from": 0, "to": 99, "value": 1}, "to"),
            ({"layer": 0, "from": 0, "to": 0, "value": 1e9}, "value"),
            ({"layer": 0, "from": 0, "to": 0, "value": "x"}, "value"),
            ({"layer": 0.5, "from": 0, "to": 0, "value": 1}, "layer"),
        ):
            ws.send_json({"type": "edit", **bad})
            e = error(ws)
            assert (e["param"], e.get("command")) == (param, "edit"), e
            assert param in e["detail"]
            assert drawn(ws).meta["epoch"] == 5  # the session lives on, the run unchanged
        ws.send_json({"type": "export"})
        reply = ws.receive_json()
        assert reply["type"] == "export" and reply["epoch"] == 5
        assert reply["filename"].endswith("_epoch5.py")
        compile(reply["script"], reply["filename"], "exec")  # a whole Python file
        assert "import torch" in reply["script"] and "1.5" in reply["script"]
        drawn(ws)


def test_commands_belong_to_the_engines_that_declare_them(client):
    with client.websocket_connect(URL) as ws:  # gradient_descent takes no edits
        ws.send_json({"type": "start", "params": {}})
        drawn(ws)
        ws.send_json({"type": "edit", "layer": 0, "from": 0, "to": 0, "value": 1})
        assert "unknown message type 'edit'" in error(ws)["detail"]
    with client.websocket_connect(PLAYGROUND) as ws:
        ws.send_json({"type": "export"})
        assert error(ws)["detail"] == "send a start message first"
