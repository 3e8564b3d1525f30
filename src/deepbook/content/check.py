"""Validation of the whole course: what `deepbook check` and the content tests report."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from deepbook.content.course import SLUGS
from deepbook.content.loader import Course

REQUIRED_SECTIONS = ("Summary", "Further reading")


def check(course: Course, sim_ids: Iterable[str]) -> list[str]:
    """Every problem found, as readable lines; empty when the content is sound."""
    known = set(sim_ids)
    problems = list(course.problems)
    for ch in course.chapters:
        where = str(ch.source)
        if ch.slug not in SLUGS:
            problems.append(f"{where}: unknown chapter id {ch.slug!r}; expected one of {SLUGS}")
        elif SLUGS.index(ch.slug) != ch.number:
            problems.append(f"{where}: chapter {ch.slug} must be number {SLUGS.index(ch.slug)}")
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
        for s in ch.segments:
            if s.kind == "sim" and s.sim not in known:
                problems.append(f"{where}: embeds unknown simulation {s.sim!r}")
        if len(ch.questions) < 4:
            problems.append(f"{where}: has {len(ch.questions)} questions; at least 4 are needed")
    ids = Counter(q.id for c in course.chapters for q in c.questions)
    problems += [f"question id {q!r} is used {n} times" for q, n in ids.items() if n > 1]
    prompts = Counter(q.prompt.lower() for c in course.chapters for q in c.questions)
    problems += [f"duplicate question prompt: {p!r}" for p, n in prompts.items() if n > 1]
    slugs = Counter(c.slug for c in course.chapters)
    problems += [f"chapter id {s!r} is used {n} times" for s, n in slugs.items() if n > 1]
    return problems
