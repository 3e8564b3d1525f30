"""Figures are drawn once each, in the background when their chapter is served."""

import threading

import pytest

from deepbook.figures import FIGURES, Figure
from deepbook.web.figcache import FigureCache


def test_each_figure_is_drawn_once_whoever_asks_first(monkeypatch):
    calls: list[tuple[str, str]] = []
    gate = threading.Event()

    def draw(self: Figure, theme: str) -> bytes:
        gate.wait(5)  # hold the background thread until everyone has asked
        calls.append((self.id, theme))
        return f"{self.id}/{theme}".encode()

    monkeypatch.setattr(Figure, "draw", draw)
    cache = FigureCache()
    try:
        cache.prefetch(["two-spirals", "no-such-figure", "activation-curves"])
        fig = FIGURES["activation-curves"]
        out: list[bytes] = []
        readers = [
            threading.Thread(target=lambda: out.append(cache.get(fig, "dark"))) for _ in range(3)
        ]
        for t in readers:
            t.start()
        gate.set()
        for t in readers:
            t.join(5)
        assert out == [b"activation-curves/dark"] * 3
        assert cache.get(FIGURES["two-spirals"], "light") == b"two-spirals/light"
        # page order, light first, every figure once; the unknown id is ignored
        assert calls == [
            ("two-spirals", "light"),
            ("activation-curves", "light"),
            ("two-spirals", "dark"),
            ("activation-curves", "dark"),
        ]
    finally:
        cache.close()


def test_a_failed_drawing_is_tried_again(monkeypatch):
    tries = []

    def draw(self: Figure, theme: str) -> bytes:
        tries.append(theme)
        if len(tries) == 1:
            raise RuntimeError("out of memory")
        return b"ok"

    monkeypatch.setattr(Figure, "draw", draw)
    cache = FigureCache()
    try:
        fig = FIGURES["two-spirals"]
        with pytest.raises(RuntimeError, match="out of memory"):
            cache.get(fig, "light")
        assert cache.get(fig, "light") == b"ok" and len(tries) == 2
    finally:
        cache.close()


def test_serving_a_chapter_queues_its_figures(client):
    page = client.get("/chapters/network-playground")
    assert page.status_code == 200
    cache = client.app.state.figures
    assert any(name.startswith("trained-creases-") for name in cache._jobs)
    r = client.get("/figures/trained-creases-dark.svg")
    assert r.status_code == 200 and r.content.startswith(b"<svg")
