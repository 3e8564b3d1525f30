"""One WebSocket per live simulation session, paced by the browser's acknowledgements.

Client → server, JSON text:  {"type": "start", "params": {...}} | play | pause | reset |
    {"type": "step", "n": 1} | {"type": "ack", "seq": k} | {"type": "visible", "value": bool}
Server → client: binary frames (meta carries seq, playing, step, full) and JSON text:
    {"type": "state", "playing": bool} after play/pause when no frame follows at once, and
    {"type": "error", "detail": ..., "param": ...} for refused messages (the shape of HTTP errors);
    the session goes on. A start message whose values differ from the running engine's only in
    hot parameters updates the engine in place (`LiveSim.update`) instead of rebuilding it.
A new frame is computed only after the previous one was acknowledged, while playing and visible.
Messages that arrive while a frame is being computed are handled together, so a burst of
parameter changes costs one new picture, not one each.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from deepbook.settings import Settings
from deepbook.sims import LiveSim, Loaded, ParamError, encode

router = APIRouter()
log = logging.getLogger("deepbook.live")
ACTIONS = ("start", "play", "pause", "step", "reset", "ack", "visible")
# When one batch of messages asks for several pictures, the strongest wins.
PRIORITY = ("full", "reset", "update", "step", "delta")


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
        if self.by_client.total() >= self.settings.max_live_sessions:
            return f"the server runs {self.settings.max_live_sessions} live sessions already"
        if self.by_client[client] >= self.settings.max_live_per_client:
            return f"this client has {self.settings.max_live_per_client} live sessions open already"
        self.by_client[client] += 1
        return None

    def release(self, client: str) -> None:
        self.by_client[client] -= 1
        if self.by_client[client] <= 0:
            del self.by_client[client]


def _whole(value: object, name: str, lo: int, hi: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
        raise Refused(f"{name} must be a whole number from {lo} to {hi}, got {value!r}", name)
    return value


@dataclass
class Session:
    """The state of one live simulation session."""

    loaded: Loaded[Any, Any]
    settings: Settings
    values: Any = None  # the latest typed values asked for
    built: Any = None  # the values the engine runs with
    sim: LiveSim[Any] | None = None
    shown: int | None = None  # the engine step of the last frame sent; None: send everything
    seq: int = 0  # last frame sent
    acked: int = 0  # last frame the client drew
    playing: bool = False
    visible: bool = True
    step_n: int = 0  # steps asked for by step messages in this batch
    last_frame: float = 0.0
    tokens: float = 0.0
    last_msg: float = field(default_factory=time.monotonic)

    def rate_ok(self) -> bool:
        """Token bucket over incoming messages (acks are exempt: they are bounded by frames)."""
        now = time.monotonic()
        cap = float(self.settings.max_messages_per_second)
        self.tokens = min(cap, self.tokens + (now - self.last_msg) * cap)
        self.last_msg = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True

    @property
    def ready(self) -> bool:
        """Would a played frame go out now?"""
        return self.sim is not None and self.playing and self.visible and self.acked >= self.seq

    def handle(self, msg: dict[str, Any]) -> str | None:
        """Apply one message; what it asks for: a frame (PRIORITY), "state" or None."""
        kind = msg.get("type")
        if kind not in ACTIONS:
            raise Refused(f"unknown message type {kind!r}; expected one of {', '.join(ACTIONS)}")
        if kind == "start":
            params = msg.get("params", {})
            if not isinstance(params, dict):
                raise Refused("params must be a JSON object")
            params_of = self.loaded.spec.params
            try:
                self.values = params_of.validate(params)
            except ParamError as e:
                raise Refused(str(e), e.name) from None
            hot = self.sim is not None and params_of.only_hot(self.built, self.values)
            return "update" if hot else "full"
        if kind == "visible":
            value = msg.get("value")
            if not isinstance(value, bool):
                raise Refused(f"visible value must be true or false, got {value!r}", "value")
            self.visible = value
            return "delta" if self.ready else None
        if self.sim is None and self.values is None:
            raise Refused("send a start message first")
        if kind == "play":
            self.playing = True
            return "delta" if self.ready else "state"
        if kind == "pause":
            self.playing = False
            return "state"
        if kind == "reset":
            self.playing = False
            return "reset"
        if kind == "step":
            self.step_n += _whole(msg.get("n", 1), "n", 1, 1000)
            self.playing = False
            return "step"
        self.acked = max(self.acked, _whole(msg.get("seq"), "seq", 0, self.seq))  # ack
        return "delta" if self.ready else None

    def compute(self, what: str) -> bytes:
        """Build or advance the engine and encode the next frame (runs in a worker thread)."""
        if what == "full" or self.sim is None:
            self.sim, self.shown = self.loaded.engine(self.values), None
            self.built = self.values
        elif what == "update":
            self.sim.update(self.values)
            self.built = self.values
            if self.playing and not self.sim.done:
                self.sim.step(self.sim.steps_per_frame)
        elif what == "reset":
            self.sim.reset()
            self.shown = None
        elif what == "step":
            self.sim.step(self.step_n)
        elif what == "delta" and not self.sim.done:
            self.sim.step(self.sim.steps_per_frame)
        self.step_n = 0
        if self.sim.done:
            self.playing = False
        frame = self.sim.snapshot(self.shown)
        self.shown = self.sim.steps
        self.seq += 1
        frame.meta |= {"seq": self.seq, "playing": self.playing}
        return encode(frame)

    async def pace(self) -> None:
        """Keep steps per second under the configured limit."""
        assert self.sim is not None
        budget = self.sim.steps_per_frame / self.settings.max_steps_per_second
        wait = budget - (time.monotonic() - self.last_frame)
        if wait > 0:
            await asyncio.sleep(wait)


async def _send_error(ws: WebSocket, detail: str, param: str | None = None) -> None:
    await ws.send_text(json.dumps({"type": "error", "detail": detail, "param": param}))


def _parse(text: str | None, settings: Settings) -> dict[str, Any]:
    if text is None:
        raise Refused("binary messages are not accepted; send JSON text")
    if len(text) > settings.max_message_bytes:
        limit = settings.max_message_bytes
        raise Refused(f"message of {len(text)} bytes refused; the limit is {limit}")
    try:
        msg = json.loads(text)
    except (ValueError, RecursionError):
        raise Refused("message is not valid JSON") from None
    if not isinstance(msg, dict):
        raise Refused("a message must be a JSON object with a type")
    return msg


async def _read(ws: WebSocket, inbox: asyncio.Queue[dict[str, Any] | None]) -> None:
    """Move incoming messages into the inbox; None marks the end of the connection."""
    try:
        while True:
            message = await ws.receive()
            if message["type"] == "websocket.disconnect":
                break
            await inbox.put(dict(message))
    finally:
        await inbox.put(None)


async def _serve(ws: WebSocket, session: Session) -> None:
    inbox: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
    reader = asyncio.create_task(_read(ws, inbox))
    try:
        while (first := await inbox.get()) is not None:
            batch: list[dict[str, Any] | None] = [first]
            while not inbox.empty():
                batch.append(inbox.get_nowait())
            wanted: set[str] = set()
            for message in batch:
                if message is None:
                    return
                try:
                    msg = _parse(message.get("text"), session.settings)
                    if msg.get("type") != "ack" and not session.rate_ok():
                        raise Refused("too many messages; slow down")
                    what = session.handle(msg)
                except Refused as e:
                    await _send_error(ws, str(e), e.param)
                    continue
                if what is not None:
                    wanted.add(what)
            frame = next((w for w in PRIORITY if w in wanted), None)
            if frame is None:
                if "state" in wanted:
                    await ws.send_text(json.dumps({"type": "state", "playing": session.playing}))
                continue
            if frame == "delta":
                await session.pace()
            try:
                data = await asyncio.to_thread(session.compute, frame)
            except Exception as e:  # an engine bug must not end the session
                log.exception("live simulation %s failed", session.loaded.spec.id)
                session.playing = False
                await _send_error(ws, f"the simulation failed: {e}")
                continue
            session.last_frame = time.monotonic()
            await ws.send_bytes(data)
    finally:
        reader.cancel()


@router.websocket("/ws/sims/{sim_id}")
async def live_session(ws: WebSocket, sim_id: str) -> None:
    """Run one live simulation for one browser view."""
    await ws.accept()
    loaded = ws.app.state.sims.get(sim_id)
    if loaded is None or loaded.spec.kind != "live":
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
    try:
        await _serve(ws, Session(loaded, settings, tokens=float(settings.max_messages_per_second)))
    except WebSocketDisconnect:
        pass  # the browser left while a frame was on its way
    finally:
        registry.release(client)
