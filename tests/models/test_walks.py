"""Straight and spherical paths through a latent space, and the shell where Gaussian codes lie:
chapter 7's numbers for StyleGAN's 512-D z, recomputed."""

import numpy as np
import pytest

from deepbook.models.walks import angle, lerp, shell, slerp

T = np.arange(101) / 100


@pytest.fixture
def pair():
    rng = np.random.default_rng(7)
    return rng.standard_normal(512), rng.standard_normal(512)


def test_the_shell_of_512_dimensions(pair):
    s = shell(512)
    assert s.mean == pytest.approx(22.6, abs=0.05)  # ≈ √512
    assert s.share_below(24) - s.share_below(21) == pytest.approx(0.96, abs=0.01)
    assert s.share_below(20) < 1e-4  # fewer than 1 in 10,000
    assert s.share_below(16) == pytest.approx(2e-23, rel=0.25)  # the straight midpoint's length
    z0, z1 = pair
    assert np.degrees(angle(z0, z1)) == pytest.approx(90, abs=7.5)  # 90° ± 2.5°, three s.d.


@pytest.mark.parametrize("dims", [2, 16, 512])
def test_the_shell_is_scipys_chi_distribution(dims):
    from scipy.stats import chi  # the oracle; deepbook's own code avoids its import time

    s = shell(dims)
    assert s.mean == pytest.approx(chi.mean(dims), rel=1e-12)
    assert (s.low, s.high) == pytest.approx(tuple(chi.ppf([0.025, 0.975], dims)), rel=1e-10)
    for r in (0.5 * s.low, s.low, s.mean, s.high, 1.5 * s.high):
        assert s.share_below(r) == pytest.approx(chi.cdf(r, dims), rel=1e-8, abs=1e-300)


def test_spherical_paths_stay_in_the_shell_and_straight_ones_fall_inside():
    s = shell(512)
    rng = np.random.default_rng(7)
    mids, inside = [], 0
    for _ in range(200):
        z0, z1 = rng.standard_normal((2, 512))
        mids.append(np.linalg.norm(lerp(z0, z1, T)[50]))
        ends = np.linalg.norm([z0, z1], axis=1)
        if ((ends < s.low) | (ends > s.high)).any():
            continue  # an endpoint outside the shell (5 % of draws each)
        inside += 1
        arc = np.linalg.norm(slerp(z0, z1, T), axis=1)
        assert (arc >= s.low).all() and (arc <= s.high).all()
        assert mids[-1] < s.low
    assert inside >= 150
    assert np.mean(mids) == pytest.approx(16, abs=0.1)  # √(512/4 + 512/4)


@pytest.mark.parametrize("path", [lerp, slerp])
def test_paths_start_and_end_exactly_at_the_endpoints(pair, path):
    z0, z1 = pair
    z = path(z0, z1, T)
    assert np.array_equal(z[0], z0) and np.array_equal(z[-1], z1)


def test_slerp_turns_at_a_constant_rate(pair):
    z0, z1 = (z / np.linalg.norm(z) for z in pair)
    theta = angle(z0, z1)
    z = slerp(z0, z1, T)
    turned = np.array([angle(z0, p) for p in z])
    assert turned == pytest.approx(T * theta, abs=1e-6)


def test_slerp_of_parallel_codes_is_the_straight_line():
    z0 = np.array([1.0, 2.0])
    assert np.array_equal(slerp(z0, 3 * z0, T), lerp(z0, 3 * z0, T))
    assert np.isfinite(slerp(np.zeros(2), z0, T)).all()
