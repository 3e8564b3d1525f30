"""Markdown → HTML for chapters: CommonMark + tables, LaTeX → MathML, and four `:::` directives.

    ::: insight Optional title        a highlighted key-insight callout
    ::: sim <id> [key=<key>] [<param>=<value> ...]
                                      embeds a simulation; its body is the "what to try" text
    ::: figure <id>                   a figure computed by deepbook/figures; its body is the caption
    ::: question <id>                 places one of the chapter's questions here (empty body)

A sim directive renders as the marker `<!--sim:<id> key=... a=b-->` followed by its intro HTML
inside `<div class="sim-intro">`; the loader splits chapters on these markers. `key` tells two
embeds of one sim apart (element ids, URL keys `<key>.<param>`); the other pairs are the embed's
preset values, which stand in for the sim's defaults there. A link whose href is a query
(`[try k = 1](?knn.k=1)`) sets an embedded sim on the same page to those values.
"""

from __future__ import annotations

import functools
import html
import re
from typing import Any

from latex2mathml.converter import convert as latex_to_mathml
from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.front_matter import front_matter_plugin

from deepbook.content.glossary import Matcher, glossary_plugin
from deepbook.content.mathml import finish
from deepbook.figures import FIGURES, THEMES

SIM_MARKER = re.compile(r"<!--sim:(.*?)-->")


class MathError(ValueError):
    """A LaTeX snippet latex2mathml could not convert."""


def render_math(latex: str, options: dict[str, Any]) -> str:
    """LaTeX → MathML, display or inline."""
    return _mathml(latex, "block" if options.get("display_mode") else "inline")


@functools.lru_cache(maxsize=4096)
def _mathml(latex: str, display: str) -> str:
    """One snippet's MathML, made once: the course repeats many (x, K, η), and the start-up
    renders every chapter."""
    try:
        return finish(str(latex_to_mathml(latex, display=display)), latex)
    except Exception as e:  # latex2mathml raises many kinds of errors
        raise MathError(f"cannot convert LaTeX {latex!r}: {e}") from e


def _render_insight(self: Any, tokens: list[Token], idx: int, _o: Any, _e: Any) -> str:
    tok = tokens[idx]
    if tok.nesting != 1:
        return "</div></aside>\n"
    title = tok.info.strip()[len("insight") :].strip() or "Key insight"
    return (
        '<aside class="insight" data-role="insight" aria-label="Key insight">'
        f'<p class="insight-title">{html.escape(title)}</p><div class="insight-body">\n'
    )


WIDE = 440  # px: wider, and at a phone's 360 px its 12-13 px text would shrink below 10 px


def _render_figure(self: Any, tokens: list[Token], idx: int, _o: Any, _e: Any) -> str:
    """`::: figure <id>`: both themes' pictures (the page shows the one that fits) and the body
    as the caption. An unknown id renders as an empty figure that `check` reports."""
    tok = tokens[idx]
    if tok.nesting != 1:
        return "</figcaption></figure>\n"
    fid = tok.info.strip()[len("figure") :].strip()
    fig = FIGURES.get(fid)
    if fig is None:
        return f'<figure class="figure" data-figure="{html.escape(fid)}"><figcaption>\n'
    # a wide figure keeps its text readable on a phone by scrolling sideways (see the CSS)
    wide = " fig-wide" if fig.width >= WIDE else ""
    imgs = "".join(
        f'<img class="fig-{theme}{wide}" src="/figures/{fig.id}-{theme}.{fig.ext}" '
        f'width="{fig.width}" height="{fig.height}" alt="{html.escape(fig.alt)}" loading="lazy">'
        for theme in THEMES
    )
    return (
        f'<figure class="figure" data-figure="{fig.id}">'
        f'<div class="figure-scroll">{imgs}</div><figcaption>\n'
    )


QUESTION_SLOT = re.compile(r'<div class="question-slot" data-question="([^"]*)"></div>\n?')


def _render_question(self: Any, tokens: list[Token], idx: int, _o: Any, _e: Any) -> str:
    """`::: question <id>` (empty body): where the page puts that question of the chapter's bank,
    right after the section it tests; the bank at the end keeps the others."""
    tok = tokens[idx]
    if tok.nesting != 1:
        return "</div>\n"
    qid = html.escape(tok.info.strip()[len("question") :].strip())
    return f'<div class="question-slot" data-question="{qid}">'


def _render_sim(self: Any, tokens: list[Token], idx: int, _o: Any, _e: Any) -> str:
    tok = tokens[idx]
    if tok.nesting != 1:
        return "</div>\n"
    info = tok.info.strip()[len("sim") :].strip()  # anything: check() reports unknown ids
    return f'<!--sim:{html.escape(info).replace("--", "")}-->\n<div class="sim-intro">\n'


def _table_open(self: Any, tokens: list[Token], idx: int, options: Any, env: Any) -> str:
    # a wide table scrolls sideways inside its wrapper; the page marks the ones that overflow
    return '<div class="table-scroll">' + str(self.renderToken(tokens, idx, options, env))


def _table_close(self: Any, tokens: list[Token], idx: int, options: Any, env: Any) -> str:
    return str(self.renderToken(tokens, idx, options, env)) + "</div>\n"


def make_parser() -> MarkdownIt:
    """The one Markdown parser configuration every chapter and question uses."""
    md = MarkdownIt("commonmark", {"typographer": True}).enable(
        ["table", "replacements", "smartquotes"]
    )
    md.use(front_matter_plugin)
    md.use(dollarmath_plugin, renderer=render_math, allow_digits=False)
    md.use(container_plugin, name="insight", render=_render_insight)
    md.use(container_plugin, name="sim", render=_render_sim)
    md.use(container_plugin, name="figure", render=_render_figure)
    md.use(container_plugin, name="question", render=_render_question)
    md.use(anchors_plugin, min_level=2, max_level=3)
    md.use(glossary_plugin)
    md.add_render_rule("table_open", _table_open)
    md.add_render_rule("table_close", _table_close)
    return md


_PARSER = make_parser()


def to_html(text: str, glossary: Matcher | None = None) -> str:
    """Render a Markdown block (front matter is dropped), linking first uses of glossary terms."""
    return str(_PARSER.render(text, {"glossary": glossary} if glossary else None))


def inline_html(text: str) -> str:
    """Render a short Markdown fragment without the wrapping paragraph."""
    return str(_PARSER.renderInline(text))
