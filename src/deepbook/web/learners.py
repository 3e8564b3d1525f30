"""Who a request speaks for: one default learner on a laptop, or one per browser (a cookie).

`Settings.learner_mode`: "single" (everyone is the default learner) or "cookie" (class hosting:
each browser gets its own key in a cookie).
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response

from deepbook.settings import Settings

LEARNER_COOKIE = "deepbook_learner"


def install(app: FastAPI, settings: Settings) -> None:
    """Put the learner's key on every request (`request.state.learner_key`)."""

    @app.middleware("http")
    async def learner_cookie(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        key = "default"
        new = False
        if settings.learner_mode == "cookie":
            key = request.cookies.get(LEARNER_COOKIE, "")
            if not (16 <= len(key) <= 64 and key.isalnum()):
                key, new = secrets.token_hex(16), True
        request.state.learner_key = key
        response = await call_next(request)
        if new:
            response.set_cookie(LEARNER_COOKIE, key, max_age=3600 * 24 * 365, samesite="lax")
        return response
