"""Browser-test fixtures: a real `deepbook serve` on a free port and Debian's Chromium.

`server` starts one server per session on a temporary SQLite file, in cookie learner mode so
every browser context is a fresh learner (tests do not see each other's answers). `make_page`
opens pages in new contexts and, at teardown, fails the test if any of them had a JavaScript
error or logged a console error; on failure it prints the server's log and saves a screenshot
of every page in test-artifacts/ (set DEEPBOOK_SCREENSHOTS=1 to save them always).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

NO_CHROMIUM = (
    "Chromium not found at /usr/bin/chromium "
    "(make test installs Debian's chromium when run as root)"
)
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
TIMEOUT_MS = 20_000


import live_server  # noqa: E402  (tests/ is on pytest's pythonpath)

CHROMIUM, CHROMIUM_ARGS = live_server.CHROMIUM, live_server.CHROMIUM_ARGS


def _need_chromium() -> None:
    if not CHROMIUM.exists():
        pytest.skip(NO_CHROMIUM)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the item, so fixtures can tell whether the test failed."""
    rep = yield
    setattr(item, f"rep_{rep.when}", rep)
    return rep


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One `deepbook serve` for the whole session, on a temporary SQLite database."""
    _need_chromium()
    db = tmp_path_factory.mktemp("browser-db") / "deepbook.db"
    srv = live_server.start_server(f"sqlite:///{db}", env={"DEEPBOOK_LEARNER_MODE": "cookie"})
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium driven by Playwright (never a downloaded browser)."""
    _need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


class JsErrors:
    """Page errors and console errors seen during one test; `allow` excuses expected ones."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.allowed: list[re.Pattern[str]] = []

    def allow(self, pattern: str) -> None:
        self.allowed.append(re.compile(pattern))

    def add(self, text: str) -> None:
        self.seen.append(text)

    @property
    def unexpected(self) -> list[str]:
        return [e for e in self.seen if not any(p.search(e) for p in self.allowed)]


@pytest.fixture
def js_errors() -> JsErrors:
    """The JavaScript errors of this test's pages."""
    return JsErrors()


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)[:120]


@pytest.fixture
def make_page(
    browser: Any, server: Any, js_errors: JsErrors, request: pytest.FixtureRequest
) -> Iterator[Callable[..., Any]]:
    """`make_page(**context_options)` → a Page in a fresh context whose base URL is the server."""
    contexts: list[tuple[Any, Any]] = []

    def make(**options: Any) -> Any:
        options.setdefault("viewport", {"width": 1280, "height": 900})
        ctx = browser.new_context(base_url=server.url, **options)
        ctx.set_default_timeout(TIMEOUT_MS)
        page = ctx.new_page()
        page.on("pageerror", lambda e: js_errors.add(f"pageerror on {page.url}: {e}"))

        def on_console(msg: Any) -> None:
            if msg.type == "error":
                js_errors.add(f"console error on {page.url}: {msg.text} ({msg.location})")

        page.on("console", on_console)
        contexts.append((ctx, page))
        return page

    yield make

    rep = getattr(request.node, "rep_call", None)
    failed = rep is None or rep.failed
    errors = js_errors.unexpected
    if failed or errors or os.environ.get("DEEPBOOK_SCREENSHOTS"):
        ARTIFACTS.mkdir(exist_ok=True)
        for i, (_, page) in enumerate(contexts):
            if page.is_closed():
                continue
            suffix = f"-{i}" if len(contexts) > 1 else ""
            try:
                page.screenshot(
                    path=ARTIFACTS / f"{_safe(request.node.name)}{suffix}.png", full_page=True
                )
            except Exception as e:  # a screenshot must never hide the real failure
                print(f"screenshot failed: {e}")
    for ctx, _ in contexts:
        ctx.close()
    if failed or errors:
        print("---- deepbook server log (last 6000 characters) ----")
        print(server.log_text()[-6000:])
    if errors:
        pytest.fail("JavaScript errors during the test:\n  " + "\n  ".join(errors))


@pytest.fixture
def page(make_page: Callable[..., Any]) -> Any:
    """A desktop-sized page (1280×900) with JavaScript enabled."""
    return make_page()
