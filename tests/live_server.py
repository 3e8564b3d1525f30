"""Run a real `deepbook serve` on a free port for browser tests and the bench.

    srv = start_server("sqlite:////tmp/x.db")   # blocks until /healthz answers 200
    print(srv.url, srv.startup_seconds)
    srv.stop()

Binds 127.0.0.1 only. The server's stdout and stderr go to a temporary log file, shown by
`log_text()` (and in the error raised when the server does not become ready in time) and
deleted by `stop()`.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

READY_TIMEOUT = 60.0  # seconds from spawn to the first 200 from /healthz
CHROMIUM = Path("/usr/bin/chromium")  # Debian's; never a browser downloaded by Playwright
CHROMIUM_ARGS = [  # headless, and no calls out to a network this machine does not have
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def deepbook_exe() -> str:
    """The `deepbook` console script of the running interpreter's environment."""
    exe = Path(sys.executable).with_name("deepbook")
    if not exe.exists():
        raise FileNotFoundError(f"no deepbook console script next to {sys.executable}")
    return str(exe)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _status(url: str) -> int | None:
    """HTTP status of a GET, or None when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return int(r.status)
    except urllib.error.HTTPError as e:
        return int(e.code)
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return None


@dataclass
class LiveServer:
    """A running `deepbook serve` subprocess."""

    proc: subprocess.Popen[bytes]
    port: int
    log_path: Path
    startup_seconds: float = 0.0
    _log_file: object = field(default=None, repr=False)

    @property
    def url(self) -> str:
        """Base URL without a trailing slash, e.g. http://127.0.0.1:41234."""
        return f"http://127.0.0.1:{self.port}"

    def log_text(self) -> str:
        """Everything the server printed so far."""
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def stop(self, timeout: float = 10.0, *, keep_log: bool = False) -> None:
        """Terminate the server by PID (kill it if it does not exit in time); delete the log."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=timeout)
        if self._log_file is not None:
            self._log_file.close()  # type: ignore[attr-defined]
            self._log_file = None
        if not keep_log:
            self.log_path.unlink(missing_ok=True)


def start_server(
    db_url: str, *, env: dict[str, str] | None = None, args: list[str] | None = None
) -> LiveServer:
    """Start `deepbook serve` (plus `args`) on a free port; wait until /healthz answers 200."""
    port = free_port()
    fd, name = tempfile.mkstemp(prefix=f"deepbook-serve-{port}-", suffix=".log")
    log = os.fdopen(fd, "wb")
    cmd = [
        deepbook_exe(),
        "serve",
        "--no-open",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--db",
        db_url,
        *(args or []),
    ]
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=full_env
    )
    srv = LiveServer(proc=proc, port=port, log_path=Path(name), _log_file=log)
    health = f"{srv.url}/healthz"
    while True:
        if _status(health) == 200:
            srv.startup_seconds = time.perf_counter() - t0
            return srv
        if proc.poll() is not None:
            text = srv.log_text()
            srv.stop()
            raise RuntimeError(
                f"deepbook serve exited with code {proc.returncode} before it was ready; "
                f"its log:\n{text}"
            )
        if time.perf_counter() - t0 > READY_TIMEOUT:
            text = srv.log_text()
            srv.stop()
            raise TimeoutError(
                f"deepbook serve did not answer 200 on /healthz within {READY_TIMEOUT:.0f} s; "
                f"its log:\n{text}"
            )
        time.sleep(0.05)
