"""The course content: the real chapters pass every check, and broken content is caught."""

import re
import textwrap

import pytest
import yaml

from deepbook.content import SLUGS, check, load_course
from deepbook.models import MODELS
from deepbook.settings import Settings
from deepbook.sims import REGISTRY

COURSE = load_course(Settings().content_dir)  # DEEPBOOK_CONTENT_DIR may point elsewhere


def test_the_shipped_content_has_no_problems():
    assert check(COURSE, REGISTRY, MODELS) == []
    slugs = [c.slug for c in COURSE.chapters]
    assert {"neurons-and-layers", "backpropagation"} <= set(slugs)
    assert slugs == [s for s in SLUGS if s in slugs]  # in course order


def test_every_simulation_is_embedded_in_its_own_chapter():
    for spec in REGISTRY.values():
        ch = COURSE.chapter(spec.chapter)
        assert ch is not None, spec.id
        assert spec.id in [s.sim for s in ch.segments if s.kind == "sim"]


@pytest.mark.parametrize("ch", COURSE.chapters, ids=lambda c: c.slug)
def test_chapters_have_every_part(ch):
    assert 900 <= ch.words <= 2400, ch.words
    titles = [t for _, t in ch.sections]
    assert titles[-2:] == ["Summary", "Further reading"]
    html = "".join(s.html for s in ch.segments)
    assert "<table>" in html and "<math" in html
    assert len(ch.questions) >= 4


@pytest.mark.parametrize("ch", COURSE.chapters, ids=lambda c: c.slug)
def test_questions_have_four_options_one_answer_and_every_explanation(ch):
    for q in ch.questions:
        assert len(q.options) == 4
        assert sum(o.correct for o in q.options) == 1
        assert all(o.explanation.strip() for o in q.options)


def test_right_answers_are_not_always_in_the_same_place():
    positions = {q.answer for c in COURSE.chapters for q in c.questions}
    assert len(positions) >= 3


def _write(root, slug="neurons-and-layers", number=2, body=None, questions=None):
    folder = root / "chapters" / f"{number:02d}-{slug}"
    folder.mkdir(parents=True)
    body = body or textwrap.dedent("""
        Opening paragraph with $x^2$.

        ::: insight
        The point.
        :::

        ## Summary
        - done

        ## Further reading
        - a paper
    """)
    front = f"---\nid: {slug}\nnumber: {number}\ntitle: T\nsubtitle: S\n---\n"
    (folder / "chapter.md").write_text(front + body)
    option = {"text": "a", "explanation": "because"}
    good = [
        {
            "id": f"{slug}-q{i}",
            "prompt": f"Q{i}?",
            "options": [dict(option, correct=True)] + [option] * 3,
        }
        for i in range(4)
    ]
    (folder / "questions.yaml").write_text(yaml.safe_dump(good if questions is None else questions))
    return root


def test_a_minimal_valid_chapter_passes(tmp_path):
    assert check(load_course(_write(tmp_path)), REGISTRY) == []


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"body": "No insight.\n\n## Summary\n\n## Further reading\n"}, "exactly one ::: insight"),
        ({"body": "Hi.\n\n::: insight\nx\n:::\n\n## Summary\n"}, "'## Further reading'"),
        (
            {"body": "## Heading first\n\n::: insight\nx\n:::\n## Summary\n## Further reading\n"},
            "must open with a paragraph",
        ),
        ({"body": "Hi $\\frac{1}{$.\n"}, "cannot convert LaTeX"),
        ({"body": "Hi.\n\n::: sim nope\nx\n:::\n"}, "unknown simulation 'nope'"),
        ({"body": "Hi.\n\n::: sim Gradient-Descent\nx\n:::\n"}, "'Gradient-Descent'"),
        ({"body": "Hi.\n\n::: sim activations depth=99\nx\n:::\n"}, "between 1 and 50"),
        ({"body": "Hi.\n\n::: sim activations dept=9\nx\n:::\n"}, "'dept' is not a parameter"),
        (
            {"body": "Hi.\n\n::: sim activations\nx\n:::\n\n::: sim activations\ny\n:::\n"},
            "share the key 'activations'",
        ),
        ({"body": "Hi [try](?act.depth=3).\n\n::: sim activations\nx\n:::\n"}, "'act'"),
        ({"body": "Hi [try](?activations.depth=0).\n\n::: sim activations\nx\n:::\n"}, "between"),
        ({"number": 5}, "must be number 2"),
        ({"questions": []}, "at least 4 are needed"),
        ({"questions": [{"id": "x", "prompt": "p", "options": []}]}, "exactly four options"),
        ({"questions": "nope"}, "expected a list of questions"),
        ({"questions": [{"id": "Bad Id", "prompt": "p", "options": []}]}, "kebab-case"),
        (
            {
                "questions": [
                    {
                        "id": "a-b",
                        "prompt": "p",
                        "options": [{"text": "t", "explanation": "e", "correct": True}] * 4,
                    }
                ]
            },
            "exactly one option",
        ),
        (
            {
                "questions": [
                    {
                        "id": "a-b",
                        "prompt": "p",
                        "options": [{"text": "t", "correct": True}] + [{"text": "t"}] * 3,
                    }
                ]
            },
            "needs text and an explanation",
        ),
    ],
)
def test_broken_content_is_reported(tmp_path, kwargs, expected):
    problems = check(load_course(_write(tmp_path, **kwargs)), REGISTRY)
    assert any(expected in p for p in problems), problems


def test_keyed_embeds_presets_and_preset_links_load_and_pass(tmp_path):
    body = textwrap.dedent("""
        Hi. Try [three layers](?deep.depth=3&deep.probe=-1) or [one](?activations.depth=1).

        ::: sim activations
        x
        :::

        ::: sim activations key=deep depth=40 functions=sigmoid,relu
        y
        :::

        ::: insight
        The point.
        :::

        ## Summary
        - done

        ## Further reading
        - a paper
    """)
    course = load_course(_write(tmp_path, body=body))
    assert check(course, REGISTRY, MODELS) == []
    sims = [s for s in course.chapters[0].segments if s.kind == "sim"]
    assert [(s.sim, s.key, s.preset) for s in sims] == [
        ("activations", "activations", ()),
        ("activations", "deep", (("depth", "40"), ("functions", "sigmoid,relu"))),
    ]


def test_duplicate_question_ids_across_chapters_are_reported(tmp_path):
    _write(tmp_path)
    _write(tmp_path, slug="backpropagation", number=3)
    ids = {q.id for c in load_course(tmp_path).chapters for q in c.questions}
    assert len(ids) == 8
    folder = tmp_path / "chapters" / "03-backpropagation" / "questions.yaml"
    folder.write_text(folder.read_text().replace("backpropagation-q0", "neurons-and-layers-q0"))
    problems = check(load_course(tmp_path), REGISTRY)
    assert any("'neurons-and-layers-q0' is used 2 times" in p for p in problems)


def test_math_renders_to_mathml_with_display_blocks():
    html = "".join(s.html for s in COURSE.chapters[0].segments)
    assert re.search(r'<math display="block"', html)
    assert "$" not in re.sub(r"<math.*?</math>", "", html, flags=re.S)


def test_every_formula_has_a_name_a_screen_reader_can_say():
    """An accessible name on every <math> (so quiz options and table headers made of math are
    not blank), thin spaces after function names, primes as operators."""
    pages = [s.html for c in COURSE.chapters for s in c.segments]
    pages += [o.html for c in COURSE.chapters for q in c.questions for o in q.options]
    formulas = [m for page in pages for m in re.findall(r"<math\b[^>]*>", page)]
    assert len(formulas) > 300
    for tag in formulas:
        label = re.search(r'aria-label="([^"]*)"', tag)
        assert label and label.group(1).strip(), tag
        assert re.search(r'alttext="[^"]+"', tag), tag
    from deepbook.content.markdown import render_math

    assert 'aria-label="KL = 1/2 ∑_j (μ_j^2 + σ_j^2 − 1 − log σ_j^2)"' in render_math(
        r"KL = \frac{1}{2}\sum_{j}\left(\mu_j^{2} + \sigma_j^{2} - 1 - \log\sigma_j^{2}\right)", {}
    )
    assert "<mi>tanh</mi><mspace" in render_math(r"\tanh z", {})
    assert "<mi>log</mi><mspace" in render_math(r"\log 0.659", {})
    assert "<mi>log</mi><mo" in render_math(r"\log(x)", {})  # no space before a parenthesis
    assert '<mi>f</mi><mo lspace="0" rspace="0">′</mo>' in render_math("f'(x)", {})


def test_slugs_are_the_ten_of_the_brief():
    assert len(SLUGS) == 10 and SLUGS[2] == "neurons-and-layers" and SLUGS[9] == "connections"
