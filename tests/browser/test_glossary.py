"""The glossary in real Chromium: an A–Z index, a filter that narrows the terms as you type,
and on a touch screen a tap on a term in a chapter shows its definition instead of leaving."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser


def test_the_index_and_the_filter(page: Any) -> None:
    page.goto("/glossary")
    letters = page.locator(".az a").all_text_contents()
    assert letters == sorted(letters) and "B" in letters and len(letters) >= 15
    total = page.locator(".term-entry").count()
    page.fill("[data-role=term-filter]", "learning rate")
    page.wait_for_function("() => document.querySelector('[data-role=term-count]')"
                           ".textContent.includes(' of ')")  # fmt: skip
    shown = page.locator(".term-entry:not([hidden])")
    assert 1 <= shown.count() < total
    assert page.locator("#term-learning-rate").is_visible()
    assert (
        page.locator("[data-role=term-count]").text_content() == f"{shown.count()} of {total} terms"
    )
    page.fill("[data-role=term-filter]", "")
    page.wait_for_function(
        f"() => document.querySelectorAll('.term-entry:not([hidden])').length === {total}"
    )


def test_a_tap_on_a_term_shows_its_definition_first(make_page: Any) -> None:
    page = make_page(has_touch=True, is_mobile=True, viewport={"width": 390, "height": 844})
    page.goto("/chapters/backpropagation")
    term = page.locator("a.term").first
    term.scroll_into_view_if_needed()
    term.tap()
    tip = page.locator("#term-tip")
    tip.wait_for(state="visible")
    assert (tip.text_content() or "").strip()
    assert page.url.endswith("/chapters/backpropagation")  # still on the chapter
    term.tap()  # the second tap follows the link
    page.wait_for_url("**/glossary#term-*")
