"""A WebSocket client that floods and never reads costs the server little and is dropped quickly.

Issue 7, defect 1: a client sending acks with a 4 KB bogus `seq`, never reading, grew the server
from 380 MB to 1,387 MB in 5 s. Here such clients run against a real `deepbook serve` (one live
session per client, so the moment the server lets go of the flooder's session shows as a probe
being admitted); the server's RSS is read from /proc while they flood.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from live_server import LiveServer, start_server
from reliability.live_load import URL_LIVE, RawClient, rss_mb

pytestmark = pytest.mark.slow
FLOOD_SECONDS = 8.0
BUDGET_MB = 50.0
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    db = tmp_path_factory.mktemp("mem") / "mem.db"
    srv = start_server(f"sqlite:///{db}", env={"DEEPBOOK_MAX_LIVE_PER_CLIENT": "1"})
    try:
        yield srv
    finally:
        srv.stop()


def admitted(srv: LiveServer) -> bool:
    """Does a new session of this client (127.0.0.1) get a frame, or is the client at its cap?"""
    url = srv.url.replace("http://", "ws://") + URL_LIVE
    try:
        with connect(url, open_timeout=5, close_timeout=1) as ws:
            ws.send(json.dumps({"type": "start", "params": {}}))
            return isinstance(ws.recv(timeout=5), bytes)
    except ConnectionClosed:
        return False  # refused: an error, then 1013


def flood(client: RawClient, message: str, until: float, paced: float) -> None:
    """Send `message` until `until` (every `paced` s, or as fast as the socket takes it)."""
    data = RawClient.frame(message)
    batch = data if paced else data * 16
    client.sock.settimeout(0.1)
    while time.perf_counter() < until:
        try:
            client.sock.sendall(batch)
        except TimeoutError:
            continue  # the server is not reading (any more): our buffers are full
        except OSError:
            return  # the server closed the connection
        if paced:
            time.sleep(paced)


@pytest.mark.parametrize(
    ("message", "paced", "closed_with"),
    [
        # acks with a 4 KB bogus seq, as fast as the socket takes them
        (json.dumps({"type": "ack", "seq": "9" * 4000}), 0.0, 1008),
        # steps within the message rate: every one a frame the client never reads
        (json.dumps({"type": "step", "n": 1000}), 0.01, None),
    ],
    ids=["bogus-acks", "unread-steps"],
)
def test_a_flooding_client_that_never_reads_costs_little_and_is_dropped(
    server: LiveServer, message: str, paced: float, closed_with: int | None
) -> None:
    assert admitted(server)  # warm: one whole session has run
    time.sleep(0.5)
    pid = server.proc.pid
    before = rss_mb(pid)
    client = RawClient(server.port)
    client.sock.sendall(RawClient.frame(json.dumps({"type": "start", "params": {}})))
    t0 = time.perf_counter()
    sender = threading.Thread(target=flood, args=(client, message, t0 + FLOOD_SECONDS, paced))
    sender.start()
    peak, released = before, None
    while time.perf_counter() < t0 + FLOOD_SECONDS:
        peak = max(peak, rss_mb(pid))
        if released is None and admitted(server):
            released = time.perf_counter() - t0
        time.sleep(0.2)
    sender.join()
    code = client.read_close_code(timeout=2) if closed_with else None
    client.close()
    grew = peak - before
    report = (
        f"RSS {before:.0f} → peak {peak:.0f} MB (+{grew:.1f}); session ended after {released} s"
    )
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"live-memory-{json.loads(message)['type']}.txt").write_text(report + "\n")
    print(report)
    assert grew <= BUDGET_MB, report
    assert released is not None and released < FLOOD_SECONDS, report
    if closed_with:
        assert code == closed_with, report
    assert admitted(server)  # the server is fine
