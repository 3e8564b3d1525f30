"""One WebSocket per live simulation session, paced by the browser's acknowledgements.

Client → server, JSON text:  {"type": "start", "params": {...}} | play | pause | reset |
    {"type": "step", "n": 1} | {"type": "ack", "seq": k} | {"type": "visible", "value": bool}
Server → client: binary frames (meta carries seq, playing, step) and JSON text:
    {"type": "state", "playing": bool} after play/pause when no frame follows at once, and
    {"type": "error", "message": ..., "param"?: ...} for refused messages; the session goes on.
A new frame is computed only after the previous one was acknowledged, while playing and visible.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from deepbook.settings import Settings
from deepbook.sims import REGISTRY, LiveSim, ParamError, SimSpec, encode
from deepbook.sims.params import Values

router = APIRouter()
ACTIONS = ("start", "play", "pause", "step", "reset", "ack", "visible")


class Refused(Exception):
    """A client message the session will not act on; the reason goes back to the client."""

    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.param = param


class Registry:
    """Counts open live sessions, per server and per client address."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.by_client: Counter[str] = Counter()

    def admit(self, client: str) -> str | None:
        """None if a new session may open, else why not."""
        if sum(self.by_client.values()) >= self.settings.max_live_sessions:
            return f"the server runs {self.settings.max_live_sessions} live sessions already"
        if self.by_client[client] >= self.settings.max_live_per_client:
            return f"this client has {self.settings.max_live_per_client} live sessions open already"
        self.by_client[client] += 1
        return None

    def release(self, client: str) -> None:
        self.by_client[client] -= 1


@dataclass
class Session:
    """The state of one live simulation session."""

    spec: SimSpec
    settings: Settings
    values: Values = field(default_factory=dict)
    sim: LiveSim | None = None
    sent: int = 0  # path points the client already has
    seq: int = 0  # last frame sent
    acked: int = 0  # last frame the client drew
    playing: bool = False
    visible: bool = True
    last_frame: float = 0.0
    tokens: float = 0.0
    last_msg: float = field(default_factory=time.monotonic)

    def rate_ok(self) -> bool:
        """Token bucket over incoming messages."""
        now = time.monotonic()
        cap = float(self.settings.max_messages_per_second)
        self.tokens = min(cap, self.tokens + (now - self.last_msg) * cap)
        self.last_msg = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True

    def handle(self, msg: dict[str, Any]) -> str | None:
        """Apply one message; what to send: a frame ("full", "delta", "step"), "state" or None."""
        kind = msg.get("type")
        if kind not in ACTIONS:
            raise Refused(f"unknown message type {kind!r}; expected one of {', '.join(ACTIONS)}")
        if kind == "start":
            params = msg.get("params", {})
            if not isinstance(params, dict):
                raise Refused("params must be a JSON object")
            try:
                self.values = self.spec.params.validate(params)
            except ParamError as e:
                raise Refused(str(e), e.name) from None
            return "full"
        if self.sim is None and kind != "visible":
            raise Refused("send a start message first")
        if kind == "play":
            self.playing = True
            return "delta" if self.acked >= self.seq else "state"
        if kind == "pause":
            self.playing = False
            return "state"
        if kind == "reset":
            self.playing = False
            return "full"
        if kind == "step":
            n = msg.get("n", 1)
            if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= 1000:
                raise Refused(f"step n must be a whole number from 1 to 1000, got {n!r}", "n")
            self.playing = False
            return "step"
        if kind == "visible":
            self.visible = bool(msg.get("value", True))
            ready = self.sim is not None and self.playing and self.acked >= self.seq
            return "delta" if self.visible and ready else None
        seq = msg.get("seq")  # ack
        if not isinstance(seq, int) or isinstance(seq, bool) or not 0 <= seq <= self.seq:
            raise Refused(
                f"ack seq must be a frame number from 0 to {self.seq}, got {seq!r}", "seq"
            )
        self.acked = max(self.acked, seq)
        return "delta" if self.playing and self.visible and self.acked >= self.seq else None

    def compute(self, what: str) -> bytes:
        """Build/advance the engine and encode the next frame (runs in a worker thread)."""
        if what == "full":
            assert self.spec.make is not None
            self.sim = self.spec.make(self.values)
            self.sent = 0
        assert self.sim is not None
        if what == "step":
            self.sim.step(1)
        elif what == "delta" and not self.sim.done:
            self.sim.step(int(self.values.get("speed", 1)))
        if self.sim.done:
            self.playing = False
        frame = self.sim.snapshot(self.sent) if self.sent else self.sim.snapshot()
        self.seq += 1
        frame.meta |= {"seq": self.seq, "playing": self.playing}
        points = frame.arrays.get("points")
        self.sent += points.shape[1] if points is not None else 0
        return encode(frame)

    async def pace(self, what: str) -> None:
        """Keep steps per second under the configured limit."""
        if what != "delta":
            return
        steps = int(self.values.get("speed", 1))
        wait = steps / self.settings.max_steps_per_second - (time.monotonic() - self.last_frame)
        if wait > 0:
            await asyncio.sleep(wait)


async def _send_error(ws: WebSocket, message: str, param: str | None = None) -> None:
    await ws.send_text(json.dumps({"type": "error", "message": message, "param": param}))


@router.websocket("/ws/sims/{sim_id}")
async def live_session(ws: WebSocket, sim_id: str) -> None:
    """Run one live simulation for one browser view."""
    await ws.accept()
    spec = REGISTRY.get(sim_id)
    if spec is None or spec.kind != "live":
        await _send_error(ws, f"no live simulation {sim_id!r}")
        await ws.close(code=1008)
        return
    settings: Settings = ws.app.state.settings
    registry: Registry = ws.app.state.live
    client = ws.client.host if ws.client else "?"
    refusal = registry.admit(client)
    if refusal:
        await _send_error(ws, refusal)
        await ws.close(code=1013)
        return
    session = Session(spec, settings, tokens=float(settings.max_messages_per_second))
    try:
        while True:
            message = await ws.receive()
            if message["type"] == "websocket.disconnect":
                break
            text = message.get("text")
            if text is None:
                await _send_error(ws, "binary messages are not accepted; send JSON text")
                continue
            if len(text) > settings.max_message_bytes:
                await _send_error(
                    ws,
                    f"message of {len(text)} bytes refused; the limit is "
                    f"{settings.max_message_bytes}",
                )
                continue
            if not session.rate_ok():
                await _send_error(ws, "too many messages; slow down")
                continue
            try:
                msg = json.loads(text)
                if not isinstance(msg, dict):
                    raise Refused("a message must be a JSON object with a type")
                what = session.handle(msg)
            except ValueError:
                await _send_error(ws, "message is not valid JSON")
                continue
            except Refused as e:
                await _send_error(ws, str(e), e.param)
                continue
            if what is None:
                continue
            if what == "state":
                await ws.send_text(json.dumps({"type": "state", "playing": session.playing}))
                continue
            await session.pace(what)
            data = await asyncio.to_thread(session.compute, what)
            session.last_frame = time.monotonic()
            await ws.send_bytes(data)
    except WebSocketDisconnect:
        pass
    finally:
        registry.release(client)
