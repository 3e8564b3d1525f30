"""Every page works under the strict Content-Security-Policy: no violation is reported."""

from __future__ import annotations

from typing import Any

import pytest

from deepbook.content import load_course
from deepbook.models import MODELS
from deepbook.settings import Settings
from deepbook.sims import REGISTRY

pytestmark = pytest.mark.browser

PAGES = [
    "/",
    "/glossary",
    *(f"/chapters/{c.slug}" for c in load_course(Settings().content_dir).chapters),
    *(f"/sims/{sim_id}" for sim_id in REGISTRY),
    "/models",
    *(f"/models/{name}" for name in MODELS),
    "/chapters/no-such-chapter",
]

LISTEN = """() => {
    window.__csp = [];
    document.addEventListener("securitypolicyviolation", (e) =>
        window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}`));
}"""


def test_every_page_loads_under_the_csp_with_no_violation(page: Any, js_errors: Any) -> None:
    js_errors.allow(r"status of 404")  # the missing chapter's own page
    page.add_init_script(f"({LISTEN})()")
    seen = {}
    for path in PAGES:
        response = page.goto(path)
        assert response is not None
        csp = response.headers["content-security-policy"]
        assert "'unsafe-inline'" not in csp and "script-src 'self'" in csp
        page.wait_for_load_state("networkidle")
        sims = page.locator("[data-sim]")
        for i in range(sims.count()):  # every sim on the page has drawn (scripts really ran)
            key = sims.nth(i).get_attribute("data-key")
            page.wait_for_function(
                "k => Number(document.querySelector(`[data-key='${k}']`).dataset.frame) >= 1",
                arg=key,
            )
        seen[path] = page.evaluate("window.__csp")
    assert {p: v for p, v in seen.items() if v} == {}
    # the theme applied before first paint still works without an inline script
    page.evaluate("localStorage.setItem('deepbook-theme', 'dark')")
    page.goto("/")
    assert page.evaluate("document.documentElement.dataset.theme") == "dark"
