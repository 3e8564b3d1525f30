"""Toy 2-D datasets: balanced, seeded, inside the view, and on their clean shapes at noise 0."""

import math

import numpy as np
import pytest

from deepbook.sims.datasets2d import EXTENT, KINDS, SCALE, XOR_GAP, make


def rng(seed=0):
    return np.random.default_rng(seed)


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("n", [0, 1, 20, 201])
@pytest.mark.parametrize("noise", [0.0, 0.1, 1.0])
def test_shapes_dtypes_balance_and_extent(kind, n, noise):
    xy, labels = make(kind, n, noise, rng())
    assert xy.shape == (n, 2) and xy.dtype == np.float64
    assert labels.shape == (n,) and labels.dtype == np.int64
    assert (labels == 0).sum() == n // 2 and (labels == 1).sum() == n - n // 2
    assert np.isfinite(xy).all()
    assert ((EXTENT[0] <= xy) & (xy <= EXTENT[1])).all()


@pytest.mark.parametrize("kind", list(KINDS))
def test_same_seed_same_data_other_seed_other_data(kind):
    a, la = make(kind, 100, 0.2, rng(7))
    b, lb = make(kind, 100, 0.2, rng(7))
    c, _ = make(kind, 100, 0.2, rng(8))
    assert np.array_equal(a, b) and np.array_equal(la, lb)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("kind", list(KINDS))
def test_points_are_shuffled_not_sorted_by_class(kind):
    _, labels = make(kind, 200, 0.1, rng())
    assert np.count_nonzero(np.diff(labels)) > 20


def test_heavy_noise_is_clipped_to_the_extent():
    xy, _ = make("spiral", 2000, 1.0, rng())
    assert np.isin(xy, EXTENT).any()  # some points were pushed out and clipped onto the edge
    assert EXTENT[0] <= xy.min() and xy.max() <= EXTENT[1]


def test_blobs_are_the_chapters_unit_variance_clouds_centred_in_the_view():
    xy, labels = make("blobs", 20000, 0.0, rng())
    np.testing.assert_allclose(xy[labels == 0].mean(axis=0), [-0.75, -0.5], atol=0.05)
    np.testing.assert_allclose(xy[labels == 1].mean(axis=0), [0.75, 0.5], atol=0.05)
    np.testing.assert_allclose(xy[labels == 0].std(axis=0), [1, 1], atol=0.05)
    np.testing.assert_allclose(xy.mean(axis=0), [0, 0], atol=0.05)
    same, _ = make("blobs", 20000, 0.8, rng())  # noise does not change the clouds
    assert np.array_equal(xy, same)


def test_clean_moons_lie_on_two_half_circles():
    xy, labels = make("moons", 500, 0.0, rng())
    u = xy / SCALE["moons"] + (0.5, 0.25)  # back to scikit-learn's units
    outer, inner = u[labels == 0], u[labels == 1] - (1, 0.5)
    np.testing.assert_allclose(np.hypot(*outer.T), 1, atol=1e-12)
    np.testing.assert_allclose(np.hypot(*inner.T), 1, atol=1e-12)
    assert (outer[:, 1] >= -1e-12).all() and (inner[:, 1] <= 1e-12).all()


def test_clean_circles_have_radius_3_outside_and_1_5_inside():
    xy, labels = make("circles", 500, 0.0, rng())
    r = np.hypot(*xy.T)
    np.testing.assert_allclose(r[labels == 0], 3.0, atol=1e-12)
    np.testing.assert_allclose(r[labels == 1], 1.5, atol=1e-12)


def test_noise_is_jitter_in_units_of_the_shape():
    xy, labels = make("circles", 20000, 0.1, rng())
    r = np.hypot(*xy[labels == 0].T)
    assert r.mean() == pytest.approx(3.0, abs=0.03)
    assert r.std() == pytest.approx(0.1 * SCALE["circles"], rel=0.05)


def test_clean_xor_is_class_1_where_the_signs_differ_away_from_the_axes():
    xy, labels = make("xor", 1000, 0.0, rng())
    assert np.array_equal(labels == 1, xy[:, 0] * xy[:, 1] < 0)
    assert np.abs(xy).min() >= XOR_GAP * SCALE["xor"] - 1e-12
    for sx in (-1, 1):  # every quadrant is used
        for sy in (-1, 1):
            assert ((np.sign(xy[:, 0]) == sx) & (np.sign(xy[:, 1]) == sy)).sum() > 200


@pytest.mark.parametrize("turns", [1.25, 2.0])
def test_clean_spirals_are_two_arms_half_a_turn_apart(turns):
    xy, labels = make("spiral", 400, 0.0, rng(), turns=turns)
    r = np.hypot(*xy.T) / SCALE["spiral"]
    t = (r - 0.1) / 0.9
    assert t.min() >= -1e-12 and t.max() <= 1 + 1e-12
    angle = np.arctan2(xy[:, 1], xy[:, 0])
    want = 2 * math.pi * turns * t + math.pi * labels
    off = np.angle(np.exp(1j * (angle - want)))  # wrapped to (-π, π]
    np.testing.assert_allclose(off, 0, atol=1e-9)


def test_unknown_kind_and_bad_arguments_raise():
    with pytest.raises(ValueError, match="unknown dataset"):
        make("swiss_roll", 10, 0.1, rng())
    with pytest.raises(ValueError):
        make("moons", -1, 0.1, rng())
    with pytest.raises(ValueError):
        make("moons", 10, -0.1, rng())
