"""Course content: Markdown chapters and YAML question banks, loaded, rendered and checked."""

from deepbook.content.check import check
from deepbook.content.course import SLUGS
from deepbook.content.loader import Chapter, Course, Option, Question, Segment, load_course

__all__ = ["SLUGS", "Chapter", "Course", "Option", "Question", "Segment", "check", "load_course"]
