"""cnn_flow's engine: stage maps equal torch's conv2d / relu / max_pool2d on the same weights, the
close-up's numbers add up to the map's value, MNIST-style preparation, the chapter's calculator
numbers, and bad cells refused with their bounds."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from deepbook.models.ink import prepare
from deepbook.sims.cnn_flow import SPEC
from deepbook.sims.inputs import Image
from deepbook.sims.params import ParamError


@pytest.fixture(scope="module")
def sim():
    return SPEC.load()


def maps(frame, name):
    scale = next(s["scale"] for s in frame.meta["stages"] if s["name"] == name)
    return (frame.arrays[name].astype(np.float64) - 128) * scale, scale


def test_stage_maps_are_torchs_functional_ops(sim):
    model = sim.resources
    f = sim.run({"sample": 7})
    x = torch.from_numpy(f.arrays["input"].astype(np.float32) / 255)[None, None]
    net = model.net
    with torch.no_grad():
        c1 = F.conv2d(x, net.conv1.weight, net.conv1.bias)
        p1 = F.max_pool2d(F.relu(c1), 2)
        c2 = F.conv2d(p1, net.conv2.weight, net.conv2.bias)
        p2 = F.max_pool2d(F.relu(c2), 2)
        scores = F.linear(p2.flatten(1), net.fc.weight, net.fc.bias)
    for name, want in (("conv1", c1), ("pool1", p1), ("conv2", c2), ("pool2", p2)):
        got, scale = maps(f, name)
        np.testing.assert_allclose(got, want[0].numpy(), atol=scale / 2 + 1e-3 * scale)
    np.testing.assert_allclose(f.meta["scores"], scores[0].numpy(), atol=1e-3)
    assert f.meta["prediction"] == int(scores.argmax()) == f.meta["label"]
    np.testing.assert_allclose(f.arrays["probs"], torch.softmax(scores[0], 0).numpy(), rtol=1e-5)


@pytest.mark.parametrize(
    ("stage", "cell"),
    [
        ("conv1", (5, 10, 12)),
        ("relu1", (5, 10, 12)),
        ("pool1", (9, 6, 6)),
        ("conv2", (40, 4, 5)),
        ("relu2", (40, 4, 5)),
        ("pool2", (63, 2, 2)),
        ("fc", (4, 0, 0)),
    ],
)
def test_the_closeup_adds_up_to_the_maps_value(sim, stage, cell):
    channel, row, col = cell
    c = sim.run({"sample": 11, "stage": stage, "channel": channel, "row": row, "col": col})
    up = c.meta["closeup"]
    assert up["result"] == pytest.approx(up["value"], abs=1e-5)
    if up["kind"] == "conv":
        patch, kernel, products = (np.array(up[k]) for k in ("patch", "kernel", "products"))
        np.testing.assert_allclose(products, patch * kernel, atol=1e-4)
        assert up["sum"] + up["bias"] == pytest.approx(up["result"])
        k = kernel.shape[-1]
        assert up["rows"] == [row, row + k] and up["cols"] == [col, col + k]
    elif up["kind"] == "pool":
        assert up["result"] == pytest.approx(np.max(up["window"]), abs=1e-4)
    elif up["kind"] == "relu":
        assert up["result"] == max(0.0, up["input"])
    else:
        assert len(up["contributions"]) == 10 and up["features"] == 1600
        assert up["sum"] + up["bias"] == pytest.approx(up["result"], abs=1e-5)


def test_shapes_parameters_and_receptive_fields_come_from_the_model(sim):
    f = sim.run({})
    stages = {s["name"]: s for s in f.meta["stages"]}
    assert stages["conv1"]["shape"] == [32, 26, 26] and stages["pool2"]["shape"] == [64, 5, 5]
    assert sum(s["params"] for s in stages.values()) == f.meta["parameters"]
    assert f.meta["parameters"] == sum(p.numel() for p in sim.resources.net.parameters())
    assert [stages[n]["receptive_field"] for n in ("conv1", "pool1", "conv2", "pool2")] == [
        3,
        4,
        8,
        10,
    ]


def test_the_calculator_reproduces_the_chapters_numbers(sim):
    c = sim.run({})  # 224 × 224 × 3, 3 × 3, 64 filters
    calc = c.meta["calculator"]
    assert calc["inputs"] == 150_528
    assert (calc["conv_weights"], calc["conv_params"]) == (1_728, 1_792)
    assert calc["local_weights"] == 86_704_128
    assert calc["dense_weights"] == 483_385_147_392
    assert sim.run({"calc_filters": 16}).meta["calculator"]["conv_params"] == 432 + 16


def test_preparation_fits_the_ink_in_20_pixels_centred_by_mass():
    ink = np.zeros((28, 28), dtype=np.uint8)
    ink[2:8, 3:25] = 255  # a wide bar in a corner
    x = prepare(ink)
    rows, cols = np.nonzero(x > 0.02)
    assert cols.max() - cols.min() + 1 <= 20 and rows.max() - rows.min() + 1 <= 20
    yy, xx = np.mgrid[0:28, 0:28]
    cy, cx = (yy * x).sum() / x.sum(), (xx * x).sum() / x.sum()
    assert abs(cy - 13.5) <= 0.5 and abs(cx - 13.5) <= 0.5
    assert not prepare(np.zeros((28, 28), dtype=np.uint8)).any()


def test_a_held_out_digit_redrawn_as_a_drawing_is_read_the_same(sim):
    """A held-out digit given as the reader's drawing goes through the same preparation."""
    model = sim.resources
    right = 0
    for i in range(0, 2000, 100):
        drawing = Image(28, 28, model.images[i].tobytes())
        f = sim.run({"source": "drawing", "drawing": drawing})
        right += f.meta["prediction"] == model.labels[i]
    assert right >= 19


def test_a_blank_drawing_predicts_nothing(sim):
    f = sim.run({"source": "drawing"})
    assert f.meta["blank"] and f.meta["prediction"] is None and f.meta["confidence"] is None


@pytest.mark.parametrize(
    ("raw", "name", "says"),
    [
        ({"stage": "pool2", "row": 9}, "row", "0 to 4 for pool2"),
        ({"stage": "conv1", "channel": 40}, "channel", "0 to 31 for conv1"),
        ({"stage": "fc", "channel": 10}, "channel", "0 to 9 for fc"),
        ({"sample": 2000}, "sample", "between 0 and 1999"),
        ({"drawing": "zzz"}, "drawing", ""),
        ({"drawing": [[0] * 27] * 28}, "drawing", "28×28"),
    ],
)
def test_bad_input_names_the_parameter_and_its_bounds(sim, raw, name, says):
    with pytest.raises(ParamError) as e:
        sim.run(raw)
    assert e.value.name == name and says in str(e.value)
