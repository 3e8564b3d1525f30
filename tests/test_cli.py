"""The `deepbook` command line, run as users run it."""

import ast
import subprocess
import sys
from pathlib import Path

from deepbook.sims import REGISTRY

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
    assert r.stdout.startswith("ok: ") and f"{len(REGISTRY)} simulations" in r.stdout


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


# Which deepbook packages each layer may import (imports point one way: web → the rest).
ALLOWED = {
    "sims": {"sims", "models"},
    "models": {"models"},
    "content": {"content", "figures"},
    "figures": {"figures", "models", "sims"},
    "store": {"store"},
    "web": {"web", "sims", "models", "content", "figures", "store", "settings", "__init__"},
}


def _imports(path: Path) -> set[str]:
    """The deepbook modules a file imports, read from its syntax tree (not by grepping text)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return {m for m in found if m == "deepbook" or m.startswith("deepbook.")}


def test_imports_point_one_way():
    src = Path(__file__).parents[1] / "src" / "deepbook"
    for layer, allowed in ALLOWED.items():
        for f in (src / layer).rglob("*.py"):
            for module in _imports(f):
                parts = module.split(".")
                target = parts[1] if len(parts) > 1 else "__init__"
                assert target in allowed, f"{f.relative_to(src)} imports {module}"
    for f in src.glob("*.py"):  # cli.py, settings.py: only the CLI reaches into web
        if f.name != "cli.py":
            assert not any(m.startswith("deepbook.web") for m in _imports(f)), f


def test_the_import_check_sees_a_bad_import(tmp_path):
    bad = tmp_path / "x.py"
    bad.write_text("def f():\n    from deepbook.web import app\n")
    assert _imports(bad) == {"deepbook.web"}


def test_the_registry_is_lazy_and_one_engine_imports_only_what_it_needs():
    code = (
        "import sys\n"
        "import deepbook.sims\n"
        "assert not [m for m in sys.modules if m.startswith('deepbook.sims.') and m not in "
        "('deepbook.sims.base', 'deepbook.sims.frames', 'deepbook.sims.params',"
        " 'deepbook.sims.workers')]\n"
        "from deepbook.sims import get\n"
        "get('activations').run({})\n"
        "assert 'sklearn' not in sys.modules\n"
        "assert 'deepbook.sims.gradient_descent' not in sys.modules\n"
        "print('ok')\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "ok"


def test_serve_refuses_to_start_with_an_altered_model(tmp_path):
    """A weights file that does not match its card: a clear message naming the file and what
    to run, exit 1, no traceback."""
    import shutil

    from deepbook.models.shipped import SHIPPED

    models = tmp_path / "models"
    shutil.copytree(SHIPPED, models)
    weights = models / "digits_cnn.safetensors"
    weights.write_bytes(weights.read_bytes()[:-8] + b"\0" * 8)
    env = {**__import__("os").environ, "DEEPBOOK_MODELS_DIR": str(models)}
    r = run("serve", "--no-open", "--port", "0", "--db", f"sqlite:///{tmp_path / 'x.db'}", env=env)
    assert r.returncode == 1
    assert "deepbook cannot start:" in r.stderr and "digits_cnn.safetensors" in r.stderr
    assert "deepbook train digits_cnn" in r.stderr and "Traceback" not in r.stderr


def test_train_and_data_refuse_unknown_names():
    r = run("train", "resnet50")
    assert r.returncode == 2 and "no model 'resnet50'; known: digits_cnn" in r.stderr
    r = run("data", "cifar10", "--dest", "/nonexistent-never-written")
    assert r.returncode == 1 and "no data set 'cifar10'" in r.stderr
