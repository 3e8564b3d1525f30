"""feature_hierarchy's engine: patches cut from the held-out images at the card's windows, maps
from the shipped weights, receptive fields from the layers, kernels of block 1."""

import numpy as np
import pytest

from deepbook.models.hierarchy import activations
from deepbook.models.nets import stages
from deepbook.models.train import tensors
from deepbook.sims.feature_hierarchy import SPEC
from deepbook.sims.params import ParamError


@pytest.fixture(scope="module")
def sim():
    return SPEC.load()


@pytest.mark.parametrize(
    ("network", "layer"),
    [
        ("fashion_cnn", "1"),
        ("fashion_cnn", "2"),
        ("fashion_cnn", "3"),
        ("fashion_cnn", "4"),
        ("digits_cnn", "1"),
        ("digits_cnn", "2"),
    ],
)
def test_each_layer_shows_its_units_patches_and_maps(sim, network, layer):
    model = sim.resources[network]
    f = sim.run({"network": network, "layer": layer, "image": 17})
    field = {s.name: s.receptive_field for s in stages(model.net)}[f"relu{layer}"]
    assert f.meta["receptive_field"] == field
    C = f.meta["channels"]
    size = min(field, 28)
    assert f.arrays["patches"].shape == (C, 9, size, size)
    rows = model.card["top_patches"][int(layer) - 1]["channels"][0]
    i, r0, c0, r1, c1, _ = rows[0]
    patch = f.arrays["patches"][0, 0]
    top, left = (size - (r1 - r0)) // 2, (size - (c1 - c0)) // 2
    np.testing.assert_array_equal(
        patch[top : top + r1 - r0, left : left + c1 - c0], model.images[i][r0:r1, c0:c1]
    )
    i = 17 * (len(model.images) // 1000)  # digits: every other held-out image
    x = tensors(model.images[i : i + 1], model.labels[i : i + 1])[0]
    maps = activations(model.net, x, f"relu{layer}")[0].numpy()
    got = f.arrays["maps"].astype(np.float64) / 255 * f.meta["map_max"]
    np.testing.assert_allclose(got, maps, atol=f.meta["map_max"] / 255)
    assert ("kernels" in f.arrays) == (layer == "1")


def test_the_probes_and_the_image_verdict_come_along(sim):
    f = sim.run({"image": 3})
    assert f.meta["probes"][0]["layer"] == "input"
    assert f.meta["image_label"] in sim.resources["fashion_cnn"].classes
    assert 0 < f.meta["image_confidence"] <= 1


def test_bad_input_is_refused_with_its_bounds(sim):
    with pytest.raises(ParamError, match="layer: must be one of 1, 2, 3, 4"):
        sim.run({"layer": "5"})
    with pytest.raises(ParamError, match="image: must be between 0 and 999"):
        sim.run({"image": 1000})
    with pytest.raises(ParamError, match="layer: must be from 1 to 2 for digits_cnn"):
        sim.run({"network": "digits_cnn", "layer": "3"})
