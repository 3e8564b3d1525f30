"""The shipped models: their cards' numbers recomputed from the shipped weights, the recipe's
determinism and learning on a small subset, and refusals for missing or altered files."""

import json
import shutil
from dataclasses import replace

import numpy as np
import pytest

from deepbook.models import MODELS, shipped
from deepbook.models.data import ImageSet, arrays_sha256
from deepbook.models.shipped import ModelError
from deepbook.models.train import train

CLASSIFIERS = [name for name, recipe in MODELS.items() if not recipe.latent]


@pytest.fixture(scope="module")
def models():
    return {name: shipped.load(name) for name in CLASSIFIERS}


@pytest.mark.parametrize("name", CLASSIFIERS)
def test_the_card_is_the_shipped_weights(models, name):
    m = models[name]
    probs = m.predict(m.images)
    accuracy = float((probs.argmax(1) == m.labels).mean())
    assert accuracy == m.card["sample"]["accuracy"]  # exactly, recomputed
    assert arrays_sha256(m.images, m.labels) == m.card["sample"]["arrays_sha256"]
    assert m.card["test_accuracy"] >= MODELS[name].target
    assert m.card["parameters"] == sum(p.numel() for p in m.net.parameters())
    assert m.card["training_seconds"] <= 600  # minutes, not hours
    assert len(m.card["curve"]) == MODELS[name].epochs


def test_the_digits_sample_is_the_whole_held_out_set(models):
    m = models["digits_cnn"]
    assert len(m.labels) == m.card["data"]["test_images"] == 2000
    pred = m.predict(m.images).argmax(1)
    table = np.zeros((10, 10), dtype=int)
    np.add.at(table, (m.labels, pred), 1)
    assert table.tolist() == m.card["confusion"]
    assert m.card["test_accuracy"] >= 0.985


def sample_set(m):
    """The shipped digits as a small data set: a seeded quarter held out."""
    test = np.zeros(len(m.labels), dtype=bool)
    test[np.random.default_rng(1).permutation(len(m.labels))[:500]] = True
    return ImageSet("mnist", m.images, m.labels, test, tuple(m.classes), "sample")


def test_the_recipe_learns_on_a_small_subset(models):
    """Three epochs on 1,500 digits, in seconds: well above chance on 500 others."""
    data = sample_set(models["digits_cnn"])
    _, card = train(replace(MODELS["digits_cnn"], epochs=3), data)
    assert card["test_accuracy"] >= 0.9
    assert card["curve"][-1]["train_loss"] < card["curve"][0]["train_loss"]


def test_training_is_deterministic(models):
    data = sample_set(models["digits_cnn"])
    recipe = replace(MODELS["digits_cnn"], epochs=1)
    a, _ = train(recipe, data, limit=300)
    b, _ = train(recipe, data, limit=300)
    for (k, x), (_, y) in zip(a.state_dict().items(), b.state_dict().items(), strict=True):
        assert x.equal(y), k


def test_a_missing_or_altered_file_is_refused_with_the_remedy(tmp_path):
    folder = tmp_path / "shipped"
    shutil.copytree(shipped.SHIPPED, folder)
    weights = folder / "digits_cnn.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 1
    weights.write_bytes(bytes(data))
    with pytest.raises(
        ModelError,
        match=r"digits_cnn.safetensors does not match its card.*"
        r"deepbook train digits_cnn",
    ):
        shipped.load("digits_cnn", folder)
    weights.unlink()
    with pytest.raises(ModelError, match=r"digits_cnn.safetensors is missing.*deepbook data mnist"):
        shipped.load("digits_cnn", folder)
    (folder / "fashion_cnn.card.json").write_text("{")
    with pytest.raises(ModelError, match=r"fashion_cnn\.card\.json is not valid JSON"):
        shipped.load("fashion_cnn", folder)
    card = json.loads((shipped.SHIPPED / "fashion_cnn.card.json").read_text())
    assert card["weights"] == "fashion_cnn.safetensors"
