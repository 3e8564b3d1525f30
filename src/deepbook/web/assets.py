"""Scripts and stylesheets served without their comments and indentation.

The files in static/ are written to be read, with comments that explain them; a learner's
browser needs none of that. Each .js and .css file is minified once (rjsmin / rcssmin: comments
and needless whitespace only, names are kept) the first time it is asked for, and again only when
the file changes. A page's scripts and styles shrink by about a third.

rjsmin keeps string, regular-expression and template literals as they are, but not a template
literal nested in another's `${}`; tests/web/test_assets.py checks that no script has one, and
that every literal and every other token of every script comes through unchanged.
"""

from __future__ import annotations

import hashlib
import os
import threading
from email.utils import formatdate
from pathlib import Path
from typing import Any

import rcssmin
import rjsmin
from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.staticfiles import NotModifiedResponse, StaticFiles

MINIFY = {".js": rjsmin.jsmin, ".css": rcssmin.cssmin}
MEDIA = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


def minified(path: Path) -> bytes:
    """A script's or stylesheet's text without comments and needless whitespace."""
    text = path.read_text(encoding="utf-8")
    return str(MINIFY[path.suffix](text)).encode()


class Assets(StaticFiles):
    """StaticFiles that sends .js and .css minified (`minify=False`: as written, for debugging)."""

    def __init__(self, *, directory: Path, minify: bool = True) -> None:
        super().__init__(directory=directory)
        self.minify = minify
        self._lock = threading.Lock()
        # one entry per file (a few dozen), replaced when the file changes
        self._done: dict[str, tuple[tuple[int, int], bytes, str]] = {}

    def _body(self, path: Path, stat: os.stat_result) -> tuple[bytes, str]:
        key, stamp = str(path), (stat.st_mtime_ns, stat.st_size)
        with self._lock:
            hit = self._done.get(key)
        if hit is not None and hit[0] == stamp:
            return hit[1], hit[2]
        body = minified(path)
        etag = f'"{hashlib.md5(body, usedforsecurity=False).hexdigest()}"'
        with self._lock:
            self._done[key] = (stamp, body, etag)
        return body, etag

    def file_response(
        self, full_path: Any, stat_result: os.stat_result, scope: Any, status_code: int = 200
    ) -> Response:
        path = Path(full_path)
        if not self.minify or path.suffix not in MINIFY:
            return super().file_response(full_path, stat_result, scope, status_code)
        body, etag = self._body(path, stat_result)
        headers = {"etag": etag, "last-modified": formatdate(stat_result.st_mtime, usegmt=True)}
        if self.is_not_modified(Headers(headers), Headers(scope=scope)):
            return NotModifiedResponse(Headers(headers))
        return Response(body, status_code, headers=headers, media_type=MEDIA[path.suffix])
