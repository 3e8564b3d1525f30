"""latent_interpolation in real Chromium: the contract's figures (data-t, data-prediction-a/b/t),
t moved by keys and by Play, an endpoint dragged with the mouse and moved with the keyboard, a
drawn endpoint, the 16-D view, and a bad link reset with a message."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser

ROOT = '[data-key="latent_interpolation"]'
FRAMES = "([sel, n]) => Number(document.querySelector(sel).dataset.frame) >= n"


def frame(page: Any) -> int:
    return int(page.get_attribute(ROOT, "data-frame") or 0)


def wait_url(page: Any, text: str) -> None:
    page.wait_for_function("(t) => decodeURIComponent(location.href).includes(t)", arg=text)


def open_sim(page: Any, query: str = "") -> None:
    page.goto(f"/sims/latent_interpolation{query}")
    page.wait_for_function(FRAMES, arg=[ROOT, 1])


def test_t_moves_by_keys_and_by_play(page: Any) -> None:
    open_sim(page)
    root = page.locator(ROOT)
    assert root.get_attribute("data-t") == "0.00"
    assert root.get_attribute("data-prediction-a") == "1"
    assert root.get_attribute("data-prediction-b") == "0"
    assert root.get_attribute("data-prediction-t") == "1"
    vae = page.locator(f'{ROOT} .li-panel[data-model="vae"]')
    assert vae.get_attribute("data-path") == "straight"
    page.focus("#latent_interpolation-t")
    page.keyboard.press("End")
    page.wait_for_function("(sel) => document.querySelector(sel).dataset.t === '1.00'", arg=ROOT)
    assert root.get_attribute("data-prediction-t") == "0"
    wait_url(page, "latent_interpolation.t=1")
    page.keyboard.press("Home")
    page.wait_for_function("(sel) => document.querySelector(sel).dataset.t === '0.00'", arg=ROOT)
    before = frame(page)
    page.get_by_role("button", name="Play").click()
    page.wait_for_function(
        "(sel) => Number(document.querySelector(sel).dataset.t) >= 0.3", arg=ROOT
    )
    assert frame(page) >= before + 10  # pictures drawn from the frame, without a server round trip
    page.get_by_role("button", name="Pause").click()
    t = root.get_attribute("data-t")
    assert t is not None and 0.3 <= float(t) < 1
    wait_url(page, f"latent_interpolation.t={float(t):g}")
    text = vae.locator(".li-verdict").text_content() or ""
    assert f"At t = {t} the CNN reads {vae.get_attribute('data-prediction-t')}" in text


def test_an_endpoint_dragged_with_the_mouse_and_moved_by_keys(page: Any) -> None:
    open_sim(page)
    ae = page.locator(f'{ROOT} .li-panel[data-model="ae"]')
    canvas = ae.locator("canvas.li-map")
    bx, by, bw, bh = (float(v) for v in (canvas.get_attribute("data-box") or "").split(","))
    ax, ay = (float(v) for v in (ae.get_attribute("data-a") or "").split(","))
    rect = canvas.bounding_box()
    assert rect is not None
    x = rect["x"] + bx + (ax + 1) / 2 * bw
    y = rect["y"] + by + (1 - ay) / 2 * bh
    page.mouse.move(x, y)
    page.mouse.down()
    for i in range(1, 6):
        page.mouse.move(x + 12 * i, y + 6 * i)
    page.mouse.up()
    wait_url(page, "latent_interpolation.ae_ends=")
    page.wait_for_function(
        "(sel) => (document.querySelector(sel).textContent || '').includes('A: moved to')",
        arg=f'{ROOT} .li-panel[data-model="ae"] .li-ends',
    )
    want = [ax + 60 / bw * 2, ay - 30 / bh * 2]  # where the mouse let go, in map units
    page.wait_for_function(
        """([sel, want]) => document.querySelector(sel).dataset.a.split(',')
             .every((v, i) => Math.abs(Number(v) - want[i]) < 0.02)""",
        arg=[f'{ROOT} .li-panel[data-model="ae"]', want],
    )
    # the VAE keeps its own A: the same digit, encoded by the VAE
    vae_ends = page.locator(f'{ROOT} .li-panel[data-model="vae"] .li-ends').text_content()
    assert "A: held-out digit #287 (a 1)" in (vae_ends or "")
    # keys: B, then two steps left
    canvas.focus()
    bx0 = float((ae.get_attribute("data-b") or "").split(",")[0])
    page.keyboard.press("b")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    page.wait_for_function(
        "([sel, x]) => Number(document.querySelector(sel).dataset.b.split(',')[0]) < x - 0.03",
        arg=[f'{ROOT} .li-panel[data-model="ae"]', bx0],
    )
    page.keyboard.press("Delete")  # B back to its digit
    page.wait_for_function(
        "([sel, x]) => Math.abs(Number(document.querySelector(sel).dataset.b.split(',')[0]) - x)"
        " < 1e-3",
        arg=[f'{ROOT} .li-panel[data-model="ae"]', bx0],
    )


def test_a_drawn_endpoint_is_encoded_by_each_model(page: Any) -> None:
    open_sim(page)
    page.get_by_role("button", name="Draw A…").click()
    pad = page.locator(f"{ROOT} [data-role=draw]")
    box = pad.bounding_box()
    assert box is not None
    x = box["x"] + box["width"] * 0.5
    page.mouse.move(x, box["y"] + box["height"] * 0.15)
    page.mouse.down()
    for i in range(1, 12):
        page.mouse.move(x, box["y"] + box["height"] * (0.15 + 0.065 * i))
    page.mouse.up()
    wait_url(page, "latent_interpolation.a_drawing=z")
    for model in ("ae", "vae"):
        page.wait_for_function(
            "(s) => (document.querySelector(s).textContent || '').startsWith('A: your drawing')",
            arg=f'{ROOT} .li-panel[data-model="{model}"] .li-ends',
        )
    # the whole stroke, a vertical line, is read as a 1
    page.wait_for_function(
        "(sel) => document.querySelector(sel).dataset.predictionA === '1'", arg=ROOT
    )


def test_the_16d_view_and_a_bad_link(page: Any) -> None:
    open_sim(page, "?latent_interpolation.view=vae16&latent_interpolation.ends=prior")
    paths = page.locator(f"{ROOT} .li-panel").evaluate_all("els => els.map(e => e.dataset.path)")
    assert paths == ["straight", "spherical"]
    assert page.locator(f"{ROOT} .li-normbox").first.is_visible()
    assert page.locator(f"{ROOT} canvas.li-map").first.get_attribute("tabindex") == "-1"
    open_sim(page, "?latent_interpolation.n=99&latent_interpolation.ae_ends=!!")
    warning = page.locator(f"{ROOT} .sim-warning").text_content() or ""
    assert "n" in warning and "ae_ends" in warning
    assert page.get_attribute(ROOT, "data-prediction-a") == "1"  # the defaults drew


def test_a_click_on_the_strip_moves_t_there(page: Any) -> None:
    open_sim(page, "?latent_interpolation.n=5")
    strip = page.locator(f'{ROOT} .li-panel[data-model="vae"] canvas.li-strip')
    box = strip.bounding_box()
    assert box is not None
    # five images, centred: the middle one is at t = 0.5
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + 10)
    page.wait_for_function("(sel) => document.querySelector(sel).dataset.t === '0.50'", arg=ROOT)
    wait_url(page, "latent_interpolation.t=0.5")
    status = page.locator(f"{ROOT} [data-role=status]")
    assert "t = 0.50: Autoencoder reads" in (status.text_content() or "")
