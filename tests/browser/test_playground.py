"""playground in real Chromium: it learns the spiral at its defaults, the transport and hot
settings act as they should, +/− edit the layers (a restart, kept in the URL), a diverged run says
so with no NaN anywhere, the reader's own points, hovering the diagram, classroom mode, pinning a
run, regression figures, and a leak-free re-mount."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

pytestmark = pytest.mark.browser

PG = "playground"
ROOT = f'[data-key="{PG}"]'
DIVERGE = f"{PG}.lr=10&{PG}.reg=l2&{PG}.reg_rate=10&{PG}.optimiser=sgd"


def frames(page: Any) -> int:
    return int(page.get_attribute(ROOT, "data-frame") or 0)


def epoch(page: Any) -> int:
    return int(page.get_attribute(ROOT, "data-epoch") or -1)


def open_sim(page: Any, query: str = "") -> None:
    page.goto(f"/sims/{PG}{'?' + query if query else ''}")
    page.wait_for_function(
        "(sel) => Number(document.querySelector(sel).dataset.frame) >= 1", arg=ROOT
    )


def wait_epoch(page: Any, test: str, n: int, timeout: float = 20_000) -> None:
    """Wait until the epoch compares to n (test: '>=', '==', '<')."""
    page.wait_for_function(
        f"([sel, n]) => Number(document.querySelector(sel).dataset.epoch) {test} n",
        arg=[ROOT, n],
        timeout=timeout,
    )


def wait_count(page: Any, css: str, n: int) -> None:
    """Wait until the sim holds n elements matching css."""
    page.wait_for_function(
        "([sel, css, n]) => document.querySelectorAll(`${sel} ${css}`).length === n",
        arg=[ROOT, css, n],
    )


def click_and_draw(page: Any, x: float, y: float) -> None:
    """Click at (x, y) and wait for the frame it asks for."""
    n = frames(page)
    page.mouse.click(x, y)
    page.wait_for_function(
        "([sel, n]) => Number(document.querySelector(sel).dataset.frame) > n", arg=[ROOT, n]
    )


def query(page: Any) -> dict[str, list[str]]:
    page.wait_for_timeout(250)  # the URL is rewritten at most every 200 ms
    return parse_qs(urlparse(page.url).query, keep_blank_values=True)


WATCH_EPOCHS = """(sel) => {
    const root = document.querySelector(sel);
    window.__epochs = [];
    window.__watch = new MutationObserver(() => window.__epochs.push(Number(root.dataset.epoch)));
    window.__watch.observe(root, { attributes: true, attributeFilter: ["data-epoch"] });
}"""


def seen_epochs(page: Any) -> list[int]:
    out: list[int] = page.evaluate("() => { window.__watch.disconnect(); return window.__epochs; }")
    return out


def pause(page: Any) -> int:
    """Pause and wait until no more frames come; the epoch it stopped at."""
    page.click(f'{ROOT} [data-action="pause"]')
    page.wait_for_function(
        "(sel) => document.querySelector(`${sel} [data-action=play]`).getAttribute('aria-pressed')"
        " === 'false'",
        arg=ROOT,
    )
    page.wait_for_timeout(400)
    return epoch(page)


def no_nan(page: Any) -> None:
    """No "NaN" in the text, the attributes or the URL of the sim."""
    found = page.evaluate(
        """(sel) => {
            const root = document.querySelector(sel), bad = [];
            if (root.innerText.includes("NaN")) bad.push("text");
            for (const el of [root, ...root.querySelectorAll("*")]) {
                for (const a of el.attributes) {
                    if (a.value.includes("NaN")) bad.push(`${el.tagName} ${a.name}`);
                }
            }
            if (location.href.includes("NaN")) bad.push("url");
            return bad;
        }""",
        ROOT,
    )
    assert found == []


def test_play_at_the_defaults_learns_the_spiral(page: Any) -> None:
    open_sim(page)
    assert epoch(page) == 0
    assert page.get_attribute(ROOT, "data-train-loss") is not None
    assert 0 <= float(page.get_attribute(ROOT, "data-test-accuracy") or -1) <= 1
    page.click(f'{ROOT} [data-action="play"]')
    page.wait_for_function(
        "(sel) => Number(document.querySelector(sel).dataset.testAccuracy) >= 0.95",
        arg=ROOT,
        timeout=20_000,
    )
    acc = page.get_attribute(ROOT, "data-test-accuracy") or ""
    assert len(acc.split(".")[1]) == 3  # three decimals
    loss = page.get_attribute(ROOT, "data-train-loss") or ""
    assert "e" not in loss.lower() and float(loss) > 0  # a plain decimal
    assert epoch(page) > 0
    no_nan(page)


def test_pause_and_step_advance_the_epoch_by_one(page: Any) -> None:
    open_sim(page, f"{PG}.speed=5")
    page.click(f'{ROOT} [data-action="play"]')
    wait_epoch(page, ">=", 20)
    stopped = pause(page)
    page.wait_for_timeout(300)
    assert epoch(page) == stopped  # paused: no more epochs
    page.click(f'{ROOT} [data-action="step"]')
    wait_epoch(page, "==", stopped + 1)
    page.click(f'{ROOT} [data-action="step"]')
    wait_epoch(page, "==", stopped + 2)
    page.click(f'{ROOT} [data-action="reset"]')
    wait_epoch(page, "==", 0)


def test_the_learning_rate_changes_mid_run_without_a_restart(page: Any) -> None:
    open_sim(page, f"{PG}.speed=10")
    page.click(f'{ROOT} [data-action="play"]')
    wait_epoch(page, ">=", 50)
    before = epoch(page)
    page.evaluate(WATCH_EPOCHS, ROOT)
    page.focus(f"#{PG}-lr")
    page.keyboard.press("ArrowLeft")  # one stop down the log slider
    lr = page.get_attribute(f"#{PG}-lr", "aria-valuetext") or ""
    assert lr and float(lr) < 0.03
    page.wait_for_function(
        "([sel, lr]) => document.querySelector(sel).querySelector('.pg-figures').innerText"
        ".includes(lr)",
        arg=[ROOT, lr],
    )
    wait_epoch(page, ">=", before + 30)
    assert min(seen_epochs(page)) >= before  # never back to 0: the run went on
    assert query(page)[f"{PG}.lr"] == [lr]


def test_plus_and_minus_edit_the_layers_and_restart(page: Any) -> None:
    open_sim(page, f"{PG}.speed=10")
    page.click(f'{ROOT} [data-action="play"]')
    wait_epoch(page, ">=", 50)
    page.evaluate(WATCH_EPOCHS, ROOT)
    page.click(f'{ROOT} button[aria-label="Add a hidden layer"]')
    wait_count(page, ".pg-head button[data-layer]", 4)
    assert query(page)[f"{PG}.layers"] == ["8,8"]
    # a new network: the run started again (at 10 epochs a frame, a busy machine may draw epoch 10
    # before it shows the epoch-0 frame, so anything at or below 10 after the 50 seen before)
    assert min(seen_epochs(page)) <= 10
    pause(page)
    page.click(f'{ROOT} button[aria-label="Add a unit to hidden layer 2"]')
    page.wait_for_function(
        "(sel) => [...document.querySelectorAll(`${sel} .pg-units`)].map((e) => e.textContent)"
        ".join() === '8,9'",
        arg=ROOT,
    )
    assert query(page)[f"{PG}.layers"] == ["8,9"]
    assert epoch(page) == 0
    page.click(f'{ROOT} button[aria-label="Remove a unit from hidden layer 1"]')
    page.wait_for_function(
        "(sel) => [...document.querySelectorAll(`${sel} .pg-units`)].map((e) => e.textContent)"
        ".join() === '7,9'",
        arg=ROOT,
    )
    page.click(f'{ROOT} button[aria-label="Remove the last hidden layer"]')
    page.click(f'{ROOT} button[aria-label="Remove the last hidden layer"]')
    wait_count(page, ".pg-units", 0)
    assert query(page)[f"{PG}.layers"] == [""]
    assert page.is_disabled(f'{ROOT} button[aria-label="Remove the last hidden layer"]')
    page.click(f'{ROOT} button[aria-label="Add a hidden layer"]')
    wait_count(page, ".pg-units", 1)
    # a first hidden layer has 4 units; later ones copy the last one's
    assert query(page)[f"{PG}.layers"] == ["4"]


def test_per_layer_activations_follow_the_layers(page: Any) -> None:
    open_sim(page, f"{PG}.layers=4,4")
    page.check(f"#{PG}-pg-perlayer")
    wait_count(page, ".pg-act select", 2)
    assert query(page)[f"{PG}.activations"] == ["relu,relu"]
    page.select_option(f"#{PG}-pg-act-1", "tanh")
    page.wait_for_function(
        "() => new URL(location.href).searchParams.get('playground.activations') === 'relu,tanh'"
    )
    page.click(f'{ROOT} button[aria-label="Add a hidden layer"]')
    wait_count(page, ".pg-act select", 3)
    q = query(page)
    assert q[f"{PG}.layers"] == ["4,4,4"] and q[f"{PG}.activations"] == ["relu,tanh,relu"]
    page.uncheck(f"#{PG}-pg-perlayer")
    wait_count(page, ".pg-act select", 0)
    assert f"{PG}.activations" not in query(page)


def test_a_diverged_run_says_so_with_reset_and_no_nan(page: Any) -> None:
    open_sim(page, DIVERGE)
    page.click(f'{ROOT} [data-action="play"]')
    alert = page.locator(f"{ROOT} .pg-alert.pg-diverged")
    alert.wait_for(state="visible")
    assert "diverged" in alert.inner_text().lower()
    no_nan(page)
    for name in ("data-train-loss", "data-test-loss"):
        assert float(page.get_attribute(ROOT, name) or "x") >= 0
    page.locator(f"{ROOT} .pg-alert button", has_text="Reset").click()
    alert.wait_for(state="hidden")
    assert epoch(page) == 0
    no_nan(page)


def test_own_points_by_mouse_and_keyboard(page: Any) -> None:
    open_sim(page)
    page.click(f"{ROOT} button:has-text('Draw points')")
    page.wait_for_function(
        "(sel) => !document.querySelector(`${sel} .pg-alert`).hidden", arg=ROOT
    )  # "Place points of at least two classes."
    assert page.input_value(f"#{PG}-dataset") == "custom"
    assert page.input_value(f"#{PG}-batch") == "1"  # no points yet: the batch must fit
    canvas = page.locator(f"{ROOT} canvas.pg-map")
    box = canvas.bounding_box()
    assert box is not None
    for i in range(4):
        click_and_draw(
            page, box["x"] + box["width"] * 0.25, box["y"] + box["height"] * (0.2 + i / 7)
        )
    page.check(f"#{PG}-pg-brush-1", force=True)
    for i in range(4):
        click_and_draw(
            page, box["x"] + box["width"] * 0.75, box["y"] + box["height"] * (0.2 + i / 7)
        )
    assert len(query(page)[f"{PG}.points"][0]) == 4 * 8
    page.wait_for_function("(sel) => document.querySelector(`${sel} .pg-alert`).hidden", arg=ROOT)
    assert page.input_value(f"#{PG}-batch") == "4"  # 8 points, half for training
    page.keyboard.down("Shift")
    page.mouse.click(box["x"] + box["width"] * 0.75, box["y"] + box["height"] * 0.2)
    page.keyboard.up("Shift")
    page.wait_for_timeout(300)
    assert len(query(page)[f"{PG}.points"][0]) == 4 * 7
    canvas.focus()
    for _ in range(3):
        page.keyboard.press("Shift+ArrowRight")
    assert "Cursor" in (page.text_content(f"{ROOT} [data-role=readout]") or "")
    page.keyboard.press("Enter")
    page.wait_for_timeout(300)
    assert len(query(page)[f"{PG}.points"][0]) == 4 * 8
    page.click(f'{ROOT} [data-action="play"]')
    page.wait_for_function(
        "(sel) => Number(document.querySelector(sel).dataset.testAccuracy) === 1", arg=ROOT
    )


def test_hovering_the_diagram_reads_units_and_weights(page: Any) -> None:
    open_sim(page)
    net = page.locator(f"{ROOT} .pg-net")
    box = net.bounding_box()
    assert box is not None
    readout = f"{ROOT} [data-role=readout]"
    # the hidden layer's column is in the middle of three; scan it for a unit
    for f in (0.45, 0.5, 0.55, 0.4, 0.6):
        page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * f)
        if "Layer 1, unit" in (page.text_content(readout) or ""):
            break
    assert "Layer 1, unit" in (page.text_content(readout) or "")
    found = ""
    for i in range(40):  # between the columns: a link somewhere
        page.mouse.move(box["x"] + box["width"] * 0.72, box["y"] + box["height"] * (0.3 + i / 100))
        found = page.text_content(readout) or ""
        if found.startswith("Weight from"):
            break
    assert found.startswith("Weight from layer 1, unit") and "to output" in found
    page.mouse.move(box["x"] + 2, box["y"] + 2)
    page.locator(f"{ROOT} .pg-net").focus()
    page.keyboard.press("ArrowDown")
    assert "Layer 1, unit 1" in (page.text_content(readout) or "")


def test_a_bias_is_edited_from_the_keyboard(page: Any) -> None:
    open_sim(page)
    readout = f"{ROOT} [data-role=readout]"
    net = page.locator(f"{ROOT} .pg-net")
    net.focus()
    page.keyboard.press("ArrowDown")  # layer 1, unit 1
    page.keyboard.press("Enter")
    editor = page.locator(f"{ROOT} .pg-editor")
    assert editor.is_visible()
    assert page.locator(f"{ROOT} .pg-editor select").input_value() == "0"  # its bias
    assert page.evaluate("() => document.activeElement.type") == "number"
    n = frames(page)
    page.keyboard.type("2.5")
    page.keyboard.press("Control+a")
    page.keyboard.type("2.5")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "([sel, n]) => Number(document.querySelector(sel).dataset.frame) > n", arg=[ROOT, n]
    )
    assert editor.is_hidden()
    assert page.evaluate("() => document.activeElement.classList.contains('pg-net')")
    page.wait_for_function(
        "(sel) => document.querySelector(sel).textContent.includes('bias 2.5')", arg=readout
    )
    page.keyboard.press("Enter")  # again; out of bounds is refused in the editor
    page.keyboard.press("Control+a")
    page.keyboard.type("1000")
    page.keyboard.press("Enter")
    assert editor.is_visible()
    assert "from -100 to 100" in (page.text_content(f"{ROOT} .pg-editor-note") or "")
    page.keyboard.press("Escape")
    assert editor.is_hidden()


def test_clicking_a_link_edits_its_weight_while_training(page: Any) -> None:
    open_sim(page, f"{PG}.speed=1")
    page.click(f'{ROOT} [data-action="play"]')
    wait_epoch(page, ">=", 3)
    pause(page)
    net = page.locator(f"{ROOT} .pg-net")
    box = net.bounding_box()
    assert box is not None
    readout = f"{ROOT} [data-role=readout]"
    for i in range(40):  # between the hidden layer and the output: a link somewhere
        x, y = box["x"] + box["width"] * 0.72, box["y"] + box["height"] * (0.3 + i / 100)
        page.mouse.move(x, y)
        if (page.text_content(readout) or "").startswith("Weight from"):
            break
    link = (page.text_content(readout) or "").split(":")[0]
    assert link.startswith("Weight from layer 1, unit")
    page.mouse.click(x, y)
    editor = page.locator(f"{ROOT} .pg-editor")
    assert editor.is_visible()
    chosen = page.locator(f"{ROOT} .pg-editor select option:checked").text_content() or ""
    assert chosen.lower() in link.lower()  # "weight from layer 1, unit k" of that link
    page.fill(f"{ROOT} .pg-editor input", "-3")
    before = epoch(page)
    page.click(f"{ROOT} .pg-editor button[type=submit]")
    page.wait_for_function(
        "([sel, link]) => document.querySelector(sel).textContent.startsWith(link + ': -3 ')",
        arg=[readout, link],
    )
    assert epoch(page) == before  # an edit is not a restart
    page.click(f'{ROOT} [data-action="step"]')
    wait_epoch(page, "==", before + 1)  # training goes on from the edited weight


def test_export_downloads_a_pytorch_script_of_the_run(page: Any) -> None:
    open_sim(page, f"{PG}.speed=1")
    page.click(f'{ROOT} [data-action="step"]')
    page.click(f'{ROOT} [data-action="step"]')
    wait_epoch(page, "==", 2)
    with page.expect_download() as info:
        page.get_by_role("button", name="Export as PyTorch").click()
    download = info.value
    assert download.suggested_filename == "playground_spiral_seed0_epoch2.py"
    script = Path(download.path()).read_text(encoding="utf-8")
    compile(script, download.suggested_filename, "exec")
    assert "import torch" in script and "EPOCHS = 2" in script
    page.wait_for_function(
        "(sel) => document.querySelector(sel).textContent.startsWith('Exported epoch 2')",
        arg=f"{ROOT} [data-role=status]",
    )


def test_feature_nodes_toggle_features(page: Any) -> None:
    open_sim(page)
    net = page.locator(f"{ROOT} .pg-net")
    net.focus()
    page.keyboard.press("ArrowDown")  # layer 1, unit 1
    page.keyboard.press("ArrowLeft")  # the features column
    for _ in range(4):
        page.keyboard.press("ArrowDown")
    assert "X₁X₂" in (page.text_content(f"{ROOT} [data-role=readout]") or "")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => new URL(location.href).searchParams.get('playground.features') === 'x1,x2,x1x2'"
    )


def test_classroom_mode_hides_the_named_controls(page: Any) -> None:
    open_sim(page, f"{PG}.hide=lr,layers,features")
    assert page.is_hidden(f"#{PG}-lr")
    assert page.is_hidden(f"{ROOT} fieldset[data-name=features]")
    assert page.is_visible(f"#{PG}-optimiser")
    assert page.locator(f"{ROOT} .pg-head button:visible").count() == 0
    assert page.is_hidden(f'{ROOT} button[aria-label="Add a hidden layer"]')
    note = page.locator(f"{ROOT} .pg-classroom")
    assert note.is_visible() and "3 controls hidden" in note.inner_text()
    assert page.locator(f"{ROOT} .pg-classroom button", has_text="Copy classroom link").count() == 1


def test_pinning_a_run_keeps_its_curve(page: Any) -> None:
    open_sim(page, f"{PG}.speed=10")
    page.click(f'{ROOT} [data-action="play"]')
    wait_epoch(page, ">=", 30)
    pause(page)
    page.click(f"{ROOT} button:has-text('Pin this run')")
    key = page.locator(f"{ROOT} .pg-pinned")
    assert key.is_visible() and "pinned: 2-8-2 relu" in key.inner_text()
    page.select_option(f"#{PG}-optimiser", "sgd")  # a new run
    wait_epoch(page, "==", 0)
    assert key.is_visible()
    page.click(f"{ROOT} button:has-text('Clear pin')")
    assert key.is_hidden()


def test_regression_has_no_accuracy(page: Any) -> None:
    open_sim(page, f"{PG}.dataset=plane")
    assert page.get_attribute(ROOT, "data-test-accuracy") is None
    assert float(page.get_attribute(ROOT, "data-test-loss") or "x") >= 0
    assert page.locator(f"{ROOT} .pg-confusion").is_hidden()
    page.click(f'{ROOT} [data-action="step"]')
    wait_epoch(page, "==", 1)
    assert page.get_attribute(ROOT, "data-test-accuracy") is None


def test_phone_width_has_no_horizontal_scroll(make_page: Any) -> None:
    page = make_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    open_sim(page)
    wide = page.evaluate(
        "(sel) => [...document.querySelectorAll(`${sel} .sim-stage *`)]"
        ".filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)"
        ".map((e) => e.className.baseVal ?? e.className).slice(0, 5)",
        ROOT,
    )
    assert wide == []


TIMERS_JS = """() => {
    const live = new Set(), s = window.setTimeout, c = window.clearTimeout;
    window.setTimeout = function (fn, ...rest) {
        const run = (...a) => { live.delete(id); return typeof fn === "function" && fn(...a); };
        const id = s.call(window, run, ...rest);
        live.add(id); return id;
    };
    window.clearTimeout = function (id) { live.delete(id); return c.call(window, id); };
    window.__timers = () => live.size;
}"""


def test_remounting_leaks_nothing(page: Any) -> None:
    page.add_init_script(f"({TIMERS_JS})()")
    open_sim(page)
    page.wait_for_timeout(500)
    page.evaluate("() => window.deepbook.unmount()")
    page.wait_for_timeout(300)
    cdp = page.context.new_cdp_session(page)

    def listeners() -> list[int]:
        out = []
        for name in ("window", "document"):
            obj = cdp.send("Runtime.evaluate", {"expression": name})["result"]["objectId"]
            found = cdp.send("DOMDebugger.getEventListeners", {"objectId": obj})
            out.append(len(found["listeners"]))
        return out

    base, timers = listeners(), page.evaluate("() => window.__timers()")
    assert page.locator(f"{ROOT} .pg-stage").count() == 0
    for _ in range(2):
        page.evaluate("() => window.deepbook.mount()")
        page.wait_for_function(
            "(sel) => Number(document.querySelector(sel).dataset.frame) >= 1", arg=ROOT
        )
        page.wait_for_timeout(500)
        page.evaluate("() => window.deepbook.unmount()")
        page.wait_for_timeout(300)
    assert listeners() == base
    assert page.evaluate("() => window.__timers()") <= timers
    assert page.locator(f"{ROOT} .pg-stage").count() == 0
