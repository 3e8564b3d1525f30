"""Questions in real Chromium: answers persist across reloads, retry works, the no-JS form path
works, and the contents page shows the progress. Each context is a fresh learner (cookie mode).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

pytestmark = pytest.mark.browser

CHAPTER = "/chapters/backpropagation"
FIRST = "form[data-question]"


def answer(page: Any, form: Any, choice: int) -> str:
    """Pick option `choice` in `form`, submit, wait for the server's verdict, return it."""
    form.locator(f'input[name="choice"][value="{choice}"]').check()
    with page.expect_response(lambda r: r.url.endswith("/api/answers")) as info:
        form.locator('button[type="submit"]').click()
    assert info.value.status == 200
    verdict: str = info.value.json()["answered"]
    page.wait_for_function(
        "([f, v]) => document.querySelector(f).dataset.answered === v",
        arg=[f'form[data-question="{form.get_attribute("data-question")}"]', verdict],
    )
    return verdict


def answer_until_correct(page: Any, form: Any) -> int:
    """Try the options in order until one is right; return its index."""
    n = form.locator('input[name="choice"]').count()
    for i in range(n):
        if answer(page, form, i) == "correct":
            return i
    raise AssertionError("no option was accepted as correct")


def test_answer_survives_reload_and_retry_works(page: Any) -> None:
    page.goto(CHAPTER)
    form = page.locator(FIRST).first
    qid = form.get_attribute("data-question")
    assert form.get_attribute("data-answered") is None
    first = answer(page, form, 0)
    assert form.locator('[data-role="feedback"] .verdict').inner_text() in (
        "Correct.",
        "Not quite — try again.",
    )
    page.reload()
    form = page.locator(f'form[data-question="{qid}"]')
    assert form.get_attribute("data-answered") == first
    assert form.locator('input[name="choice"][value="0"]').is_checked()

    right = answer_until_correct(page, form)
    assert form.locator('[data-role="feedback"] .verdict').inner_text() == "Correct."
    page.reload()
    form = page.locator(f'form[data-question="{qid}"]')
    assert form.get_attribute("data-answered") == "correct"
    assert form.locator(f'input[name="choice"][value="{right}"]').is_checked()


def test_question_form_works_without_javascript(make_page: Any) -> None:
    page = make_page(java_script_enabled=False)
    page.goto(CHAPTER)
    form = page.locator(FIRST).nth(1)
    qid = form.get_attribute("data-question")
    assert form.get_attribute("data-answered") is None
    form.locator('input[name="choice"][value="1"]').check()
    with page.expect_navigation():
        form.locator('button[type="submit"]').click()
    assert page.url.endswith(f"{CHAPTER}#q-{qid}")
    form = page.locator(f'form[data-question="{qid}"]')
    assert form.get_attribute("data-answered") in ("correct", "incorrect")
    assert form.locator('input[name="choice"][value="1"]').is_checked()
    assert form.locator('[data-role="feedback"] .verdict').inner_text()


def test_contents_shows_progress(page: Any) -> None:
    page.goto(CHAPTER)
    total = page.locator("form[data-question]").count()
    assert total >= 1
    answer_until_correct(page, page.locator(FIRST).first)
    page.goto("/")
    row = page.locator('.toc-item[data-chapter="backpropagation"]')
    text = row.locator('[data-role="progress"]').inner_text()
    assert re.search(rf"\b1 of {total} questions right\b", text), text
    assert row.locator("progress").get_attribute("value") == "1"
    other = page.locator('.toc-item[data-chapter="neurons-and-layers"] [data-role="progress"]')
    assert re.search(r"\b0 of \d+ questions right\b", other.inner_text())


def test_answering_by_keyboard_keeps_focus_on_the_question(page: Any) -> None:
    page.goto(CHAPTER)
    form = page.locator(FIRST).first
    form.locator('input[name="choice"][value="2"]').focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")  # to the submit button
    with page.expect_response(lambda r: r.url.endswith("/api/answers")):
        page.keyboard.press("Enter")
    page.wait_for_function("f => document.querySelector(f).dataset.answered", arg=FIRST)
    assert page.evaluate("document.activeElement.closest('form')?.dataset.question") == (
        form.get_attribute("data-question")
    )


def test_every_question_of_every_chapter_gives_feedback(page: Any) -> None:
    from deepbook.content import load_course
    from deepbook.settings import Settings

    course = load_course(Settings().content_dir)
    assert len(course.chapters) >= 2
    for ch in course.chapters:
        page.goto(f"/chapters/{ch.slug}")
        forms = page.locator("form[data-question]")
        assert forms.count() == len(ch.questions), ch.slug
        for q in ch.questions:
            form = page.locator(f'form[data-question="{q.id}"]')
            verdict = answer(page, form, q.answer)  # the right option, from the question bank
            assert verdict == "correct", q.id
            assert form.locator('[data-role="feedback"] p').nth(1).inner_text().strip(), q.id


def test_tried_options_are_marked_and_the_answer_is_offered_after_two_misses(page: Any) -> None:
    page.goto(CHAPTER)
    form = page.locator(FIRST).nth(2)
    qid = form.get_attribute("data-question")
    n = form.locator('input[name="choice"]').count()
    wrong = []
    for i in range(n):  # find two wrong options by trying them (the answer is not in the page)
        if answer(page, form, i) == "incorrect":
            wrong.append(i)
            label = form.locator(".option").nth(i)
            assert "tried-wrong" in (label.get_attribute("class") or "")
            assert label.locator(".tried-note").inner_text() == "tried: not this one"
        if len(wrong) == 2:
            break
    assert len(wrong) == 2, f"{qid}: fewer than two wrong options before the right one"
    show = form.get_by_role("button", name="Show the answer")
    show.click()
    assert form.get_attribute("data-answered") == "shown"
    right = form.locator(".option.tried-right")
    assert right.count() == 1 and right.locator("input").is_checked()
    assert form.locator('[data-role="feedback"] .verdict').inner_text() == "The answer:"
