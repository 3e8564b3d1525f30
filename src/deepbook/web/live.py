"""One WebSocket per live simulation session, paced by the browser's acknowledgements.

Client → server, JSON text:  {"type": "start", "params": {...}} | play | pause | reset |
    {"type": "step", "n": 1} | {"type": "ack", "seq": k} | {"type": "visible", "value": bool},
    and the commands the engine declares (`sims.base.Commands`, e.g. the playground's "edit" and
    "export"), carried out on the engine in the order sent, before the frame that follows them.
Server → client: binary frames (meta carries seq, playing, step, full) and JSON text:
    {"type": "state", "playing": bool} after play/pause when no frame follows at once,
    a command's reply (e.g. {"type": "export", ...}) just before that frame, and
    {"type": "error", "detail": ..., "param": ...} for refused messages (the shape of HTTP errors;
    with "command": its type, for a refused command); the session goes on.
A start message whose values differ from the running engine's only in hot parameters updates
the engine in place (`LiveSim.update`) instead of rebuilding it.
The client acks every frame it draws. A played frame is computed only after the previous one was
acknowledged, while playing and visible, at most `max_frames_per_second`; other frames (start,
step, reset) wait while `WINDOW` frames are unacknowledged. Messages that arrive while a frame is
being computed are handled together, so a burst of parameter changes costs one new picture.

Each connection has a reader, which handles every message as it arrives (a token bucket of
`max_messages_per_second`, acks included: beyond it messages are refused, acks applied silently,
and a client far beyond it is closed with 1008), and a writer, which sends replies in order and
computes frames on the live pool (`web/compute.py`) in slices of `compute_slice_ms`. Nothing a
client sends is queued unboundedly or echoed back. A session closes with 1013 (the browser retries
later) after `live_idle_seconds` without a message, `live_hidden_seconds` hidden, or
`live_send_seconds` visible without acknowledging a frame; with 1008 when replies go unread.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from deepbook.settings import Settings
from deepbook.sims import Loaded, ParamError, commands_of
from deepbook.web.compute import Bucket, Client, Pool, client_of, compute_of, report_cpu
from deepbook.web.compute import Registry as Registry  # app.py makes one per app
from deepbook.web.engines import Engine, EngineProcess, Plan, new_session_id
from deepbook.web.engines import error_json as _error

router = APIRouter()
log = logging.getLogger("deepbook.live")
ACTIONS = ("start", "play", "pause", "step", "reset", "ack", "visible")
MAX_COMMANDS = 16  # commands waiting for the next frame, at most
MAX_STEP_N = 1000  # steps one step message (or one batch of them) may ask for
MARK = None  # in the outbox: where the next picture (or state message) goes
CLOSE_POLICY, CLOSE_LATER = 1008, 1013  # the browser: 1008 never retry, 1013 retry slowly
MAX_TEXTS = 64  # replies waiting to be sent; more means the client does not read
WINDOW = 8  # frames sent and not yet acknowledged, at most (a played frame waits for all)


class Refused(Exception):
    """A client message the session will not act on; the reason goes back to the client."""

    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.param = param


def _shown(raw: object) -> str:
    """A short rendering of bad input (never the whole value)."""
    try:
        text = repr(raw)
    except (RecursionError, ValueError):  # nested too deep; an int too long to print
        return f"a {type(raw).__name__}"
    return text if len(text) <= 40 else text[:37] + "…"


def _whole(value: object, name: str, lo: int, hi: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not lo <= value <= hi:
        raise Refused(f"{name} must be a whole number from {lo} to {hi}, got {_shown(value)}", name)
    return value


@dataclass
class Session:
    """One live session: what the client asked for (event loop) and the engine (worker)."""

    loaded: Loaded[Any, Any]
    settings: Settings
    client: Client
    pool: Pool
    # asked for by the client; read and written on the event loop only
    values: Any = None
    playing: bool = False
    visible: bool = True
    hidden_since: float | None = None
    seq: int = 0  # last frame sent
    acked: int = 0  # last frame the client drew
    unacked: deque[tuple[int, float]] = field(default_factory=deque)  # (seq, when sent)
    step_n: int = 0  # steps asked for since the last frame
    commands: list[dict[str, Any]] = field(default_factory=list)  # for the next frame
    want: set[str] = field(default_factory=set)  # params, reset, step, delta, state
    outbox: deque[str | None] = field(default_factory=deque)  # replies in order; MARK: picture
    marked: bool = False  # a MARK is in the outbox
    texts: int = 0  # texts in the outbox
    slowed: bool = False  # told to slow down since the last accepted message
    last_msg: float = field(default_factory=time.monotonic)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    # the engine: here (used by one pool unit at a time), or in an engine process
    process: EngineProcess | None = None
    sid: int = field(default_factory=new_session_id)

    def __post_init__(self) -> None:
        s = self.settings
        self.actions = ACTIONS + commands_of(self.loaded.spec.make)
        self.engine = Engine(self.loaded, s.compute_slice_ms / 1000)
        self.messages = Bucket(s.max_messages_per_second, s.max_messages_per_second)
        self.frames = Bucket(s.max_frames_per_second, 2)

    @property
    def ready(self) -> bool:
        """Would a played frame go out now?"""
        return self.values is not None and self.playing and self.visible and self.acked >= self.seq

    def say(self, detail: str, param: str | None = None) -> None:
        """Queue an error reply."""
        self.outbox.append(_error(detail, param))
        self.texts += 1
        self.wake.set()

    def wish(self, kind: str) -> None:
        """Ask for a picture (or a state message), after the replies queued so far."""
        self.want.add(kind)
        if not self.marked:
            self.outbox.append(MARK)
            self.marked = True
        self.wake.set()

    def handle(self, msg: dict[str, Any]) -> None:
        """Apply one message (raise Refused for one the session will not act on)."""
        kind = msg.get("type")
        if kind not in self.actions:
            names = ", ".join(self.actions)
            raise Refused(f"unknown message type {_shown(kind)}; expected one of {names}")
        if kind == "start":
            params = msg.get("params", {})
            if not isinstance(params, dict):
                raise Refused("params must be a JSON object")
            try:
                self.values = self.loaded.spec.params.validate(params)
            except ParamError as e:
                raise Refused(str(e), e.name) from None
            except (ValueError, TypeError, ArithmeticError, RecursionError):
                raise Refused("params: a value is out of range or of the wrong kind") from None
            self.wish("params")
        elif kind == "visible":
            value = msg.get("value")
            if not isinstance(value, bool):
                raise Refused(f"visible value must be true or false, got {_shown(value)}", "value")
            self.visible = value
            self.hidden_since = None if value else (self.hidden_since or time.monotonic())
            if self.ready:
                self.wish("delta")
        elif self.values is None:
            raise Refused("send a start message first")
        elif kind in ("play", "pause"):
            self.playing = kind == "play"
            self.wish("delta" if self.ready else "state")
        elif kind == "reset":
            self.playing = False
            self.wish("reset")
        elif kind == "step":
            n = _whole(msg.get("n", 1), "n", 1, MAX_STEP_N)
            self.step_n = min(MAX_STEP_N, self.step_n + n)
            self.playing = False
            self.wish("step")
        elif kind != "ack":  # a command of this engine
            if len(self.commands) >= MAX_COMMANDS:
                raise Refused(f"at most {MAX_COMMANDS} {kind} messages may wait for a frame")
            self.commands.append(msg)
            self.wish("command")
        else:
            self.acked = max(self.acked, _whole(msg.get("seq"), "seq", 0, self.seq))
            while self.unacked and self.unacked[0][0] <= self.acked:
                self.unacked.popleft()
            self.wake.set()  # a frame may have waited for room in the window
            if self.ready:
                self.wish("delta")

    def picture_due(self) -> bool:
        """Is a frame (not just a state message) wanted at the head of the outbox?"""
        if "delta" in self.want and not (self.playing and self.visible):
            self.want.discard("delta")  # paused or hidden since it was asked for
        return bool(self.want - {"state"})

    def take(self) -> Plan | None:
        """The plan of the frame at the head of the outbox (None: a state message, or nothing)."""
        self.outbox.popleft()
        self.marked = False
        due = self.picture_due()
        want, self.want = self.want, set()
        if not due:
            if "state" in want:
                self.outbox.appendleft(json.dumps({"type": "state", "playing": self.playing}))
                self.texts += 1
            return None
        s = self.settings
        params, reset = "params" in want, "reset" in want
        steps: int | None = 0
        cap = self.frame_budget()
        if reset:
            steps = 0
        elif self.step_n:
            steps, cap = self.step_n, s.max_step_ms / 1000
        elif "delta" in want or (params and self.playing):
            steps = None
        self.step_n = 0
        plan = Plan(self.values, params, reset, steps, cap, self.playing, self.seq + 1)
        plan.commands, self.commands = self.commands, []
        return plan

    def frame_budget(self) -> float:
        """Engine CPU seconds a played frame may take now: `max_frame_ms` while few sessions
        play, less as more do (see `Settings.live_target_fps`); at least one step is taken."""
        s, now = self.settings, time.monotonic()
        playing = self.pool.playing  # oldest first
        if self.playing:
            playing.pop(id(self), None)
            playing[id(self)] = now
        while playing and next(iter(playing.values())) < now - 1.0:
            del playing[next(iter(playing))]  # not seen playing for a second
        share = s.live_cpu / 2 / (max(1, len(playing)) * s.live_target_fps)
        return min(s.max_frame_ms / 1000, share)

    def unit(self, plan: Plan) -> tuple[bytes, bool] | None:
        """Advance the plan by one slice on a worker: (frame, done) when finished, else None."""
        if self.process is None:
            return self.engine.unit(plan)
        out, cpu = self.process.unit(self.sid, self.loaded.spec.id, plan)
        report_cpu(cpu)
        return out

    async def compute(self, plan: Plan) -> tuple[bytes, bool]:
        """Carry out a plan slice by slice, in this client's fair turns on the live pool."""
        while True:
            out = await self.pool.run(self.client.key, lambda: self.unit(plan))
            if out is not None:
                return out

    def deadline(self) -> tuple[float, int, str]:
        """When this session closes unless something happens, with what code, and why."""
        s = self.settings
        ends = [(self.last_msg + s.live_idle_seconds, CLOSE_LATER, "no message")]
        if self.hidden_since is not None:
            ends.append((self.hidden_since + s.live_hidden_seconds, CLOSE_LATER, "hidden"))
        elif self.unacked:  # a visible browser acks every frame it draws (a stuck one retries)
            ends.append((self.unacked[0][1] + s.live_send_seconds, CLOSE_LATER, "no ack"))
        return min(ends)


def _parse(text: str | None, settings: Settings) -> dict[str, Any]:
    if text is None:
        raise Refused("binary messages are not accepted; send JSON text")
    limit = settings.max_message_bytes
    size = len(text) if len(text) > limit else len(text.encode("utf-8", "surrogatepass"))
    if size > limit:
        raise Refused(f"message of {size} bytes refused; the limit is {limit}")
    try:
        msg = json.loads(text)
    except (ValueError, RecursionError):
        raise Refused("message is not valid JSON") from None
    if not isinstance(msg, dict):
        raise Refused("a message must be a JSON object with a type")
    return msg


Close = tuple[int, str]


def _over_rate(s: Session, text: str | None) -> None:
    """A message beyond the rate: an ack is applied silently (so play cannot stall on a dropped
    ack), anything else is dropped, and the client is told to slow down once per streak."""
    try:
        msg = _parse(text, s.settings)
        if msg.get("type") == "ack":
            s.handle(msg)
            return
    except Refused:
        pass
    if not s.slowed:
        s.slowed = True
        s.say("too many messages; slow down")


async def _read(ws: WebSocket, s: Session) -> Close | None:
    """Handle messages as they arrive; None when the client leaves, else why to close."""
    while True:
        message = await ws.receive()
        if message["type"] == "websocket.disconnect":
            return None
        now = s.last_msg = time.monotonic()
        left = s.messages.take(now)
        if left < -s.messages.burst:
            return CLOSE_POLICY, "too many messages"
        if left >= 0:
            s.slowed = False
            try:
                s.handle(_parse(message.get("text"), s.settings))
            except Refused as e:
                s.say(str(e), e.param)
        else:
            _over_rate(s, message.get("text"))
        if s.texts > MAX_TEXTS:
            return CLOSE_POLICY, "replies are not being read"


async def _write(ws: WebSocket, s: Session) -> Close:
    """Send replies and frames in order; return why to close when the session must end."""
    timeout = s.settings.live_send_seconds
    while True:
        s.wake.clear()
        while s.outbox and s.outbox[0] is not MARK:
            text = s.outbox.popleft()
            assert text is not None
            s.texts -= 1
            async with asyncio.timeout(timeout):
                await ws.send_text(text)
        if s.outbox and not (s.picture_due() and s.seq - s.acked >= WINDOW):
            if s.picture_due():
                await asyncio.sleep(s.frames.delay(time.monotonic()))  # the reader goes on
            plan = s.take()
            if plan is None:
                continue
            s.frames.take(time.monotonic())
            try:
                data, done = await s.compute(plan)
            except Exception as e:  # an engine bug must not end the session
                log.exception("live simulation %s failed", s.loaded.spec.id)
                s.playing = False
                s.say(f"the simulation failed: {_shown(str(e))[1:-1]}")
                s.outbox.rotate(1)  # this reply goes first: it answers the picture just asked
                continue
            if done:
                s.playing = False
            s.seq = plan.seq  # before the send: its ack may be read before the send returns
            s.unacked.append((s.seq, time.monotonic()))
            async with asyncio.timeout(timeout):
                for text in plan.replies:
                    await ws.send_text(text)
                await ws.send_bytes(data)
            continue
        when, code, why = s.deadline()
        wait = when - time.monotonic()
        if wait <= 0:
            return await _end(ws, s, code, why)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(wait):
                await s.wake.wait()


async def _end(ws: WebSocket, s: Session, code: int, why: str) -> Close:
    """Tell the client why its session ends (if it reads); the close to send."""
    t = s.settings
    limit = {"no message": t.live_idle_seconds, "hidden": t.live_hidden_seconds}
    reason = f"{why} for {limit.get(why, t.live_send_seconds):g} s"
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(1):
            await ws.send_text(_error(f"this view's session was closed: {reason}"))
    return code, reason


async def _serve(ws: WebSocket, s: Session) -> None:
    """Run the reader and the writer until one ends; close the connection if it still stands."""
    tasks = {asyncio.create_task(_read(ws, s)), asyncio.create_task(_write(ws, s))}
    try:
        done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        if pending:  # wait (never re-raising their ends: a cancellation here is our own)
            await asyncio.wait(pending)
    finally:
        for task in tasks:
            task.cancel()
    task = done.pop()
    close: Close | None = None
    try:
        close = task.result()
    except TimeoutError:
        close = CLOSE_POLICY, "replies are not being read"
    except (WebSocketDisconnect, RuntimeError, OSError):
        return  # the client left
    if close is not None:
        # a client that does not read cannot be told; uvicorn drops the connection
        with contextlib.suppress(TimeoutError, WebSocketDisconnect, RuntimeError, OSError):
            async with asyncio.timeout(1):
                await ws.close(*close)


@router.websocket("/ws/sims/{sim_id}")
async def live_session(ws: WebSocket, sim_id: str) -> None:
    """Run one live simulation for one browser view."""
    await ws.accept()
    loaded = ws.app.state.sims.get(sim_id)
    if loaded is None or loaded.spec.kind != "live":
        await ws.send_text(_error(f"no live simulation {_shown(sim_id)}"))
        await ws.close(code=CLOSE_POLICY)
        return
    settings: Settings = ws.app.state.settings
    registry: Registry = ws.app.state.live
    client = client_of(ws)
    refusal = registry.admit(client)
    if refusal:
        await ws.send_text(_error(refusal))
        await ws.close(code=CLOSE_LATER)
        return
    pool, process = compute_of(ws.app.state, settings).live_place()
    session = Session(loaded, settings, client, pool, process=process)
    if process:
        process.sessions += 1
    try:
        await _serve(ws, session)
    finally:
        registry.release(client)
        if process:
            process.sessions -= 1
            process.gone.append(session.sid)  # its engine goes with the process's next unit
