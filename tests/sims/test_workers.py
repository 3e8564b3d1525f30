"""Worker processes for a sim's heavy jobs: the same results as in-process, CPU reported, a dead
worker replaced, errors passed on, and scikit-learn kept out of the process that asks."""

import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from deepbook.sims import WORKER_MODULES
from deepbook.sims import decision_boundaries as db
from deepbook.sims.workers import LOCAL, Workers


@pytest.fixture(scope="module")
def workers():
    cpu: list[float] = []
    w = Workers(2, WORKER_MODULES, on_cpu=cpu.append)
    w.cpu = cpu  # type: ignore[attr-defined]
    yield w
    w.close()


def test_fits_on_worker_processes_equal_fits_in_this_thread(workers):
    v = db.PARAMS.validate({"dataset": "moons", "seed": 5})
    here = db.compute(v, db.setup(LOCAL))
    there = db.compute(v, db.setup(workers))
    assert np.array_equal(here.arrays["proba"], there.arrays["proba"])
    assert np.array_equal(here.arrays["wrong"], there.arrays["wrong"])
    for a, b in zip(here.meta["classifiers"], there.meta["classifiers"], strict=True):
        assert (
            a["train_accuracy"] == b["train_accuracy"] and a["test_accuracy"] == b["test_accuracy"]
        )
    assert all(not f.proba.flags.writeable for f in db.fitted(v, db.setup(workers), ("knn", "mlp")))


def test_the_cpu_time_of_every_job_is_reported_to_the_asker(workers):
    workers.cpu.clear()
    db.compute(db.PARAMS.validate({"seed": 6}), db.setup(workers))
    assert len(workers.cpu) == 7 and all(c > 0 for c in workers.cpu)


def test_a_job_that_raises_raises_in_the_asker(workers):
    with pytest.raises(ValueError, match="math domain error"):
        workers.submit(math.sqrt, -1.0).result()
    assert workers.map(math.sqrt, [4.0, 9.0]) == [2.0, 3.0]  # and the workers go on


def test_a_killed_worker_is_replaced_and_its_job_run_again(workers):
    workers.map(math.sqrt, [1.0, 4.0])  # the pool has its processes
    pool = workers._pool
    for pid in list(pool._processes):
        os.kill(pid, signal.SIGKILL)
    assert workers.map(math.factorial, [5, 6, 7]) == [120, 720, 5040]
    assert workers._pool is not pool


def test_in_this_thread_jobs_run_at_once_and_errors_come_with_the_result():
    pending = LOCAL.submit(math.factorial, 4)
    assert pending.result() == 24
    failed = LOCAL.submit(math.sqrt, -1.0)
    with pytest.raises(ValueError):
        failed.result()
    with pytest.raises(ValueError, match="0 or more"):
        Workers(-1)


def test_closed_workers_refuse_jobs():
    w = Workers(1)
    w.close()
    with pytest.raises(RuntimeError, match="closed"):
        w.submit(math.sqrt, 4.0)


def test_fitting_on_workers_keeps_scikit_learn_out_of_the_asking_process():
    code = (
        "import sys\n"
        "from deepbook.sims import WORKER_MODULES, decision_boundaries as db\n"
        "from deepbook.sims.workers import Workers\n"
        "w = Workers(1, WORKER_MODULES)\n"
        "frame = db.SPEC.load(workers=w).run({'cost': 1})\n"
        "assert len(frame.meta['classifiers']) == 7 and frame.meta['cost']['sizes'] == [100]\n"
        "assert 'sklearn' not in sys.modules, 'sklearn was imported'\n"
        "w.close()\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_the_workers_and_their_fork_server_end_when_the_asking_process_is_killed():
    script = (
        "import os, sys, time\n"
        "from multiprocessing import forkserver\n"
        "from deepbook.sims.workers import Workers\n"
        "w = Workers(2)\n"
        "w.map(abs, [1, 2])\n"
        "print(*w._pool._processes, forkserver._forkserver._forkserver_pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        pids = [int(p) for p in proc.stdout.readline().split()]
        assert len(pids) == 3 and all(_alive(p) for p in pids)
    finally:
        proc.kill()
        proc.wait()
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(p) for p in pids), "a worker or the fork server outlived its server"


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has ended (its parent has not reaped it yet)


def test_a_knn_refit_alone_is_shaded_in_halves_by_both_workers_and_equals_one_fit(workers):
    v = db.PARAMS.validate({"view": "focus", "classifier": "knn", "knn_k": 23, "seed": 9})
    here = db.compute(v, db.setup(LOCAL))
    r = db.setup(workers)
    workers.cpu.clear()
    there = db.compute(v, r)
    assert len(workers.cpu) == 2  # two jobs: each fitted kNN and shaded half of the map
    assert np.array_equal(here.arrays["proba"], there.arrays["proba"])
    assert here.arrays["proba"].shape == (1, db.G, db.G)
    a, b = here.meta["classifiers"][0], there.meta["classifiers"][0]
    assert (a["train_accuracy"], a["test_accuracy"]) == (b["train_accuracy"], b["test_accuracy"])
    assert b["predict_ms"] > 0 and r.fits.misses == 1


def test_warming_up_runs_knn_alone_on_every_worker(workers):
    workers.cpu.clear()
    db.SPEC.load(workers=workers).warm()
    # the defaults (seven fits), then kNN alone, shaded in halves on both workers
    assert len(workers.cpu) == 7 + 2
