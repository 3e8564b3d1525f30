"""Load on a real server's live transport: browser-like sessions, floods, and a memory probe.

A *browser* session acks each frame at the next tick of a 60 Hz display, as `requestAnimationFrame`
does, so its frame rate is what a learner would see. A *flooder* runs a client's maximum sessions
flat out: speed 50 with four optimisers, acks at once, `step n=1000` and restarts as fast as the
message rate allows, and instant requests back to back. Every simulated learner connects from its
own loopback address (127.0.0.x), so the server tells them apart as it would on a class network.

    .venv/bin/python tests/reliability/live_load.py fairness       # the second client's figures
    .venv/bin/python tests/reliability/live_load.py scaling 1 10 25 50
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import random
import socket
import statistics
import struct
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import websockets

TICK = 1 / 60  # a 60 Hz display
URL_LIVE = "/ws/sims/gradient_descent"
# gradient_descent's default run ends after 100 steps; this one plays for 3,000 (50 s at 60 Hz)
LONG_RUN = {"steps": 3000, "noise": 0.5}


def rss_mb(pid: int, field_name: str = "VmRSS") -> float:
    """A process's resident memory (or its peak, "VmHWM") in MB, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field_name + ":"):
            return int(line.split()[1]) / 1024
    raise KeyError(field_name)


def tree_mb(pid: int, field_name: str = "Rss") -> float:
    """The memory of a process and all its descendants (engine processes, the sims' workers and
    their fork server) in MB, summed over /proc/<pid>/smaps_rollup: "Rss" resident pages, or "Pss"
    with each shared page split between the processes that share it (so counted once)."""
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        for tasks in Path(f"/proc/{p}/task").glob("*/children"):
            todo += [int(k) for k in tasks.read_text().split()]
        for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
            if line.startswith(field_name + ":"):
                total += int(line.split()[1]) / 1024
    return total


def meta_of(frame: bytes) -> dict[str, Any]:
    """The meta of a binary frame (header only; the arrays are not decoded)."""
    (n,) = struct.unpack_from("<I", frame, 4)
    meta: dict[str, Any] = json.loads(frame[8 : 8 + n])["meta"]
    return meta


def p95(xs: list[float]) -> float:
    return statistics.quantiles(xs, n=20, method="inclusive")[18] if len(xs) > 1 else xs[0]


@dataclass
class Seen:
    """What one session saw: arrival times of played frames, errors, how it ended."""

    frames: list[float] = field(default_factory=list)
    steps: list[tuple[float, int]] = field(default_factory=list)  # (when, engine step) if played
    errors: list[str] = field(default_factory=list)
    closed: int | None = None

    def fps(self, t0: float, t1: float) -> float:
        return sum(t0 <= t < t1 for t in self.frames) / (t1 - t0)

    def steps_per_second(self, t0: float, t1: float) -> float:
        """Engine steps per second between t0 and t1 (0 if fewer than two frames fell there)."""
        inside = [(t, n) for t, n in self.steps if t0 <= t < t1]
        if len(inside) < 2 or inside[-1][1] < inside[0][1]:  # none, or a reset in between
            return 0.0
        return (inside[-1][1] - inside[0][1]) / (inside[-1][0] - inside[0][0])


async def browser(
    base: str, host: str, until: float, seen: Seen, params: Any = None, sim: str = ""
) -> None:
    """Play a live sim (gradient_descent unless `sim` names one) like a browser: ack each frame at
    the next display tick. `seen.steps` gets the engine's step at each played frame."""
    url = base.replace("http://", "ws://") + (f"/ws/sims/{sim}" if sim else URL_LIVE)
    if params is None and not sim:
        params = LONG_RUN
    async with websockets.connect(url, local_addr=(host, 0), max_size=2**22) as ws:
        await ws.send(json.dumps({"type": "start", "params": params or {}}))
        await ws.send(json.dumps({"type": "play"}))
        while time.perf_counter() < until:
            try:
                msg = await asyncio.wait_for(ws.recv(), max(0.01, until - time.perf_counter()))
            except TimeoutError:
                break
            if isinstance(msg, str):
                if json.loads(msg).get("type") != "state":  # "playing" after a reset's play
                    seen.errors.append(msg)
                continue
            now = time.perf_counter()
            meta = meta_of(msg)
            if meta["playing"]:
                seen.frames.append(now)
                seen.steps.append((now, meta["step"]))
            if meta["done"]:  # the run is over: start again
                await ws.send(json.dumps({"type": "reset"}))
                await ws.send(json.dumps({"type": "play"}))
            await asyncio.sleep(TICK - now % TICK)  # drawn at the next tick, then acknowledged
            await ws.send(json.dumps({"type": "ack", "seq": meta["seq"]}))


async def flooder(base: str, host: str, until: float, seen: Seen, steps: bool) -> None:
    """One session flat out: speed 50 and four optimisers, acks at once; `steps`: step n=1000
    and restarts at 100 messages a second as well (within the message rate). Each restart
    computes four whole runs of 3,000 noisy steps and sends them (about 200 kB): the heavy part,
    since a step only moves Play's place along paths already computed."""
    url = base.replace("http://", "ws://") + URL_LIVE
    heavy = {
        "optimisers": ["sgd", "momentum", "rmsprop", "adam"],
        "speed": 50,
        "steps": 3000,
        "noise": 0.5,
    }
    try:
        async with websockets.connect(url, local_addr=(host, 0), max_size=2**22) as ws:
            await ws.send(json.dumps({"type": "start", "params": heavy}))
            await ws.send(json.dumps({"type": "play"}))

            async def pester() -> None:
                for i in range(10**9):
                    if i % 4 == 3:
                        x0 = round(random.uniform(-1.5, 1.5), 2)
                        await ws.send(json.dumps({"type": "start", "params": heavy | {"x0": x0}}))
                    else:
                        await ws.send(json.dumps({"type": "step", "n": 1000}))
                    await asyncio.sleep(0.01)

            task = asyncio.create_task(pester()) if steps else None
            try:
                while time.perf_counter() < until:
                    left = max(0.01, until - time.perf_counter())
                    try:
                        msg = await asyncio.wait_for(ws.recv(), left)
                    except TimeoutError:
                        break
                    if isinstance(msg, str):
                        seen.errors.append(msg)
                        continue
                    meta = meta_of(msg)
                    seen.frames.append(time.perf_counter())
                    if meta["done"]:
                        await ws.send(json.dumps({"type": "reset"}))
                        await ws.send(json.dumps({"type": "play"}))
                    await ws.send(json.dumps({"type": "ack", "seq": meta["seq"]}))
            finally:
                if task:
                    task.cancel()
    except websockets.ConnectionClosed as e:
        seen.closed = e.rcvd.code if e.rcvd else 1006


def post(base: str, host: str, sim: str, body: dict[str, Any]) -> tuple[int, float]:
    """POST an instant sim's parameters from `host`; (status, milliseconds)."""
    import http.client

    port = int(base.rsplit(":", 1)[1])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(host, 0))
    t0 = time.perf_counter()
    try:
        conn.request(
            "POST", f"/api/sims/{sim}", json.dumps(body), {"Content-Type": "application/json"}
        )
        r = conn.getresponse()
        r.read()
        return r.status, (time.perf_counter() - t0) * 1000
    finally:
        conn.close()


async def instant(base: str, host: str, until: float, lat: list[float], heavy: bool) -> None:
    """Instant requests one at a time (a dragged slider): activations every 50 ms, or (heavy)
    decision_boundaries refits at new seeds back to back."""
    i = 0
    while time.perf_counter() < until:
        i += 1
        body: dict[str, Any]
        if heavy:
            body = {"n": 2000, "seed": random.randrange(10000)}
            status, ms = await asyncio.to_thread(post, base, host, "decision_boundaries", body)
        else:
            body = {"probe": round(-5 + (i % 100) / 10, 2)}
            status, ms = await asyncio.to_thread(post, base, host, "activations", body)
            await asyncio.sleep(0.05)
        if status == 200:
            lat.append(ms)


async def fairness(
    base: str, sessions: int, seconds: float, warm: float, heavy: int = 2
) -> dict[str, Any]:
    """Client A (127.0.0.2) runs `sessions` flooders (half of them stepping) and `heavy` loops of
    heavy instant requests; client B (127.0.0.3) plays one browser session and drags an instant
    slider (with no sessions and no heavy loops: B alone, the machine's baseline)."""
    t0 = time.perf_counter()
    start, until = t0 + warm, t0 + warm + seconds
    a = [Seen() for _ in range(sessions)]
    b, lat, a_lat = Seen(), list[float](), list[float]()
    jobs = [flooder(base, "127.0.0.2", until, s, steps=i % 2 == 0) for i, s in enumerate(a)]
    jobs += [instant(base, "127.0.0.2", until, a_lat, heavy=True) for _ in range(heavy)]

    async def second() -> None:
        await asyncio.sleep(warm)  # A's budget is spent and its queues are full by now
        await asyncio.gather(
            browser(base, "127.0.0.3", until, b), instant(base, "127.0.0.3", until, lat, False)
        )

    await asyncio.gather(*jobs, second())
    gaps = [y - x for x, y in zip(b.frames, b.frames[1:], strict=False) if x >= start]
    return {
        "b_fps": b.fps(start + 0.5, until),
        "b_worst_gap_ms": max(gaps, default=float("inf")) * 1000,
        "b_instant_p95_ms": p95(lat) if lat else float("inf"),
        "b_instant_n": len(lat),
        "a_fps_per_session": statistics.mean([s.fps(start, until) for s in a] or [0.0]),
        "a_instant_n": len(a_lat),
        "a_closed": [s.closed for s in a if s.closed],
        "b_errors": b.errors[:3],
    }


async def scaling(
    base: str, n: int, seconds: float, sim: str = "", params: Any = None
) -> dict[str, float]:
    """n browser sessions, each from its own address; frames and engine steps per second of
    each (the steps over the same window), and their spread."""
    t0 = time.perf_counter()
    start, until = t0 + 1.0, t0 + 1.0 + seconds
    seen = [Seen() for _ in range(n)]
    await asyncio.gather(
        *(browser(base, f"127.0.0.{10 + i}", until, s, params, sim) for i, s in enumerate(seen))
    )
    fps = [s.fps(start, until) for s in seen]
    sps = [s.steps_per_second(start, until) for s in seen]
    return {
        "sessions": n,
        "fps_mean": statistics.mean(fps),
        "fps_min": min(fps),
        "steps_per_s_mean": statistics.mean(sps),
        "steps_per_s_min": min(sps),
        "steps_per_s_max": max(sps),
    }


class RawClient:
    """A WebSocket client on a bare socket: it can send without ever reading."""

    def __init__(self, port: int, path: str = URL_LIVE) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        head = b""
        while b"\r\n\r\n" not in head:
            head += self.sock.recv(1)  # byte by byte: nothing after the handshake is read
        if b" 101 " not in head.split(b"\r\n")[0]:
            raise ConnectionError(head.decode(errors="replace"))

    @staticmethod
    def frame(text: str) -> bytes:
        """A masked text frame (the mask is zero: XOR leaves the payload as it is)."""
        data = text.encode()
        n = len(data)
        size = bytes([0x80 | n]) if n < 126 else bytes([0x80 | 126]) + struct.pack("!H", n)
        return bytes([0x81]) + size + b"\0\0\0\0" + data

    def read_close_code(self, timeout: float = 5.0) -> int | None:
        """Read everything the server sent; the code of its close frame, if one came."""
        self.sock.settimeout(timeout)
        buf = b""
        try:
            while chunk := self.sock.recv(1 << 16):
                buf += chunk
                code = self._close_code(buf)
                if code is not None:
                    return code
        except (TimeoutError, ConnectionError):
            pass
        return self._close_code(buf)

    @staticmethod
    def _close_code(buf: bytes) -> int | None:
        i = 0
        while i + 2 <= len(buf):
            op, n = buf[i] & 0x0F, buf[i + 1] & 0x7F
            j = i + 2
            if n == 126:
                (n,) = struct.unpack_from("!H", buf, j)
                j += 2
            elif n == 127:
                (n,) = struct.unpack_from("!Q", buf, j)
                j += 8
            if j + n > len(buf):
                return None
            if op == 0x8 and n >= 2:
                code: int = struct.unpack_from("!H", buf, j)[0]
                return code
            i = j + n
        return None

    def close(self) -> None:
        self.sock.close()


def _main() -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import live_server  # type: ignore[import-not-found]  # tests/ is on the path here

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("what", choices=["fairness", "scaling"])
    ap.add_argument("counts", nargs="*", type=int, default=[1, 10, 25, 50])
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--sim", default="", help="the live sim to scale (gradient_descent)")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--heavy", type=int, default=2, help="client A's heavy instant loops")
    ap.add_argument("--env", action="append", default=[], help="DEEPBOOK_X=value for the server")
    args = ap.parse_args()
    env = {"DEEPBOOK_LEARNER_MODE": "cookie", **dict(kv.split("=", 1) for kv in args.env)}
    with tempfile.TemporaryDirectory() as tmp:
        srv = live_server.start_server(f"sqlite:///{tmp}/load.db", env=env)
        try:
            if args.what == "fairness":
                for _ in range(args.runs):
                    print(asyncio.run(fairness(srv.url, 6, args.seconds, 2.0, args.heavy)))
            else:
                for n in args.counts:
                    print(asyncio.run(scaling(srv.url, n, args.seconds, args.sim)), flush=True)
        finally:
            srv.stop()
    return 0


if __name__ == "__main__":
    sys.exit(_main())
