"""Questions that don't give themselves away: in no chapter may the right answer be the longest
option in more than a third of the questions whose options are sentences (a learner who always
picks the longest option must not pass)."""

import html
import re

import pytest

from deepbook.content import load_course
from deepbook.settings import Settings

COURSE = load_course(Settings().content_dir)
TAG = re.compile(r"<[^>]+>")


def text(option_html: str) -> str:
    """What a reader sees of an option: tags stripped, math as its characters."""
    return " ".join(html.unescape(TAG.sub(" ", option_html)).split())


def is_sentences(options: list[str]) -> bool:
    """Options that are phrases (four words or more each), not numbers or formulas."""
    return all(len(o.split()) >= 4 for o in options)


def longest_is_right(q) -> bool:
    lengths = [len(text(o.html)) for o in q.options]
    right = lengths[q.answer]
    return all(right > n for i, n in enumerate(lengths) if i != q.answer)


@pytest.mark.parametrize("chapter", COURSE.chapters, ids=lambda c: c.slug)
def test_the_right_answer_is_not_usually_the_longest(chapter):
    sentences = [q for q in chapter.questions if is_sentences([text(o.html) for o in q.options])]
    giveaways = [q.id for q in sentences if longest_is_right(q)]
    assert len(giveaways) <= len(sentences) / 3, (
        f"{chapter.slug}: the right answer is the longest option in {len(giveaways)} of "
        f"{len(sentences)} questions: {', '.join(giveaways)}"
    )
