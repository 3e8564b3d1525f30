"""Glossary terms: defined once, linked at their first use in each chapter, never inside code,
math, links or headings; internal links in chapters resolve."""

import re
import textwrap

import yaml

from deepbook.content import check, load_course
from deepbook.content.glossary import Matcher, Term
from deepbook.content.markdown import to_html
from deepbook.settings import Settings
from deepbook.sims import REGISTRY

COURSE = load_course(Settings().content_dir)  # DEEPBOOK_CONTENT_DIR may point elsewhere


def _terms(*specs):
    return [Term(t.replace(" ", "-"), t, tuple(a), "d", "d", "x") for t, *a in specs]


def test_first_use_only_whole_words_longest_form_first():
    m = Matcher(_terms(("gradient", "gradients"), ("gradient descent",), ("parameter",)))
    html = to_html(
        "Gradient descent follows gradients. A gradient again.\n\n"
        "Hyperparameter is not a parameter's cousin, a `gradient` in code, $gradient$ in math.\n",
        m,
    )
    links = re.findall(r'data-term="([^"]+)"[^>]*>([^<]+)</a>', html)
    assert links == [
        ("gradient-descent", "Gradient descent"),
        ("gradient", "gradients"),
        ("parameter", "parameter"),
    ]
    assert "Hyperparameter is not" in html  # no match inside a longer word


def test_no_links_in_headings_or_existing_links():
    m = Matcher(_terms(("layer", "layers")))
    html = to_html(
        "## Layers first\n\n| layers |\n|---|\n| x |\n\nSee [the layers](/x), then layers.\n", m
    )
    assert re.findall(r'data-term="layer"[^>]*>([^<]+)<', html) == ["layers"]
    assert html.count('data-term="layer"') == 1
    assert '<a href="/x">the layers</a>' in html


def test_the_shipped_glossary_is_consistent_and_every_term_is_linked():
    ids = [t.id for t in COURSE.glossary]
    assert len(ids) == len(set(ids)) >= 20
    html = "".join(s.html for c in COURSE.chapters for s in c.segments)
    for t in COURSE.glossary:
        assert f'data-term="{t.id}"' in html, t.term
    for ch in COURSE.chapters:
        linked = re.findall(r'data-term="([^"]+)"', "".join(s.html for s in ch.segments))
        assert len(linked) == len(set(linked)), ch.slug  # once per chapter


def _chapter(root, folder, slug, number, body, terms):
    d = root / "chapters" / folder
    d.mkdir(parents=True)
    front = f"---\nid: {slug}\nnumber: {number}\ntitle: T\nsubtitle: S\n---\n"
    skeleton = "\n\n::: insight\nx\n:::\n\n## Summary\n- s\n\n## Further reading\n- r\n"
    (d / "chapter.md").write_text(front + body + skeleton)
    opt = {"text": "a", "explanation": "b"}
    qs = [
        {
            "id": f"{slug}-{i}",
            "prompt": f"{slug} {i}?",
            "options": [dict(opt, correct=True), opt, opt, opt],
        }
        for i in range(4)
    ]
    (d / "questions.yaml").write_text(yaml.safe_dump(qs))
    if terms is not None:
        (d / "glossary.yaml").write_text(yaml.safe_dump(terms))


def test_broken_glossaries_and_links_are_reported(tmp_path):
    used = [{"term": "weight", "definition": "w"}, {"term": "unused", "definition": "u"}]
    body = textwrap.dedent("""
        A weight. See [a](/chapters/backpropagation), [b](/chapters/nope), [c](/glossary#term-x),
        [d](/sims/activations), [e](/chapters/neurons-and-layers#summary), [f](/elsewhere),
        [g](/models/digits_cnn), [h](/models) and [i](/models/resnet).
    """)
    _chapter(tmp_path, "02-neurons-and-layers", "neurons-and-layers", 2, body, used)
    _chapter(
        tmp_path,
        "03-backpropagation",
        "backpropagation",
        3,
        "Hi weight.",
        [{"term": "weight", "definition": "again"}, {"term": "bad"}],
    )
    problems = "\n".join(check(load_course(tmp_path), REGISTRY, ["digits_cnn"]))
    assert "term 'unused' (neurons-and-layers) is never used" in problems
    assert "entry 2: needs a term and a definition" in problems
    assert "link to /chapters/nope does not resolve" in problems
    assert "link to /glossary#term-x does not resolve" in problems
    assert "link to /elsewhere does not resolve" in problems
    assert "link to /models/resnet does not resolve" in problems
    assert "/models/digits_cnn does" not in problems and "/models does" not in problems
    for fine in ("/chapters/backpropagation ", "/sims/activations", "#summary"):
        assert f"{fine} does not" not in problems


def test_a_term_defined_in_two_chapters_is_reported(tmp_path):
    term = [{"term": "weight", "definition": "w"}]
    _chapter(tmp_path, "02-neurons-and-layers", "neurons-and-layers", 2, "A weight.", term)
    _chapter(tmp_path, "03-backpropagation", "backpropagation", 3, "A weight.", term)
    assert "glossary term 'weight' is defined 2 times" in check(load_course(tmp_path), REGISTRY)
