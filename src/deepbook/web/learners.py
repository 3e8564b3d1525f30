"""Who a request speaks for: one default learner on a laptop, or one per browser (a cookie).

`Settings.learner_mode`: "single" (everyone is the default learner) or "cookie" (class hosting:
each browser gets its own key in a cookie). In cookie mode the server issues the keys, signed
with its secret (HMAC-SHA256): the cookie is ``<key>.<signature>``, and a cookie that is missing,
malformed, unsigned or forged is replaced by a new key. A key is only a name until its first
write: reading pages never creates a learner row (see ``store.find_learner``).

The secret is ``Settings.secret_key`` when that setting exists, else ``DEEPBOOK_SECRET_KEY``,
else a random one kept in the file ``secret_key`` next to the SQLite database (or in the user
data folder), created once, so keys survive restarts and every worker on this machine shares it.
Servers on several machines sharing one PostgreSQL must all set the same DEEPBOOK_SECRET_KEY.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import logging
import os
import re
import secrets
import tempfile
from pathlib import Path

import platformdirs
from fastapi import FastAPI
from sqlalchemy import make_url
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from deepbook.settings import Settings

LEARNER_COOKIE = "deepbook_learner"
DEFAULT_KEY = "default"
SIGNED = "learner_signed"  # request state: the key of a valid cookie, else None
SECRET_ENV = "DEEPBOOK_SECRET_KEY"
SECRET_FILE = "secret_key"
MIN_SECRET_LEN = 32
MAX_AGE = 3600 * 24 * 365  # seconds
# 16 random bytes and a 32-byte HMAC, base64url without padding. The classes are ASCII only.
COOKIE_RE = re.compile(r"([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})")
log = logging.getLogger("deepbook")


class LearnerKeys:
    """Issue learner keys and check the cookies that carry them, with one server secret."""

    def __init__(self, secret: bytes) -> None:
        """Sign with secret (at least MIN_SECRET_LEN bytes)."""
        if len(secret) < MIN_SECRET_LEN:
            raise ValueError(f"the learner secret must be at least {MIN_SECRET_LEN} bytes")
        self._secret = secret

    def _sign(self, key: str) -> str:
        """The base64url HMAC-SHA256 of a key."""
        mac = hmac.new(self._secret, b"deepbook-learner:" + key.encode(), hashlib.sha256)
        return base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode()

    def issue(self) -> tuple[str, str]:
        """Return a new random key and the signed cookie value carrying it."""
        key = secrets.token_urlsafe(16)
        return key, f"{key}.{self._sign(key)}"

    def verify(self, cookie: str | None) -> str | None:
        """Return the key a cookie carries if this server signed it, else None."""
        m = COOKIE_RE.fullmatch(cookie or "")
        if m is None:
            return None
        key, sig = m.groups()
        return key if hmac.compare_digest(sig, self._sign(key)) else None


def secret_folder(database_url: str) -> Path:
    """The folder of the SQLite database file, else the user data folder."""
    url = make_url(database_url)
    db = url.database
    if url.get_backend_name() == "sqlite" and db and db != ":memory:" and "file:" not in db:
        return Path(db).expanduser().resolve().parent
    return Path(platformdirs.user_data_dir("deepbook"))


def _read_secret(path: Path) -> bytes:
    """Read a persisted secret, refusing a damaged file."""
    value = path.read_text().strip()
    if len(value) < MIN_SECRET_LEN:
        raise RuntimeError(
            f"{path} is damaged: delete it (learners then get new keys) or set {SECRET_ENV}"
        )
    return value.encode()


def persisted_secret(folder: Path) -> bytes:
    """Return the secret kept in folder, creating it once (safe when workers race to create it)."""
    path = folder / SECRET_FILE
    try:
        return _read_secret(path)
    except FileNotFoundError:
        pass
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{SECRET_FILE}-")  # mode 0600
    try:
        os.write(fd, secrets.token_hex(32).encode())
        os.fsync(fd)
        os.close(fd)
        # link() publishes the complete file or fails if a racing worker published first.
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        os.unlink(tmp)
    return _read_secret(path)


def load_secret(settings: Settings) -> bytes:
    """The signing secret: the secret_key setting, DEEPBOOK_SECRET_KEY, or the persisted one."""
    configured = getattr(settings, "secret_key", None)  # a str or SecretStr setting, if defined
    if configured is not None and hasattr(configured, "get_secret_value"):
        configured = configured.get_secret_value()
    value = configured or os.environ.get(SECRET_ENV, "")
    if value:
        if len(value) < MIN_SECRET_LEN:
            raise ValueError(f"{SECRET_ENV} must be at least {MIN_SECRET_LEN} characters")
        return str(value).encode()
    folder = secret_folder(settings.database_url)
    if make_url(settings.database_url).get_backend_name() != "sqlite":
        log.warning(
            "%s is not set: learner keys are signed with the secret in %s; servers on other "
            "machines sharing this database must all set the same %s",
            SECRET_ENV,
            folder / SECRET_FILE,
            SECRET_ENV,
        )
    return persisted_secret(folder)


def set_cookie_header(cookie: str, secure: bool) -> str:
    """The Set-Cookie value for a learner cookie: a year, whole site, no scripts, same site."""
    flags = f"Max-Age={MAX_AGE}; Path=/; HttpOnly; SameSite=Lax"
    return f"{LEARNER_COOKIE}={cookie}; {flags}" + ("; Secure" if secure else "")


class LearnerMiddleware:
    """Put the learner's key in every request's state (`request.state.learner_key`).

    HTTP requests without a valid cookie get a new signed key, sent back in a cookie (except
    for /static/ files, which stay cacheable). WebSocket connections get the key of a valid
    cookie or None (the page they come from has issued one). See also ``signed_learner``.
    """

    def __init__(self, app: ASGIApp, keys: LearnerKeys | None) -> None:
        """Wrap app; keys is None in single-learner mode."""
        self.app = app
        self.keys = keys

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Resolve the key, and add the cookie to the response when the key is new."""
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        if self.keys is None:
            state["learner_key"] = DEFAULT_KEY
            await self.app(scope, receive, send)
            return
        key = self.keys.verify(HTTPConnection(scope).cookies.get(LEARNER_COOKIE))
        state["learner_key"] = state[SIGNED] = key
        if key is not None or scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return
        state["learner_key"], cookie = self.keys.issue()
        if scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)
            return
        header = set_cookie_header(cookie, secure=scope.get("scheme") == "https")

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", ()), (b"set-cookie", header.encode())]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def signed_learner(conn: HTTPConnection) -> str | None:
    """The key a valid learner cookie carries (HTTP or WebSocket), else None; None in single mode.

    Unlike ``request.state.learner_key``, never a key issued just now: use it to tell clients
    apart (caps, budgets), since anyone can obtain fresh keys by sending no cookie.
    """
    key = conn.scope.get("state", {}).get(SIGNED)
    return key if isinstance(key, str) else None


def install(app: FastAPI, settings: Settings) -> None:
    """Resolve the learner of every request; in cookie mode, keep the key checker in app.state."""
    keys = LearnerKeys(load_secret(settings)) if settings.learner_mode == "cookie" else None
    app.state.learner_keys = keys
    app.add_middleware(LearnerMiddleware, keys=keys)
