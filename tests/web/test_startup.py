"""What `deepbook serve` begins before it imports torch: worker processes, one of which renders
the course, and an app that takes it and serves the same pages."""

import subprocess
import sys

import pytest
from fastapi.testclient import TestClient

from deepbook.content import load_course
from deepbook.web.app import create_app
from deepbook.web.startup import begin


def test_the_course_rendered_by_a_worker_serves_the_same_pages(settings):
    begun = begin(settings)
    assert begun is not None and begun.workers.processes == settings.worker_processes
    course = begun.course.result(timeout=60)
    assert course == load_course(settings.content_dir) and len(course.chapters) == 10
    with TestClient(create_app(settings, begun)) as c:
        assert c.get("/healthz").status_code == 200
        page = c.get("/chapters/classical-ml")
        assert page.status_code == 200 and "decision_boundaries" in page.text
        r = c.post("/api/sims/decision_boundaries", json={"dataset": "xor"})
        assert r.status_code == 200
    assert begun.workers._pool is None  # closed with the app


def test_without_worker_processes_the_server_does_everything_itself(settings):
    assert begin(settings.model_copy(update={"job_processes": 0})) is None


def test_a_course_with_problems_rendered_by_a_worker_stops_the_start(settings, tmp_path):
    begun = begin(settings.model_copy(update={"content_dir": tmp_path / "missing"}))
    assert begun is not None
    try:
        with pytest.raises(RuntimeError, match="no chapters folder"):
            create_app(settings, begun)
    finally:
        begun.workers.close()


def test_starting_and_serving_the_classifiers_imports_no_scikit_learn_in_the_server(tmp_path):
    # the decision-boundary sim's fits run in the workers; the server only sends them jobs (a
    # chapter's figures may use scikit-learn later, drawn in the background)
    code = (
        "import sys\n"
        "from fastapi.testclient import TestClient\n"
        "from deepbook.settings import Settings\n"
        "from deepbook.web.app import create_app\n"
        "from deepbook.web.startup import begin\n"
        f"s = Settings(database_url='sqlite:///{tmp_path / 'x.db'}', open_browser=False,\n"
        "             allowed_hosts=['testserver'], job_processes=2)\n"
        "with TestClient(create_app(s, begin(s))) as c:\n"
        "    r = c.post('/api/sims/decision_boundaries', json={'dataset': 'moons', 'cost': 1})\n"
        "    assert r.status_code == 200, r.text\n"
        "assert 'sklearn' not in sys.modules, 'the server imported scikit-learn'\n"
        "print('ok')\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.strip().endswith("ok")
