"""Server-rendered pages: chapters with MathML, sims with labelled controls, no-JS questions."""

import re

import pytest

import conftest_pg
from deepbook.content import load_course
from deepbook.settings import Settings


def test_contents_lists_the_chapters_that_exist_in_order(client):
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    slugs = re.findall(r'<li class="toc-item" data-chapter="([a-z-]+)"', r.text)
    assert slugs == [c.slug for c in load_course(Settings().content_dir).chapters]
    assert "neurons-and-layers" in slugs and "backpropagation" in slugs


def test_chapter_has_mathml_sim_and_question_forms(client):
    html = client.get("/chapters/neurons-and-layers").text
    assert html.count("<math") > 10 and 'display="block"' in html
    assert 'data-sim="activations"' in html and 'data-frame="0"' in html
    forms = re.findall(r'<form class="question" id="q-([^"]+)" data-question="([^"]+)"', html)
    assert len(forms) >= 4 and all(a == b for a, b in forms)
    assert 'data-role="insight"' in html


def test_every_control_is_native_and_labelled(client):
    html = client.get("/sims/gradient_descent").text
    for name in ("lr", "x0", "y0", "noise", "seed", "speed"):
        assert f'<label for="gradient_descent-{name}">' in html
        assert re.search(rf'<input type="range" id="gradient_descent-{name}" name="{name}"', html)
    assert '<select id="gradient_descent-surface" name="surface"' in html
    for action in ("play", "pause", "step", "reset"):
        assert f'data-action="{action}"' in html


def test_url_state_sets_controls_and_bad_values_are_reported(client):
    html = client.get(
        "/sims/gradient_descent?gradient_descent.lr=1&gradient_descent.surface=saddle"
    ).text
    # the log slider counts 1/24 decades from 1e-4: lr = 1 is stop 96 of 120
    assert re.search(r'id="gradient_descent-lr" name="lr" [^>]*max="120" step="1" value="96"', html)
    assert re.search(r'<option value="saddle" selected data-preset=', html)
    html = client.get("/sims/activations?activations.depth=500").text
    assert "were not valid" in html and "depth: must be between 1 and 50" in html
    assert re.search(r'id="activations-depth" name="depth"[^>]* value="10"', html)


def test_the_no_javascript_answer_path_stores_and_shows_feedback(client):
    r = client.post(
        "/chapters/neurons-and-layers/questions/neurons-why-activation",
        data={"choice": "0"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert r.headers["location"] == "/chapters/neurons-and-layers#q-neurons-why-activation"
    html = client.get("/chapters/neurons-and-layers").text
    form = html.split('data-question="neurons-why-activation"')[1].split("</form>")[0]
    answered = re.match(r'[^>]*data-answered="(correct|incorrect)"', form)
    assert answered is not None
    assert 'value="0" required checked' in form
    assert ("Correct." in form) == (answered.group(1) == "correct")


def test_bad_form_answers_and_unknown_pages(client):
    url = "/chapters/neurons-and-layers/questions/neurons-why-activation"
    r = client.post(url, data={})
    assert r.status_code == 422 and "choose one of the options" in r.text and "<html" in r.text
    assert client.post(url, data={"choice": "9"}).status_code == 422
    assert (
        client.post(
            "/chapters/backpropagation/questions/neurons-why-activation", data={"choice": "0"}
        ).status_code
        == 404
    )
    r = client.get("/chapters/nope")
    assert r.status_code == 404 and "does not exist" in r.text and "<html" in r.text
    assert client.get("/sims/nope").status_code == 404


@pytest.mark.parametrize("db", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_progress_survives_a_restart(settings, db, request):
    from fastapi.testclient import TestClient

    from deepbook.web.app import create_app

    if db == "postgresql":
        url = conftest_pg.create_database(request.getfixturevalue("pg_server"), "web_restart")
        settings = settings.model_copy(update={"database_url": url})
    with TestClient(create_app(settings)) as c:
        c.post("/api/answers", json={"question_id": "backprop-softmax-loss", "choice": 2})
    with TestClient(create_app(settings)) as c:
        assert c.get("/api/progress").json()["answers"]["backprop-softmax-loss"]["choice"] == 2


def test_cookie_mode_keeps_learners_apart(settings):
    from fastapi.testclient import TestClient

    from deepbook.web.app import create_app

    s = settings.model_copy(update={"learner_mode": "cookie"})
    with TestClient(create_app(s)) as a, TestClient(create_app(s)) as b:
        a.post("/api/answers", json={"question_id": "backprop-softmax-loss", "choice": 1})
        assert "deepbook_learner" in a.cookies
        assert a.get("/api/progress").json()["answers"] != {}
        assert b.get("/api/progress").json()["answers"] == {}


def test_glossary_page_lists_terms_and_chapters_link_to_it(client):
    html = client.get("/glossary").text
    assert '<div class="term-entry" id="term-learning-rate">' in html
    assert 'href="/chapters/backpropagation">Chapter 3: Backpropagation</a>' in html
    chapter = client.get("/chapters/backpropagation").text
    assert re.search(r'<a href="/glossary#term-learning-rate" class="term" data-term=', chapter)


def test_the_server_draws_and_caches_figures(client):
    r = client.get("/figures/forward-diffusion-dark.svg")
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    assert client.get("/figures/forward-diffusion-dark.svg").content == r.content
    for bad in ("nope-light.svg", "two-spirals-sepia.svg", "two-spirals-light.png"):
        assert client.get(f"/figures/{bad}").status_code == 404


def test_contents_shows_overall_progress_where_to_continue_and_the_sims(client):
    course = client.app.state.course
    total = sum(len(c.questions) for c in course.chapters)
    html = client.get("/").text
    assert f"0 of {total} questions right across the course" in html
    assert 'class="resume" href="/chapters/why-learning">Start with chapter 0' in html
    backprop = course.chapter("backpropagation")
    assert re.search(
        r'data-chapter="backpropagation".*?class="has-sims">▶ 1 simulation<', html, re.S
    )
    q = backprop.questions[0]
    client.post("/api/answers", json={"question_id": q.id, "choice": q.answer})
    html = client.get("/").text
    assert f"1 of {total} questions right" in html
    assert 'href="/chapters/backpropagation">Continue with chapter 3: Backpropagation' in html
    for other in backprop.questions[1:]:  # the whole chapter right: continue with the next one
        client.post("/api/answers", json={"question_id": other.id, "choice": other.answer})
    assert "Continue with chapter 4" in client.get("/").text


def test_the_on_this_page_list_links_each_simulation(client):
    html = client.get("/chapters/classical-ml").text
    nav = html.split('aria-label="On this page"', 1)[1].split("</nav>", 1)[0]
    links = re.findall(r'href="#sim-([a-z_]+)"', nav)
    assert links and all(f'id="sim-{k}"' in html for k in links)
    assert "Simulation: Decision boundaries" in nav


def test_some_questions_sit_after_the_section_they_test(client):
    course = client.app.state.course
    ch = course.chapter("backpropagation")
    html = client.get("/chapters/backpropagation").text
    forms = re.findall(r'<form class="question" id="q-([^"]+)"', html)
    assert sorted(forms) == sorted(q.id for q in ch.questions)  # each once: inline or in the bank
    bank = html.split('<section class="questions"', 1)[1]
    inline = html.split('<section class="questions"', 1)[0]
    assert 'id="q-backprop-softmax-loss"' in inline and 'id="q-backprop-softmax-loss"' not in bank
    # right after its section: between the softmax heading and the next one
    section = inline.split('id="measuring-wrongness-softmax-and-cross-entropy"', 1)[1]
    assert 'id="q-backprop-softmax-loss"' in section.split("<h2", 1)[0]
    assert "2 more appear beside the sections they test" in bank


def test_check_reports_a_question_placed_from_another_chapter():
    from dataclasses import replace

    from deepbook.content import check
    from deepbook.content.loader import Segment
    from deepbook.content.markdown import to_html

    course = load_course(Settings().content_dir)
    ch = course.chapters[0]
    bad = Segment("html", to_html("::: question backprop-softmax-loss\n:::\n"))
    course.chapters[0] = replace(ch, segments=[*ch.segments, bad])
    assert any(
        "'backprop-softmax-loss' is not in this chapter's bank" in p for p in check(course, [])
    )
