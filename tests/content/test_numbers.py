"""Numbers the chapters state that code can compute, checked against the computation.

Each claim names a chapter and the exact text it must contain; the value is computed here with
torch (models built on the meta device, so no memory is spent on weights). If a chapter changes a
number, or the arithmetic behind it, this test fails.
"""

import math
import re

import pytest
import torch
from torch import nn

from deepbook.content import load_course
from deepbook.settings import Settings

COURSE = load_course(Settings().content_dir)
META = torch.device("meta")


def source(slug: str) -> str:
    """A chapter's Markdown and question bank, with LaTeX thousands separators unified."""
    ch = COURSE.chapter(slug)
    if ch is None:
        pytest.skip(f"chapter {slug} is not written yet")
    text = ch.source.read_text() + (ch.source.parent / "questions.yaml").read_text()
    return text.replace("{,}", ",")


def params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def vgg16() -> nn.Module:
    layers: list[nn.Module] = []
    c = 3
    for v in (
        64,
        64,
        "M",
        128,
        128,
        "M",
        256,
        256,
        256,
        "M",
        512,
        512,
        512,
        "M",
        512,
        512,
        512,
        "M",
    ):
        if v == "M":
            layers.append(nn.MaxPool2d(2))
        else:
            layers += [nn.Conv2d(c, int(v), 3, padding=1, device=META), nn.ReLU()]
            c = int(v)
    return nn.Sequential(
        *layers,
        nn.Flatten(),
        nn.Linear(512 * 7 * 7, 4096, device=META),
        nn.Linear(4096, 4096, device=META),
        nn.Linear(4096, 1000, device=META),
    )


def resnet(blocks: tuple[int, int, int, int]) -> int:
    """Parameters of a bottleneck ResNet (He et al. 2016) with batch norm, built to count."""

    def bn(c: int) -> nn.Module:
        return nn.BatchNorm2d(c, device=META)

    total = params(nn.Conv2d(3, 64, 7, bias=False, device=META)) + params(bn(64))
    c_in = 64
    for stage, n in enumerate(blocks):
        width = 64 * 2**stage
        for i in range(n):
            block = nn.ModuleList(
                [
                    nn.Conv2d(c_in, width, 1, bias=False, device=META),
                    bn(width),
                    nn.Conv2d(width, width, 3, bias=False, device=META),
                    bn(width),
                    nn.Conv2d(width, 4 * width, 1, bias=False, device=META),
                    bn(4 * width),
                ]
            )
            if i == 0:  # projection shortcut where the shape changes
                block.append(nn.Conv2d(c_in, 4 * width, 1, bias=False, device=META))
                block.append(bn(4 * width))
            total += params(block)
            c_in = 4 * width
    return total + params(nn.Linear(2048, 1000, device=META))


def vit_b16() -> int:
    d, mlp, layers, tokens = 768, 3072, 12, (224 // 16) ** 2 + 1
    layer = nn.TransformerEncoderLayer(d, 12, mlp, device=META)
    embed = nn.Conv2d(3, d, 16, stride=16, device=META)
    head = nn.Linear(d, 1000, device=META)
    extra = d + tokens * d + 2 * d  # class token, position embeddings, final layer norm
    return params(embed) + layers * params(layer) + extra + params(head)


def small_cnn() -> tuple[list[int], list[int]]:
    """Parameters and multiply-adds per layer of chapter 4's conv → ReLU → pool network."""
    net = nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(32 * 8 * 8, 10),
    )
    counts, macs = [], []
    x = torch.zeros(1, 3, 32, 32)
    for m in net:
        x = m(x)
        if isinstance(m, nn.Conv2d):
            counts.append(params(m))
            macs.append(x.numel() * m.in_channels * 9)
        elif isinstance(m, nn.Linear):
            counts.append(params(m))
            macs.append(m.in_features * m.out_features)
    return counts, macs


def fmt(n: float) -> str:
    return f"{n:,}"


def softmax_loss() -> float:
    return float(nn.functional.cross_entropy(torch.tensor([[2.0, 1.0, 0.0]]), torch.tensor([0])))


CNN_PARAMS, CNN_MACS = small_cnn()
CLAIMS = [
    ("convolutional-networks", "50,176", 224 * 224),
    ("convolutional-networks", "150,528", 224 * 224 * 3),
    ("convolutional-networks", "150,528,000", nn.Linear(150_528, 1000, device=META).weight.numel()),
    (
        "convolutional-networks",
        "1,728",
        nn.Conv2d(3, 64, 3, bias=False, device=META).weight.numel(),
    ),
    ("convolutional-networks", "1,792", params(nn.Conv2d(3, 64, 3, device=META))),
    ("convolutional-networks", "86,704,128", 64 * 224 * 224 * 3 * 3 * 3),  # one MAC per weight use
    ("convolutional-networks", "483,385,147,392", (64 * 224 * 224) * (3 * 224 * 224)),
    ("convolutional-networks", "432", nn.Conv2d(3, 16, 3, bias=False, device=META).weight.numel()),
    ("convolutional-networks", "73,856", params(nn.Conv2d(64, 128, 3, device=META))),
    ("convolutional-networks", "448", CNN_PARAMS[0]),
    ("convolutional-networks", "4,640", CNN_PARAMS[1]),
    ("convolutional-networks", "20,490", CNN_PARAMS[2]),
    ("convolutional-networks", "25,578", sum(CNN_PARAMS)),
    ("convolutional-networks", "442,368", CNN_MACS[0]),
    ("convolutional-networks", "1,179,648", CNN_MACS[1]),
    ("convolutional-networks", "1,642,496", sum(CNN_MACS)),
    ("architectures", "138,357,544", params(vgg16())),
    ("architectures", "25.6 M", round(resnet((3, 4, 6, 3)) / 1e6, 1)),
    ("architectures", "60.2 M", round(resnet((3, 8, 36, 3)) / 1e6, 1)),
    ("architectures", "86 M", vit_b16() // 10**6),  # the paper truncates 86.57 M to 86 M
    ("architectures", "69,632", 2 * 256 * 64 + 9 * 64 * 64),
    ("architectures", "153,600", 25 * 192 * 32),
    ("architectures", "15,872", 192 * 16 + 25 * 16 * 32),
    ("neurons-and-layers", "786,432", nn.Linear(3072, 256, device=META).weight.numel()),
    ("backpropagation", "0.408", round(softmax_loss(), 3)),
    ("backpropagation", "391", math.ceil(50_000 / 128)),
    (
        "training-techniques",
        "0.059",
        round(math.sqrt(2 / params(nn.Conv2d(64, 1, 3, bias=False, device=META))), 3),
    ),  # He init, fan-in 576
    ("generative-models", "22.6", round(math.sqrt(512), 1)),
    ("network-playground", "42", params(nn.Sequential(nn.Linear(2, 8), nn.Linear(8, 2)))),
    (
        "network-playground",
        "114",
        params(nn.Sequential(nn.Linear(2, 8), nn.Linear(8, 8), nn.Linear(8, 2))),
    ),
    ("network-playground", "37", 8 * 9 // 2 + 1),  # regions of 8 lines in general position
    ("connections", "20,490", params(nn.Linear(2048, 10))),
    ("connections", "23,508,032", resnet((3, 4, 6, 3)) - params(nn.Linear(2048, 1000))),
    ("connections", "614,400", 2 * 640 * 480),  # a flow field: (u, v) per pixel
]


@pytest.mark.parametrize(("slug", "text", "value"), CLAIMS, ids=[c[1] for c in CLAIMS])
def test_stated_number_matches_the_computation(slug, text, value):
    assert re.search(rf"(?<![\d,.]){re.escape(text)}(?![\d,])", source(slug)), text
    stated = float(re.sub(r"[^\d.]", "", text))
    assert stated == pytest.approx(value), f"{text} is stated, {fmt(value)} is computed"


def test_the_reference_models_are_the_published_sizes():
    assert resnet((3, 4, 6, 3)) == 25_557_032  # torchvision's resnet50, the usual reference
    assert resnet((3, 8, 36, 3)) == 60_192_808
    assert vit_b16() == 86_567_656
