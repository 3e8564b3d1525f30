"""Spelling of the course text: codespell over content/ (the same check `make lint` runs)."""

import shutil
import subprocess
import sys
from pathlib import Path

from deepbook.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_content_has_no_misspellings():
    exe = shutil.which("codespell", path=str(Path(sys.executable).parent)) or "codespell"
    r = subprocess.run(
        [exe, "--toml", str(ROOT / "pyproject.toml"), str(Settings().content_dir)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stdout + r.stderr
