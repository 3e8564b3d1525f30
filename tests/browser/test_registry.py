"""Every registered simulation, full-window and embedded, in real Chromium — driven by the registry.

A new simulation is covered here without a new test: it must draw its first frame, have labelled
native controls, raise no JavaScript error, and round-trip its URL state (open a URL with
non-default values → the same control values → the same figures, and the URL the view writes
back reproduces them in a fresh page). Views must also unmount cleanly: re-mounting leaks no
listeners or timers.
"""

from __future__ import annotations

import json
import math
from typing import Any
from urllib.parse import urlencode

import pytest

from deepbook.content import load_course
from deepbook.settings import Settings
from deepbook.sims import REGISTRY

pytestmark = pytest.mark.browser

COURSE = load_course(Settings().content_dir)
# Attributes that are structure, not figures a learner reads.
STRUCTURE = {
    "action", "aspect", "chapter", "defaults", "exact", "frame", "group", "key", "kind", "logMin",
    "logSteps", "name", "role", "series", "sim", "specDefaults", "definition", "term",
}  # fmt: skip


def embeds() -> list[tuple[str, str, str]]:
    """(sim id, chapter slug, key) of the first embed of every registered sim."""
    out = {}
    for ch in COURSE.chapters:
        for s in ch.segments:
            if s.kind == "sim" and s.sim not in out:
                out[s.sim] = (s.sim, ch.slug, s.key)
    return [out[sim_id] for sim_id in REGISTRY]


def places() -> list[Any]:
    out = []
    for sim_id, slug, key in embeds():
        out.append(pytest.param(f"/sims/{sim_id}", sim_id, id=f"{sim_id}-full"))
        out.append(pytest.param(f"/chapters/{slug}", key, id=f"{sim_id}-embedded"))
    return out


def other_value(p: dict[str, Any]) -> str | None:
    """A valid non-default value of a parameter, as the URL writes it (None: leave it alone)."""
    kind, d = p["type"], p.get("default")
    if kind == "float":
        if p["log"]:  # an E24 stop two steps above (or below) the default
            for f in (10 ** (2 / 24), 10 ** (-2 / 24)):
                v = float(f"{d * f:.2g}")
                if p["min"] <= v <= p["max"] and v != d:
                    return f"{v:g}"
            return None
        step = p["step"]
        v = d + step * max(1, round((p["max"] - d) / 3 / step))
        if v > p["max"]:
            v = d - step * max(1, round((d - p["min"]) / 3 / step))
        return f"{round(v / step) * step:.6g}"
    if kind == "int":
        v = d + p["step"] if d + p["step"] <= p["max"] else d - p["step"]
        return str(v)
    if kind == "choice":
        return next(o["value"] for o in p["options"] if o["value"] != d)
    if kind == "flags":
        opts = [o["value"] for o in p["options"]]
        extra = [o for o in opts if o not in d]
        chosen = [*d, extra[0]] if extra else d[: max(p["min_count"], len(d) - 1)]
        return ",".join(o for o in opts if o in chosen)
    if kind == "bool":
        return "0" if d else "1"
    return None  # points, pixels, integer lists: drawn by the reader, covered by each sim's tests


def root_of(key: str) -> str:
    return f'[data-key="{key}"]'


def wait_drawn(page: Any, key: str, at_least: int = 1) -> None:
    page.wait_for_function(
        '([k, n]) => Number(document.querySelector(`[data-key="${k}"]`)?.dataset.frame) >= n',
        arg=[key, at_least],
    )


def settle(page: Any, key: str, quiet_ms: int = 400) -> None:
    page.evaluate(
        """async ([k, quiet]) => {
            const el = document.querySelector(`[data-key="${k}"]`);
            let last = el.dataset.frame, t = performance.now();
            while (performance.now() - t < quiet) {
                await new Promise((r) => setTimeout(r, 25));
                if (el.dataset.frame !== last) { last = el.dataset.frame; t = performance.now(); }
            }
        }""",
        [key, quiet_ms],
    )


STATE_JS = """(k) => {
    const root = document.querySelector(`[data-key="${k}"]`);
    const form = root.querySelector('[data-role="controls"]');
    const controls = {};
    for (const el of form.elements) {
        if (!el.name) continue;
        if (el.type === "checkbox" && form.querySelector(`fieldset[data-name="${el.name}"]`)) {
            controls[el.name] = [...form.querySelectorAll(`input[name="${el.name}"]:checked`)]
                .map((c) => c.value).join(",");
        } else if (el.type === "checkbox") controls[el.name] = el.checked ? "1" : "0";
        else if (el.type === "range" && "logMin" in el.dataset) {
            controls[el.name] = "exact" in el.dataset ? String(Number(el.dataset.exact))
                : String(Number((10 ** (Number(el.dataset.logMin)
                    + Number(el.value) / Number(el.dataset.logSteps))).toPrecision(2)));
        }
        else controls[el.name] = el.value;
    }
    const figures = {};
    for (const el of [root, ...root.querySelectorAll("*")]) {
        for (const [name, v] of Object.entries(el.dataset)) {
            const where = `${el.tagName}:${el.dataset.classifier || ""}:${name}`;
            if (!STRUCTURE.includes(name)) figures[where] = v;
        }
    }
    return { controls, figures };
}""".replace("STRUCTURE", json.dumps(sorted(STRUCTURE)))


def state(page: Any, key: str) -> dict[str, Any]:
    result: dict[str, Any] = page.evaluate(STATE_JS, key)
    return result


def same_number(a: str, b: str) -> bool:
    try:
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
    except ValueError:
        return a == b


@pytest.mark.parametrize(("path", "key"), places())
def test_every_sim_draws_with_labelled_controls(page: Any, path: str, key: str) -> None:
    page.goto(path)
    wait_drawn(page, key)
    unlabelled = page.evaluate(
        """(k) => {
            const root = document.querySelector(`[data-key="${k}"]`);
            const bad = [];
            for (const el of root.querySelectorAll("input, select, button, textarea")) {
                if (el.type === "hidden") continue;
                const named = (el.labels && el.labels.length) || el.getAttribute("aria-label")
                    || el.getAttribute("aria-labelledby")
                    || (el.tagName === "BUTTON" && el.textContent.trim());
                if (!named) bad.push(el.outerHTML.slice(0, 120));
            }
            return bad;
        }""",
        key,
    )
    assert unlabelled == []
    kind = page.get_attribute(root_of(key), "data-kind")
    if kind == "live":
        for action in ("play", "pause", "step", "reset"):
            assert page.locator(f'{root_of(key)} button[data-action="{action}"]').count() == 1


@pytest.mark.parametrize(("path", "key"), places())
def test_url_state_round_trips(make_page: Any, server: Any, path: str, key: str) -> None:
    sim_id = path.rsplit("/", 1)[-1] if path.startswith("/sims/") else None
    page = make_page()
    page.goto(path)
    sim_id = sim_id or page.get_attribute(root_of(key), "data-sim")
    schema = {
        p["name"]: p for p in json.loads(page.request.get(f"/api/sims/{sim_id}").text())["params"]
    }
    wait_drawn(page, key)
    defaults = json.loads(page.get_attribute(root_of(key), "data-defaults"))
    wanted = {}
    for name, p in schema.items():  # at most three changes, all valid together
        v = other_value(p | {"default": json.loads(json.dumps(p["default"]))})
        if v is not None and v != defaults[name] and len(wanted) < 3:
            wanted[name] = v
    assert wanted, "a sim should have parameters a URL can change"
    query = urlencode({f"{key}.{k}": v for k, v in wanted.items()})
    page.goto(f"{path}?{query}")
    assert page.locator(f"{root_of(key)} .sim-warning").count() == 0
    wait_drawn(page, key)
    settle(page, key)
    first = state(page, key)
    for name, v in wanted.items():
        assert same_number(first["controls"][name], v), (name, first["controls"][name], v)
    page.wait_for_timeout(300)  # the view rewrites the URL at most every 200 ms
    again = make_page()
    again.goto(page.url)
    wait_drawn(again, key)
    settle(again, key)
    second = state(again, key)
    assert second["controls"] == first["controls"]
    assert second["figures"] == first["figures"]


def listeners(page: Any) -> dict[str, int]:
    """How many event listeners window and document hold (Chrome DevTools Protocol)."""
    cdp = page.context.new_cdp_session(page)
    out = {}
    for name in ("window", "document"):
        obj = cdp.send("Runtime.evaluate", {"expression": name})["result"]["objectId"]
        out[name] = len(cdp.send("DOMDebugger.getEventListeners", {"objectId": obj})["listeners"])
    return out


TIMERS_JS = """() => {
    const live = new Set();
    const wrap = (set, clear) => {
        const s = window[set], c = window[clear];
        window[set] = function (fn, ...rest) {
            const run = (...a) => { live.delete(id); return typeof fn === "function" && fn(...a); };
            const id = s.call(window, run, ...rest);
            live.add(id); return id;
        };
        window[clear] = function (id) { live.delete(id); return c.call(window, id); };
    };
    wrap("setTimeout", "clearTimeout");
    const si = window.setInterval, ci = window.clearInterval, intervals = new Set();
    window.setInterval = function (...a) {
        const id = si.apply(window, a); intervals.add(id); return id;
    };
    window.clearInterval = function (id) { intervals.delete(id); return ci.call(window, id); };
    window.__timers = () => live.size + intervals.size;
}"""


@pytest.mark.parametrize("chapter", sorted({slug for _, slug, _ in embeds()}))
def test_remounting_leaks_no_listeners_or_timers(page: Any, chapter: str) -> None:
    page.add_init_script(f"({TIMERS_JS})()")
    page.goto(f"/chapters/{chapter}")
    for _, slug, key in embeds():
        if slug == chapter:
            wait_drawn(page, key)
    page.wait_for_timeout(600)  # URL writes and other short timers run out
    page.evaluate("() => window.deepbook.unmount()")
    page.wait_for_timeout(400)
    base, timers = listeners(page), page.evaluate("() => window.__timers()")
    for _ in range(3):
        page.evaluate("() => window.deepbook.mount()")
        for _, slug, key in embeds():
            if slug == chapter:
                wait_drawn(page, key)
        page.wait_for_timeout(600)
        page.evaluate("() => window.deepbook.unmount()")
        page.wait_for_timeout(400)
    assert listeners(page) == base
    assert page.evaluate("() => window.__timers()") <= timers
