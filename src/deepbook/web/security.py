"""What every request passes before the app sees it: the guard of a hosted app, as ASGI middleware.

- **Host**: only the configured host names are served (loopback by default), so a DNS-rebinding
  page cannot read a learner's progress through the learner's own browser.
- **Cross-site writes**: a state-changing request (any method but GET, HEAD, OPTIONS) and a
  WebSocket upgrade from a browser must come from this origin: `Sec-Fetch-Site` (or, failing
  that, `Origin`) is checked. Clients that are not browsers send neither and are let through.
- **Body size**: one limit for every request body, enforced while it is read, chunked bodies
  included; the 413 never echoes the body.
- **HEAD** is answered as GET without the body (uptime probes use it).
- **Headers**: a strict Content-Security-Policy (no inline script or style anywhere), nosniff,
  no framing, same-origin referrers, on every response.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from deepbook.settings import Settings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


def _host_name(host: str) -> str:
    """'example.org:8000' → 'example.org'; '[::1]:8000' → '[::1]'."""
    if host.startswith("["):
        return host.split("]")[0] + "]"
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


class Guard:
    """Host check, cross-site refusal, body limit, HEAD, security headers (see module doc)."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.hosts = {h.lower() for h in settings.allowed_hosts}
        self.origins = {o.rstrip("/").lower() for o in settings.allowed_origins}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        h = _headers(scope)
        host = h.get("host", "")
        if "*" not in self.hosts and _host_name(host.lower()) not in self.hosts:
            shown = host[:60].encode("ascii", "replace").decode()
            await self._refuse(
                scope, send, 400,
                f"this server does not answer to the host {shown!r}; allow it with "
                "--allow-host or DEEPBOOK_ALLOWED_HOSTS",
            )  # fmt: skip
            return
        cross = self._cross_site(h, host)
        if cross and (scope["type"] == "websocket" or scope["method"] not in SAFE_METHODS):
            await self._refuse(scope, send, 403, f"cross-site request refused ({cross})")
            return
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return
        await self._http(scope, receive, send, h)

    def _cross_site(self, h: dict[str, str], host: str) -> str | None:
        """Why this browser request comes from another site, or None if it does not."""
        site = h.get("sec-fetch-site")
        if site is not None:
            return None if site in ("same-origin", "none") else f"Sec-Fetch-Site: {site[:20]}"
        origin = h.get("origin")
        if origin is None:
            return None  # not a browser, or a browser that sends neither: nothing to check
        origin = origin.rstrip("/").lower()
        if origin in self.origins or origin.split("://", 1)[-1] == host.lower():
            return None
        return "the page's origin is not this server"

    async def _http(self, scope: Scope, receive: Receive, send: Send, h: dict[str, str]) -> None:
        limit = self.settings.max_body_bytes
        declared = h.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, send, 413, f"request body is larger than {limit} bytes")
            return
        head = scope["method"] == "HEAD"
        if head:
            scope = dict(scope, method="GET")
        seen = 0
        started = refused = False

        async def limited_receive() -> Message:
            nonlocal seen, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:  # answer now; the app sees the client leave and is ignored
                    refused = True
                    if not started:
                        await self._refuse(
                            scope, send, 413, f"request body is larger than {limit} bytes"
                        )
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if refused:
                return
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in HEADERS if k not in names]
                message = dict(message, headers=headers)
            elif message["type"] == "http.response.body" and head:
                message = dict(message, body=b"")
            await send(message)

        await self.app(scope, limited_receive, guarded_send)

    async def _refuse(self, scope: Scope, send: Send, status: int, detail: str) -> None:
        """Answer before the app: JSON for HTTP, a refused handshake for a WebSocket."""
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008, "reason": detail[:120]})
            return
        body = json.dumps({"detail": detail}).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            *HEADERS,
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send(
            {"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body}
        )
