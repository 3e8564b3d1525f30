"""decision_boundaries in real Chromium: panels and their figures, editing the data by mouse and
keyboard, preset links, restore defaults, the cost measurement, and the chapter's XOR claim as a
learner sees it."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

pytestmark = pytest.mark.browser

DB = "decision_boundaries"
ROOT = f'[data-key="{DB}"]'
NAMES = ["knn", "logistic", "linear_svm", "rbf_svm", "tree", "forest", "mlp"]


def frames(page: Any, root: str = ROOT) -> int:
    return int(page.get_attribute(root, "data-frame"))


def next_frame(page: Any, after: int, root: str = ROOT) -> None:
    page.wait_for_function(
        "([sel, n]) => Number(document.querySelector(sel).dataset.frame) > n", arg=[root, after]
    )


def accuracies(page: Any, root: str = ROOT) -> dict[str, tuple[float, float]]:
    out: dict[str, tuple[float, float]] = page.eval_on_selector_all(
        f"{root} [data-classifier]",
        """els => Object.fromEntries(els.map((e) => [e.dataset.classifier,
            [Number(e.dataset.trainAccuracy), Number(e.dataset.testAccuracy)]]))""",
    )
    return out


def query(page: Any) -> dict[str, list[str]]:
    page.wait_for_timeout(250)  # the URL is rewritten at most every 200 ms
    return parse_qs(urlparse(page.url).query)


def test_compare_view_has_seven_panels_with_accuracies(page: Any) -> None:
    page.goto(f"/sims/{DB}")
    next_frame(page, 0)
    acc = accuracies(page)
    assert list(acc) == NAMES
    for train, test in acc.values():
        assert 0.5 <= train <= 1 and 0.5 <= test <= 1
    page.select_option(f"#{DB}-view", "focus")
    page.wait_for_function(
        f"() => document.querySelectorAll('{ROOT} [data-classifier]').length === 1"
    )
    assert list(accuracies(page)) == ["knn"]


def test_clicks_add_and_remove_points_and_the_link_keeps_them(make_page: Any) -> None:
    page = make_page()
    page.goto(f"/sims/{DB}?{DB}.view=focus")
    next_frame(page, 0)
    canvas = page.locator(f"{ROOT} canvas.db-map")
    box = canvas.bounding_box()
    assert box is not None
    n = frames(page)
    page.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.3)
    next_frame(page, n)
    assert page.input_value(f"#{DB}-dataset") == "own"
    q = query(page)
    assert q[f"{DB}.dataset"] == ["own"]
    code = q[f"{DB}.points"][0]
    assert len(code) == 4 * 201  # the 200 generated points became the reader's, plus one
    n = frames(page)
    page.keyboard.down("Shift")
    page.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.3)
    page.keyboard.up("Shift")
    next_frame(page, n)
    assert len(query(page)[f"{DB}.points"][0]) == 4 * 200
    again = make_page()
    again.goto(page.url)
    next_frame(again, 0)
    assert accuracies(again) == accuracies(page)


def test_keyboard_cursor_adds_and_deletes(page: Any) -> None:
    page.goto(f"/sims/{DB}?{DB}.view=focus&{DB}.dataset=moons")
    next_frame(page, 0)
    page.focus(f"{ROOT} canvas.db-map")
    for key in ("ArrowRight", "ArrowRight", "ArrowUp"):
        page.keyboard.press(key)
    assert "Cursor" in page.inner_text(f'{ROOT} [data-role="readout"]')
    n = frames(page)
    page.keyboard.press("Enter")
    next_frame(page, n)
    assert len(query(page)[f"{DB}.points"][0]) == 4 * 201
    n = frames(page)
    page.keyboard.press("Delete")
    next_frame(page, n)
    assert len(query(page)[f"{DB}.points"][0]) == 4 * 200


def test_the_xor_embed_shows_the_chapters_claim(page: Any) -> None:
    """Degree-1 logistic regression cannot separate XOR; degree 2 can — as the page shows it."""
    page.goto("/chapters/classical-ml")
    xor = '[data-key="xor"]'
    next_frame(page, 0, xor)
    test = accuracies(page, xor)["logistic"][1]
    assert test <= 0.65
    n = frames(page, xor)
    page.fill("#xor-logreg_degree", "2")
    page.dispatch_event("#xor-logreg_degree", "input")
    next_frame(page, n, xor)
    assert accuracies(page, xor)["logistic"][1] >= 0.95
    assert query(page)["xor.logreg_degree"] == ["2"]


def test_a_preset_link_sets_the_sim_in_place_and_restore_brings_back_the_defaults(
    page: Any,
) -> None:
    page.goto("/chapters/classical-ml")
    next_frame(page, 0)
    page.evaluate("window.__same = true")  # survives only if the page is not reloaded
    n = frames(page)
    page.click('a[href*="decision_boundaries.classifier=tree"]')
    next_frame(page, n)
    page.wait_for_function(
        f"() => document.querySelectorAll('{ROOT} [data-classifier]').length === 1"
    )
    assert page.evaluate("window.__same") is True
    assert list(accuracies(page)) == ["tree"]
    assert page.input_value(f"#{DB}-dataset") == "circles"
    n = frames(page)
    page.click(f'{ROOT} [data-role="restore"]')
    next_frame(page, n)
    page.wait_for_function(
        f"() => document.querySelectorAll('{ROOT} [data-classifier]').length === 7"
    )
    assert not any(k.startswith(f"{DB}.") for k in query(page))


def test_bad_points_in_a_link_are_reported_and_the_page_works(page: Any) -> None:
    page.goto(f"/sims/{DB}?{DB}.dataset=own&{DB}.points=!!!!")
    assert "points" in page.inner_text(f"{ROOT} .sim-warning")
    next_frame(page, 0)
    r = page.request.post(f"/api/sims/{DB}", data={"points": [[9, 0, 0]]})
    assert r.status == 422 and r.json()["param"] == "points"
    assert "[-4, 4]" in r.json()["detail"]


def test_one_class_removed_says_what_is_missing(page: Any) -> None:
    pts = "AAAA"  # one point of class 0 at the corner
    page.goto(f"/sims/{DB}?{DB}.dataset=own&{DB}.points={pts}&{DB}.view=focus")
    next_frame(page, 0)
    text = page.inner_text(f"{ROOT} .db-stats")
    assert "both classes" in text or "training points" in text
    assert "NaN" not in page.inner_text(ROOT)


def test_measure_cost_shows_progress_then_a_chart(page: Any) -> None:
    page.goto(f"/sims/{DB}?{DB}.view=focus&{DB}.classifier=knn")
    next_frame(page, 0)
    page.click(f'{ROOT} [data-role="measure-cost"]')
    page.wait_for_function(
        f"() => document.querySelector('{ROOT} [data-role=\"measure-cost\"]').disabled === false"
        f" && !document.querySelector('{ROOT} .db-cost').hidden",
        timeout=60_000,
    )
    assert query(page)[f"{DB}.cost"] == ["5"]
    slopes = page.inner_text(f"{ROOT} .db-slopes")
    assert "k nearest neighbours" in slopes.lower() or "neighbours" in slopes
    assert page.locator(f"{ROOT} canvas.db-cost-chart").count() == 2


def test_a_refused_change_keeps_the_picture_and_says_why_next_to_the_control(
    page: Any, js_errors: Any
) -> None:
    js_errors.allow(r"status of 422")  # the refusal itself, logged by the browser
    page.goto("/chapters/neurons-and-layers")
    act = '[data-key="activations"]'
    next_frame(page, 0, act)
    page.wait_for_timeout(300)
    n = frames(page, act)
    page.evaluate(
        """() => { for (const [root, view] of window.deepbook.views)
            if (root.dataset.key === "activations") view.set({ z_min: 5, z_max: -5 }); }"""
    )
    note = page.locator(f"{act} .control-error")
    note.wait_for()
    assert "z_max" in note.inner_text()
    assert page.get_attribute("#activations-z_min", "aria-invalid") == "true"
    assert "Not updated" in page.inner_text(f'{act} [data-role="status"]')
    assert frames(page, act) == n  # the last good picture stays
    assert "activations.z_min" not in query(page)  # a refused value never reaches the URL
    page.evaluate(
        """() => { for (const [root, view] of window.deepbook.views)
            if (root.dataset.key === "activations") view.set({ z_min: -5, z_max: 5 }); }"""
    )
    next_frame(page, n, act)
    assert page.locator(f"{act} .control-error").count() == 0
