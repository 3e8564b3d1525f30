"""cnn_flow in real Chromium: a held-out digit read right, a stroke drawn with the mouse updating
the maps while it is drawn, digits rendered from a font read right through the drawing path, the
close-up chosen by click and by keyboard, and a cleared pad predicting nothing."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser

SIM = "cnn_flow"
ROOT = f'[data-key="{SIM}"]'


def frames(page: Any) -> int:
    return int(page.get_attribute(ROOT, "data-frame") or 0)


def open_sim(page: Any, query: str = "") -> None:
    page.goto(f"/sims/{SIM}{'?' + query if query else ''}")
    page.wait_for_function(
        "(sel) => Number(document.querySelector(sel).dataset.frame) >= 1", arg=ROOT
    )


def wait_frame(page: Any, after: int) -> None:
    page.wait_for_function(
        "([sel, n]) => Number(document.querySelector(sel).dataset.frame) > n", arg=[ROOT, after]
    )


def test_a_held_out_digit_is_read_right(page: Any) -> None:
    open_sim(page)  # held-out digit 3 is a 0
    assert page.get_attribute(ROOT, "data-prediction") == "0"
    assert float(page.get_attribute(ROOT, "data-confidence") or 0) > 0.9
    assert "right: it is a 0" in (page.text_content(f"{ROOT} .cf-verdict") or "")
    heads = page.locator(f"{ROOT} .cf-row-facts").all_text_contents()
    assert (
        "26×26×32" in heads[1]
        and "320 parameters" in heads[1]
        and "receptive field 3 px" in heads[1]
    )


def test_a_stroke_updates_the_maps_while_it_is_drawn(page: Any) -> None:
    open_sim(page, f"{SIM}.source=drawing")
    assert page.get_attribute(ROOT, "data-prediction") is None  # blank
    pad = page.locator(f"{ROOT} [data-role=draw]")
    box = pad.bounding_box()
    assert box is not None
    before = frames(page)
    x = box["x"] + box["width"] * 0.5
    page.mouse.move(x, box["y"] + box["height"] * 0.18)
    page.mouse.down()
    seen = []
    for i in range(1, 11):
        page.mouse.move(x + i * 0.4, box["y"] + box["height"] * (0.18 + 0.065 * i))
        page.wait_for_timeout(60)
        seen.append(frames(page))
    page.mouse.up()
    wait_frame(page, seen[-1] - 1)
    assert seen[-1] - before >= 3  # pictures came while the stroke was drawn
    page.wait_for_function(
        "(sel) => document.querySelector(sel).dataset.prediction === '1'", arg=ROOT
    )
    assert "cnn_flow.drawing=z" in page.url


RENDER = """async ([sel, digit]) => {
    const big = document.createElement("canvas");
    big.width = big.height = 140;
    const b = big.getContext("2d");
    b.fillStyle = "#000"; b.fillRect(0, 0, 140, 140);
    b.fillStyle = "#fff"; b.font = "bold 110px 'DejaVu Sans', sans-serif";
    b.textAlign = "center"; b.textBaseline = "middle";
    b.fillText(String(digit), 70, 76);
    const small = document.createElement("canvas");
    small.width = small.height = 28;
    const s = small.getContext("2d");
    s.imageSmoothingEnabled = true; s.imageSmoothingQuality = "high";
    s.drawImage(big, 0, 0, 28, 28);
    const rgba = s.getImageData(0, 0, 28, 28).data, px = new Uint8Array(784);
    for (let i = 0; i < 784; i++) px[i] = rgba[4 * i];
    const { encodePixels } = await import("/static/js/lib/pixels.js");
    const root = document.querySelector(sel);
    window.deepbook.views.get(root).set({ source: "drawing", drawing: await encodePixels(px) });
}"""


def test_digits_rendered_from_a_font_are_read_right(page: Any) -> None:
    """Each digit typeset in DejaVu Sans Bold, drawn into the 28 × 28 pad as ink."""
    open_sim(page)
    right = []
    for d in range(10):
        n = frames(page)
        page.evaluate(RENDER, [ROOT, d])
        wait_frame(page, n)
        page.wait_for_timeout(50)
        right.append(page.get_attribute(ROOT, "data-prediction") == str(d))
    assert sum(right) >= 9, right


def test_the_closeup_follows_a_click_and_the_keys(page: Any) -> None:
    open_sim(page)
    canvas = page.locator(f'{ROOT} .cf-row[data-stage="conv1"] canvas')
    box = canvas.bounding_box()
    assert box is not None
    n = frames(page)
    page.mouse.click(box["x"] + 20, box["y"] + 20)  # inside the first map
    wait_frame(page, n)
    head = page.text_content(f"{ROOT} .cf-closeup :is(h2, h4)") or ""
    assert head.startswith("Close-up: Convolution 1, map 0, row")
    total = page.text_content(f"{ROOT} .cf-closeup .cf-total") or ""
    assert "plus bias" in total and "The map holds" in total
    col = int(head.split("column ")[1])
    canvas.focus()
    n = frames(page)
    page.keyboard.press("ArrowRight")
    wait_frame(page, n)
    assert f"column {col + 1}" in (page.text_content(f"{ROOT} .cf-closeup :is(h2, h4)") or "")
    n = frames(page)
    page.keyboard.press("PageDown")
    wait_frame(page, n)
    assert "map 1," in (page.text_content(f"{ROOT} .cf-closeup :is(h2, h4)") or "")


def test_clear_leaves_nothing_to_predict(page: Any) -> None:
    open_sim(page)
    n = frames(page)
    page.click(f"{ROOT} .cf-padtools button")
    wait_frame(page, n)
    assert page.get_attribute(ROOT, "data-prediction") is None
    assert page.get_attribute(ROOT, "data-confidence") is None
    assert (page.text_content(f"{ROOT} .cf-digit") or "") == "?"
