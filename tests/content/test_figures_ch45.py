"""Chapters 4 and 5's figures: every number they print checked against an independent oracle
(SciPy's correlation, a closed form, a gradient, the chapter's own text), their alt text states
the same numbers, and they stay legible in both themes."""

import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from scipy.signal import correlate2d
from torch import nn

from deepbook.content import load_course
from deepbook.figures import FIGURES, conv
from deepbook.figures import architectures as arch
from deepbook.models import nets
from deepbook.settings import Settings

CH4 = ("conv-photo", "receptive-fields")
CH5 = ("residual-blocks", "inception-module", "unet-shapes", "vit-patches")
COURSE = load_course(Settings().content_dir)


def chapter(slug: str) -> str:
    ch = COURSE.chapter(slug)
    assert ch is not None
    return ch.source.read_text().replace("{,}", ",")


def svg(fid: str, theme: str = "light") -> str:
    return FIGURES[fid].draw(theme).decode()


@pytest.mark.parametrize("fid", CH4 + CH5)
def test_placed_in_its_chapter_legible_and_the_same_in_both_themes(fid):
    slug = "convolutional-networks" if fid in CH4 else "architectures"
    assert f"::: figure {fid}\n" in chapter(slug)
    fig = FIGURES[fid]
    assert fig.width <= 720
    light, dark = svg(fid, "light"), svg(fid, "dark")
    sizes = [float(s) for s in re.findall(r'font-size="([\d.]+)"', light)]
    assert sizes and min(sizes) >= 12
    strip = lambda s: re.sub(r"#[0-9a-f]{6}", "", s)  # noqa: E731
    assert light != dark and strip(light) == strip(dark)
    assert light == svg(fid, "light")  # deterministic


# Chapter 4 -------------------------------------------------------------------------------------


def test_conv_matches_scipy_and_the_chapters_worked_example():
    x = conv.photo()
    assert x.shape == (128, 128) and x.dtype == np.uint8
    w, y = conv.edge_response(x)
    assert w.tolist() == [[-1, 0, 1]] * 3
    np.testing.assert_array_equal(y, correlate2d(x.astype(float), w, mode="valid"))
    # The chapter's 5 × 5 patch and its output, through the same function.
    patch = np.array(
        [[1, 1, 2, 8, 9], [1, 2, 1, 9, 8], [2, 1, 1, 8, 9], [1, 1, 2, 9, 9], [2, 1, 1, 8, 8]]
    )
    assert conv.edge_response(patch)[1].tolist() == [[0, 21, 22], [0, 22, 22], [-1, 22, 22]]


@pytest.mark.parametrize(
    ("n", "k", "p", "s", "m"),
    [
        (5, 3, 0, 1, 3),
        (5, 3, 1, 1, 5),
        (224, 3, 1, 1, 224),
        (224, 7, 3, 2, 112),
        (224, 2, 0, 2, 112),
        (227, 11, 0, 4, 55),
        (224, 11, 0, 4, 54),
    ],
)
def test_output_size_formula_is_the_chapters_table_and_torchs_shape(n, k, p, s, m):
    assert conv.out_size(n, k, p, s) == m
    out = F.conv2d(torch.zeros(1, 1, n, n), torch.zeros(1, 1, k, k), padding=p, stride=s)
    assert out.shape[-1] == m


def test_conv_photo_prints_the_computed_window_and_size():
    x = conv.photo()
    _, y = conv.edge_response(x)
    i, j = conv.marked(y)
    assert y[i, j] == y.max()
    window = x[i : i + 3, j : j + 3].astype(int)
    value = int(window[:, 2].sum() - window[:, 0].sum())
    assert value == y[i, j]
    right = " + ".join(map(str, window[:, 2]))
    left = " + ".join(map(str, window[:, 0]))
    sum_line = f"({right}) − ({left}) = {value}"
    size_line = f"(128 + 2·0 − 3)/1 + 1 = {conv.out_size(128, 3, 0, 1)}"
    text = svg("conv-photo")
    assert f"{sum_line}</text>" in text and f"{size_line}</text>" in text
    assert "output: 126 × 126" in text and "input: 128 × 128" in text
    alt = FIGURES["conv-photo"].alt
    assert sum_line in alt and "126 × 126" in alt and "(128 + 0 − 3)/1 + 1" in alt


def brute_force_field(stage: str) -> tuple[int, list[int]]:
    """The input pixels the centre cell of `stage` depends on, from autograd: the digits net
    with all-ones filters and average pooling (same sizes and strides), so every pixel the cell
    can see has a nonzero gradient. Returns the side of that square and its [r0, r1, c0, c1)."""
    layers: list[nn.Module] = []
    for name, layer in nets.digits_cnn().named_children():
        if isinstance(layer, nn.Conv2d):
            c = nn.Conv2d(layer.in_channels, layer.out_channels, layer.kernel_size)
            nn.init.ones_(c.weight)
            nn.init.zeros_(c.bias)
            layers.append(c)
        elif isinstance(layer, nn.MaxPool2d):
            layers.append(nn.AvgPool2d(layer.kernel_size, layer.stride))
        else:
            layers.append(layer)
        if name == stage:
            break
    x = torch.ones(1, 1, 28, 28, requires_grad=True)
    out = nn.Sequential(*layers)(x)
    h = out.shape[-1] // 2
    out[0, 0, h, h].backward()
    assert x.grad is not None
    rows, cols = np.nonzero(x.grad[0, 0].numpy())
    r0, r1, c0, c1 = rows.min(), rows.max() + 1, cols.min(), cols.max() + 1
    assert r1 - r0 == c1 - c0
    return int(r1 - r0), [int(r0), int(r1), int(c0), int(c1)]


def test_receptive_fields_match_a_closed_form_and_autograd():
    rows = conv.rf_rows()
    assert [r["name"] for r in rows] == ["conv1", "pool1", "conv2", "pool2"]
    # Closed form: r = 1 + Σ (k_l − 1) ∏_{m<l} s_m, with the digits net's (k, s).
    ks = [(3, 1), (2, 2), (3, 1), (2, 2)]
    for n, row in enumerate(rows):
        closed = 1 + sum(
            (k - 1) * int(np.prod([s for _, s in ks[:m]])) for m, (k, _) in enumerate(ks[: n + 1])
        )
        side, box = brute_force_field(row["name"])
        assert row["rf"] == closed == side
        h = row["shape"][1] // 2
        assert nets.window(nets.digits_cnn(), row["name"], h, h) == box
    assert [r["rf"] for r in rows] == [3, 4, 8, 10]
    assert [r["shape"] for r in rows] == [(32, 26, 26), (32, 13, 13), (64, 11, 11), (64, 5, 5)]
    text = svg("receptive-fields", "dark")
    for r in rows:
        assert f"sees {r['rf']} × {r['rf']}</text>" in text
        assert f"output {' × '.join(map(str, r['shape']))}</text>" in text
    assert "1 + 2 = 3,   3 + 1 = 4,   4 + 4 = 8,   8 + 2 = 10</text>" in text
    assert "10 after the second pooling" in chapter("convolutional-networks")
    alt = FIGURES["receptive-fields"].alt
    assert "1 + 2 = 3, 3 + 1 = 4, 4 + 4 = 8, 8 + 2 = 10" in alt
    assert all(f"{r['rf']} × {r['rf']} after {r['name']}" in alt for r in rows)


# Chapter 5 -------------------------------------------------------------------------------------


def test_residual_blocks_count_the_chapters_weights():
    nums = arch.residual_numbers()
    basic, neck = nums["basic"], nums["bottleneck"]
    assert [x["weights"] for x in neck["layers"]] == [256 * 64, 9 * 64 * 64, 64 * 256]
    assert neck["total"] == 69_632 == 16_384 + 36_864 + 16_384
    assert basic["total"] == 73_728 == 2 * 9 * 64 * 64
    assert neck["input"] == neck["output"] == (256, 56, 56)
    assert basic["input"] == basic["output"] == (64, 56, 56)
    text, ch, alt = svg("residual-blocks"), chapter("architectures"), FIGURES["residual-blocks"].alt
    for n in ("69,632", "73,728", "16,384", "36,864"):
        assert n in ch and n in alt and f"{n} weights</text>" in text
    assert "0.94 × the weights, a stream 4 × as wide" in text


def test_inception_module_counts_and_shapes():
    nums = arch.inception_numbers()
    weights = [[x["weights"] for x in b["layers"]] for b in nums["branches"]]
    assert weights == [
        [192 * 64],
        [192 * 96, 9 * 96 * 128],
        [192 * 16, 25 * 16 * 32],
        [0, 192 * 32],
    ]
    assert nums["direct_5x5"] == 153_600 and nums["reduced_5x5"] == 15_872
    assert nums["output"] == (64 + 128 + 32 + 32, 28, 28) == (256, 28, 28)
    assert nums["total"] == sum(map(sum, weights)) == 163_328
    text, ch = svg("inception-module"), chapter("architectures")
    alt = FIGURES["inception-module"].alt
    assert "153,600" in ch and "15,872" in ch and "192 channels at 28 × 28" in ch
    for n in ("153,600", "15,872", "163,328", "110,592", "12,800"):
        assert n in alt and n in text
    assert "concatenate: 64 + 128 + 32 + 32 = 256 × 28 × 28</text>" in text


def unet_params_closed_form() -> int:
    w = (64, 128, 256, 512, 1024)
    conv3 = lambda i, o: 9 * i * o + o  # noqa: E731
    down = sum(conv3(1 if i == 0 else w[i - 1], c) + conv3(c, c) for i, c in enumerate(w))
    up = sum(
        4 * w[i + 1] * w[i] + w[i] + conv3(2 * w[i], w[i]) + conv3(w[i], w[i]) for i in range(4)
    )
    return down + up + 64 * 2 + 2


def test_unet_shapes_follow_the_chapter_and_the_arithmetic():
    nums = arch.unet_numbers()
    enc, dec = nums["encoder"], nums["decoder"]
    size, expect = 572, []
    for i in range(5):  # two unpadded 3 × 3 convs (−2 each), then 2 × 2 pooling (÷2)
        if i:
            size //= 2
        expect.append([size, size - 2, size - 4])
        size -= 4
    assert [e["sizes"] for e in enc] == expect
    assert [e["channels"] for e in enc] == [64, 128, 256, 512, 1024]
    for i in reversed(range(4)):  # up-conv (×2), two convs (−4)
        assert dec[i]["sizes"] == [2 * size, 2 * size - 2, 2 * size - 4]
        assert dec[i]["crop"] == (enc[i]["sizes"][-1], 2 * size)
        size = 2 * size - 4
    assert nums["output"] == (2, 388, 388) and nums["convs"] == 23
    assert nums["params"] == unet_params_closed_form()
    ch = chapter("architectures")
    assert "23 convolutional layers" in ch and "388 × 388" in ch and "≈ 31 M by our count" in ch
    assert "32 × 32" in ch and "28 × 28 with 1,024 channels" in ch
    assert round(nums["params"] / 1e6) == 31
    text, alt = svg("unet-shapes"), FIGURES["unet-shapes"].alt
    assert f"{nums['params']:,} parameters</text>" in text and f"{nums['params']:,}" in alt
    assert "572 → 570 → 568</text>" in text and "392 → 390 → 388</text>" in text
    assert "crop 64 → 56</text>" in text and "388 × 388 × 2 class scores</text>" in text


def test_vit_patches_are_the_crops_blocks_and_a_strided_convolution():
    nums = arch.vit_numbers()
    crop, patches = nums["crop"], nums["patches"]
    assert crop.shape == (224, 224, 3)
    assert patches.shape == (196, 768) == ((224 // 16) ** 2, 16 * 16 * 3)
    for k in (0, 1, 13, 14, 100, 195):  # row by row
        r, c = divmod(k, 14)
        np.testing.assert_array_equal(
            patches[k], crop[16 * r : 16 * r + 16, 16 * c : 16 * c + 16].reshape(-1)
        )
    # ViT's patch embedding is a 16 × 16 convolution with stride 16: the same numbers.
    g = torch.Generator().manual_seed(0)
    w = torch.randn(8, 16, 16, 3, generator=g, dtype=torch.float64)
    image = torch.from_numpy(crop).double().permute(2, 0, 1)[None]
    out = F.conv2d(image, w.permute(0, 3, 1, 2), stride=16)
    assert out.shape == (1, 8, 14, 14)
    linear = torch.from_numpy(patches).double() @ w.reshape(8, -1).T
    torch.testing.assert_close(out[0].reshape(8, -1).T, linear)
    ch, text, alt = chapter("architectures"), svg("vit-patches"), FIGURES["vit-patches"].alt
    assert "14 \\times 14 = 196" in ch and "16 \\times 16 \\times 3 = 768" in ch
    assert "14 × 14 = 196 patches</text>" in text and "16 × 16 × 3 = 768 numbers</text>" in text
    assert "plus a class token: 197 tokens</text>" in text and "197 tokens" in ch
    assert "196" in alt and "768" in alt and "197" in alt
