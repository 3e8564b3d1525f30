"""Squared distances from many points to a fixed set, by matrix products in blocks of rows.

‖z − p‖² = ‖z‖² + (‖p‖² − 2 z·p): `blocks` yields the bracket for a block of rows of z at a time
(so each block's products stay in the cache); a caller adds ‖z‖² when it needs the distances
themselves, and need not when it only looks for the nearest p.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np


def blocks(
    z: np.ndarray, points: np.ndarray, squares: np.ndarray, rows: int = 256
) -> Iterator[tuple[int, np.ndarray]]:
    """(first row, ‖p‖² − 2 z·p for the block's rows against every point), block by block;
    `squares` is ‖p‖² of each point. Each block is a new array the caller may change."""
    for i in range(0, len(z), rows):
        d2 = z[i : i + rows] @ points.T
        d2 *= -2
        d2 += squares
        yield i, d2
