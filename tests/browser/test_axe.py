"""axe-core (Deque's accessibility engine, from the npm registry, pinned by sha256) on every page
kind in both themes and on a phone: no violations. The tarball is fetched once with `npm pack`
into the pytest cache."""

from __future__ import annotations

import hashlib
import io
import subprocess
import tarfile
from pathlib import Path
from typing import Any

import pytest

from deepbook.content import SLUGS
from deepbook.sims import REGISTRY

pytestmark = pytest.mark.browser

AXE = "axe-core@4.11.0"
AXE_SHA256 = "39bed7d72308f6d620789c169d699bfd7e8da80f65b545821a6b2215c3e83107"
PAGES = [
    "/",
    "/glossary",
    "/models",
    "/models/digits_cnn",
    "/models/digits_vae",
    *[f"/chapters/{slug}" for slug in SLUGS],
    *[f"/sims/{sim}" for sim in REGISTRY],
]


@pytest.fixture(scope="session")
def axe_source(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("axe")
    out = subprocess.run(
        ["npm", "pack", AXE, "--silent", "--pack-destination", str(folder)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    tarball = folder / out.stdout.strip().splitlines()[-1]
    data = Path(tarball).read_bytes()
    assert hashlib.sha256(data).hexdigest() == AXE_SHA256, f"{AXE}'s tarball changed"
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        member = tar.extractfile("package/axe.min.js")
        assert member is not None
        return member.read().decode()


RUN = """async () => {
    const r = await axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => `${v.id}: ${v.nodes.length} × ${v.nodes[0].target.join(" ")}`);
}"""


@pytest.mark.parametrize(
    ("scheme", "width"), [("light", 1280), ("dark", 1280), ("light", 390), ("dark", 390)]
)
def test_no_accessibility_violations(
    make_page: Any, axe_source: str, scheme: str, width: int
) -> None:
    page = make_page(viewport={"width": width, "height": 900}, color_scheme=scheme, bypass_csp=True)
    found = []
    for path in PAGES:
        page.goto(path)
        page.wait_for_load_state("networkidle")
        page.wait_for_function(
            "() => [...document.querySelectorAll('[data-sim]')]"
            ".every((s) => Number(s.dataset.frame) >= 1)"
        )
        page.evaluate(axe_source)
        found += [f"{path}: {v}" for v in page.evaluate(RUN)]
    assert not found, "\n".join(found)
