"""The decision maps' 0.5 contour (static/js/lib/contour.js) against scikit-image's marching
squares: the same crossings of the same cells, and each segment joins two edges of one cell."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from skimage.measure import find_contours

pytestmark = pytest.mark.browser


def crossings(points: np.ndarray) -> set[tuple[float, float]]:
    return {(round(float(x), 6), round(float(y), 6)) for x, y in points}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_iso_segments_cross_where_scikit_image_does(page: Any, seed: int) -> None:
    rng = np.random.default_rng(seed)
    rows, cols = 37, 53
    yy, xx = np.mgrid[0:rows, 0:cols]
    # a smooth map like a classifier's, plus noise for saddles and small islands
    field = 1 / (1 + np.exp(-((xx - 25) ** 2 + (yy - 18) ** 2 - 150) / 60))
    field = np.clip(field + 0.15 * rng.standard_normal(field.shape), 0, 1)
    page.goto("/glossary")
    segs = page.evaluate(
        """async ([flat, rows, cols]) => {
            const m = await import("/static/js/lib/contour.js");
            return m.isoSegments(Float32Array.from(flat), rows, cols, 0.5);
        }""",
        [field.ravel().tolist(), rows, cols],
    )
    data = field.astype(np.float32).astype(np.float64)  # the values the browser saw
    ours = np.array(segs)
    assert len(ours) > 20
    theirs = np.concatenate([c[:, ::-1] for c in find_contours(data, 0.5)])  # (row, col) → (x, y)
    assert crossings(ours[:, :2]) | crossings(ours[:, 2:]) == crossings(theirs)
    for x0, y0, x1, y1 in ours:  # both ends on the border of one cell, on two different edges
        cell = np.floor(np.minimum([x0, y0], [x1, y1]))
        assert np.all(np.array([x0, y0, x1, y1]) - np.tile(cell, 2) <= 1 + 1e-12)
        assert (x0, y0) != (x1, y1)
