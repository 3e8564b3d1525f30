"""excite_unit: gradient ascent on the pixels raises the unit's activation, a deep unit beyond any
held-out photo, only pixels inside the receptive field change (without the priors), and a unit
number beyond the block is refused."""

import numpy as np
import pytest

from deepbook.sims.excite_unit import SPEC
from deepbook.sims.params import ParamError


@pytest.fixture(scope="module")
def loaded():
    return SPEC.load()


def test_a_deep_unit_ends_more_excited_than_by_any_held_out_photo(loaded):
    sim = loaded.start({"layer": "4", "channel": 3})
    sim.step(400)
    f = sim.snapshot()
    assert f.meta["done"] and f.meta["step"] == 400
    assert f.meta["activation"] > 2 * f.meta["best_held_out"] > 0
    history = f.arrays["history"]
    assert len(history) == 401 and history[-1] > history[0]


def test_only_pixels_inside_the_receptive_field_change(loaded):
    sim = loaded.start({"layer": "2", "channel": 18, "prior": 0})
    before = sim.x.copy()
    sim.step(50)
    changed = np.argwhere(np.abs(sim.x - before) > 1e-9)
    r0, r1, c0, c1 = sim.snapshot().meta["window"]  # the centre cell's 8 × 8 field
    assert (r1 - r0, c1 - c0) == (8, 8) and len(changed) > 0
    assert changed[:, 0].min() >= r0 and changed[:, 0].max() < r1
    assert changed[:, 1].min() >= c0 and changed[:, 1].max() < c1
    assert sim.history[-1] > sim.history[0]


def test_reset_starts_again_from_the_same_noise(loaded):
    sim = loaded.start({"layer": "1", "channel": 11})
    start = sim.x.copy()
    sim.step(20)
    sim.reset()
    np.testing.assert_array_equal(sim.x, start)
    assert sim.steps == 0 and len(sim.history) == 1


def test_a_unit_beyond_the_block_is_refused(loaded):
    with pytest.raises(ParamError, match="channel: must be from 0 to 15 for block 1"):
        loaded.start({"layer": "1", "channel": 40})
