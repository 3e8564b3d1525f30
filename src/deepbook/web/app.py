"""The FastAPI app factory: `create_app(settings)` wires content, store, simulations and routes."""

from __future__ import annotations

import asyncio
import logging
import re
import socket
import threading
import time
import webbrowser
from collections.abc import AsyncIterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import torch
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware
from threadpoolctl import threadpool_limits

from deepbook import __version__
from deepbook.content import check, load_course
from deepbook.models import MODELS
from deepbook.models.shipped import Model
from deepbook.models.shipped import load as load_model
from deepbook.settings import Settings
from deepbook.sims import REGISTRY, Loaded
from deepbook.sims.workers import Workers
from deepbook.store import make_engine, make_sessionmaker, migrate
from deepbook.web import api, learners, live, pages
from deepbook.web.assets import Assets
from deepbook.web.compute import compute_of, report_cpu
from deepbook.web.figcache import FigureCache
from deepbook.web.security import Guard
from deepbook.web.startup import Begun, start_workers

HERE = Path(__file__).parent
log = logging.getLogger("deepbook")


# Statuses any route may answer besides its own (documented in /openapi.json).
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Bad request (e.g. a host this server does not serve)"},
    403: {"description": "Cross-site request refused"},
    404: {"description": "Not found"},
    405: {"description": "Method not allowed (the Allow header lists the methods)"},
    413: {"description": "Request body too large"},
    422: {"description": "Invalid input; detail names the field and its bounds"},
}


def _problem(error: Mapping[str, Any]) -> str:
    """One validation error as 'field: message', without the input it was given."""
    loc = ".".join(str(x) for x in error.get("loc", ()) if x != "body")
    text = f"{loc}: {error.get('msg', 'invalid')}" if loc else str(error.get("msg", "invalid"))
    return text[:200].encode("utf-8", "replace").decode("utf-8")


def _allowed(app: FastAPI, path: str) -> list[str]:
    """The methods some route answers on this path, read from the OpenAPI description (HEAD
    wherever GET is)."""
    methods: set[str] = set()
    for template, ops in app.openapi()["paths"].items():
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, path):
            methods |= {m.upper() for m in ops}
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


def load_sims(workers: Workers, threads: int = 2) -> dict[str, Loaded[Any, Any]]:
    """Every simulation with its resources loaded, each run once so that lazy imports and
    first-call costs (scikit-learn's first fits, torch autograd) are paid before the first click.
    Two at a time: torch and NumPy let go of the GIL in their kernels, so one sim's model runs
    while another's Python runs (and a sim waiting for its worker processes holds nothing)."""

    def ready(sim_id: str) -> Loaded[Any, Any]:
        sim = REGISTRY[sim_id].load(workers=workers)
        sim.warm()
        return sim

    with ThreadPoolExecutor(threads, thread_name_prefix="deepbook-load") as pool:
        return dict(zip(REGISTRY, pool.map(ready, REGISTRY), strict=True))


def load_models() -> dict[str, Model]:
    """Every shipped model, checked against its card (the server does not start without them)."""
    return {name: load_model(name) for name in MODELS}


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


def create_app(settings: Settings, begun: Begun | None = None) -> FastAPI:
    """A deepbook app on the given settings; the database is migrated at start-up. `begun`: the
    worker processes and the course `deepbook serve` started early (web/startup.py); without it,
    this process starts the workers and renders the course."""
    torch.set_num_threads(settings.torch_threads)
    # NumPy's BLAS too: small models only wait for a second thread, and the cores are shared
    # between sessions (the playground's maps stalled for 20-240 ms with two BLAS threads).
    threadpool_limits(settings.torch_threads, user_api="blas")
    loading: Future[dict[str, Loaded[Any, Any]]] | None = None
    if begun:  # the sims load and warm up now, while a worker may still be rendering the course
        one = ThreadPoolExecutor(1, thread_name_prefix="deepbook-sims")
        loading = one.submit(load_sims, begun.workers)
        one.shutdown(wait=False)  # the thread ends with the job
    models = load_models()  # ModelError (naming the file and the remedy) if one is bad
    course = begun.course.result() if begun else load_course(settings.content_dir)
    problems = check(course, REGISTRY, MODELS)
    if problems:
        raise RuntimeError("content has problems:\n  " + "\n  ".join(problems))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings.database_url)
        app.state.workers = begun.workers if begun else start_workers(settings)
        app.state.workers.on_cpu = report_cpu  # a job's CPU time: the asking client's
        sims = (
            asyncio.wrap_future(loading)
            if loading
            else asyncio.to_thread(load_sims, app.state.workers)
        )
        _, app.state.sims = await asyncio.gather(asyncio.to_thread(migrate, engine), sims)
        app.state.sessionmaker = make_sessionmaker(engine)
        compute = compute_of(app.state, settings)
        compute.start_processes(settings)
        app.state.ready = True
        if settings.open_browser:
            threading.Thread(target=open_browser, args=(settings,), daemon=True).start()
        yield
        compute.close()
        app.state.workers.close()
        app.state.figures.close()
        engine.dispose()

    # No /docs or /redoc: FastAPI's would load Swagger UI from a CDN, and no page of ours loads
    # anything from outside. /openapi.json describes every route.
    app = FastAPI(
        title="deepbook", version=__version__, lifespan=lifespan, docs_url=None, redoc_url=None
    )
    app.state.settings = settings
    app.state.course = course
    app.state.ready = False
    app.state.sims = {}
    app.state.models = models
    app.state.model_views = {}
    app.state.figures = FigureCache()  # figures drawn once each, in the background
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
        if exc.status_code == 405:  # Allow lists every method of every route on this path
            exc.headers = {"Allow": ", ".join(_allowed(app, request.url.path))}
        if request.url.path.startswith(("/api/", "/healthz", "/ws/")):
            return JSONResponse(
                {"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers
            )
        title = {404: "Not found", 422: "That did not work"}.get(exc.status_code, "Error")
        page: Response = app.state.templates.TemplateResponse(
            request,
            "error.html",
            {"status": exc.status_code, "title": title, "detail": exc.detail},
            status_code=exc.status_code,
            headers=exc.headers,
        )
        return page

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        """A readable 422 that names each field at fault and never echoes the input."""
        errors = exc.errors()
        if request.url.path.startswith("/chapters/") and any("choice" in e["loc"] for e in errors):
            detail = "choose one of the options before checking your answer"  # the no-JS form
        else:
            detail = "; ".join(_problem(e) for e in errors[:5])
        return await http_error(request, StarletteHTTPException(422, detail))

    # Pages, scripts and styles go out compressed (a chapter's HTML shrinks ~5×); frames do not:
    # they are small, already dense, and latency matters more than bytes for them.
    app.add_middleware(
        GZipMiddleware,
        minimum_size=1000,
        compresslevel=6,
        exclude_content_types=(*DEFAULT_EXCLUDED_CONTENT_TYPES, api.FRAME_TYPE),
    )
    app.include_router(pages.router, responses=ERRORS)
    app.include_router(api.router, responses=ERRORS)
    app.include_router(live.router)
    app.add_middleware(Guard, settings=settings)  # outermost: before anything else runs
    static = Assets(directory=HERE / "static", minify=settings.minify_assets)
    app.mount("/static", static, name="static")
    return app


def app_from_env() -> FastAPI:
    """The app of one worker process of `deepbook serve --workers N` (settings from DEEPBOOK_*)."""
    return create_app(Settings())
