"""Run a coroutine to completion from a test, whatever the main thread is doing.

Playwright's sync API keeps an event loop running in the main thread for the whole session, so a
plain `asyncio.run` there fails once a browser test has run; a thread of its own always works.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(coro)` in a fresh thread; returns its result or raises its exception."""
    with ThreadPoolExecutor(1, thread_name_prefix="aio") as pool:
        return pool.submit(asyncio.run, coro).result()
