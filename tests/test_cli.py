"""The `deepbook` command line, run as users run it."""

import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent / "deepbook"


def run(*args, **kw):
    return subprocess.run([str(BIN), *args], capture_output=True, text=True, timeout=120, **kw)


def test_help_lists_the_commands():
    r = run("--help")
    assert r.returncode == 0
    assert "serve" in r.stdout and "check" in r.stdout
    r = run("serve", "--help")
    assert "--no-open" in r.stdout and "--db" in r.stdout and "--port" in r.stdout


def test_check_passes_on_the_shipped_content():
    r = run("check")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("ok: ") and "2 simulations" in r.stdout


def test_check_fails_with_a_readable_list(tmp_path):
    (tmp_path / "chapters" / "02-x").mkdir(parents=True)
    (tmp_path / "chapters" / "02-x" / "chapter.md").write_text("no front matter\n")
    r = run("check", "--content", str(tmp_path))
    assert r.returncode == 1
    assert "1 problem(s)" in r.stderr and "missing front matter" in r.stderr


def test_engines_import_without_the_web_layer():
    code = (
        "import sys, deepbook.sims, deepbook.content, deepbook.store, deepbook.models\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('fastapi', 'starlette', 'uvicorn')"
        " or m.startswith('deepbook.web')]\n"
        "assert not bad, bad\n"
        "from deepbook.sims import get\n"
        "print(get('activations').run({}).meta['depth'])\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "10"


def test_nothing_imports_the_web_layer_but_itself_and_the_cli():
    src = Path(__file__).parents[1] / "src" / "deepbook"
    for f in src.rglob("*.py"):
        if f.is_relative_to(src / "web") or f.name == "cli.py":
            continue
        assert "deepbook.web" not in f.read_text(), f
    for layer in ("sims", "content", "store"):
        for f in (src / layer).rglob("*.py"):
            text = f.read_text()
            others = (
                {"sims", "content", "store"} - {layer} - ({"models"} if layer == "sims" else set())
            )
            for other in others:
                assert f"deepbook.{other}" not in text, f"{f} imports deepbook.{other}"
