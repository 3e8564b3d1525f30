"""The FastAPI app factory: `create_app(settings)` wires content, store, simulations and routes."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
import webbrowser
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import torch
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware

from deepbook import __version__
from deepbook.content import check, load_course
from deepbook.settings import Settings
from deepbook.sims import REGISTRY, Loaded
from deepbook.store import make_engine, make_sessionmaker, migrate
from deepbook.web import api, learners, live, pages

HERE = Path(__file__).parent
log = logging.getLogger("deepbook")


def load_sims() -> dict[str, Loaded[Any, Any]]:
    """Every simulation with its resources loaded, each run once so that lazy imports and
    first-call costs (scikit-learn's first fits, torch autograd) are paid before the first click."""
    sims = {sim_id: REGISTRY[sim_id].load() for sim_id in REGISTRY}
    for sim in sims.values():
        sim.warm()
    return sims


def open_browser(settings: Settings) -> None:
    """Open the contents page once the server accepts connections (uvicorn binds after start-up)."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            socket.create_connection((settings.host, settings.port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.05)
    webbrowser.open(f"http://{settings.host}:{settings.port}/")


def create_app(settings: Settings) -> FastAPI:
    """A deepbook app on the given settings; the database is migrated at start-up."""
    torch.set_num_threads(settings.torch_threads)
    course = load_course(settings.content_dir)
    problems = check(course, REGISTRY)
    if problems:
        raise RuntimeError("content has problems:\n  " + "\n  ".join(problems))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings.database_url)
        _, app.state.sims = await asyncio.gather(
            asyncio.to_thread(migrate, engine), asyncio.to_thread(load_sims)
        )
        app.state.sessionmaker = make_sessionmaker(engine)
        app.state.ready = True
        if settings.open_browser:
            threading.Thread(target=open_browser, args=(settings,), daemon=True).start()
        yield
        engine.dispose()

    app = FastAPI(title="deepbook", version=__version__, lifespan=lifespan)
    app.state.settings = settings
    app.state.course = course
    app.state.ready = False
    app.state.sims = {}
    app.state.live = live.Registry(settings)
    app.state.templates = Jinja2Templates(directory=HERE / "templates")
    app.state.templates.env.globals["version"] = __version__
    # one small stylesheet per simulation view (static/css/sims/<id>.css), linked on every page
    styles = sorted(p.name for p in (HERE / "static" / "css" / "sims").glob("*.css"))
    app.state.templates.env.globals["sim_styles"] = styles

    learners.install(app, settings)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        """JSON for the API, a readable page for people."""
        if request.url.path.startswith(("/api/", "/healthz", "/ws/")):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
        title = {404: "Not found", 422: "That did not work"}.get(exc.status_code, "Error")
        page: Response = app.state.templates.TemplateResponse(
            request,
            "error.html",
            {"status": exc.status_code, "title": title, "detail": exc.detail},
            status_code=exc.status_code,
        )
        return page

    # Pages, scripts and styles go out compressed (a chapter's HTML shrinks ~5×); frames do not:
    # they are small, already dense, and latency matters more than bytes for them.
    app.add_middleware(
        GZipMiddleware,
        minimum_size=1000,
        compresslevel=6,
        exclude_content_types=(*DEFAULT_EXCLUDED_CONTENT_TYPES, api.FRAME_TYPE),
    )
    app.include_router(pages.router)
    app.include_router(api.router)
    app.include_router(live.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    return app
