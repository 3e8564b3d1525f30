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


def test_the_graph_figure_is_the_chapters_worked_example_by_autograd():
    """Chapter 3's table: z = 0.5, h = 0.5, s = 1.5, L = 0.125; ∂L/∂w₂ = 0.25, ∂L/∂w₁ = 3,
    ∂L/∂b = 1.5 (closed forms: ∂L/∂s = s − t, ∂L/∂h = w₂(s − t), ∂L/∂z = ∂L/∂h for z > 0)."""
    v = values()
    assert [v[k][0] for k in ("z = w₁x + b", "h = ReLU(z)", "s = w₂h", "L = ½(s − t)²")] == [
        0.5, 0.5, 1.5, 0.125
    ]  # fmt: skip
    assert v["s = w₂h"][1] == 0.5 and v["h = ReLU(z)"][1] == 1.5 and v["z = w₁x + b"][1] == 1.5
    assert v["w₂"][1] == 0.25 and v["w₁"][1] == 3.0 and v["b"][1] == 1.5
    svg = FIGURES["computational-graph"].draw("dark").decode()
    assert "∂L/∂· = 3</text>" in svg and "∂L/∂· = 0.25</text>" in svg


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


def test_the_creases_figure_is_the_trained_playgrounds_own():
    """The shading is the trained network's own decision (it agrees with the engine's map),
    each line is a first-layer unit's w·x + b = 0, and the accuracy printed is the engine's."""
    import numpy as np

    from deepbook.sims import get as sim

    svg = FIGURES["trained-creases"].draw("light").decode()
    engine = sim("playground").start({"layers": "8", "activation": "relu", "seed": 0})
    while not engine.done and engine.steps < 3000:
        engine.step(50)
    meta = engine.snapshot().meta
    assert f"{meta['epoch']} epochs: {100 * meta['train_accuracy']:.1f} % of" in svg
    first = engine.net.mats[0]  # rows x1, x2, bias; one column per hidden unit
    lines = re.findall(r'<line x1="([\d.]+)" y1="([\d.]+)" x2="([\d.]+)" y2="([\d.]+)"', svg)
    assert len(lines) == 8
    size, pad, (lo, hi) = FIGURES["trained-creases"].height - 40, 8, meta["extent"]
    for j, coords in enumerate(lines):
        x0, y0, x1, y1 = (float(v) for v in coords)
        for px, py in ((x0, y0), (x1, y1)):
            x = lo + (px - pad) / size * (hi - lo)
            y = hi - (py - pad) / size * (hi - lo)
            assert (
                abs(first[0, j] * x + first[1, j] * y + first[2, j])
                < 0.05 * np.abs(first[:, j]).sum()
            )


def test_the_collapse_figure_prints_torchs_product():
    import torch

    svg = FIGURES["linear-collapse"].draw("dark").decode()
    g = torch.Generator().manual_seed(2)
    w1 = torch.randn(3, 2, generator=g).round(decimals=1)
    b1 = torch.randn(3, generator=g).round(decimals=1)
    w2 = torch.randn(2, 3, generator=g).round(decimals=1)
    b2 = torch.randn(2, generator=g).round(decimals=1)
    for v in [*(w2 @ w1).flatten().tolist(), *(w2 @ b1 + b2).tolist()]:
        assert f">{v:.2f}<".replace("-", "−") in svg
    assert re.search(r"differ by at most \d\.\d × 10⁻[⁰¹²³⁴⁵⁶⁷⁸⁹]+", svg)


def test_the_step_size_figure_matches_the_chapters_numbers():
    """Chapter 3: after 20 steps from w = 1 on λ = 50, η = 0.039 leaves w ≈ 0.36 and η = 0.05
    gives (−1.5)^20 ≈ 3325; η = 1/λ lands on 0; each step multiplies w by 1 − ηλ."""
    svg = FIGURES["step-sizes"].draw("light").decode()
    assert f"→ {abs(1 - 0.039 * 50) ** 20:.3g}<" in svg and "→ 0.358<" in svg
    assert f"→ {1.5**20:,.0f}<" in svg and "→ 3,325<" in svg
    assert "× 0.00 a step → 0<" in svg
    assert "× 0.50 a step → 9.5 × 10⁻⁷<" in svg  # 0.5^20
