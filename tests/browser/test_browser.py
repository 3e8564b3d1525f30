"""Pages, math, simulations and URL state in real Chromium against a real `deepbook serve`.

Elements are found by the DOM contract (`data-sim`, `data-frame`, `data-action`, `data-role`);
waits are on `data-frame` values, never on fixed sleeps. Run with `pytest -m browser`.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

pytestmark = pytest.mark.browser

CHAPTERS = ("neurons-and-layers", "backpropagation")
SIMS = ("activations", "gradient_descent")


def root(sim: str) -> str:
    return f'[data-sim="{sim}"]'


def frame(page: Any, sim: str) -> int:
    """How many pictures the sim has drawn so far."""
    return int(page.get_attribute(root(sim), "data-frame"))


def wait_frame(page: Any, sim: str, at_least: int) -> int:
    """Wait until the sim has drawn at least `at_least` pictures; return the count."""
    page.wait_for_function(
        '([s, n]) => Number(document.querySelector(`[data-sim="${s}"]`)?.dataset.frame) >= n',
        arg=[sim, at_least],
    )
    return frame(page, sim)


def settle(page: Any, sim: str, quiet_ms: int = 300) -> int:
    """Wait until no new frame has been drawn for `quiet_ms`; return the count."""
    count: int = page.evaluate(
        """async ([s, quiet]) => {
            const el = document.querySelector(`[data-sim="${s}"]`);
            let last = el.dataset.frame, t = performance.now();
            while (performance.now() - t < quiet) {
                await new Promise((r) => setTimeout(r, 20));
                if (el.dataset.frame !== last) { last = el.dataset.frame; t = performance.now(); }
            }
            return Number(last);
        }""",
        [sim, quiet_ms],
    )
    return count


def canvas_url(page: Any, selector: str) -> str:
    url: str = page.eval_on_selector(selector, "c => c.toDataURL()")
    return url


def query(page: Any) -> dict[str, list[str]]:
    """The page URL's query, once the view has written its latest state (at most every 200 ms)."""
    page.wait_for_timeout(250)
    return parse_qs(urlparse(page.url).query)


def output(page: Any, sim: str, name: str) -> str:
    text: str = page.inner_text(f'{root(sim)} output[data-role="out-{name}"]')
    return text.strip()


# ---- pages and math -------------------------------------------------------------------------


def test_contents_lists_both_chapters(page: Any) -> None:
    page.goto("/")
    links = page.locator("ol.toc a")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    for slug in CHAPTERS:
        assert f"/chapters/{slug}" in hrefs
        item = page.locator(f'.toc-item[data-chapter="{slug}"]')
        assert item.locator("a .t").inner_text().strip()
    page.click('a[href="/chapters/neurons-and-layers"]')
    page.wait_for_url("**/chapters/neurons-and-layers")
    assert page.locator("article.chapter h1").inner_text().strip()


def test_chapter_renders_mathml_and_sim(page: Any) -> None:
    page.goto("/chapters/neurons-and-layers")
    assert page.locator("math").count() >= 5
    block = page.locator('math[display="block"]').first
    block.scroll_into_view_if_needed()
    box = block.bounding_box()
    assert box is not None and box["width"] > 0 and box["height"] > 0
    # a real math font is named for MathML (the default font misplaces sums and accents)
    family = block.evaluate("m => getComputedStyle(m).fontFamily")
    assert "Math" in family
    assert wait_frame(page, "activations", 1) >= 1


# ---- the activations sim (instant) ----------------------------------------------------------


def open_activations(page: Any, path: str) -> tuple[int, str, str]:
    """Load a page with the activations sim; return its settled frame, plot selector, pixels."""
    page.goto(path)
    wait_frame(page, "activations", 1)
    before_frame = settle(page, "activations")
    plot = f"{root('activations')} canvas.act-plot"
    return before_frame, plot, canvas_url(page, plot)


def test_slider_keys_redraw_activation_plot(page: Any) -> None:
    before_frame, plot, before_pixels = open_activations(page, "/chapters/neurons-and-layers")
    slider = page.locator("#activations-probe")
    start = float(slider.input_value())
    slider.focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    wait_frame(page, "activations", before_frame + 1)
    settle(page, "activations")
    value = float(slider.input_value())
    assert value == pytest.approx(start + 3 * 0.05)
    assert "activations.probe" in query(page)
    assert float(query(page)["activations.probe"][0]) == pytest.approx(value)
    assert float(output(page, "activations", "probe")) == pytest.approx(value)
    assert canvas_url(page, plot) != before_pixels


def test_function_checkbox_toggle_redraws(page: Any) -> None:
    before_frame, plot, before_pixels = open_activations(page, "/sims/activations")
    relu = page.locator(f'{root("activations")} input[name="functions"][value="relu"]')
    assert relu.is_checked()
    relu.focus()
    page.keyboard.press("Space")
    assert not relu.is_checked()
    wait_frame(page, "activations", before_frame + 1)
    settle(page, "activations")
    assert canvas_url(page, plot) != before_pixels
    assert "relu" not in query(page)["activations.functions"][0].split(",")
    rows = page.locator(f"{root('activations')} table.readout tbody tr")
    assert "ReLU" not in [
        rows.nth(i).inner_text().split("\t")[0].strip() for i in range(rows.count())
    ]


# ---- the gradient_descent sim (live) --------------------------------------------------------


def test_descent_play_pause_step_reset(page: Any) -> None:
    page.goto("/chapters/backpropagation")
    sim = root("gradient_descent")
    wait_frame(page, "gradient_descent", 1)
    page.click(f'{sim} [data-action="play"]')
    wait_frame(page, "gradient_descent", 30)
    assert page.get_attribute(f'{sim} [data-action="play"]', "aria-pressed") == "true"

    page.click(f'{sim} [data-action="pause"]')
    paused = settle(page, "gradient_descent", 200)  # a frame may still be in flight
    assert page.get_attribute(f'{sim} [data-action="play"]', "aria-pressed") == "false"
    assert "Paused at step" in page.inner_text(f'{sim} [data-role="status"]')
    page.wait_for_timeout(500)
    assert abs(frame(page, "gradient_descent") - paused) <= 1

    n = frame(page, "gradient_descent")
    page.click(f'{sim} [data-action="step"]')
    wait_frame(page, "gradient_descent", n + 1)
    assert settle(page, "gradient_descent", 200) == n + 1
    status = page.inner_text(f'{sim} [data-role="status"]')
    step = int(re.search(r"Step (\d+)", status).group(1))  # type: ignore[union-attr]
    assert step >= 30

    page.click(f'{sim} [data-action="reset"]')
    wait_frame(page, "gradient_descent", n + 2)
    page.wait_for_function(
        "s => document.querySelector(s).innerText.includes('Step 0.')",
        arg=f'{sim} [data-role="status"]',
    )


def test_too_large_learning_rate_diverges_without_nan(page: Any) -> None:
    page.goto("/sims/gradient_descent")
    sim = root("gradient_descent")
    wait_frame(page, "gradient_descent", 1)
    assert page.input_value("#gradient_descent-surface") == "bowl"
    for name in ("momentum", "adam", "rmsprop"):  # SGD alone
        box = page.locator(f'{sim} input[name="optimisers"][value="{name}"]')
        if box.is_checked():
            box.focus()
            page.keyboard.press("Space")
    assert page.locator(f'{sim} input[name="optimisers"]:checked').count() == 1
    page.focus("#gradient_descent-lr")
    page.keyboard.press("End")
    assert float(output(page, "gradient_descent", "lr")) == pytest.approx(10)
    assert query(page)["gradient_descent.optimisers"] == ["sgd"]
    page.click(f'{sim} [data-action="play"]')
    page.wait_for_function("s => document.querySelector(s).innerText.includes('diverged')", arg=sim)
    text = page.inner_text(sim)
    assert "SGD: diverged at step" in text
    assert "NaN" not in text
    assert "Infinity" not in text


def map_point(page: Any, x: float, y: float) -> dict[str, float]:
    """Canvas position of map point (x, y): the map square starts 34 px from the left and 10 px
    from the top, with 62 px on the right for the colour bar and 40 below (MAP_PAD in the view)."""
    box = page.locator(f"{root('gradient_descent')} canvas.gd-map").bounding_box()
    assert box is not None
    side = min(box["width"] - 96, box["height"] - 50)
    return {"x": 34 + (x + 3) / 6 * side, "y": 10 + (3 - y) / 6 * side}


def start_values(page: Any) -> tuple[float, float]:
    return float(output(page, "gradient_descent", "x0")), float(
        output(page, "gradient_descent", "y0")
    )


def test_the_whole_run_shows_at_once_and_dragging_the_start_redraws_it(page: Any) -> None:
    page.goto("/sims/gradient_descent")
    sim = root("gradient_descent")
    wait_frame(page, "gradient_descent", 1)
    defaults = json.loads(page.get_attribute(sim, "data-defaults"))
    assert start_values(page) == (float(defaults["x0"]), float(defaults["y0"]))
    # no Play needed: every optimiser's result is there at step 0
    assert page.get_attribute(sim, "data-step") == "0"
    legend = page.inner_text(f"{sim} .gd-legend")
    assert "SGD: loss" in legend and "after 100 steps" in legend
    n = settle(page, "gradient_descent")
    canvas = page.locator(f"{sim} canvas.gd-map")
    before = canvas_url(page, f"{sim} canvas.gd-map")
    a, b = map_point(page, -1.0, -2.0), map_point(page, 1.5, 1.5)
    box = canvas.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + a["x"], box["y"] + a["y"])
    page.mouse.down()
    for i in range(1, 11):  # a drag: every move is a new start, and a new whole run
        t = i / 10
        page.mouse.move(
            box["x"] + a["x"] + t * (b["x"] - a["x"]), box["y"] + a["y"] + t * (b["y"] - a["y"])
        )
        page.wait_for_timeout(30)
    page.mouse.up()
    page.wait_for_function(
        "s => Math.abs(Number(document.querySelector(s).value) - 1.5) < 0.05",
        arg="#gradient_descent-x0",
    )
    settle(page, "gradient_descent")
    assert frame(page, "gradient_descent") >= n + 2  # pictures drawn along the drag
    x0, y0 = start_values(page)
    assert x0 == pytest.approx(1.5, abs=0.05) and y0 == pytest.approx(1.5, abs=0.05)
    q = query(page)
    assert float(q["gradient_descent.x0"][0]) == pytest.approx(x0)
    assert float(q["gradient_descent.y0"][0]) == pytest.approx(y0)
    assert canvas_url(page, f"{sim} canvas.gd-map") != before
    assert page.get_attribute(sim, "data-step") == "0"


def test_play_on_a_finished_run_walks_it_again(page: Any) -> None:
    page.goto("/sims/gradient_descent?gradient_descent.steps=10&gradient_descent.optimisers=sgd")
    sim = root("gradient_descent")
    wait_frame(page, "gradient_descent", 1)
    page.click(f'{sim} [data-action="play"]')
    page.wait_for_function("s => document.querySelector(s).dataset.step === '10'", arg=sim)
    page.wait_for_function(
        "s => document.querySelector(s).innerText.includes('Finished')",
        arg=f'{sim} [data-role="status"]',
    )
    page.evaluate(
        """s => { const el = document.querySelector(s); window.__steps = [];
        new MutationObserver(() => window.__steps.push(Number(el.dataset.step)))
          .observe(el, { attributes: true, attributeFilter: ["data-step"] }); }""",
        sim,
    )
    page.click(f'{sim} [data-action="play"]')
    page.wait_for_function("() => window.__steps.length > 1 && window.__steps.at(-1) === 10")
    steps = page.evaluate("window.__steps")
    assert steps[0] == 0 and len(steps) >= 5  # from the start again, step by step


def test_hovering_the_map_reads_out_a_path_step_or_the_loss_there(page: Any) -> None:
    page.goto("/sims/gradient_descent?gradient_descent.optimisers=sgd")
    sim = root("gradient_descent")
    wait_frame(page, "gradient_descent", 1)
    canvas = page.locator(f"{sim} canvas.gd-map")
    canvas.hover(position=map_point(page, -2.5, 2.5))  # the start: step 0 of SGD's path
    readout = f'{sim} [data-role="readout"]'
    page.wait_for_function(
        "s => document.querySelector(s).textContent.includes('step 0')", arg=readout
    )
    # 0.5 (2.5² + 15 · 2.5²) = 50 at the start
    assert "SGD, step 0: (-2.5, 2.5), loss 50" in page.inner_text(readout)
    canvas.hover(position=map_point(page, 2.0, -2.0))  # far from the path: the landscape's value
    page.wait_for_function("s => document.querySelector(s).textContent.includes('≈')", arg=readout)
    text = page.inner_text(readout)  # 0.5 (4 + 60) = 32, read from the map's samples
    value = float(text.split("≈")[1])
    assert text.startswith("(2, -2)") and value == pytest.approx(32, rel=0.05)


def test_a_landscape_brings_its_own_rate_and_start_so_nothing_diverges_at_once(page: Any) -> None:
    page.goto("/sims/gradient_descent")
    sim = root("gradient_descent")
    wait_frame(page, "gradient_descent", 1)
    for name in ("momentum", "adam", "rmsprop", "sgd"):  # all four optimisers
        box = page.locator(f'{sim} input[name="optimisers"][value="{name}"]')
        if not box.is_checked():
            box.check()
    n = settle(page, "gradient_descent")
    page.select_option("#gradient_descent-surface", "rosenbrock")
    wait_frame(page, "gradient_descent", n + 1)
    page.wait_for_function(
        "s => document.querySelector(s).innerText.includes('3000 steps')", arg=f"{sim} .gd-legend"
    )
    assert output(page, "gradient_descent", "lr") == "3 × 10⁻⁴"  # as the chapter writes it
    assert start_values(page) == (-2.5, 2.5)
    assert "diverged" not in page.inner_text(f"{sim} .gd-legend")
    q = query(page)
    assert (
        q["gradient_descent.surface"] == ["rosenbrock"]
        and float(q["gradient_descent.lr"][0]) == 0.0003
    )


def test_url_state_reproduces_settings(page: Any) -> None:
    page.goto("/sims/gradient_descent?gradient_descent.lr=0.5&gradient_descent.surface=saddle")
    wait_frame(page, "gradient_descent", 1)
    assert page.input_value("#gradient_descent-surface") == "saddle"
    # the lr slider stops at 24 steps per decade, so it shows 0.5 to within half a stop (4.9 %)
    assert float(output(page, "gradient_descent", "lr")) == pytest.approx(0.5, rel=0.049)
    assert not page.locator(".sim-warning").is_visible()

    page.goto("/sims/activations?activations.depth=30")
    wait_frame(page, "activations", 1)
    assert page.input_value("#activations-depth") == "30"
    assert output(page, "activations", "depth") == "30"


def test_url_state_log_slider_is_exact(page: Any) -> None:
    sent: list[str] = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda f: sent.append(str(f))))
    page.goto("/sims/gradient_descent?gradient_descent.lr=0.5")
    wait_frame(page, "gradient_descent", 1)
    start = next(json.loads(m) for m in sent if '"start"' in m)
    assert start["params"]["lr"] == 0.5
    assert output(page, "gradient_descent", "lr") == "0.5"


# ---- whole pages ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/chapters/neurons-and-layers",
        "/chapters/backpropagation",
        "/sims/activations",
        "/sims/gradient_descent",
        "/chapters/no-such-chapter",
    ],
)
def test_no_js_errors(make_page: Any, js_errors: Any, path: str) -> None:
    page = make_page()
    js_errors.allow(r"status of 404")  # only the document of the 404 page itself
    response = page.goto(path)
    assert response is not None
    if path == "/chapters/no-such-chapter":
        assert response.status == 404
        assert page.locator("h1").inner_text() == "Not found"
        return
    assert response.status == 200
    for sim in SIMS:
        if page.locator(root(sim)).count():
            wait_frame(page, sim, 1)
            assert "could not start" not in page.inner_text(root(sim))
    page.wait_for_load_state("networkidle")
    assert [e for e in js_errors.seen if "404" in e] == []


def test_theme_toggle_dark_and_light(page: Any) -> None:
    page.goto("/chapters/backpropagation")
    wait_frame(page, "gradient_descent", 1)
    bg = "() => getComputedStyle(document.body).backgroundColor"
    toggle = page.locator('[data-role="theme"]')
    assert toggle.inner_text() == "Theme: auto"
    toggle.click()
    assert page.evaluate("document.documentElement.dataset.theme") == "light"
    light = page.evaluate(bg)
    toggle.click()
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    dark = page.evaluate(bg)
    assert light != dark
    assert dark == "rgb(21, 23, 27)"
    # the choice survives a reload and the page renders in it
    page.reload()
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
    assert page.evaluate(bg) == dark
    wait_frame(page, "gradient_descent", 1)
    page.goto("/chapters/neurons-and-layers")
    assert page.evaluate(bg) == dark
    wait_frame(page, "activations", 1)
    toggle.click()  # dark → auto
    assert page.evaluate("document.documentElement.dataset.theme") is None


@pytest.mark.parametrize("slug", CHAPTERS)
def test_phone_width_has_no_horizontal_overflow(make_page: Any, slug: str) -> None:
    page = make_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page.goto(f"/chapters/{slug}")
    for sim in SIMS:
        if page.locator(root(sim)).count():
            wait_frame(page, sim, 1)
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(
        """() => [...document.querySelectorAll('main *')]
            .filter((e) => e.getBoundingClientRect().right > 391 && !e.closest('math'))
            .slice(0, 5).map((e) => e.tagName + '.' + e.className)"""
    )
    assert width <= 390, f"page is {width} px wide; too wide: {wide}"


@pytest.mark.parametrize("sim", SIMS)
def test_keyboard_reaches_sim_controls_and_names(page: Any, sim: str) -> None:
    page.goto(f"/sims/{sim}")
    wait_frame(page, sim, 1)
    reached = None
    for i in range(1, 13):
        page.keyboard.press("Tab")
        inside = page.evaluate(
            "s => { const a = document.activeElement; return !!(a && a.closest(s)"
            " && a.matches('input, select, button, canvas')); }",
            root(sim),
        )
        if inside:
            reached = i
            break
    assert reached is not None, "no sim control got focus within 12 tabs"
    nameless = page.evaluate(
        """() => [...document.querySelectorAll('button, input, select, canvas[tabindex]')]
            .filter((el) => {
                const byId = (ids) => (ids || '').split(' ')
                    .map((id) => document.getElementById(id)?.textContent || '').join('');
                const label = el.getAttribute('aria-label')
                    || (el.labels && [...el.labels].map((l) => l.textContent).join(''))
                    || (el.tagName === 'BUTTON' && el.textContent)
                    || byId(el.getAttribute('aria-labelledby'));
                return !(label && label.trim());
            })
            .map((el) => el.outerHTML.slice(0, 80))"""
    )
    assert nameless == []


def test_arrow_keys_on_the_map_move_the_start_point(page: Any) -> None:
    page.goto("/sims/gradient_descent")
    wait_frame(page, "gradient_descent", 1)
    x0 = float(output(page, "gradient_descent", "x0"))
    page.focus(f"{root('gradient_descent')} canvas.gd-map")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Shift+ArrowUp")
    wait_frame(page, "gradient_descent", 2)  # the two restarts may share one picture
    assert float(output(page, "gradient_descent", "x0")) == pytest.approx(x0 + 0.1)
    assert float(output(page, "gradient_descent", "y0")) == pytest.approx(3.0)  # 2.5 + 0.5
    assert float(query(page)["gradient_descent.x0"][0]) == pytest.approx(x0 + 0.1)
