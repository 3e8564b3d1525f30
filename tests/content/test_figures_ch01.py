"""The figures of chapters 0 and 1 print numbers computed by their own code: each number is checked
here against an independent computation (scikit-image's Sobel filters and HOG, scikit-learn's
PCA and k-means, closed forms), in the drawing and in the alt text a screen reader speaks."""

import re

import numpy as np
import pytest

from deepbook.figures import FIGURES, THEMES
from deepbook.figures import classical as ch1
from deepbook.figures import vision as ch0

NEW = ("sobel-gradients", "hog-cells", "eigen-digits", "visual-words")


def minus(s: str) -> str:
    return s.replace("-", "−")


@pytest.mark.parametrize("fid", NEW)
def test_the_themes_differ_only_in_colour(fid):
    light, dark = (FIGURES[fid].draw(t).decode() for t in THEMES)
    assert light != dark
    strip = lambda s: re.sub(r"#[0-9a-f]{6}", "", s)  # noqa: E731
    assert strip(light) == strip(dark)


@pytest.mark.parametrize("fid", NEW)
def test_text_is_legible_and_the_figure_fits_a_page(fid):
    fig = FIGURES[fid]
    svg = fig.draw("light").decode()
    sizes = [float(s) for s in re.findall(r'font-size="([\d.]+)"', svg)]
    assert sizes and min(sizes) >= 12
    assert fig.width <= 720


# Chapter 0: Sobel


def test_the_sobel_kernel_is_the_chapters_worked_example():
    """Columns of brightness 10, 10 and 80: G_x = 280, G_y = 0; +50 leaves it, ×2 doubles it."""
    patch = np.array([[10, 10, 80]] * 3)
    gx, gy = ch0.sobel(patch)
    assert gx[1, 1] == 280 and gy[1, 1] == 0
    assert ch0.sobel(patch + 50)[0][1, 1] == 280
    assert ch0.sobel(patch * 2)[0][1, 1] == 560


def test_the_sobel_images_equal_scikit_images_filters():
    from skimage import filters

    img = ch0.cameraman()
    assert img.shape == (240, 240) and img.dtype == np.uint8
    gx, gy = ch0.sobel(img)
    f = img.astype(float)
    # scikit-image's kernels are ours divided by 4; its magnitude is √((h² + v²)/2)
    np.testing.assert_allclose(gx, 4 * filters.sobel_v(f), atol=1e-9)
    np.testing.assert_allclose(gy, 4 * filters.sobel_h(f), atol=1e-9)
    mag = 4 * np.sqrt(2) * filters.sobel(f)
    np.testing.assert_allclose(np.hypot(gx, gy), mag, atol=1e-9)
    svg = FIGURES["sobel-gradients"].draw("light").decode()
    alt = FIGURES["sobel-gradients"].alt
    for g in (4 * filters.sobel_v(f), 4 * filters.sobel_h(f)):
        lo, hi = minus(f"{g.min():,.0f}"), f"{g.max():,.0f}"
        assert f"from {lo} to {hi}</text>" in svg and f"from {lo} to {hi}" in alt
    assert f"from 0 to {mag.max():,.0f}</text>" in svg and f"from 0 to {mag.max():,.0f}" in alt


# Chapter 0: HOG


def test_the_hog_cells_equal_scikit_images_hog():
    """Our cells measure angles counter-clockwise (y up); scikit-image's rows run downwards, so
    its HOG of the window flipped upside down has the same cells in the opposite row order."""
    from skimage.feature import hog

    img = ch0.hog_window()
    assert img.shape == (128, 64)
    hist = ch0.cell_histograms(img)
    assert hist.shape == (16, 8, 9)
    theirs = hog(img[::-1].astype(float), orientations=9, pixels_per_cell=(8, 8),
                 cells_per_block=(1, 1), block_norm="L1", feature_vector=False)  # fmt: skip
    theirs = theirs[::-1, :, 0, 0, :]
    np.testing.assert_allclose(hist / (hist.sum(axis=2, keepdims=True) + 1e-5), theirs, atol=1e-6)
    # the bins share out each cell's mean gradient magnitude (central differences, 0 on the rim)
    f = img.astype(float)
    gr, gc = np.gradient(f)
    gr[[0, -1], :] = 0
    gc[:, [0, -1]] = 0
    mag = 2 * np.hypot(gr, gc)
    np.testing.assert_allclose(hist.sum(axis=2), mag.reshape(16, 8, 8, 8).mean(axis=(1, 3)))


def test_the_hog_figure_prints_the_chapters_3780_and_the_marked_cells_bins():
    from skimage.feature import hog

    img = ch0.hog_window()
    full = hog(img, orientations=9, pixels_per_cell=(8, 8), cells_per_block=(2, 2))
    assert ch0.hog_length(img) == (105, 36, full.size) == (105, 36, 3780)  # chapter 0's numbers
    fig = FIGURES["hog-cells"]
    svg = fig.draw("dark").decode()
    assert "105 × 36</text>" in svg and "= 3,780 numbers</text>" in svg and "3,780" in fig.alt
    hist = ch0.cell_histograms(img)
    r, q = ch0.marked_cell(hist)
    assert hist[r, q].max() == hist.max()
    for v in hist[r, q]:
        assert f">{v:.0f}</text>" in svg
    assert f"{hist[r, q, 0]:.0f} in the 0–20° bin" in fig.alt and hist[r, q].argmax() == 0
    assert f"{hist[r, q, 8]:.0f} in the 160–180° bin" in fig.alt
    assert sorted(hist[r, q])[-3] < 5.5  # "5 or less in the others"


# Chapter 1: eigen-digits


def test_the_eigen_digits_are_scikit_learns_pca():
    from sklearn.datasets import load_digits
    from sklearn.decomposition import PCA

    x = load_digits().data
    pca = PCA().fit(x)
    mean, comps, shares = ch1.digits_pca()
    np.testing.assert_allclose(mean, pca.mean_)
    np.testing.assert_allclose(shares, pca.explained_variance_ratio_, atol=1e-12)
    for mine, theirs in zip(comps[:7], pca.components_[:7], strict=True):
        assert abs(mine @ theirs) == pytest.approx(1.0, abs=1e-9)  # the same axis, up to sign
    fig = FIGURES["eigen-digits"]
    svg = fig.draw("light").decode()
    ratios = pca.explained_variance_ratio_
    for k in range(7):
        assert f">{ratios[k]:.1%}</text>" in svg and f"{ratios[k]:.1%}" in fig.alt
    total = f"{ratios[:7].sum():.1%}"
    assert f"carry {total} of the variance" in svg and f"together {total}" in fig.alt
    cumulative = np.cumsum(ratios)
    need80 = int(np.argmax(cumulative >= 0.8)) + 1
    need90 = int(np.argmax(cumulative >= 0.9)) + 1
    assert f"80% takes {need80} of the 64 components, and 90% takes {need90}." in svg
    assert f"80% takes {need80} of the 64 components, and 90% takes {need90}." in fig.alt


# Chapter 1: bag of visual words


@pytest.fixture(scope="module")
def words():
    return ch1.vocabulary()


def test_every_photo_gives_961_normalised_patches():
    img = ch1.photo("chelsea")
    assert img.shape == (128, 128) and img.dtype == np.uint8
    p = ch1.patches(img)
    assert p.shape == (((128 - 8) // 4 + 1) ** 2, 64) == (961, 64)
    np.testing.assert_allclose(p.mean(axis=1), 0, atol=1e-12)
    assert np.linalg.norm(p, axis=1).max() < 1
    raw = img[0:8, 4:12].astype(float).ravel()  # the second patch: rows 0–7, columns 4–11
    raw -= raw.mean()
    np.testing.assert_allclose(p[1], raw / (np.linalg.norm(raw) + 80))


def test_the_vocabulary_is_scikit_learns_k_means_most_used_first(words):
    from sklearn.cluster import KMeans

    centres, n = words
    x = np.concatenate([ch1.patches(ch1.photo(name)) for name in ch1.PHOTOS])
    assert n == len(x) == 6 * 961 == 5766
    km = KMeans(n_clusters=8, n_init=4, random_state=0).fit(x)
    gaps = ((centres[:, None, :] - km.cluster_centers_[None]) ** 2).sum(axis=2)
    assert sorted(gaps.argmin(axis=1)) == list(range(8)) and gaps.min(axis=1).max() < 1e-18
    usage = sum(ch1.word_histogram(ch1.photo(name), centres) for name in ch1.PHOTOS)
    assert usage.sum() == 5766 and list(usage) == sorted(usage, reverse=True)
    # Lloyd's fixed point: each word is the mean of the patches nearest it
    nearest = ((x[:, None, :] - centres[None]) ** 2).sum(axis=2).argmin(axis=1)
    for k in range(8):
        np.testing.assert_allclose(x[nearest == k].mean(axis=0), centres[k], atol=1e-3)


def test_each_histogram_counts_every_patch_once_by_its_nearest_word(words):
    from sklearn.metrics import pairwise_distances_argmin

    centres, _ = words
    fig = FIGURES["visual-words"]
    svg = fig.draw("light").decode()
    for name in ("chelsea", "coins"):
        counts = ch1.word_histogram(ch1.photo(name), centres)
        assert counts.sum() == 961
        want = np.bincount(
            pairwise_distances_argmin(ch1.patches(ch1.photo(name)), centres), minlength=8
        )
        assert list(counts) == list(want)
        assert ", ".join(map(str, counts[:-1])) + f" and {counts[-1]}" in fig.alt
        for n in counts:
            assert f">{n}</text>" in svg
    assert svg.count(": 961 patches</text>") == 2 and "k-means on 5,766</text>" in svg


# Placement: each figure once, next to the text about what it shows, with a short caption


PLACES = {
    "sobel-gradients": ("00-why-learning", "**Edges.**", "**SIFT.**"),
    "hog-cells": ("00-why-learning", "**HOG.**", "| feature | year |"),
    "visual-words": ("01-classical-ml", "The **bag of visual words**", "::: sim unsupervised\n"),
    "eigen-digits": ("01-classical-ml", "*eigenfaces*", "::: sim unsupervised key=pca"),
}


@pytest.mark.parametrize("fid", NEW)
def test_each_figure_sits_where_its_chapter_discusses_it(fid):
    from deepbook.settings import Settings

    folder, after, before = PLACES[fid]
    src = (Settings().content_dir / "chapters" / folder / "chapter.md").read_text()
    assert src.count(f"::: figure {fid}\n") == 1
    at = src.index(f"::: figure {fid}\n")
    assert src.index(after) < at < src.index(before)
    caption = src[at:].split("\n:::\n", 1)[0].split("\n", 1)[1]
    assert 8 <= len(caption.split()) <= 50
