"""Course content: Markdown chapters and YAML question banks, loaded, rendered and checked."""

from deepbook.content.check import check
from deepbook.content.course import SLUGS
from deepbook.content.loader import (
    OPTIONS,
    Chapter,
    Course,
    Option,
    Question,
    Segment,
    load_course,
)

__all__ = [
    "OPTIONS",
    "SLUGS",
    "Chapter",
    "Course",
    "Option",
    "Question",
    "Segment",
    "check",
    "load_course",
]
