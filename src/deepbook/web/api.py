"""JSON/binary HTTP API: health, simulation schemas, instant frames, answers and sim events."""

from __future__ import annotations

import json
import os
import time
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, BeforeValidator, Field

from deepbook.content import OPTIONS
from deepbook.sims import REGISTRY, Loaded, ParamError, encode
from deepbook.store import (
    attempts,
    chapter_progress,
    latest_answers,
    record_answer,
    record_sim_event,
)
from deepbook.web.compute import Busy, client_of, compute_of
from deepbook.web.deps import CourseDep, DbDep, SettingsDep, learner

router = APIRouter()
FRAME_TYPE = "application/x-deepbook-frame"


def _sim(request: Request, sim_id: str) -> Loaded[Any, Any]:
    sims: dict[str, Loaded[Any, Any]] = request.app.state.sims
    if sim_id not in sims:
        raise HTTPException(404, f"no simulation {sim_id[:64]!r}; see /api/sims")
    return sims[sim_id]


def param_error(e: ParamError) -> JSONResponse:
    """The 422 answer to a parameter that does not fit its declaration."""
    return JSONResponse({"detail": str(e), "param": e.name}, status_code=422)


@router.get("/healthz")
def healthz(request: Request) -> JSONResponse:
    """200 once the database is migrated and the engines are warm, 503 before."""
    ready = bool(request.app.state.ready)
    body = {"status": "ok" if ready else "starting", "worker": os.getpid()}  # which process
    return JSONResponse(body, status_code=200 if ready else 503)


@router.get("/api/sims")
def list_sims(request: Request) -> list[dict[str, Any]]:
    """Every simulation with its id, title, chapter, kind and parameter schema."""
    return [s.spec.describe() for s in request.app.state.sims.values()]


@router.get("/api/sims/{sim_id}")
def describe_sim(sim_id: str, request: Request) -> dict[str, Any]:
    """One simulation's description."""
    return _sim(request, sim_id).spec.describe()


@router.post(
    "/api/sims/{sim_id}",
    response_class=Response,
    responses={
        200: {"content": {FRAME_TYPE: {}}, "description": "A binary frame"},
        429: {"description": "Too many requests of this client are waiting (see Retry-After)"},
    },
)
async def run_sim(sim_id: str, request: Request, settings: SettingsDep) -> Response:
    """Compute an instant simulation's frame from a JSON object of parameters."""
    sim = _sim(request, sim_id)
    spec = sim.spec
    if spec.kind != "instant":
        raise HTTPException(400, f"{sim_id} is a live simulation: connect to /ws/sims/{sim_id}")
    body = await request.body()  # within max_body_bytes: web/security.py's guard saw to it
    try:
        raw = json.loads(body or b"{}")
    except (ValueError, RecursionError):
        return JSONResponse({"detail": "body is not valid JSON"}, status_code=422)
    if not isinstance(raw, dict):
        return JSONResponse({"detail": "body must be a JSON object of parameters"}, 422)
    try:
        values = spec.params.validate(raw)
    except ParamError as e:
        return param_error(e)
    except (ValueError, TypeError, ArithmeticError, RecursionError):
        detail = "a parameter is out of range or of the wrong kind"
        return JSONResponse({"detail": detail, "param": None}, status_code=422)
    pools = compute_of(request.app.state, settings)

    def work() -> tuple[bytes, float]:
        t0 = time.perf_counter()
        data = encode(sim.frame(values))
        return data, (time.perf_counter() - t0) * 1000

    try:  # in this client's fair turn on the instant pool, within its CPU budget
        key = client_of(request).key
        data, ms = await pools.instant.run(key, work, limit=settings.max_instant_waiting)
    except Busy:
        detail = f"{settings.max_instant_waiting} requests of yours are waiting already"
        raise HTTPException(429, detail, headers={"Retry-After": "1"}) from None
    return Response(data, media_type=FRAME_TYPE, headers={"X-Compute-Ms": f"{ms:.3f}"})


def _whole(value: object) -> object:
    """JSON's 2 and 2.0 are the same number; true is not 1."""
    if isinstance(value, bool):
        raise ValueError("expected a whole number, not true or false")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


REVEAL_AFTER = 2  # wrong tries before the right answer may be shown


class AnswerBody(BaseModel):
    """A learner's choice for one question."""

    question_id: str = Field(min_length=1, max_length=100)
    choice: Annotated[int, BeforeValidator(_whole)] = Field(ge=0, le=OPTIONS - 1, strict=True)


@router.post("/api/answers")
def answer(body: AnswerBody, request: Request, course: CourseDep, db: DbDep) -> dict[str, Any]:
    """Store an answer (committed before this returns) and say whether it was right, and why."""
    q = course.question(body.question_id)
    if q is None:
        raise HTTPException(404, f"no question {body.question_id!r}")
    if body.choice >= len(q.options):
        raise HTTPException(
            422, f"choice must be from 0 to {len(q.options) - 1}, got {body.choice}"
        )
    correct = body.choice == q.answer
    with db.begin() as s:
        tries = attempts(
            s, record_answer(s, learner(s, request), q.id, q.chapter, body.choice, correct)
        )
    out: dict[str, Any] = {
        "question_id": q.id,
        "choice": body.choice,
        "correct": correct,
        "answered": "correct" if correct else "incorrect",
        "explanation": q.options[body.choice].explanation,
        "attempts": tries,
    }
    if not correct and tries >= REVEAL_AFTER:  # the page offers "Show the answer"
        out["answer"] = {"choice": q.answer, "explanation": q.options[q.answer].explanation}
    return out


class EventBody(BaseModel):
    """A simulation was used, on a chapter page or on its own page (chapter null)."""

    sim_id: str = Field(min_length=1, max_length=64)
    chapter: str | None = Field(default=None, max_length=64)


@router.post("/api/events", status_code=204)
def sim_event(body: EventBody, request: Request, course: CourseDep, db: DbDep) -> Response:
    """Record that the learner used a simulation."""
    if body.sim_id not in REGISTRY:
        raise HTTPException(404, f"no simulation {body.sim_id!r}; see /api/sims")
    if body.chapter is not None and course.chapter(body.chapter) is None:
        raise HTTPException(404, f"no chapter {body.chapter[:64]!r}")
    with db.begin() as s:
        record_sim_event(s, learner(s, request), body.sim_id, body.chapter)
    return Response(status_code=204)


@router.get("/api/progress")
def progress(request: Request, db: DbDep) -> dict[str, Any]:
    """The learner's latest answers and per-chapter counts."""
    with db.read() as s:
        who = learner(s, request)
        answers = latest_answers(s, who)
        chapters = chapter_progress(s, who)
        return {
            "answers": {k: {"choice": a.choice, "correct": a.correct} for k, a in answers.items()},
            "chapters": {
                k: {"answered": p.answered, "correct": p.correct, "first_try": p.first_try_correct}
                for k, p in chapters.items()
            },
        }
