"""feature_hierarchy in real Chromium: the layer control changes the shown block, its receptive
field (data-layer, data-receptive-field) and the patch grid; the probe bars and kernels draw."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser

ROOT = '[data-key="feature_hierarchy"]'


def test_choosing_a_layer_shows_its_receptive_field(page: Any) -> None:
    page.goto("/sims/feature_hierarchy")
    page.wait_for_function(
        "(sel) => Number(document.querySelector(sel).dataset.frame) >= 1", arg=ROOT
    )
    assert page.get_attribute(ROOT, "data-layer") == "1"
    assert page.get_attribute(ROOT, "data-receptive-field") == "3"
    assert page.locator(f"{ROOT} .fh-kernels").is_visible()
    expected = {"2": "8", "3": "18", "4": "38"}
    for layer, field in expected.items():
        page.select_option("#feature_hierarchy-layer", layer)
        page.wait_for_function(
            "([sel, n]) => document.querySelector(sel).dataset.layer === n", arg=[ROOT, layer]
        )
        assert page.get_attribute(ROOT, "data-receptive-field") == field
        assert not page.locator(f"{ROOT} .fh-kernels").is_visible()
        assert f"Block {layer} of 4:" in (page.text_content(f"{ROOT} .fh-facts") or "")
    page.wait_for_function("() => location.href.includes('feature_hierarchy.layer=4')")
