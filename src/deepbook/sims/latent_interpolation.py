"""Chapter 7's walk through latent space, with the autoencoders deepbook trained on MNIST.

Two endpoints A and B, each a held-out digit (its mean code), the reader's drawing (prepared as
MNIST's digits were, then encoded), a point the reader dragged on a map, or a draw from the prior
N(0, I). Between them, a path: straight (`lerp`) or, for the 16-D VAE, also spherical (`slerp`).
Along the path, every t from 0.00 to 1.00 in steps of 0.01 is decoded (the "film", so moving t or
playing needs no new decoding) and judged by the digits CNN (`digits_cnn`): its class and
confidence. A strip of n images at evenly spaced t. How far each point of the path is from the
nearest held-out digit's code, in units of the distance that 95 % of those codes are within of
their own nearest neighbour: above 1, the path is in a hole, a region no digit was mapped to.

Two views:
- `compare`: the plain autoencoder and the VAE, both with 2-D codes, side by side on the same
  endpoint digits. Their maps are their own latent planes (each model's codes differ).
- `vae16`: the 16-D VAE, the straight and the spherical path side by side, drawn on the plane of
  the codes' first two principal directions, with ‖z‖ along both paths against the shell where
  prior draws lie (`models/walks.py`).

Below both: draws from the prior N(0, I) decoded by each of the three models, with the CNN's
verdict, and the CNN's mean confidence over 100 draws per model.

Map coordinates: every map is the square [−1, 1]² over the box its card records (2-D codes) or
over the principal plane's box (16-D); dragged endpoints (`ae_ends`, `vae_ends`) are in these
units.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from deepbook.models import shipped
from deepbook.models.coders import Coder, codes
from deepbook.models.ink import prepare
from deepbook.models.walks import lerp, shell, slerp
from deepbook.sims.base import SimSpec
from deepbook.sims.cache import LRU
from deepbook.sims.distances import blocks
from deepbook.sims.frames import Frame
from deepbook.sims.inputs import Image, Pixels, Points, PointSet
from deepbook.sims.params import Bool, Choice, Float, Int, ParamError, Params, param
from deepbook.sims.workers import LOCAL, Workers

STEPS = 100  # the film: t = 0.00, 0.01, …, 1.00
TS = np.arange(STEPS + 1) / STEPS
GRID = 15  # decoded images a side behind a map
PRIOR_DRAWS, PRIOR_SHOWN = 100, 10
DIGITS = 2000  # the held-out digits shipped with the models
CODERS = {
    "ae": ("digits_ae", "Autoencoder"),
    "vae": ("digits_vae", "Variational autoencoder"),
    "vae16": ("digits_vae16", "VAE, 16-D code"),
}
VIEWS = (
    ("compare", "Autoencoder and VAE (2-D codes)"),
    ("vae16", "16-D VAE: straight and spherical"),
)
# endpoints that show something at first sight: a 1 and a 0, whose straight path crosses an
# empty region of the autoencoder's map while the VAE's stays among digits (tests check this)
DEFAULT_A, DEFAULT_B = 287, 30


def _moved(label: str, model: str) -> Points:
    return Points(
        label,
        extent=(-1.0, 1.0),
        max_count=2,
        classes=2,
        group="data",
        help=(
            f"Where A (class 0) and B (class 1) were dragged on the {model}'s map, from -1 to 1 "
            "across it; empty: at the chosen digits."
        ),
    )


@dataclass(frozen=True)
class Settings:
    """latent_interpolation's parameters."""

    view: str = param(
        Choice(
            "Models",
            options=VIEWS,
            default="compare",
            group="model",
            help="Compare the two 2-D models, or walk the 16-D VAE two ways.",
        )
    )
    ends: str = param(
        Choice(
            "Endpoints from",
            options=(("digits", "Held-out digits or drawings"), ("prior", "Two prior draws")),
            default="digits",
            group="data",
            help="Encode two digits (or your drawings), or draw A and B from N(0, I).",
        )
    )
    a: int = param(
        Int(
            "Digit A",
            min=0,
            max=DIGITS - 1,
            default=DEFAULT_A,
            group="data",
            help="Which of the 2,000 held-out digits is A (encoded by each model).",
        )
    )
    b: int = param(
        Int(
            "Digit B",
            min=0,
            max=DIGITS - 1,
            default=DEFAULT_B,
            group="data",
            help="Which held-out digit is B.",
        )
    )
    a_drawing: Image = param(
        Pixels("Your drawing for A", group="data", help="Ink here replaces digit A.")
    )
    b_drawing: Image = param(
        Pixels("Your drawing for B", group="data", help="Ink here replaces digit B.")
    )
    ae_ends: PointSet = param(_moved("Moved on the autoencoder's map", "autoencoder"))
    vae_ends: PointSet = param(_moved("Moved on the VAE's map", "VAE"))
    t: float = param(
        Float(
            "t",
            min=0.0,
            max=1.0,
            step=0.01,
            default=0.0,
            group="view",
            help="Where along the path: 0 at A, 1 at B.",
        )
    )
    n: int = param(
        Int("Images along the path", min=5, max=15, default=9, group="view", help="The strip.")
    )
    manifold: bool = param(
        Bool("Decoded images behind the map", default=False, group="view", help="")
    )
    seed: int = param(
        Int(
            "Prior seed",
            min=0,
            max=9999,
            default=0,
            group="data",
            help="Seeds the prior draws: the endpoints drawn from N(0, I) and the samples below.",
        )
    )

    def __post_init__(self) -> None:
        for name in ("ae_ends", "vae_ends"):
            labels = getattr(self, name).labels
            if len(set(labels.tolist())) < len(labels):
                raise ParamError(name, "at most one moved A (class 0) and one moved B (class 1)")


PARAMS = Params(Settings)


@dataclass(frozen=True)
class Coded:
    """One autoencoder with the held-out digits' codes and its map."""

    key: str
    title: str
    model: shipped.Model
    codes: np.ndarray  # (DIGITS, d) mean codes, float64
    centre: np.ndarray  # (d,) the map's centre in latent space
    basis: np.ndarray  # (d, 2) latent directions of the map's two axes (orthonormal)
    half: float  # half the map's side, in latent units
    spacing: float  # 95 % of codes are at most this far from their nearest neighbour
    nearest: Nearest  # the codes, for nearest-neighbour distances
    axes: tuple[str, str]

    @property
    def coder(self) -> Coder:
        return self.model.coder

    @property
    def dims(self) -> int:
        return int(self.codes.shape[1])

    def to_map(self, z: np.ndarray) -> np.ndarray:
        """Latent points (N, d) → map coordinates (N, 2), the map spanning [−1, 1]²."""
        out: np.ndarray = (z - self.centre) @ self.basis / self.half
        return out

    def from_map(self, p: np.ndarray) -> np.ndarray:
        """Map coordinates (N, 2) → latent points on the map's plane (N, d)."""
        out: np.ndarray = self.centre + (p * self.half) @ self.basis.T
        return out

    def decode(self, z: np.ndarray) -> np.ndarray:
        """Images (N, 28, 28) in [0, 1], float32."""
        with torch.no_grad():
            out: np.ndarray = self.coder.decode(torch.from_numpy(z).float()).numpy()
        return out

    def encode(self, x: np.ndarray) -> np.ndarray:
        """Mean codes (N, d) of [0, 1] images (N, 28, 28)."""
        with torch.no_grad():
            out: np.ndarray = self.coder.encode(torch.from_numpy(x).float()[:, None])[0].numpy()
        return out.astype(np.float64)

    def gaps(self, z: np.ndarray) -> np.ndarray:
        """For each point (N, d): the distance to the nearest held-out code, in `spacing`s; above
        1, the point is in a hole."""
        out: np.ndarray = self.nearest.distances(z) / self.spacing
        return out


class Nearest:
    """Distances to the nearest of some fixed points, by brute force: for 2,000 codes a matrix
    product is fast enough, and scipy.spatial's k-d tree would cost the server 0.25 s to import."""

    def __init__(self, points: np.ndarray) -> None:
        self.points = points
        self.squares = (points**2).sum(axis=1)

    def distances(self, z: np.ndarray, others: bool = False) -> np.ndarray:
        """For each row of z (N, d), the distance to the nearest point; `others`: z is the points
        themselves, and each one's nearest other point is meant."""
        best = np.empty(len(z))
        for i, d2 in blocks(z, self.points, self.squares):  # less ‖z‖², the same for every p
            if others:
                d2[np.arange(len(d2)), np.arange(i, i + len(d2))] = np.inf
            best[i : i + len(d2)] = d2.min(axis=1)
        out: np.ndarray = np.sqrt(np.maximum(best + (z**2).sum(axis=1), 0.0))
        return out


def _coded(key: str, model: shipped.Model) -> Coded:
    z = codes(model.coder, model.images)
    nearest = Nearest(z)
    spacing = float(np.percentile(nearest.distances(z, others=True), 95))
    if "map" in model.card:
        box = np.array(model.card["map"], dtype=np.float64)
        centre, half = box.mean(axis=1), float((box[:, 1] - box[:, 0]).max() / 2)
        basis, axes = np.eye(2), ("z₁", "z₂")
    else:  # the principal plane of the codes, with a square over the middle 99 % of them
        centre = z.mean(axis=0)
        _, _, vt = np.linalg.svd(z - centre, full_matrices=False)
        basis = vt[:2].T * np.sign(vt[:2].sum(axis=1))  # a fixed orientation
        p = (z - centre) @ basis
        lo, hi = np.percentile(p, [0.5, 99.5], axis=0)
        centre = centre + ((lo + hi) / 2) @ basis.T
        half = float((hi - lo).max() / 2 * 1.15)
        axes = ("principal direction 1", "principal direction 2")
    title = CODERS[key][1]
    return Coded(key, title, model, z, centre, basis, half, spacing, nearest, axes)


@dataclass(frozen=True)
class Resources:
    """The CNN that judges, the three autoencoders, and caches (shared read-only)."""

    cnn: shipped.Model
    judge_net: torch.nn.Module  # the CNN's own weights in channels-last layout: its max-pooling
    # runs 5× faster so, than in the default layout (the same answers)
    coded: dict[str, Coded]
    images: np.ndarray  # the held-out digits (DIGITS, 28, 28) uint8
    labels: np.ndarray
    paths: LRU[tuple[object, ...], dict[str, Any]]
    priors: LRU[int, dict[str, Any]]
    manifolds: LRU[str, np.ndarray]


def setup(workers: Workers = LOCAL) -> Resources:
    cnn = shipped.load("digits_cnn")
    coded = {key: _coded(key, shipped.load(name)) for key, (name, _) in CODERS.items()}
    images, labels = coded["ae"].model.images, coded["ae"].model.labels
    # torch's stubs do not list Module.to's memory_format
    judge_net = copy.deepcopy(cnn.cnn).to(memory_format=torch.channels_last)  # type: ignore[call-overload]
    return Resources(cnn, judge_net, coded, images, labels, LRU(64), LRU(16), LRU(4))


def judge(r: Resources, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The digits CNN's class (uint8) and confidence (float32) for [0, 1] images (N, 28, 28)."""
    t = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))[:, None]
    with torch.no_grad():
        probs = torch.softmax(r.judge_net(t.contiguous(memory_format=torch.channels_last)), 1)
    conf, cls = probs.max(dim=1)
    return cls.numpy().astype(np.uint8), conf.numpy().astype(np.float32)


def to_uint8(x: np.ndarray) -> np.ndarray:
    out: np.ndarray = np.rint(np.clip(x, 0.0, 1.0) * 255).astype(np.uint8)
    return out


def prior_draws(seed: int, dims: int, n: int) -> np.ndarray:
    """n draws from N(0, I_dims), the same for the same seed."""
    return np.random.default_rng([seed, dims]).standard_normal((n, dims))


@dataclass(frozen=True)
class End:
    """One endpoint in one model: its code and where it came from."""

    z: np.ndarray
    source: str


def endpoint(v: Settings, r: Resources, c: Coded, which: str) -> End:
    """Endpoint `which` ("a" or "b") in model c, by precedence: dragged on this map, a prior
    draw, a drawing, a held-out digit."""
    k = 0 if which == "a" else 1
    moved = getattr(v, f"{c.key}_ends", None) if v.view == "compare" else None
    if moved is not None and k in moved.labels:
        p = moved.xy[list(moved.labels).index(k)]
        return End(c.from_map(p[None])[0], f"moved to ({p[0]:.2f}, {p[1]:.2f}) on the map")
    if v.ends == "prior":
        return End(prior_draws(v.seed, c.dims, 2)[k], f"a draw from N(0, I) (seed {v.seed})")
    drawing: Image = getattr(v, f"{which}_drawing")
    if any(drawing.data):
        return End(c.encode(prepare(drawing.array)[None])[0], "your drawing")
    i = getattr(v, which)
    return End(c.codes[i].copy(), f"held-out digit #{i} (a {int(r.labels[i])})")


def walk(
    r: Resources, c: Coded, za: np.ndarray, zb: np.ndarray, how: str, n: int
) -> dict[str, Any]:
    """One panel's path, decoded and judged (cached by model, endpoints, kind and n)."""
    key = (c.key, za.tobytes(), zb.tobytes(), how, n)

    def make() -> dict[str, Any]:
        path = (slerp if how == "spherical" else lerp)(za, zb, TS)
        strip = (slerp if how == "spherical" else lerp)(za, zb, np.arange(n) / (n - 1))
        images = c.decode(np.concatenate([path, strip]))
        cls, conf = judge(r, images)
        gaps = c.gaps(path)
        return {
            "film": to_uint8(images[: STEPS + 1]),
            "strip": to_uint8(images[STEPS + 1 :]),
            "film_class": cls[: STEPS + 1],
            "film_conf": conf[: STEPS + 1],
            "strip_class": cls[STEPS + 1 :],
            "strip_conf": conf[STEPS + 1 :],
            "path": c.to_map(path).astype(np.float32),
            "gap": gaps.astype(np.float32),
            "norm": np.linalg.norm(path, axis=1).astype(np.float32),
        }

    return r.paths.get_or_make(key, make)


def manifold(r: Resources, c: Coded) -> np.ndarray:
    """GRID × GRID decoded images tiling the map (row 0 at the top: the largest second axis)."""

    def make() -> np.ndarray:
        centres = (np.arange(GRID) + 0.5) / GRID * 2 - 1
        xx, yy = np.meshgrid(centres, centres[::-1])
        tiles = to_uint8(c.decode(c.from_map(np.stack([xx.ravel(), yy.ravel()], axis=1))))
        return tiles.reshape(GRID, GRID, 28, 28).transpose(0, 2, 1, 3).reshape(GRID * 28, -1)

    return r.manifolds.get_or_make(c.key, make)


def priors(r: Resources, seed: int) -> dict[str, Any]:
    """Each model's decodes of PRIOR_DRAWS draws from N(0, I), judged by the CNN (cached)."""

    def make() -> dict[str, Any]:
        out: dict[str, Any] = {"meta": [], "arrays": {}}
        for key, c in r.coded.items():
            images = c.decode(prior_draws(seed + 1, c.dims, PRIOR_DRAWS).astype(np.float64))
            cls, conf = judge(r, images)
            out["meta"].append(
                {
                    "model": key,
                    "title": c.title,
                    "mean_confidence": round(float(conf.mean()), 4),
                    "classes": cls[:PRIOR_SHOWN].tolist(),
                    "confidence": [round(float(p), 4) for p in conf[:PRIOR_SHOWN]],
                }
            )
            out["arrays"][f"prior_{key}"] = to_uint8(images[:PRIOR_SHOWN])
        return out

    return r.priors.get_or_make(seed, make)


def compute(v: Settings, r: Resources) -> Frame:
    """The two panels, the prior samples, and where t is."""
    if v.view == "compare":
        panels = [(r.coded["ae"], "straight"), (r.coded["vae"], "straight")]
    else:
        panels = [(r.coded["vae16"], "straight"), (r.coded["vae16"], "spherical")]
    i = round(v.t * STEPS)
    arrays: dict[str, np.ndarray] = {"labels": r.labels.astype(np.uint8)}
    metas = []
    for p, (c, how) in enumerate(panels):
        a, b = endpoint(v, r, c, "a"), endpoint(v, r, c, "b")
        w = walk(r, c, a.z, b.z, how, v.n)
        if p == 0 or panels[0][0] is not c:
            arrays[f"dots{p}"] = c.to_map(c.codes).astype(np.float32)
            if v.manifold:
                arrays[f"manifold{p}"] = manifold(r, c)
        arrays |= {f"{k}{p}": w[k] for k in w}
        worst = int(np.argmax(w["gap"]))
        metas.append(
            {
                "model": c.key,
                "title": c.title,
                "path": how,
                "dims": c.dims,
                "axes": list(c.axes),
                "map_half": c.half,
                "map_centre": c.centre.tolist() if c.dims == 2 else None,
                "draggable": v.view == "compare",
                "dots": f"dots{p}" if f"dots{p}" in arrays else "dots0",
                "manifold": (f"manifold{p}" if f"manifold{p}" in arrays else "manifold0")
                if v.manifold
                else None,
                "a": {"map": w["path"][0].tolist(), "source": a.source},
                "b": {"map": w["path"][-1].tolist(), "source": b.source},
                "prediction_a": int(w["film_class"][0]),
                "prediction_b": int(w["film_class"][-1]),
                "prediction_t": int(w["film_class"][i]),
                "confidence_t": float(w["film_conf"][i]),
                "mean_confidence": round(float(w["film_conf"].mean()), 4),
                "widest_gap": round(float(w["gap"][worst]), 3),
                "hole_share": round(float((w["gap"] > 1).mean()), 4),
                "widest_gap_t": round(float(TS[worst]), 2),
            }
        )
    prior = priors(r, v.seed)
    arrays |= prior["arrays"]
    meta: dict[str, Any] = {
        "view": v.view,
        "t": round(i / STEPS, 2),
        "steps": STEPS,
        "n": v.n,
        "panels": metas,
        "prior": prior["meta"],
        "prior_draws": PRIOR_DRAWS,
        "grid": GRID if v.manifold else 0,
        "classes": r.cnn.classes,
    }
    if v.view == "vae16":
        s = shell(r.coded["vae16"].dims)
        meta["shell"] = {"dims": s.dims, "mean": s.mean, "low": s.low, "high": s.high}
    return Frame(meta=meta, arrays=arrays)


SPEC = SimSpec(
    id="latent_interpolation",
    title="Walking through latent space",
    chapter="generative-models",
    summary=(
        "Slide between two digits through the codes of a real autoencoder and a VAE, and see "
        "where the autoencoder's latent space has holes."
    ),
    params=PARAMS,
    kind="instant",
    compute=compute,
    setup=setup,
)
