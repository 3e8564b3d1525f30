"""The playground's budgets (issue 8), measured in the same Chromium as the rest of the bench.

- Side by side with TensorFlow Playground (the built copy in ../shared/anchors/tf-playground,
  served from this machine's loopback), on the same configuration: spiral, 2-8-8-1 tanh, squared
  loss, SGD at 0.03, batch 10, no noise, 50 % training data, X1 and X2. Epochs per second and frames
  drawn per second of each, over the same time, and the ratio.
- Time to solve: at the sim's defaults, seconds from pressing Play to ≥ 95 % test accuracy.
- Key press on the learning-rate slider → the first frame that shows the new rate, while training.
- Scale: n concurrent sessions (1, 10, 25, 50), each a browser-like WebSocket client from its own
  loopback address that acknowledges a frame at the next tick of a 60 Hz display; frames and epochs
  per second of each, and the server's memory per session beyond the idle server.

Run alone: .venv/bin/python bench/playground.py [--tf-anchor PATH] [--seconds S]
"""

from __future__ import annotations

import asyncio
import functools
import http.server
import re
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "reliability"))
import live_load  # noqa: E402, I001  (browser-like WebSocket clients, from the reliability tests)
import live_server  # noqa: E402

TF_ANCHOR = ROOT.parent / "shared" / "anchors" / "tf-playground"
TF_STATE = (
    "activation=tanh&batchSize=10&dataset=spiral&regDataset=reg-plane&learningRate=0.03"
    "&regularizationRate=0&noise=0&networkShape=8,8&seed=0.12345&showTestData=false"
    "&discretize=false&percTrainData=50&x=true&y=true&xTimesY=false&xSquared=false"
    "&ySquared=false&cosX=false&sinX=false&cosY=false&sinY=false&collectStats=false"
    "&problem=classification&initZero=false&hideText=false"
)
PG = "playground"
SAME = {  # TF Playground's configuration in our parameters, and no limit within the run
    "dataset": "spiral",
    "layers": "8,8",
    "activation": "tanh",
    "loss": "squared",
    "optimiser": "sgd",
    "lr": "0.03",
    "batch": "10",
    "noise": "0",
    "train_pct": "50",
    "n_points": "500",
    "features": "x1,x2",
    "epoch_limit": "50000",
    "speed": "max",
}
ROOT_SEL = f'[data-key="{PG}"]'
NO_LIMIT = {"epoch_limit": 50_000}  # the defaults otherwise: no run ends within the measurement

# frames drawn: a requestAnimationFrame counter in TF Playground (it draws one epoch per frame);
# data-frame (the contract's count of pictures drawn) in ours
RAF_COUNTER = """
window.__raf = 0;
(function tick() { window.__raf++; requestAnimationFrame(tick); })();
"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def serve_folder(folder: Path) -> Iterator[str]:
    """A static file server for `folder` on 127.0.0.1 (a thread); yields its base URL."""
    handler = functools.partial(_Quiet, directory=str(folder))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def _local_only(route: Any) -> None:
    """Abort what would leave the machine (TF Playground asks for Google Fonts)."""
    if route.request.url.startswith("http://127.0.0.1"):
        route.continue_()
    else:
        route.abort()


def tf_playground(browser: Any, anchor: Path, seconds: float) -> dict[str, float]:
    """TF Playground playing the comparison configuration: epochs/s, frames/s, losses."""
    with serve_folder(anchor) as base:
        ctx = browser.new_context(viewport={"width": 1280, "height": 900})
        ctx.route("**/*", _local_only)
        ctx.add_init_script(RAF_COUNTER)
        page = ctx.new_page()
        page.goto(f"{base}/index.html#{TF_STATE}")
        page.wait_for_selector("#iter-number")
        epochs = lambda: int(re.sub(r"\D", "", page.text_content("#iter-number") or "0") or 0)  # noqa: E731
        page.click("#play-pause-button")
        page.wait_for_function(
            "() => Number(document.querySelector('#iter-number').textContent"
            ".replace(/\\D/g, '')) >= 10"
        )
        e0, f0, t0 = epochs(), page.evaluate("window.__raf"), time.perf_counter()
        page.wait_for_timeout(seconds * 1000)
        e1, f1, t1 = epochs(), page.evaluate("window.__raf"), time.perf_counter()
        train = float(page.text_content("#loss-train") or "nan")
        test = float(page.text_content("#loss-test") or "nan")
        total = e1
        ctx.close()
    return {
        "epochs_per_s": (e1 - e0) / (t1 - t0),
        "fps": (f1 - f0) / (t1 - t0),
        "epochs": total,
        "train_loss": train,
        "test_loss": test,
    }


def _figures(page: Any) -> tuple[int, int]:
    root = page.locator(ROOT_SEL)
    return int(root.get_attribute("data-epoch") or 0), int(root.get_attribute("data-frame") or 0)


def ours(browser: Any, base: str, seconds: float) -> dict[str, float]:
    """deepbook's playground on the same configuration, at speed "as fast as it can"."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    query = "&".join(f"{PG}.{k}={v}" for k, v in SAME.items())
    page.goto(f"{base}/sims/{PG}?{query}")
    page.wait_for_function(f"() => document.querySelector('{ROOT_SEL}').dataset.frame >= 1")
    page.click(f'{ROOT_SEL} [data-action="play"]')
    page.wait_for_function(f"() => document.querySelector('{ROOT_SEL}').dataset.epoch >= 10")
    (e0, f0), t0 = _figures(page), time.perf_counter()
    page.wait_for_timeout(seconds * 1000)
    (e1, f1), t1 = _figures(page), time.perf_counter()
    root = page.locator(ROOT_SEL)
    out = {
        "epochs_per_s": (e1 - e0) / (t1 - t0),
        "fps": (f1 - f0) / (t1 - t0),
        "epochs": e1,
        "train_loss": float(root.get_attribute("data-train-loss") or "nan"),
        "test_loss": float(root.get_attribute("data-test-loss") or "nan"),
    }
    ctx.close()
    return out


def time_to_solve(browser: Any, base: str, runs: int = 3) -> list[float]:
    """At the defaults: seconds from the Play click to ≥ 95 % test accuracy (timed in the page)."""
    out = []
    for seed in range(runs):
        ctx = browser.new_context(viewport={"width": 1280, "height": 900})
        page = ctx.new_page()
        page.goto(f"{base}/sims/{PG}?{PG}.seed={seed}")
        page.wait_for_function(f"() => document.querySelector('{ROOT_SEL}').dataset.frame >= 1")
        ms = page.evaluate(
            """(sel) => new Promise((done) => {
                const root = document.querySelector(sel);
                const t0 = performance.now();
                new MutationObserver((_, mo) => {
                    if (Number(root.dataset.testAccuracy) >= 0.95) {
                        mo.disconnect(); done(performance.now() - t0);
                    }
                }).observe(root, { attributes: true, attributeFilter: ["data-test-accuracy"] });
                root.querySelector('[data-action="play"]').click();
                setTimeout(() => done(Infinity), 20000);
            })""",
            ROOT_SEL,
        )
        out.append(ms / 1000)
        ctx.close()
    return out


INSTRUMENT_LR = """(sel) => {
    const root = document.querySelector(sel), input = document.querySelector("#playground-lr");
    window.__bench = { lat: [], t0: null, want: null };
    input.addEventListener("keydown", () => { window.__bench.t0 = performance.now(); }, true);
    const lr = () => [...root.querySelectorAll(".pg-fig")]
        .find((d) => d.querySelector("dt").textContent === "Learning rate")
        ?.querySelector("dd").textContent;
    new MutationObserver(() => {
        const b = window.__bench;
        if (b.t0 !== null && lr() === input.getAttribute("aria-valuetext")) {
            b.lat.push(performance.now() - b.t0); b.t0 = null;
        }
    }).observe(root, { attributes: true, attributeFilter: ["data-frame"] });
}"""


def key_while_training(browser: Any, base: str, presses: int) -> list[float]:
    """Learning-rate slider key → first drawn frame showing the new rate, while playing."""
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    page.goto(f"{base}/sims/{PG}?{PG}.epoch_limit=50000")
    page.wait_for_function(f"() => document.querySelector('{ROOT_SEL}').dataset.frame >= 1")
    page.click(f'{ROOT_SEL} [data-action="play"]')
    page.wait_for_function(f"() => document.querySelector('{ROOT_SEL}').dataset.epoch >= 10")
    page.evaluate(INSTRUMENT_LR, ROOT_SEL)
    page.focus(f"#{PG}-lr")
    for i in range(presses):
        page.keyboard.press("ArrowLeft" if i % 2 == 0 else "ArrowRight")
        # polled every 50 ms, not every frame: see POLL_MS in bench/run.py
        page.wait_for_function("n => window.__bench.lat.length >= n", arg=i + 1, polling=50)
    lat: list[float] = page.evaluate("window.__bench.lat")
    ctx.close()
    return lat


def scale(counts: list[int], seconds: float) -> list[dict[str, float]]:
    """n browser-like sessions at the defaults (no epoch limit) on a fresh server in cookie mode
    (a class: one engine process per core); memory counts the server and its engine processes."""
    import tempfile

    rows = []
    with tempfile.TemporaryDirectory(prefix="deepbook-scale-") as tmp:
        srv = live_server.start_server(
            f"sqlite:///{tmp}/scale.db", env={"DEEPBOOK_LEARNER_MODE": "cookie"}
        )
        try:
            pid = srv.proc.pid
            time.sleep(4.0)  # the engine processes load every live sim once (torch included)
            for n in counts:
                idle = live_load.tree_mb(pid)
                peak: list[float] = []

                async def probe(until: float, box: list[float] = peak) -> None:
                    while time.perf_counter() < until:
                        await asyncio.sleep(0.5)
                        box.append(live_load.tree_mb(pid))

                async def both(n: int = n) -> dict[str, float]:
                    until = time.perf_counter() + 1.0 + seconds
                    row, _ = await asyncio.gather(
                        live_load.scaling(srv.url, n, seconds, PG, NO_LIMIT), probe(until)
                    )
                    return row

                row = asyncio.run(both())
                row["mb_per_session"] = (max(peak, default=idle) - idle) / n
                rows.append(row)
                time.sleep(1.5)  # the sessions close
        finally:
            srv.stop()
    return rows


def main() -> int:
    import argparse

    from playwright.sync_api import sync_playwright

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tf-anchor", type=Path, default=TF_ANCHOR)
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--scale", type=int, nargs="*", default=[1, 10, 25, 50])
    args = ap.parse_args()
    with __import__("tempfile").TemporaryDirectory() as tmp:
        srv = live_server.start_server(f"sqlite:///{tmp}/pg.db")
        try:
            with sync_playwright() as pw:
                b = pw.chromium.launch(
                    executable_path=str(live_server.CHROMIUM), args=live_server.CHROMIUM_ARGS
                )
                print("tf", tf_playground(b, args.tf_anchor, args.seconds))
                print("ours", ours(b, srv.url, args.seconds))
                print("solve", time_to_solve(b, srv.url))
                lat = sorted(key_while_training(b, srv.url, 30))
                print("key p50/p95", lat[len(lat) // 2], lat[int(len(lat) * 0.95)])
                b.close()
        finally:
            srv.stop()
    for row in scale(args.scale, 5.0):
        print(row)
    return 0


if __name__ == "__main__":
    sys.exit(main())
