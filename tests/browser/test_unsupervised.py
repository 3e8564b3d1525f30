"""The `unsupervised` view in real Chromium: k-means Step / Play / Reset, PCA controls and scatter.

The view's figures for outside tests are attributes of the sim's root: `data-objective` (k-means,
at the iteration shown) and `data-explained-variance` (PCA, for the chosen components).
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import pytest

pytestmark = pytest.mark.browser

ROOT = '[data-key="unsupervised"]'
# moons with six centres: a run of a handful of iterations (Play finishes in a second or two)
KMEANS = "/sims/unsupervised?unsupervised.dataset=moons&unsupervised.k=6"


def frame(page: Any) -> int:
    return int(page.get_attribute(ROOT, "data-frame") or 0)


def wait_frame_after(page: Any, n: int) -> int:
    """Wait until more than n frames are drawn; the new count."""
    page.wait_for_function(
        "([sel, n]) => Number(document.querySelector(sel).dataset.frame) > n", arg=[ROOT, n]
    )
    return frame(page)


def wait_drawn(page: Any, path: str) -> None:
    page.goto(path)
    wait_frame_after(page, 0)


def attr(page: Any, name: str) -> str | None:
    value: str | None = page.get_attribute(ROOT, name)
    return value


def visible(page: Any, name: str) -> bool:
    result: bool = page.is_visible(f"{ROOT} [name={name}]")
    return result


def iterations(page: Any) -> int:
    """T, from the counter "Iteration i of T"."""
    text = page.text_content(f'{ROOT} [data-role="km-counter"]') or ""
    return int(text.rsplit(" ", 1)[-1])


def test_kmeans_step_lowers_the_objective_and_play_runs_to_convergence(page: Any) -> None:
    wait_drawn(page, KMEANS)
    assert attr(page, "data-explained-variance") is None
    assert visible(page, "k") and visible(page, "iteration")
    assert not visible(page, "components") and not visible(page, "digit")
    assert not visible(page, "true_clusters")  # moons: always two groups
    T = iterations(page)
    assert T >= 2
    assert page.input_value(f"{ROOT} [name=iteration]") == "0"
    objectives = [float(attr(page, "data-objective") or "nan")]
    status = page.locator(f'{ROOT} [data-role="status"]')
    for i in range(1, T + 1):
        n = frame(page)
        page.click(f'{ROOT} [data-role="km-step"]')
        wait_frame_after(page, n)
        assert page.input_value(f"{ROOT} [name=iteration]") == str(i)
        page.wait_for_function(
            "i => new URLSearchParams(location.search).get('unsupervised.iteration') === String(i)",
            arg=i,
        )
        objectives.append(float(attr(page, "data-objective") or "nan"))
        assert objectives[-1] <= objectives[-2] * (1 + 1e-6), objectives
        if i < T:
            assert (
                status.text_content()
                == f"Iteration {i} of {T} — objective {attr(page, 'data-objective')}"
            )
    assert objectives[-1] < objectives[0]
    assert "Converged after" in (status.text_content() or "")
    # at the end, Step does nothing
    assert page.get_attribute(f'{ROOT} [data-role="km-step"]', "aria-disabled") == "true"

    n = frame(page)
    page.click(f'{ROOT} [data-role="km-reset"]')
    wait_frame_after(page, n)
    assert page.input_value(f"{ROOT} [name=iteration]") == "0"
    assert float(attr(page, "data-objective") or "nan") == objectives[0]

    # Play: record every objective drawn; it runs to T, never rises, and stops there
    page.evaluate(
        """(sel) => {
            const root = document.querySelector(sel);
            window.__objectives = [];
            const seen = () => window.__objectives.push(Number(root.dataset.objective));
            window.__observer = new MutationObserver(seen);
            window.__observer.observe(root, { attributes: true, attributeFilter: ["data-frame"] });
        }""",
        ROOT,
    )
    page.click(f'{ROOT} [data-role="km-play"]')
    assert page.text_content(f'{ROOT} [data-role="km-play"]') == "Pause"
    page.wait_for_function(
        "s => document.querySelector(s).textContent.startsWith('Converged after')",
        arg=f'{ROOT} [data-role="status"]',
    )
    assert page.input_value(f"{ROOT} [name=iteration]") == str(T)
    assert page.text_content(f'{ROOT} [data-role="km-play"]') == "Play"
    seen = page.evaluate("() => window.__objectives")
    assert len(seen) == T  # one drawn frame per iteration
    assert all(b <= a * (1 + 1e-6) for a, b in pairwise(seen)), seen
    assert seen[-1] == objectives[-1]
    n = frame(page)
    page.wait_for_timeout(700)  # nothing more once converged
    assert frame(page) == n


def test_kmeans_play_with_reduced_motion_jumps_to_the_end(make_page: Any) -> None:
    page = make_page(reduced_motion="reduce")
    wait_drawn(page, KMEANS)
    T = iterations(page)
    n = frame(page)
    page.click(f'{ROOT} [data-role="km-play"]')
    wait_frame_after(page, n)
    assert page.input_value(f"{ROOT} [name=iteration]") == str(T)
    assert frame(page) == n + 1


def test_pca_components_slider_and_scatter(page: Any) -> None:
    wait_drawn(page, "/sims/unsupervised?unsupervised.method=pca&unsupervised.components=0")
    assert attr(page, "data-objective") is None
    assert visible(page, "components") and visible(page, "digit")
    assert not visible(page, "k") and not visible(page, "iteration")
    assert not page.is_visible(f'{ROOT} fieldset[data-group="training"]')
    assert attr(page, "data-explained-variance") == "0.000"
    # the keyboard moves the components slider: the explained variance never falls
    page.focus(f"{ROOT} [name=components]")
    shares = [float(attr(page, "data-explained-variance") or "nan")]
    for _ in range(5):
        n = frame(page)
        page.keyboard.press("ArrowRight")
        wait_frame_after(page, n)
        shares.append(float(attr(page, "data-explained-variance") or "nan"))
    assert page.input_value(f"{ROOT} [name=components]") == "5"
    assert all(b >= a for a, b in pairwise(shares)), shares
    assert shares[-1] > shares[0]
    n = frame(page)
    page.keyboard.press("End")
    wait_frame_after(page, n)
    assert attr(page, "data-explained-variance") == "1.000"

    # hovering the scatter reads out a digit; clicking it chooses that digit
    box = page.locator(f"{ROOT} canvas.us-scatter").bounding_box()
    assert box is not None
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2  # the crowded middle
    page.mouse.move(x, y)
    readout = page.locator(f'{ROOT} [data-role="readout"]')
    page.wait_for_function(
        "s => document.querySelector(s).textContent.startsWith('digit ')",
        arg=f'{ROOT} [data-role="readout"]',
    )
    text = readout.text_content() or ""
    assert ", class " in text and ", PC1 " in text and ", PC2 " in text, text
    picked = text.split(",", 1)[0].removeprefix("digit ")
    assert picked != "3"  # the default digit sits far from the middle
    n = frame(page)
    page.mouse.click(x, y)
    wait_frame_after(page, n)
    assert page.input_value(f"{ROOT} [name=digit]") == picked
    assert f"Digit {picked} " in (page.text_content(f'{ROOT} [data-role="status"]') or "")


def test_switching_method_swaps_the_controls(page: Any) -> None:
    wait_drawn(page, "/sims/unsupervised")
    assert attr(page, "data-objective") is not None
    n = frame(page)
    page.select_option(f"{ROOT} [name=method]", "pca")
    wait_frame_after(page, n)
    assert attr(page, "data-objective") is None
    assert attr(page, "data-explained-variance") is not None
    assert not visible(page, "k") and visible(page, "components")
    assert page.is_visible(f"{ROOT} canvas.us-scatter")
    assert not page.is_visible(f"{ROOT} canvas.us-map")
    n = frame(page)
    page.select_option(f"{ROOT} [name=method]", "kmeans")
    wait_frame_after(page, n)
    assert attr(page, "data-explained-variance") is None
    assert visible(page, "k") and not visible(page, "components")
    assert page.is_visible(f"{ROOT} canvas.us-map")
