"""What each layer knows: linear probes rise with depth (in the shipped card, and recomputed on a
small sample), and the top patches are the held-out images whose units fire most, with windows
the size of the receptive field."""

import numpy as np
import pytest
import torch

from deepbook.models import shipped
from deepbook.models.hierarchy import activations, probes, top_patches
from deepbook.models.nets import stages
from deepbook.models.train import tensors


@pytest.fixture(scope="module")
def fashion():
    return shipped.load("fashion_cnn")


def test_the_cards_probes_rise_with_depth(fashion):
    accs = [p["accuracy"] for p in fashion.card["probes"]]
    assert [p["layer"] for p in fashion.card["probes"]] == [
        "input",
        "pool1",
        "pool2",
        "pool3",
        "pool4",
    ]
    assert accs == sorted(accs) and accs[-1] - accs[0] >= 0.05
    digits = [p["accuracy"] for p in shipped.load("digits_cnn").card["probes"]]
    assert len(digits) == 3 and digits == sorted(digits)


def test_probes_recomputed_on_a_small_sample_rise_too(fashion):
    x, y = tensors(fashion.images, fashion.labels)
    order = torch.from_numpy(np.random.default_rng(0).permutation(len(y)))
    train, test = order[:600], order[600:]
    found = probes(fashion.net, (x[train], y[train]), (x[test], y[test]))
    accs = {p["layer"]: p["accuracy"] for p in found}
    assert accs["pool4"] - accs["input"] >= 0.05
    assert accs["pool3"] > accs["input"]


def test_top_patches_are_the_images_that_excite_each_unit_most(fashion):
    x = tensors(fashion.images, fashion.labels)[0]
    found = top_patches(fashion.net, x, top=5)
    fields = {s.name: s.receptive_field for s in stages(fashion.net)}
    assert [layer["layer"] for layer in found] == ["relu1", "relu2", "relu3", "relu4"]
    for layer in found:
        assert layer["receptive_field"] == fields[layer["layer"]]
        for rows in layer["channels"]:
            values = [r[5] for r in rows]
            assert values == sorted(values, reverse=True)
            assert len({r[0] for r in rows}) == len(rows)  # one patch per image
            for _, r0, c0, r1, c1, _ in rows:
                assert 0 <= r0 < r1 <= 28 and 0 <= c0 < c1 <= 28
                assert max(r1 - r0, c1 - c0) <= layer["receptive_field"]
    acts = activations(fashion.net, x, "relu3")[:, 7].flatten(1).max(1).values
    assert found[2]["channels"][7][0][0] == int(acts.argmax())
    assert found[2]["channels"][7][0][5] == pytest.approx(float(acts.max()), abs=1e-4)
