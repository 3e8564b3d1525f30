"""Figures computed by real code: every one draws in both themes, its numbers agree with closed
forms and with the chapter's own table, `check` catches unknown or uncaptioned figures, and the
server serves them."""

import re
import xml.etree.ElementTree as ET
from html import escape as html_escape

import pytest

from deepbook.content import check, load_course
from deepbook.content.markdown import to_html
from deepbook.figures import FIGURES, THEMES
from deepbook.figures.diffusion import alpha_bar
from deepbook.figures.graphs import values
from deepbook.settings import Settings

SVG = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize("fid", list(FIGURES))
@pytest.mark.parametrize("theme", THEMES)
def test_every_figure_draws_in_both_themes(fid, theme):
    fig = FIGURES[fid]
    data = fig.draw(theme)
    assert fig.alt.strip() and len(fig.alt) > 40
    if fig.kind == "svg":
        root = ET.fromstring(data)
        assert root.tag == f"{SVG}svg"
        assert root.get("viewBox") == f"0 0 {fig.width} {fig.height}"
        assert root.find(f"{SVG}title") is not None
    else:
        assert data[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_themes_differ_only_in_colour():
    light = FIGURES["activation-curves"].draw("light").decode()
    dark = FIGURES["activation-curves"].draw("dark").decode()
    assert light != dark
    strip = lambda s: re.sub(r"#[0-9a-f]{6}", "", s)  # noqa: E731
    assert strip(light) == strip(dark)


def test_the_diffusion_figure_uses_the_chapters_schedule():
    """The chapter's table (DDPM: β from 1e-4 to 0.02 over 1,000 steps) from the same ᾱ."""
    table = {100: 0.897, 250: 0.524, 500: 0.0786}
    for t, want in table.items():
        assert alpha_bar(t) == pytest.approx(want, rel=2e-3)
    svg = FIGURES["forward-diffusion"].draw("light").decode()
    assert f"√ᾱ = {alpha_bar(100) ** 0.5:.3f}" in svg and "√ᾱ = 0.947" in svg
    assert "√(1−ᾱ) = 0.960" in svg  # step 500, as in the table


def test_the_graph_figure_is_autograds_gradients():
    v = values()
    r = 2 * 3 + 1 - 4  # w·x + b − y at the figure's values
    assert v["L = r²"][0] == r**2
    assert v["w"][1] == 2 * r * 3 and v["x"][1] == 2 * r * 2  # ∂L/∂w = 2r·x, ∂L/∂x = 2r·w
    assert v["b"][1] == 2 * r and v["y"][1] == -2 * r
    assert "∂L/∂· = 18" in FIGURES["computational-graph"].draw("dark").decode()


def test_a_figure_renders_both_themes_with_alt_text_and_caption():
    html = to_html("::: figure two-spirals\nThe data.\n:::\n")
    fig = FIGURES["two-spirals"]
    for theme in THEMES:
        assert f'src="/figures/two-spirals-{theme}.svg"' in html
    assert html.count(f'alt="{html_escape(fig.alt)}"') == 2
    assert "<figcaption>\n<p>The data.</p>\n</figcaption>" in html


def test_check_reports_unknown_and_uncaptioned_figures(tmp_path):
    course = load_course(Settings().content_dir)
    ch = course.chapters[0]
    from dataclasses import replace

    from deepbook.content.loader import Segment

    bad = Segment("html", to_html("::: figure no-such-figure\nA caption.\n:::\n"))
    bare = Segment("html", to_html("::: figure two-spirals\n:::\n"))
    course.chapters[0] = replace(ch, segments=[*ch.segments, bad, bare])
    problems = check(course, [])
    assert any("unknown figure 'no-such-figure'" in p for p in problems)
    assert any("figure 'two-spirals' has no caption" in p for p in problems)
