"""schemathesis, with every check, against a real `deepbook serve`: no 5xx, statuses, content
types, headers and bodies as /openapi.json documents them, schema-valid input accepted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import live_server

pytestmark = pytest.mark.slow
ST = Path(sys.executable).parent / "schemathesis"


def test_the_api_conforms_to_its_schema(tmp_path: Path) -> None:
    srv = live_server.start_server(f"sqlite:///{tmp_path / 'st.db'}")
    try:
        r = subprocess.run(
            [str(ST), "run", f"{srv.url}/openapi.json", "--checks", "all",
             "--max-examples", "40", "--seed", "1", "--no-color"],
            capture_output=True, text=True, timeout=600,
        )  # fmt: skip
    finally:
        srv.stop()
    summary = r.stdout[r.stdout.find("SUMMARY") :]
    assert r.returncode == 0, r.stdout[-6000:]
    assert "passed" in summary and "failures" not in summary.lower(), summary
    print(summary)  # test cases generated, for the record
