"""One typed settings object, read once from flags and `DEEPBOOK_*` environment variables."""

from __future__ import annotations

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
    # Limits on live simulations.
    max_live_sessions: int = Field(32, ge=1)  # per server
    max_live_per_client: int = Field(6, ge=1)  # per client address
    max_steps_per_second: int = Field(3000, ge=1)  # per live session
    max_message_bytes: int = Field(4096, ge=64)  # client → server WebSocket messages
    max_messages_per_second: int = Field(120, ge=1)  # per live session
    max_body_bytes: int = Field(16384, ge=256)  # every HTTP request body, chunked ones included
    # Hosting: which Host headers are served (DNS rebinding), which origins may write, proxies.
    allowed_hosts: list[str] = ["127.0.0.1", "localhost", "[::1]"]  # "*": any host
    allowed_origins: list[str] = []  # extra origins allowed to post (same origin always is)
    forwarded_allow_ips: str = ""  # proxy addresses whose X-Forwarded-* uvicorn trusts
