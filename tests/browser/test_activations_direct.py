"""activations made direct, in real Chromium: drag the probe on the plot, move it by keys, read
values under the pointer, a z range the controls cannot close, and products written as the text
writes them (9.5 × 10⁻⁷)."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser

ROOT = '[data-key="activations"]'


def test_the_probe_follows_a_drag_and_the_arrow_keys(page: Any) -> None:
    page.goto("/sims/activations")
    page.wait_for_function("(s) => Number(document.querySelector(s).dataset.frame) >= 1", arg=ROOT)
    plot = page.locator(f"{ROOT} canvas.act-plot")
    box = plot.bounding_box()
    assert box is not None
    # the plot spans z from −6 to 6 inside a 40 px left and 12 px right margin
    x = box["x"] + 40 + (box["width"] - 52) * 0.25  # z = −3
    page.mouse.move(x, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.up()
    page.wait_for_function("() => location.href.includes('activations.probe=-3')")
    plot.focus()
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => location.href.includes('activations.probe=-2.9')")
    page.mouse.move(x, box["y"] + box["height"] / 2)
    line = page.locator(f"{ROOT} [data-role=readout]").text_content() or ""
    assert line.startswith("z = -3: Sigmoid 0.04743 (slope 0.04518)")


def test_the_z_range_cannot_close_and_tiny_products_read_as_in_the_text(page: Any) -> None:
    page.goto("/sims/activations?activations.depth=10&activations.probe=4")
    page.wait_for_function("(s) => Number(document.querySelector(s).dataset.frame) >= 1", arg=ROOT)
    lo = page.locator("#activations-z_min")
    lo.focus()
    for _ in range(30):  # far past "z to" (6)
        page.keyboard.press("ArrowRight")
    page.wait_for_function("() => location.href.includes('activations.z_min=9')")
    assert float(page.input_value("#activations-z_max")) == 9.5
    assert "Not updated" not in (page.locator(f"{ROOT} [data-role=status]").text_content() or "")
    cells = page.locator(f"{ROOT} table.readout tbody td").all_text_contents()
    assert any("× 10⁻" in c and ".00 ×" not in c and "0 ×" not in c for c in cells)
