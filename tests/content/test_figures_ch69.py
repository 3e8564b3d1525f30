"""The figures of chapters 6, 7 and 9, checked against independent computations: the augmented
copies against numpy, PyTorch and SciPy; the overfitting run's marked epoch against the plotted
curve and its final loss against scikit-learn; the autoencoders' error against PyTorch's MSE and
their model cards; the backbone's shapes against the course's own stage table; the depth curve
against Z = fB/d. Alt text and captions must state the numbers the code computes."""

import base64
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from deepbook.content import load_course
from deepbook.figures import FIGURES, THEMES
from deepbook.figures import connections as cx
from deepbook.figures import training as tr
from deepbook.figures.png import png
from deepbook.settings import Settings

SVG = "{http://www.w3.org/2000/svg}"
COURSE = load_course(Settings().content_dir)
OURS = {
    "training-techniques": ["augmented-copies", "overfitting-curves"],
    "generative-models": ["autoencoder-reconstructions"],
    "connections": ["backbone-heads", "depth-from-disparity"],
}


def svg(fid: str, theme: str = "light") -> ET.Element:
    return ET.fromstring(FIGURES[fid].draw(theme))


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text")]


def embedded(pixels: np.ndarray) -> str:
    return "data:image/png;base64," + base64.b64encode(png(pixels)).decode()


def images(root: ET.Element) -> list[str]:
    return [i.get("href", "") for i in root.iter(f"{SVG}image")]


def points(el: ET.Element) -> np.ndarray:
    return np.array([[float(v) for v in p.split(",")] for p in el.get("points", "").split()])


def caption(slug: str, fid: str) -> str:
    src = COURSE.chapter(slug).source.read_text()
    m = re.search(rf"^::: figure {fid}\n(.*?)\n:::$", src, re.M | re.S)
    assert m, fid
    return m.group(1)


@pytest.mark.parametrize("slug", OURS)
def test_each_figure_is_placed_once_in_its_chapter_with_a_short_caption(slug):
    src = COURSE.chapter(slug).source.read_text()
    for fid in OURS[slug]:
        assert src.count(f"::: figure {fid}\n") == 1
        assert 5 <= len(caption(slug, fid).split()) <= 40


def test_the_autoencoder_figure_sits_in_the_autoencoders_section():
    src = COURSE.chapter("generative-models").source.read_text()
    at = src.index("::: figure autoencoder-reconstructions")
    assert src.index("## Autoencoders") < at < src.index("## Variational autoencoders")


@pytest.mark.parametrize("fid", [f for fs in OURS.values() for f in fs])
def test_our_figures_fit_a_page_and_use_the_themes_colours(fid):
    fig = FIGURES[fid]
    assert fig.width <= 720
    light, dark = fig.draw("light").decode(), fig.draw("dark").decode()
    strip = lambda s: re.sub(r"#[0-9a-f]{6}", "", s)  # noqa: E731
    assert light != dark and strip(light) == strip(dark)
    for theme in THEMES:
        root = svg(fid, theme)
        sizes = [float(t.get("font-size", "0")) for t in root.iter(f"{SVG}text")]
        assert sizes and min(sizes) >= 12


# --- chapter 6: augmented copies ------------------------------------------------------------


def test_the_augmented_copies_are_what_numpy_torch_and_scipy_give():
    from scipy import ndimage

    x = tr.cat()
    assert x.shape == (150, 225) and x.dtype == np.uint8
    copies = tr.augmentations()
    (_, _, original, _), (_, _, flipped, _) = copies[:2]
    assert np.array_equal(original, x)
    assert np.array_equal(flipped, x[:, ::-1])
    # the crop: the drawn window stretched back to full size (bilinear, as PyTorch does it)
    _, detail, cropped, p = copies[2]
    top, left, h, w = p["box"]
    assert 0.08 * x.size <= h * w <= x.size and 3 / 4 - 0.02 <= w / h <= 4 / 3 + 0.02
    assert detail == f"{round(100 * h * w / x.size)}% of the area, resized"
    window = torch.from_numpy(x[top : top + h, left : left + w].astype(np.float64))[None, None]
    want = F.interpolate(window, size=x.shape, mode="bilinear", align_corners=False)[0, 0]
    assert np.abs(want.numpy() - cropped)[2:-2, 2:-2].max() <= 1
    # the rotation: SciPy's bilinear rotation about the centre (away from the black corners)
    _, detail, rotated, p = copies[3]
    assert 5 <= abs(p["angle"]) <= 20
    want = ndimage.rotate(x.astype(np.float64), p["angle"], reshape=False, order=1)
    assert np.abs(want - rotated)[20:-20, 40:-40].max() <= 1
    assert detail == f"{abs(p['angle']):.1f}° " + (
        "anticlockwise" if p["angle"] > 0 else "clockwise"
    )
    # the jitter: brightness multiplies; contrast stretches about the mean grey
    _, detail, jittered, p = copies[4]
    y = np.minimum(x * p["b"], 255)
    y = np.clip(y.mean() + p["c"] * (y - y.mean()), 0, 255)
    assert np.abs(y - jittered).max() <= 0.5 + 1e-9
    assert detail == f"×{p['b']:.2f}, ×{p['c']:.2f}"
    # all at once: the same four, in order, with their own draws
    _, _, both, p = copies[5]
    want = tr.jitter(tr.rotate(tr.crop(x[:, ::-1], p["box"]), p["angle"]), p["b"], p["c"])
    assert np.array_equal(both, want)
    # the figure shows exactly these six pictures, with their details, in both themes
    for theme in THEMES:
        root = svg("augmented-copies", theme)
        assert images(root) == [embedded(c[2]) for c in copies]
        assert all(c[1] in texts(root) for c in copies)


def test_the_augmentation_alt_text_states_the_drawn_parameters():
    alt = FIGURES["augmented-copies"].alt
    copies = tr.augmentations()
    _, _, h, w = copies[2][3]["box"]
    angle = copies[3][3]["angle"]
    assert f"crop of {round(100 * h * w / tr.cat().size)}% of the photo's area" in alt
    assert (
        f"rotated {abs(angle):.1f} degrees {'clockwise' if angle < 0 else 'anticlockwise'}" in alt
    )
    assert (
        f"brightness scaled by {copies[4][3]['b']:.2f} and contrast by {copies[4][3]['c']:.2f}"
        in alt
    )


# --- chapter 6: overfitting ------------------------------------------------------------------


def test_the_overfitting_run_is_deterministic_and_overfits():
    run = tr.overfit_run()
    again = tr.overfit_run.__wrapped__()
    for key in ("train_loss", "val_loss", "val_acc"):
        assert np.array_equal(run[key], again[key]), key
    tl, vl = run["train_loss"], run["val_loss"]
    assert len(tl) == len(vl) == tr.EPOCHS
    best = int(np.argmin(vl))
    assert 0 < best < tr.EPOCHS - 10  # a real minimum, well before the end
    assert vl[-1] > 1.5 * vl[best] and tl[-1] < 0.1 * tl[0]  # memorising while getting worse
    # the last epoch's numbers, recomputed independently from the final network's outputs
    from sklearn.metrics import log_loss

    probs, labels = run["val_probs"], run["val_labels"]
    assert log_loss(labels, probs, labels=range(10)) == pytest.approx(vl[-1], abs=1e-5)
    assert (probs.argmax(1) == labels).mean() == pytest.approx(run["val_acc"][-1])
    assert run["validation"] == 1797 - tr.TRAIN and 0 < run["wrong"] < tr.TRAIN


def test_the_overfitting_figure_marks_the_lowest_point_of_the_plotted_validation_curve():
    run = tr.overfit_run()
    vl, acc = run["val_loss"], run["val_acc"]
    best = int(np.argmin(vl))
    root = svg("overfitting-curves", "dark")
    lines = [p for p in root.iter(f"{SVG}polyline") if len(points(p)) == tr.EPOCHS]
    assert len(lines) == 2
    val = points(lines[0])  # drawn first, under the training curve
    lowest = val[np.argmax(val[:, 1])]  # SVG y grows downwards
    (dot,) = root.iter(f"{SVG}circle")
    assert float(dot.get("cx")) == pytest.approx(lowest[0], abs=0.06)
    assert float(dot.get("cy")) == pytest.approx(lowest[1], abs=0.06)
    # the training curve is the other one, and its values map back to the losses
    train = points(lines[1])
    losses = np.concatenate([vl, run["train_loss"]])
    ys = np.concatenate([val[:, 1], train[:, 1]])
    fit = np.polyfit(losses, ys, 1)  # one linear map from loss to height for both curves
    assert fit[0] < 0 and np.abs(np.polyval(fit, losses) - ys).max() <= 0.06
    shown = texts(root)
    assert f"lowest validation loss {vl[best]:.2f} at epoch {best + 1}" in shown
    assert f"validation accuracy {acc[best]:.1%} there, {acc[-1]:.1%} at epoch {tr.EPOCHS}" in shown
    assert f"validation {vl[-1]:.2f}" in shown and f"training {run['train_loss'][-1]:.2f}" in shown


def test_the_overfitting_alt_text_and_caption_state_the_runs_numbers():
    run = tr.overfit_run()
    tl, vl, acc = run["train_loss"], run["val_loss"], run["val_acc"]
    best = int(np.argmin(vl))
    alt = FIGURES["overfitting-curves"].alt
    for s in (f"{run['wrong']} of them with a wrong label", f"other {run['validation']:,}",
              f"from {tl[0]:.2f} to {tl[-1]:.2f} over {tr.EPOCHS}", f"{vl[best]:.2f}, at epoch "
              f"{best + 1}", f"to {vl[-1]:.2f}", f"from {acc[best]:.1%} there to {acc[-1]:.1%}",
              f"{tr.HIDDEN} ReLU", f"on {tr.TRAIN} of"):  # fmt: skip
        assert s in alt, s
    assert f"{run['wrong']} of them with wrong labels" in caption(
        "training-techniques", "overfitting-curves"
    )


# --- chapter 7: autoencoder reconstructions --------------------------------------------------


def test_the_reconstruction_errors_are_pytorchs_mse_and_the_model_cards():
    from deepbook.models import shipped

    sample = shipped.load("digits_cnn")
    x = torch.from_numpy(sample.images).float() / 255
    originals, rebuilt = tr.reconstructions()
    assert [int(sample.labels[(sample.images == o).all((1, 2))][0]) for o in originals] == list(
        range(10)
    )
    root = svg("autoencoder-reconstructions")
    shown = texts(root)
    alt = FIGURES["autoencoder-reconstructions"].alt
    for name, label in tr.CODERS:
        model = shipped.load(name)
        with torch.no_grad():
            mse = F.mse_loss(model.coder(x[:, None]), x).item()  # forward() decodes the mean code
        pixels, printed = rebuilt[name]
        assert printed == pytest.approx(mse, rel=1e-5)
        assert printed == pytest.approx(model.card["held_out"]["mse"], abs=1e-6)
        assert f"error {mse:.3f}" in shown and label in shown
        assert f"{mse:.3f}" in alt
        assert model.coder.latent == 2 and "2-D code" in shown
        with torch.no_grad():
            want = model.coder(torch.from_numpy(originals).float()[:, None] / 255).numpy() * 255
        assert np.abs(want - pixels).max() <= 0.5 + 1e-4
    rows = [originals, *[rebuilt[name][0] for name, _ in tr.CODERS]]
    assert images(root) == [embedded(digit) for row in rows for digit in row]
    assert f"all {len(sample.images):,} held-out digits" in alt
    assert f"all {len(sample.images):,} held-out digits" in caption(
        "generative-models", "autoencoder-reconstructions"
    )


def test_the_classifier_reads_the_4_as_a_9_and_the_9_as_a_7_as_the_alt_text_says():
    from deepbook.models import shipped

    cnn = shipped.load("digits_cnn")
    originals, rebuilt = tr.reconstructions()
    assert list(cnn.predict(originals).argmax(1)) == list(range(10))
    for name, _ in tr.CODERS:
        read = cnn.predict(rebuilt[name][0]).argmax(1)
        assert read[4] == 9 and read[9] == 7
    assert "turn the 4 into something like a 9 and the 9 into a 7" in (
        FIGURES["autoencoder-reconstructions"].alt
    )
    assert "a 4 can return as a 9" in caption("generative-models", "autoencoder-reconstructions")


# --- chapter 9: backbone and heads -----------------------------------------------------------


def test_the_backbone_and_head_shapes_are_what_torch_gives():
    from deepbook.models import shipped
    from deepbook.models.nets import stages

    s = cx.shapes()
    model = shipped.load("fashion_cnn")
    convs = torch.nn.Sequential(*list(model.cnn.children())[:-2])  # without flatten and fc
    table = {f"pool{i // 3 + 1}": st for i, st in enumerate(stages(convs, side=cx.SIDE))}
    assert s["blocks"] == [table[f"pool{b}"].shape for b in range(1, 5)]
    assert s["blocks"] == [(16, 112, 112), (32, 56, 56), (64, 28, 28), (64, 14, 14)]
    fc = model.cnn.fc
    assert s["backbone_params"] == int(model.card["parameters"]) - fc.weight.numel() - 10
    side = cx.SIDE // 16
    assert s["heads"] == {"classify": (10,), "boxes": (4 + 1 + 10, side, side),
                          "segment": (10, cx.SIDE, cx.SIDE)}  # fmt: skip
    assert s["head_params"] == {"classify": 64 * 10 + 10, "boxes": 64 * 15 + 15,
                                "segment": 64 * 10 + 10}  # fmt: skip
    # the classifier head on the pooled features is the shipped network on a 28 × 28 image
    img = torch.from_numpy(model.images[:4]).float()[:, None] / 255
    with torch.no_grad():
        got = cx.heads(64)["classify"](cx.backbone()(img))
        assert torch.allclose(got, model.cnn(img), atol=1e-5)


def test_the_backbone_figure_prints_the_computed_shapes():
    s = cx.shapes()
    dims = lambda t: " × ".join(map(str, t))  # noqa: E731
    for theme in THEMES:
        shown = texts(svg("backbone-heads", theme))
        for shape in s["blocks"]:
            assert dims(shape) in shown
        for key, shape in s["heads"].items():
            assert f"output {dims(shape)}" in shown
            assert f"{s['head_params'][key]:,} parameters" in shown
        assert f"{s['backbone_params']:,} parameters" in shown and "1 × 224 × 224" in shown
    alt = FIGURES["backbone-heads"].alt
    for shape in [*s["blocks"], *s["heads"].values()]:
        assert dims(shape) in alt
    assert f"{s['backbone_params']:,} parameters" in alt
    for n in s["head_params"].values():
        assert f"{n:,} parameters" in alt


# --- chapter 9: depth from disparity ---------------------------------------------------------


def test_the_depth_curve_is_fb_over_d_with_the_chapters_numbers():
    assert round(cx.FOCAL * cx.BASELINE, 9) == 378
    root = svg("depth-from-disparity")
    shown = texts(root)
    for da, db in cx.STEPS:
        za, zb = 378 / da, 378 / db
        assert cx.depth(da) == pytest.approx(za) and cx.depth(db) == pytest.approx(zb)
        assert f"Z = {za:.3g} → {zb:.3g} m" in shown
        assert f"one pixel = {abs(zb - za):.2g} m" in shown
    assert "Z = 10.5 → 10.8 m" in shown and "Z = 54 → 63 m" in shown  # the chapter's sentence
    src = COURSE.chapter("connections").source.read_text()
    assert "$Z = 378/35 = 10.8$ m, and 36 px means 10.5 m" in src and "a 9 m error" in src
    # the plotted curve: depth times disparity is constant along it
    curve = max(root.iter(f"{SVG}polyline"), key=lambda p: len(points(p)))
    xy = points(curve)
    fig = FIGURES["depth-from-disparity"]
    d = (xy[:, 0] - 56) / (fig.width - 56 - 24) * 60
    z = (fig.height - 48 - xy[:, 1]) / (fig.height - 48 - 34) * 100
    assert np.allclose(d * z, 378, rtol=0.01)
    alt = fig.alt
    for s in ("10.5 to 10.8 m, by 0.3 m", "54 to 63 m, by 9 m", "fB = 378"):
        assert s in alt
