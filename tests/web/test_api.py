"""HTTP API: exact status codes, content types and keys, including refused input."""

import json

import numpy as np

from deepbook.sims import REGISTRY, decode
from deepbook.web.api import FRAME_TYPE


def test_healthz_is_ok_once_started(client):
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json()["status"] == "ok"
    assert isinstance(r.json()["worker"], int)  # the process that answered


def test_sims_are_listed_with_their_parameter_schemas(client):
    r = client.get("/api/sims")
    assert r.status_code == 200
    sims = {s["id"]: s for s in r.json()}
    assert set(sims) == set(REGISTRY) >= {"activations", "gradient_descent", "unsupervised"}
    gd = sims["gradient_descent"]
    assert set(gd) == {"id", "title", "chapter", "summary", "kind", "params"}
    assert gd["kind"] == "live" and gd["chapter"] == "backpropagation"
    lr = next(p for p in gd["params"] if p["name"] == "lr")
    assert (lr["min"], lr["max"], lr["default"], lr["log"]) == (0.0001, 10, 0.1, True)
    assert client.get("/api/sims/activations").json()["kind"] == "instant"
    assert client.get("/api/sims/nope").status_code == 404


def test_instant_frame_is_binary_and_decodes(client):
    r = client.post("/api/sims/activations", json={"probe": 0, "functions": ["sigmoid"]})
    assert r.status_code == 200
    assert r.headers["content-type"] == FRAME_TYPE
    assert float(r.headers["x-compute-ms"]) > 0
    frame = decode(r.content)
    assert frame.meta["functions"][0]["slope"] == 0.25
    assert frame.arrays["y"].dtype == np.float32


def test_out_of_range_and_wrong_type_get_422_naming_the_parameter(client):
    cases = [
        ({"depth": 300}, "depth", "depth: must be between 1 and 50, got 300"),
        ({"probe": "left"}, "probe", "probe: expected a number, got 'left'"),
        ({"functions": ["softmax"]}, "functions", "unknown option 'softmax'"),
        ({"z_min": 3, "z_max": 1}, "z_min", "must be less than z_max"),
        ({"speed": 3}, "speed", "is not a parameter"),
    ]
    for body, param, words in cases:
        r = client.post("/api/sims/activations", json=body)
        assert r.status_code == 422, body
        assert r.json()["param"] == param and words in r.json()["detail"]


def test_latent_interpolation_refuses_bad_models_sizes_endpoints_and_drawings(client):
    cases = [
        ({"view": "gan"}, "view", "must be one of compare, vae16"),
        ({"n": 40}, "n", "must be between 5 and 15"),
        ({"ae_ends": [[2, 0, 0]]}, "ae_ends", "within [-1, 1]"),
        ({"vae_ends": [[0, 0, 1], [0.5, 0, 1]]}, "vae_ends", "at most one moved A"),
        ({"a_drawing": "zzz"}, "a_drawing", "28×28 image"),
        ({"b_drawing": [[0] * 28] * 27}, "b_drawing", "must be 28×28 rows"),
    ]
    for body, param, words in cases:
        r = client.post("/api/sims/latent_interpolation", json=body)
        assert r.status_code == 422, body
        assert r.json()["param"] == param and words in r.json()["detail"], r.json()
    ok = client.post("/api/sims/latent_interpolation", json={"t": 0.5, "n": 15})
    assert ok.status_code == 200 and decode(ok.content).meta["t"] == 0.5


def test_malformed_bodies_are_refused(client):
    url = "/api/sims/activations"
    assert client.post(url, content=b"{not json").status_code == 422
    assert client.post(url, content=b"[" * 1500 + b"]" * 1500).status_code == 422
    assert client.post(url, content=b"[1, 2]").json()["detail"].startswith("body must be")
    big = json.dumps({"functions": ["relu"] * 5000})
    assert client.post(url, content=big).status_code == 413
    assert client.post("/api/sims/gradient_descent", json={}).status_code == 400
    assert client.post("/api/sims/nope", json={}).status_code == 404


def test_an_answer_is_checked_explained_and_stored(client):
    r = client.post("/api/answers", json={"question_id": "backprop-softmax-loss", "choice": 0})
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"question_id", "choice", "correct", "answered", "explanation", "attempts"}
    assert body["answered"] == ("correct" if body["correct"] else "incorrect")
    q = client.app.state.course.question("backprop-softmax-loss")
    assert body["explanation"] == q.options[0].explanation
    assert body["correct"] == (q.answer == 0)
    progress = client.get("/api/progress").json()
    assert progress["answers"]["backprop-softmax-loss"] == {"choice": 0, "correct": body["correct"]}
    assert progress["chapters"]["backpropagation"]["answered"] == 1


def test_bad_answers_are_refused(client):
    assert client.post("/api/answers", json={"question_id": "nope", "choice": 0}).status_code == 404
    r = client.post("/api/answers", json={"question_id": "backprop-softmax-loss", "choice": 4})
    assert r.status_code == 422 and r.json()["detail"].startswith("choice:")
    assert "less than or equal to 3" in r.json()["detail"]
    assert client.post("/api/answers", json={"choice": 1}).status_code == 422


def test_sim_use_is_recorded_and_counted_on_the_contents_page(client):
    assert "simulations tried: 0 of 1" in client.get("/").text
    r = client.post("/api/events", json={"sim_id": "activations", "chapter": "neurons-and-layers"})
    assert r.status_code == 204
    assert client.post("/api/events", json={"sim_id": "activations"}).status_code == 204
    assert client.post("/api/events", json={"sim_id": "nope"}).status_code == 404
    assert (
        client.post("/api/events", json={"sim_id": "activations", "chapter": "x"}).status_code
        == 404
    )
    row = client.get("/").text.split('data-chapter="neurons-and-layers"')[1].split("</li>")[0]
    assert "simulations tried: 1 of 1" in row


def test_openapi_describes_every_http_route(client):
    paths = client.get("/openapi.json").json()["paths"]
    for p in ("/healthz", "/api/sims", "/api/sims/{sim_id}", "/api/answers", "/api/events", "/"):
        assert p in paths


def test_pages_are_compressed_and_frames_are_not(client):
    page = client.get("/chapters/backpropagation", headers={"Accept-Encoding": "gzip"})
    assert page.headers["content-encoding"] == "gzip"
    frame = client.post("/api/sims/activations", json={}, headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in frame.headers


def test_the_right_answer_is_sent_only_after_two_wrong_tries(client):
    q = next(q for c in client.app.state.course.chapters for q in c.questions)
    wrong = [i for i in range(len(q.options)) if i != q.answer]
    url = "/api/answers"
    first = client.post(url, json={"question_id": q.id, "choice": wrong[0]}).json()
    assert first["attempts"] == 1 and not first["correct"] and "answer" not in first
    second = client.post(url, json={"question_id": q.id, "choice": wrong[1]}).json()
    assert second["attempts"] == 2 and second["answer"]["choice"] == q.answer
    assert second["answer"]["explanation"] == q.options[q.answer].explanation
    right = client.post(url, json={"question_id": q.id, "choice": q.answer}).json()
    assert right["correct"] and "answer" not in right
