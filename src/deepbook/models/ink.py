"""A drawing made ready for the digit models: prepared the way MNIST's digits were.

MNIST's digits were size-normalised to fit a 20 × 20 box (aspect ratio kept, anti-aliased) and
placed in a 28 × 28 image so that their centre of mass sits at the centre. `prepare` does the
same to the reader's drawing, so the CNN and the autoencoders see a drawing as they saw their
training digits.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

SIDE, BOX = 28, 20


def prepare(ink: np.ndarray) -> np.ndarray:
    """MNIST's preparation of a (28, 28) uint8 drawing: float (28, 28) in [0, 1], the ink scaled
    into 20 × 20 (aspect kept, area-averaged) and centred by mass; all zeros if blank."""
    img = ink.astype(np.float32) / 255.0
    rows, cols = np.nonzero(img > 0.02)
    if len(rows) == 0:
        return np.zeros((SIDE, SIDE), dtype=np.float32)
    crop = img[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
    h, w = crop.shape
    scale = BOX / max(h, w)
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    t = torch.from_numpy(np.ascontiguousarray(crop))[None, None]
    if scale < 1:  # area averaging: each new pixel the mean of the ink it covers
        resized = F.interpolate(t, size=(nh, nw), mode="area")
    else:
        resized = F.interpolate(t, size=(nh, nw), mode="bilinear", align_corners=False)
    small = resized[0, 0].clamp(0, 1).numpy()
    out = np.zeros((SIDE, SIDE), dtype=np.float32)
    top, left = (SIDE - nh) // 2, (SIDE - nw) // 2
    out[top : top + nh, left : left + nw] = small
    mass = out.sum()
    yy, xx = np.mgrid[0:SIDE, 0:SIDE]
    cy, cx = (yy * out).sum() / mass, (xx * out).sum() / mass
    dy, dx = round((SIDE - 1) / 2 - cy), round((SIDE - 1) / 2 - cx)
    # shift by whole pixels, as MNIST did; ink pushed past an edge is clipped
    dy = max(-top, min(SIDE - (top + nh), dy))
    dx = max(-left, min(SIDE - (left + nw), dx))
    return np.roll(out, (dy, dx), axis=(0, 1))
