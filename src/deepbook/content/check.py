"""Validation of the whole course: what `deepbook check` and the content tests report."""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any, Protocol
from urllib.parse import parse_qsl

from deepbook.content.course import SLUGS
from deepbook.content.loader import FIGURE_TAG, Course
from deepbook.content.markdown import QUESTION_SLOT
from deepbook.figures import FIGURES

REQUIRED_SECTIONS = ("Summary", "Further reading")
HREF = re.compile(r'href="(/[^"]*)"')
PRESET_HREF = re.compile(r'href="\?([^"]*)"')


class _Params(Protocol):
    names: list[str]

    def from_query(self, query: Mapping[str, str], prefix: str) -> tuple[Any, list[str]]: ...


class _Spec(Protocol):
    params: _Params


def check(
    course: Course, sims: Mapping[str, Any] | Iterable[str], models: Iterable[str] = ()
) -> list[str]:
    """Every problem found, as readable lines; empty when the content is sound. With specs (the
    registry), embed presets and preset links are validated against each sim's parameters;
    `models` are the model cards links may point to (/models/<name>)."""
    specs: Mapping[str, _Spec] = sims if isinstance(sims, Mapping) else {}
    known = set(sims)
    problems = list(course.problems)
    for ch in course.chapters:
        where = str(ch.source)
        if ch.slug not in SLUGS:
            problems.append(f"{where}: unknown chapter id {ch.slug!r}; expected one of {SLUGS}")
        elif SLUGS.index(ch.slug) != ch.number:
            problems.append(f"{where}: chapter {ch.slug} must be number {SLUGS.index(ch.slug)}")
        if ch.source.parent.name != f"{ch.number:02d}-{ch.slug}":
            problems.append(f"{where}: the folder must be named {ch.number:02d}-{ch.slug}")
        titles = [t for _, t in ch.sections]
        for name in REQUIRED_SECTIONS:
            if name not in titles:
                problems.append(f"{where}: missing a '## {name}' section")
        insights = sum(s.html.count('data-role="insight"') for s in ch.segments)
        if insights != 1:
            problems.append(f"{where}: needs exactly one ::: insight callout, has {insights}")
        if (
            not ch.segments
            or ch.segments[0].kind != "html"
            or ch.segments[0].html.lstrip()[:3] != "<p>"
        ):
            problems.append(f"{where}: must open with a paragraph before any heading")
        problems += check_embeds(ch.segments, where, known, specs)
        problems += check_figures(ch.segments, where)
        placed = [m for s in ch.segments for m in QUESTION_SLOT.findall(s.html)]
        bank = {q.id for q in ch.questions}
        problems += [
            f"{where}: ::: question {q!r} is not in this chapter's bank"
            for q in placed
            if q not in bank
        ]
        problems += [
            f"{where}: question {q!r} is placed twice" for q, n in Counter(placed).items() if n > 1
        ]
        if len(ch.questions) < 4:
            problems.append(f"{where}: has {len(ch.questions)} questions; at least 4 are needed")
    ids = Counter(q.id for c in course.chapters for q in c.questions)
    problems += [f"question id {q!r} is used {n} times" for q, n in ids.items() if n > 1]
    prompts = Counter(q.prompt.lower() for c in course.chapters for q in c.questions)
    problems += [f"duplicate question prompt: {p!r}" for p, n in prompts.items() if n > 1]
    slugs = Counter(c.slug for c in course.chapters)
    problems += [f"chapter id {s!r} is used {n} times" for s, n in slugs.items() if n > 1]
    return problems + check_glossary(course) + check_links(course, known, set(models))


def check_figures(segments: Iterable[Any], where: str) -> list[str]:
    """Every `::: figure` names a figure that exists, with alt text, and has a caption."""
    problems = []
    for s in segments:
        for m in FIGURE_TAG.finditer(s.html):
            fid = html.unescape(m.group(1))
            fig = FIGURES.get(fid)
            if fig is None:
                problems.append(f"{where}: unknown figure {fid!r}; known: {', '.join(FIGURES)}")
            elif not fig.alt.strip():
                problems.append(f"{where}: figure {fid!r} has no alt text")
            caption = s.html[m.end() :].split("</figcaption>", 1)[0]
            if not re.sub(r"<[^>]+>|\s", "", caption.split("<figcaption>", 1)[-1]):
                problems.append(f"{where}: figure {fid!r} has no caption")
    return problems


def _values(spec: _Spec, key: str, pairs: Iterable[tuple[str, str]], what: str) -> list[str]:
    pairs = list(pairs)
    bad = [k for k, _ in pairs if k not in spec.params.names]
    if bad:
        return [f"{what}: {bad[0]!r} is not a parameter"]
    _, errors = spec.params.from_query({f"{key}.{k}": v for k, v in pairs}, key)
    return [f"{what}: {e}" for e in errors]


def check_embeds(
    segments: Iterable[Any], where: str, known: set[str], specs: Mapping[str, _Spec]
) -> list[str]:
    """Embedded sims exist, keys are unique, presets and preset links (`?key.param=v`) fit."""
    problems = []
    embeds = {}
    for s in segments:
        if s.kind != "sim":
            continue
        if s.sim not in known:
            problems.append(f"{where}: embeds unknown simulation {s.sim!r}")
            continue
        if s.key in embeds:
            problems.append(f"{where}: two embeds share the key {s.key!r}; give one key=...")
        embeds[s.key] = s.sim
        if s.sim in specs:
            problems += _values(specs[s.sim], s.key, s.preset, f"{where}: preset of {s.key}")
    for s in segments:
        for query in PRESET_HREF.findall(s.html):
            pairs = parse_qsl(html.unescape(query), keep_blank_values=True)
            by_key: dict[str, list[tuple[str, str]]] = {}
            for name, value in pairs:
                key, _, param = name.partition(".")
                by_key.setdefault(key, []).append((param, value))
            for key, items in by_key.items():
                what = f"{where}: link ?{html.unescape(query)}"
                if key not in embeds:
                    problems.append(f"{what} names {key!r}, which no sim on this page has as key")
                elif embeds[key] in specs:
                    problems += _values(specs[embeds[key]], key, items, what)
    return problems


def check_glossary(course: Course) -> list[str]:
    """Each term defined once, no surface form claimed twice, every term used in some chapter."""
    problems = []
    ids = Counter(t.id for t in course.glossary)
    problems += [f"glossary term {t!r} is defined {n} times" for t, n in ids.items() if n > 1]
    forms = Counter(f.lower() for t in course.glossary for f in t.forms)
    problems += [f"glossary form {f!r} belongs to {n} terms" for f, n in forms.items() if n > 1]
    used = {
        m
        for c in course.chapters
        for s in c.segments
        for m in re.findall(r'data-term="([^"]+)"', s.html)
    }
    problems += [
        f"glossary term {t.term!r} ({t.chapter}) is never used in a chapter"
        for t in course.glossary
        if t.id not in used
    ]
    return problems


def check_links(course: Course, sims: set[str], models: set[str] | None = None) -> list[str]:
    """Every internal link in a chapter resolves: chapters (and headings), glossary, sims, model
    cards."""
    anchors = {c.slug: {a for a, _ in c.sections} | {"questions"} for c in course.chapters}
    terms = {f"term-{t.id}" for t in course.glossary}
    problems = []
    for ch in course.chapters:
        for href in {h for s in ch.segments for h in HREF.findall(s.html)}:
            path, _, anchor = href.partition("#")
            parts = path.strip("/").split("/")
            if parts[0] == "chapters" and len(parts) == 2 and parts[1] in anchors:
                ok = not anchor or anchor in anchors[parts[1]]
            elif parts == ["glossary"]:
                ok = not anchor or anchor in terms
            elif parts[0] == "sims" and len(parts) == 2:
                ok = parts[1] in sims and not anchor
            elif parts[0] == "models" and len(parts) <= 2:
                ok = len(parts) == 1 or parts[1] in (models or set())
            else:
                ok = False
            if not ok:
                problems.append(f"{ch.source}: link to {href} does not resolve")
    return problems
