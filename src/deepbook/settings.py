"""One typed settings object, read once from flags and `DEEPBOOK_*` environment variables."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# The repository's content/ folder (src/deepbook/settings.py → ../../content).
DEFAULT_CONTENT = Path(__file__).resolve().parents[2] / "content"


def _default_db() -> str:
    from deepbook.store import default_sqlite_url

    return default_sqlite_url()


class Settings(BaseSettings):
    """Everything deepbook can be configured with; env vars are DEEPBOOK_<FIELD>."""

    model_config = SettingsConfigDict(env_prefix="DEEPBOOK_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535)
    database_url: str = Field(default_factory=_default_db)
    content_dir: Path = DEFAULT_CONTENT
    open_browser: bool = True
    # "single": everyone is the default learner (a laptop); "cookie": one learner per browser.
    learner_mode: Literal["single", "cookie"] = "single"
    torch_threads: int = Field(1, ge=1, le=64)  # per worker: tiny models run faster on one thread
    # Limits on live simulations (web/live.py).
    max_live_sessions: int = Field(64, ge=1)  # per server
    max_live_per_client: int = Field(6, ge=1)  # per learner (cookie mode), else per address
    max_live_per_address: int = Field(48, ge=1)  # all learners behind one address (a class's NAT)
    max_message_bytes: int = Field(4096, ge=64)  # client → server WebSocket messages
    max_messages_per_second: int = Field(240, ge=1)  # per session, acks included; 1 s of burst
    max_frames_per_second: int = Field(60, ge=1)  # per session: the display rate
    live_idle_seconds: float = Field(120.0, gt=0)  # no message for this long closes a session
    live_hidden_seconds: float = Field(60.0, gt=0)  # hidden for this long closes a session
    live_send_seconds: float = Field(5.0, gt=0)  # no ack (while visible) or no read: dropped
    # Compute (web/compute.py): worker threads, slices, and per-client CPU budgets (live + instant).
    # live frames; a client uses one at a time. One: engines hold the GIL, and two threads fighting
    # for it served 50 playing sessions 40 % fewer frames than one thread did (docs/performance.md)
    live_threads: int = Field(1, ge=1, le=64)
    instant_threads: int = Field(2, ge=1, le=64)  # instant frames; a client uses one at a time
    compute_slice_ms: float = Field(5.0, gt=0)  # engine work between two turns of other clients
    max_frame_ms: float = Field(10.0, gt=0)  # engine CPU per played frame (fewer steps if slower)
    # Under load the frame budget shrinks, so that every playing session keeps this many frames a
    # second: each played frame may take 1 / (playing sessions × live_target_fps) × half of
    # live_cpu (CPU seconds per second the live pool gets), and never less than one step.
    live_target_fps: float = Field(30.0, gt=0)
    live_cpu: float = Field(1.0, gt=0)  # one core: Python holds one lock for the engines
    # Engine processes for live sessions (web/engines.py): None is 0 for a laptop's one learner
    # (single mode) and the number of cores in cookie mode (a class).
    live_processes: int | None = Field(None, ge=0, le=64)
    # Worker processes for the sims' heavy jobs (sims/workers.py: the decision-boundary sim's
    # scikit-learn fits, several at once): None is 2 on two or more cores, else 1; 0 runs them on
    # the server's own threads (scikit-learn is then imported by the server).
    job_processes: int | None = Field(None, ge=0, le=64)
    ws_compression: bool = False  # permessage-deflate on WebSockets: CPU per frame, for bytes
    minify_assets: bool = True  # scripts and styles without comments (False: as written, to debug)
    max_step_ms: float = Field(500.0, gt=0)  # engine CPU per step request
    client_cpu_share: float = Field(0.5, gt=0)  # CPU s/s one client may use (cookie mode)
    client_cpu_burst: float = Field(3.0, gt=0)  # CPU seconds one client may use at once
    max_instant_waiting: int = Field(4, ge=1)  # instant requests of one client queued, then 429
    max_body_bytes: int = Field(16384, ge=256)  # every HTTP request body, chunked ones included
    # Hosting: which Host headers are served (DNS rebinding), which origins may write, proxies.
    allowed_hosts: list[str] = ["127.0.0.1", "localhost", "[::1]"]  # "*": any host
    allowed_origins: list[str] = []  # extra origins allowed to post (same origin always is)
    forwarded_allow_ips: str = ""  # proxy addresses whose X-Forwarded-* uvicorn trusts

    @property
    def worker_processes(self) -> int:
        """How many worker processes run the sims' jobs (0: the server's threads do)."""
        if self.job_processes is not None:
            return self.job_processes
        return min(2, os.cpu_count() or 1)

    @property
    def engine_processes(self) -> int:
        """How many engine processes live sessions use (0: engines run in the server)."""
        if self.live_processes is not None:
            return self.live_processes
        return 0 if self.learner_mode == "single" else os.cpu_count() or 1
