import numpy as np
import pytest

from jovis.robust import mad_sigma


def test_mad_sigma_is_a_gaussians_sd_and_ignores_outliers():
    rng = np.random.default_rng(0)
    noise = rng.normal(5.0, 2.0, 20000)
    assert mad_sigma(noise) == pytest.approx(2.0, rel=0.03)
    spiked = noise.copy()
    spiked[:1000] = 1e4  # 5 % bright outliers (a star, an arc) barely move it; a plain sd would
    assert mad_sigma(spiked) == pytest.approx(2.0, rel=0.1)
    assert np.std(spiked) > 1000


def test_mad_sigma_about_a_given_centre_and_of_nothing():
    assert mad_sigma(np.array([-1.0, 1.0, -1.0, 1.0]), centre=0.0) == pytest.approx(1.4826)
    assert mad_sigma(np.array([9.0, 11.0, 9.0, 11.0]), centre=0.0) == pytest.approx(1.4826 * 10)
    assert mad_sigma(np.array([9.0, 11.0, 9.0, 11.0])) == pytest.approx(1.4826)
    assert mad_sigma(np.zeros(0)) == 0.0
