"""On a phone, every sim's picture stays in view beside the control being used (issue 11).

For each simulation at 390 × 844 with touch, every slider is reached by focus (as Tab or a screen
reader reaches it) and must then be the element on top at its own centre (not hidden under the
sticky picture) while at least 150 px of the picture and, for live sims, the Play button are on
screen.
"""

from __future__ import annotations

from typing import Any

import pytest

from deepbook.sims import REGISTRY

SEEN = """() => {
  const onScreen = (el) => {
    const r = el.getBoundingClientRect();
    return Math.max(0, Math.min(r.bottom, innerHeight) - Math.max(r.top, 0));
  };
  const el = document.activeElement, r = el.getBoundingClientRect();
  const play = document.querySelector('[data-action="play"]');
  return {
    name: el.name,
    topmost: document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2) === el,
    picture: onScreen(document.querySelector('[data-role="stage"]')),
    play: play ? onScreen(play) : null,
  };
}"""


@pytest.mark.parametrize("sim_id", sorted(REGISTRY))
def test_a_focused_slider_and_the_picture_are_on_screen_together(
    make_page: Any, sim_id: str
) -> None:
    page = make_page(has_touch=True, is_mobile=True, viewport={"width": 390, "height": 844})
    page.goto(f"/sims/{sim_id}")
    page.wait_for_function(
        f"() => document.querySelector('[data-sim={sim_id}]').dataset.frame >= 1"
    )
    sliders = page.locator('form[data-role="controls"] input[type="range"]:visible')
    assert sliders.count() >= 1
    for i in range(sliders.count()):
        sliders.nth(i).focus()
        page.wait_for_timeout(50)
        seen = page.evaluate(SEEN)
        assert seen["topmost"], f"{sim_id}: {seen['name']} is hidden under the picture"
        assert seen["picture"] >= 150, f"{sim_id}: only {seen['picture']} px of the picture show"
        if REGISTRY[sim_id].kind == "live":
            assert seen["play"] >= 30, f"{sim_id}: Play is off screen beside {seen['name']}"
