"""HTML pages: contents, chapters (with server-rendered question forms), standalone simulations."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, HTTPException, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from deepbook.content import OPTIONS, SLUGS
from deepbook.content.markdown import QUESTION_SLOT
from deepbook.figures import FIGURES, THEMES
from deepbook.sims import REGISTRY
from deepbook.sims.base import AnySpec
from deepbook.sims.params import GROUPS, Param
from deepbook.store import chapter_progress, latest_answers, record_answer, sims_used
from deepbook.web.deps import CourseDep, DbDep, TemplatesDep, learner
from deepbook.web.model_view import model_view

router = APIRouter(default_response_class=HTMLResponse)
SlugPath = Annotated[str, Path(examples=["backpropagation"])]  # examples for /openapi.json
LOG_STEPS = 24  # slider stops per decade on a log-scale control


def _control(p: Param[Any], value: Any) -> dict[str, Any]:
    c = p.schema() | {"value": p.to_json(value), "url": p.to_url(value)}
    if c.get("log"):  # the slider moves in 1/24 decades: its stops are the E24 series
        lo = math.log10(c["min"])
        c["slider"] = {
            "log_min": lo,
            "steps": LOG_STEPS,
            "max": round((math.log10(c["max"]) - lo) * LOG_STEPS),
            "value": round((math.log10(value) - lo) * LOG_STEPS),
        }
    return c


def sim_view(
    spec: AnySpec,
    query: Mapping[str, str],
    chapter: str | None,
    key: str | None = None,
    preset: tuple[tuple[str, str], ...] = (),
) -> dict[str, Any]:
    """What the template needs to draw one simulation block: controls in their groups, with the
    values of the URL over the embed's preset over the sim's defaults."""
    key = key or spec.id
    base, _ = spec.params.from_query({f"{key}.{k}": v for k, v in preset}, key)
    values, problems = spec.params.from_query(query, key, base)
    controls = [_control(p, getattr(values, p.name)) for p in spec.params]
    groups = [
        {"id": g, "legend": legend, "controls": cs}
        for g, legend in GROUPS.items()
        if (cs := [c for c in controls if c["group"] == g and not c["advanced"]])
    ]
    spec_defaults = spec.params.defaults()
    changed = spec.params.changed(spec_defaults, values)
    state = {
        f"{spec.id}.{p.name}": p.to_url(getattr(values, p.name))
        for p in spec.params
        if p.name in changed
    }
    return {
        "spec": spec,
        "key": key,
        "groups": groups,
        "more": [c for c in controls if c["advanced"]],
        "problems": problems,
        # open "More settings" when the link changes one of them
        "open_more": any(
            p.advanced for p in spec.params if p.name in spec.params.changed(base, values)
        ),
        "chapter": chapter,
        # what the URL leaves out: this embed's starting values
        "defaults": {p.name: p.to_url(getattr(base, p.name)) for p in spec.params},
        "spec_defaults": {p.name: p.to_url(getattr(spec_defaults, p.name)) for p in spec.params},
        "standalone": f"/sims/{spec.id}" + (f"?{urlencode(state)}" if state else ""),
    }


@router.get("/")
def contents(request: Request, course: CourseDep, db: DbDep, templates: TemplatesDep) -> Any:
    """The contents page with the reader's progress per chapter."""
    with db.read() as s:
        who = learner(s, request)
        progress = chapter_progress(s, who)
        used = sims_used(s, who)
        answers = latest_answers(s, who)
    rows = []
    for ch in course.chapters:
        p = progress.get(ch.slug)
        sims = [seg.sim for seg in ch.segments if seg.kind == "sim"]
        rows.append(
            {
                "chapter": ch,
                "progress": p,
                "sims": sims,
                "sims_used": [x for x in sims if x in used],
            }
        )
    total = sum(len(ch.questions) for ch in course.chapters)
    right = sum(p.correct for p in progress.values())
    resume = None  # the chapter of the latest answer, or the next one once it is all right
    if answers:
        last = max(answers.values(), key=lambda a: a.answered_at).chapter
        order = [ch.slug for ch in course.chapters]
        if last in order:
            i = order.index(last)
            done = progress.get(last)
            if done and done.correct == len(course.chapters[i].questions) and i + 1 < len(order):
                i += 1
            resume = course.chapters[i]
    return templates.TemplateResponse(
        request,
        "contents.html",
        {"rows": rows, "course": course, "total": total, "right": right, "resume": resume},
    )


@router.get("/chapters/{slug}")
def chapter(
    slug: SlugPath, request: Request, course: CourseDep, db: DbDep, templates: TemplatesDep
) -> Any:
    """One chapter: prose, embedded simulations, questions with the learner's latest answers."""
    ch = course.chapter(slug)
    if ch is None:
        status = "is not written yet" if slug in SLUGS else "does not exist"
        raise HTTPException(404, f"chapter {slug!r} {status}")
    request.app.state.figures.prefetch(ch.figures)  # drawn while the browser reads the page
    with db.read() as s:
        answers = {
            k: (a.choice, a.correct) for k, a in latest_answers(s, learner(s, request)).items()
        }
    query = dict(request.query_params)
    sims = {
        seg.key: sim_view(REGISTRY[seg.sim], query, ch.slug, seg.key, seg.preset)
        for seg in ch.segments
        if seg.kind == "sim"
    }
    # questions placed after the section they test (`::: question <id>`), rendered in place; the
    # bank at the end keeps the rest
    make = request.app.state.templates.env.get_template("_question.html").module.question
    by_id = {q.id: q for q in ch.questions}
    placed: list[str] = []

    def place(m: re.Match[str]) -> str:
        q = by_id.get(m.group(1))
        if q is None:
            return ""
        placed.append(q.id)
        return f'<div class="question-inline">{make(q, ch.slug, answers.get(q.id))}</div>\n'

    prose = [
        QUESTION_SLOT.sub(place, seg.html) if seg.kind == "html" else "" for seg in ch.segments
    ]
    i = course.chapters.index(ch)
    nav = {
        "prev": course.chapters[i - 1] if i > 0 else None,
        "next": course.chapters[i + 1] if i + 1 < len(course.chapters) else None,
    }
    return templates.TemplateResponse(
        request,
        "chapter.html",
        {
            "ch": ch,
            "sims": sims,
            "answers": answers,
            "nav": nav,
            "course": course,
            "prose": prose,
            "bank": [q for q in ch.questions if q.id not in placed],
        },
    )


@router.post("/chapters/{slug}/questions/{qid}")
def answer_form(
    slug: SlugPath,
    qid: Annotated[str, Path(examples=["backprop-softmax-loss"])],
    request: Request,
    course: CourseDep,
    db: DbDep,
    choice: Annotated[int, Form(ge=0, le=OPTIONS - 1)],
) -> Any:
    """The no-JavaScript answer path: store, then redirect back to the question."""
    q = course.question(qid)
    if q is None or q.chapter != slug:
        raise HTTPException(404, f"no question {qid!r} in chapter {slug!r}")
    if not 0 <= choice < len(q.options):
        raise HTTPException(422, "choose one of the options before checking your answer")
    with db.begin() as s:
        record_answer(s, learner(s, request), q.id, slug, choice, choice == q.answer)
    return RedirectResponse(f"/chapters/{slug}#q-{qid}", status_code=303)


@router.get("/glossary")
def glossary(request: Request, course: CourseDep, templates: TemplatesDep) -> Any:
    """Every glossary term with its definition and the chapter that introduces it."""
    chapters = {c.slug: c for c in course.chapters}
    letters: dict[str, list[Any]] = {}  # A–Z: each letter's terms, in alphabetical order
    for t in sorted(course.glossary, key=lambda t: t.term.casefold()):
        first = t.term[:1].upper()
        letters.setdefault(first if first.isalpha() else "#", []).append(t)
    return templates.TemplateResponse(
        request,
        "glossary.html",
        {"terms": course.glossary, "letters": letters, "chapters": chapters},
    )


@router.get("/sims/{sim_id}")
def sim_page(
    sim_id: Annotated[str, Path(examples=["decision_boundaries"])],
    request: Request,
    course: CourseDep,
    templates: TemplatesDep,
) -> Any:
    """A simulation on its own, full window (for projecting and linking)."""
    if sim_id not in REGISTRY:
        raise HTTPException(404, f"no simulation {sim_id[:64]!r}")
    spec = REGISTRY[sim_id]
    view = sim_view(spec, dict(request.query_params), None)
    ch = course.chapter(spec.chapter)
    return templates.TemplateResponse(
        request, "sim_page.html", {"sim": view, "ch": ch, "course": course}
    )


@router.get(
    "/figures/{name}",
    response_class=Response,
    responses={
        200: {
            "content": {"image/svg+xml": {}, "image/png": {}},
            "description": "The figure, drawn in the theme named",
        },
        404: {"description": "No such figure, theme or file type"},
    },
)
def figure(
    name: Annotated[str, Path(examples=["activation-curves-light.svg"])], request: Request
) -> Response:
    """A chapter's figure in one theme (`<id>-<light|dark>.<svg|png>`), drawn by its function
    once (usually in the background, when its chapter was served), then served from memory."""
    stem, _, ext = name.rpartition(".")
    fid, _, theme = stem.rpartition("-")
    fig = FIGURES.get(fid)
    if fig is None or theme not in THEMES or ext != fig.ext:
        raise HTTPException(404, f"no figure {name[:80]!r}")
    body = request.app.state.figures.get(fig, theme)
    return Response(
        body, media_type=fig.media_type, headers={"Cache-Control": "public, max-age=3600"}
    )


@router.get("/models")
def models_index(request: Request, templates: TemplatesDep) -> Any:
    """The shipped models, each with its held-out accuracy."""
    models = request.app.state.models
    return templates.TemplateResponse(
        request, "models.html", {"models": [models[k] for k in sorted(models)]}
    )


@router.get("/models/{name}")
def model_page(
    name: Annotated[str, Path(examples=["digits_cnn"])],
    request: Request,
    templates: TemplatesDep,
) -> Any:
    """A model's card: recipe, data, training curve, accuracy and confusion matrix recomputed
    from the shipped weights, and the held-out images it gets most confidently wrong."""
    model = request.app.state.models.get(name)
    if model is None:
        raise HTTPException(404, f"no model {name[:64]!r}")
    views = request.app.state.model_views
    if name not in views:
        views[name] = model_view(model)
    return templates.TemplateResponse(
        request, "model.html", {"view": views[name], "card": model.card}
    )
