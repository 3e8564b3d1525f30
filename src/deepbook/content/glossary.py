"""The glossary: terms defined once (in the chapter that introduces them), linked at first use.

Each chapter folder may hold `glossary.yaml`, a list of {term, aliases?, definition}. When a
chapter is rendered, the first use of each term (or an alias) in its prose — not in headings,
links, code or math — becomes a link to `/glossary#term-<id>` that carries the definition.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token


@dataclass(frozen=True)
class Term:
    """One glossary entry."""

    id: str
    term: str
    aliases: tuple[str, ...]
    definition: str  # HTML
    text: str  # the definition as plain text (for the link's tooltip)
    chapter: str

    @property
    def forms(self) -> tuple[str, ...]:
        return (self.term, *self.aliases)


def term_id(term: str) -> str:
    """A stable anchor id for a term: lower case, words joined by hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", term.lower()).strip("-")


class Matcher:
    """Finds glossary terms in text, longest form first, whole words only, any case."""

    def __init__(self, terms: Iterable[Term]) -> None:
        self.by_form: dict[str, Term] = {}
        for t in terms:
            for form in t.forms:
                self.by_form.setdefault(form.lower(), t)
        forms = sorted(self.by_form, key=len, reverse=True)
        alternation = "|".join(re.escape(f) for f in forms) or r"(?!x)x"
        self.pattern = re.compile(rf"(?<![\w-])({alternation})(?![\w-])", re.IGNORECASE)

    def find(self, text: str) -> Iterable[tuple[int, int, Term]]:
        for m in self.pattern.finditer(text):
            yield m.start(), m.end(), self.by_form[m.group(1).lower()]


def _link(children: list[Token], text: str, term: Term) -> None:
    a = Token("link_open", "a", 1)
    a.attrs = {
        "href": f"/glossary#term-{term.id}",
        "class": "term",
        "data-term": term.id,
        "title": term.text,
    }
    children += [a, _text(text), Token("link_close", "a", -1)]


def _text(content: str) -> Token:
    t = Token("text", "", 0)
    t.content = content
    return t


def link_terms(state: StateCore) -> None:
    """Core rule: link the first use of each term in this render (env: matcher, seen)."""
    matcher: Matcher | None = state.env.get("glossary")
    if matcher is None:
        return
    seen: set[str] = state.env.setdefault("glossary_seen", set())
    in_heading = False  # headings and table headers are labels, not prose
    for block in state.tokens:
        if block.type in ("heading_open", "th_open"):
            in_heading = True
        elif block.type in ("heading_close", "th_close"):
            in_heading = False
        if block.type != "inline" or in_heading or not block.children:
            continue
        out: list[Token] = []
        depth = 0  # inside a link
        for tok in block.children:
            depth += tok.type == "link_open"
            depth -= tok.type == "link_close"
            if tok.type != "text" or depth:
                out.append(tok)
                continue
            pos = 0
            for start, end, term in matcher.find(tok.content):
                if term.id in seen:
                    continue
                seen.add(term.id)
                if start > pos:
                    out.append(_text(tok.content[pos:start]))
                _link(out, tok.content[start:end], term)
                pos = end
            if pos == 0:
                out.append(tok)
            elif pos < len(tok.content):
                out.append(_text(tok.content[pos:]))
        block.children = out


def glossary_plugin(md: MarkdownIt) -> None:
    """Install the term-linking rule (it acts only when a render passes a matcher in env)."""
    md.core.ruler.push("glossary", link_terms)


def parse_terms(data: Any, chapter: str, render: Any) -> list[Term]:
    """Terms from one chapter's glossary.yaml content; raises ValueError on a malformed entry."""
    if not isinstance(data, list):
        raise ValueError("expected a list of {term, aliases, definition}")
    out = []
    for n, entry in enumerate(data, 1):
        if not isinstance(entry, dict) or not entry.get("term") or not entry.get("definition"):
            raise ValueError(f"entry {n}: needs a term and a definition")
        aliases = entry.get("aliases") or []
        if not isinstance(aliases, list) or not all(isinstance(a, str) and a for a in aliases):
            raise ValueError(f"entry {n} ({entry['term']}): aliases must be a list of strings")
        definition = render(str(entry["definition"]))
        text = html.unescape(re.sub(r"<[^>]+>", "", definition))
        out.append(
            Term(
                term_id(str(entry["term"])),
                str(entry["term"]),
                tuple(aliases),
                definition,
                " ".join(text.split()),
                chapter,
            )
        )
    return out
