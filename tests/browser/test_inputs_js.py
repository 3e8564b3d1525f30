"""The browser's encoders of drawn input agree with the server's: a link made by one is read
exactly by the other (Points: 3 bytes a point on a grid; Pixels: zlib via CompressionStream)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from deepbook.sims.inputs import Pixels, Points

pytestmark = pytest.mark.browser

POINTS = Points("P", extent=(-4.0, 4.0), max_count=2000, classes=3, name="p")
PIXELS = Pixels("D", width=28, height=28, name="d")


def test_points_encode_the_same_in_the_browser_and_on_the_server(page: Any) -> None:
    page.goto("/glossary")
    rng = np.random.default_rng(0)
    pts = [
        [float(x), float(y), int(c)]
        for (x, y), c in zip(rng.uniform(-4, 4, (700, 2)), rng.integers(0, 3, 700), strict=True)
    ]
    code = page.evaluate(
        """async (pts) => {
            const m = await import("/static/js/lib/points.js");
            return m.encodePoints(pts.map(([x, y, c]) => ({ x, y, c })), [-4, 4]);
        }""",
        pts,
    )
    server = POINTS.coerce(pts)
    assert code == POINTS.encode(server)
    back = page.evaluate(
        """async (code) => {
            const m = await import("/static/js/lib/points.js");
            return m.decodePoints(code, [-4, 4]).map((p) => [p.x, p.y, p.c]);
        }""",
        code,
    )
    np.testing.assert_allclose(np.array(back)[:, :2], server.xy, rtol=0, atol=1e-12)
    assert [int(c) for *_, c in back] == server.labels.tolist()


def test_pixels_encode_in_the_browser_and_decode_on_the_server_and_back(page: Any) -> None:
    page.goto("/glossary")
    img = np.zeros((28, 28), dtype=np.uint8)
    img[5:22, 12:16] = 255
    img[20, 3:25] = np.arange(22) * 11
    code = page.evaluate(
        """async (flat) => {
            const m = await import("/static/js/lib/pixels.js");
            return m.encodePixels(Uint8Array.from(flat));
        }""",
        img.ravel().tolist(),
    )
    assert code.startswith("z")
    np.testing.assert_array_equal(PIXELS.coerce(code).array, img)
    back = page.evaluate(
        """async (code) => {
            const m = await import("/static/js/lib/pixels.js");
            return [...await m.decodePixels(code, 784)];
        }""",
        PIXELS.encode(PIXELS.coerce(img.tolist())),
    )
    assert back == img.ravel().tolist()
    blank = page.evaluate(
        """async () => (await import("/static/js/lib/pixels.js"))
            .encodePixels(new Uint8Array(784))"""
    )
    assert blank == "" and not PIXELS.coerce(blank).array.any()
