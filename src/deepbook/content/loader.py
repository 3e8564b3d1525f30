"""Loads `content/chapters/NN-slug/{chapter.md,questions.yaml}` into typed, rendered chapters.

Problems (bad front matter, malformed questions, LaTeX that will not convert) are collected, not
raised one at a time, so `deepbook check` can list them all.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from deepbook.content.glossary import Matcher, Term, parse_terms
from deepbook.content.markdown import SIM_MARKER, MathError, inline_html, to_html

# libyaml's loader when PyYAML was built with it (about 5× faster: start-up time), else Python's.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _yaml(text: str) -> Any:
    """Parse YAML safely (plain data only)."""
    return yaml.load(text, Loader=_Loader)  # a safe loader: plain data only


FIGURE_TAG = re.compile(r'<figure class="figure" data-figure="([^"]*)">')  # `::: figure <id>`
OPTIONS = 4  # every question has exactly four options (choices 0–3)
FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.S)
ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Option:
    """One answer option of a question."""

    html: str
    correct: bool
    explanation: str


@dataclass(frozen=True)
class Question:
    """A multiple-choice question with an explanation for every option."""

    id: str
    chapter: str
    prompt: str
    options: tuple[Option, ...]

    @property
    def answer(self) -> int:
        return next(i for i, o in enumerate(self.options) if o.correct)


@dataclass(frozen=True)
class Segment:
    """A piece of a chapter: prose HTML, or a simulation embed with its intro HTML."""

    kind: str  # "html" | "sim"
    html: str
    sim: str = ""
    key: str = ""  # the embed's key: element ids and URL keys (the sim id unless given)
    preset: tuple[tuple[str, str], ...] = ()  # the embed's own starting values (URL strings)


def parse_sim_info(info: str) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    """`<id> key=k a=1 b=x` → (id, key, (("a", "1"), ("b", "x")))."""
    words = html.unescape(info).split()
    sim_id = words[0] if words else ""
    pairs = [w.partition("=") for w in words[1:]]
    key = next((v for k, _, v in pairs if k == "key"), sim_id)
    return sim_id, key, tuple((k, v) for k, _, v in pairs if k != "key")


@dataclass
class Chapter:
    """One chapter, rendered."""

    slug: str
    number: int
    title: str
    subtitle: str
    segments: list[Segment]
    questions: list[Question]
    sections: list[tuple[str, str]]  # (anchor id, heading text) of the ## headings
    words: int
    source: Path

    @property
    def figures(self) -> list[str]:
        """The ids of the chapter's figures, in page order."""
        return [html.unescape(m[1]) for s in self.segments for m in FIGURE_TAG.finditer(s.html)]


@dataclass
class Course:
    """All chapters that exist, in order, and what went wrong loading them."""

    chapters: list[Chapter] = field(default_factory=list)
    glossary: list[Term] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def chapter(self, slug: str) -> Chapter | None:
        return next((c for c in self.chapters if c.slug == slug), None)

    def question(self, qid: str) -> Question | None:
        return next((q for c in self.chapters for q in c.questions if q.id == qid), None)


def split_segments(body_html: str) -> list[Segment]:
    """Cut rendered HTML at sim markers; each sim's intro is the `sim-intro` div after it."""
    parts = SIM_MARKER.split(body_html)
    segments = [Segment("html", parts[0])]
    for info, rest in zip(parts[1::2], parts[2::2], strict=True):
        intro, _, after = rest.partition("</div>\n")
        sim_id, key, preset = parse_sim_info(info)
        body = intro.replace('<div class="sim-intro">', "").strip()
        segments.append(Segment("sim", body, sim_id, key, preset))
        segments.append(Segment("html", after))
    return [s for s in segments if s.kind == "sim" or s.html.strip()]


def _questions(path: Path, slug: str, problems: list[str]) -> list[Question]:
    if not path.exists():
        problems.append(f"{path}: missing question bank")
        return []
    try:
        data = _yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        problems.append(f"{path}: not valid YAML: {e}")
        return []
    if not isinstance(data, list):
        problems.append(f"{path}: expected a list of questions")
        return []
    out = []
    for n, q in enumerate(data, 1):
        where = f"{path}: question {n} ({q.get('id', '?') if isinstance(q, dict) else '?'})"
        try:
            out.append(_question(q, slug))
        except (KeyError, TypeError, ValueError) as e:
            problems.append(f"{where}: {e}")
    return out


def _question(q: Any, slug: str) -> Question:
    if not isinstance(q, dict):
        raise TypeError("expected a mapping with id, prompt, options")
    missing = {"id", "prompt", "options"} - set(q)
    if missing:
        raise KeyError(f"missing {', '.join(sorted(missing))}")
    if not ID.match(str(q["id"])):
        raise ValueError(f"id {q['id']!r} must be kebab-case")
    opts = q["options"]
    if not isinstance(opts, list) or len(opts) != OPTIONS:
        raise ValueError("needs exactly four options")
    options = []
    for o in opts:
        if not isinstance(o, dict) or not o.get("text") or not o.get("explanation"):
            raise ValueError("every option needs text and an explanation")
        options.append(
            Option(
                inline_html(str(o["text"])),
                o.get("correct") is True,
                inline_html(str(o["explanation"])),
            )
        )
    if sum(o.correct for o in options) != 1:
        raise ValueError("needs exactly one option with correct: true")
    return Question(str(q["id"]), slug, inline_html(str(q["prompt"])), tuple(options))


def _glossary(folder: Path, problems: list[str]) -> list[Term]:
    path = folder / "glossary.yaml"
    if not path.exists():
        return []
    try:
        slug = folder.name.partition("-")[2]  # NN-slug; check() keeps it equal to the id
        return parse_terms(_yaml(path.read_text(encoding="utf-8")), slug, inline_html)
    except (ValueError, yaml.YAMLError) as e:
        problems.append(f"{path}: {e}")
        return []


def load_chapter(
    folder: Path, problems: list[str], glossary: Matcher | None = None
) -> Chapter | None:
    """Read one chapter folder; None (with problems noted) if it cannot be used."""
    path = folder / "chapter.md"
    text = path.read_text(encoding="utf-8")
    m = FRONT_MATTER.match(text)
    if not m:
        problems.append(f"{path}: missing front matter (--- ... ---)")
        return None
    meta = _yaml(m.group(1)) or {}
    missing = {"id", "number", "title", "subtitle"} - set(meta)
    if missing:
        problems.append(f"{path}: front matter lacks {', '.join(sorted(missing))}")
        return None
    body = text[m.end() :]
    try:
        body_html = to_html(body, glossary)
    except MathError as e:
        problems.append(f"{path}: {e}")
        return None
    sections = re.findall(r'<h2 id="([^"]+)">(.*?)</h2>', body_html)
    slug = str(meta["id"])
    questions = _questions(folder / "questions.yaml", slug, problems)
    prose = re.sub(r"\$\$.*?\$\$|\$[^$\n]*\$", " ", body, flags=re.S)
    prose = re.sub(r"^:::.*$", " ", prose, flags=re.M)  # directive lines are markup, not reading
    return Chapter(
        slug=slug,
        number=int(meta["number"]),
        title=str(meta["title"]),
        subtitle=str(meta["subtitle"]),
        segments=split_segments(body_html),
        questions=questions,
        sections=[(a, re.sub(r"<[^>]+>", "", h)) for a, h in sections],
        words=len(re.findall(r"[A-Za-z][A-Za-z'’-]*", prose)),
        source=path,
    )


def load_course(root: Path) -> Course:
    """Every chapter under `root/chapters`, sorted by number."""
    course = Course()
    folder = root / "chapters"
    if not folder.is_dir():
        course.problems.append(f"{folder}: no chapters folder")
        return course
    folders = sorted(p for p in folder.iterdir() if (p / "chapter.md").exists())
    for sub in folders:
        course.glossary += _glossary(sub, course.problems)
    course.glossary.sort(key=lambda t: t.term.lower())
    matcher = Matcher(course.glossary)
    for sub in folders:
        try:
            ch = load_chapter(sub, course.problems, matcher)
        except (OSError, yaml.YAMLError, ValueError) as e:
            course.problems.append(f"{sub}: {e}")
            continue
        if ch is not None:
            course.chapters.append(ch)
    course.chapters.sort(key=lambda c: c.number)
    return course
