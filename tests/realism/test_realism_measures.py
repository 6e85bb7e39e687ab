"""Realism measurements with known answers: percentiles, the analysis region, noise spectra."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from jovis.geometry import PolarGrid
from jovis.realism import measures as rm


def test_percentiles_are_exact_over_the_region():
    img = np.full((100, 100), 1e6, np.float32)  # outside the region: must not count
    region = np.zeros((100, 100), bool)
    region.ravel()[::3][:101] = True
    img[region] = np.random.default_rng(0).permutation(101)  # 0..100 kR in the region
    img[0, 1] = np.nan  # non-finite pixels are left out
    region[0, 1] = True
    out = rm.brightness_percentiles(img, region)
    assert out == {"p50": 50.0, "p90": 90.0, "p99": 99.0}
    with pytest.raises(ValueError, match="lat_range"):
        rm.brightness_percentiles(img, np.zeros((100, 100), bool))


def test_analysis_region_is_a_latitude_band_of_valid_pixels():
    grid = PolarGrid("south", 50.0, 50.0, px_per_deg=2.0)
    valid = np.ones((101, 101), bool)
    valid[:, :10] = False
    region = rm.analysis_region(valid, grid, (70.0, 80.0))
    ys, xs = np.mgrid[0:101, 0:101]
    colat = np.hypot(xs - 50, ys - 50) / 2.0
    assert np.array_equal(region, valid & (colat >= 10) & (colat <= 20))
    with pytest.raises(ValueError, match="lat_range"):
        rm.analysis_region(valid, grid, (80.0, 70.0))


def test_white_noise_has_a_flat_spectrum_and_smoothed_noise_does_not():
    noise = np.random.default_rng(1).normal(0, 2.0, (128, 128)).astype(np.float32)
    region = np.ones(noise.shape, bool)
    raw = rm.noise_spectrum(noise, region, highpass_sigma=0)
    assert abs(raw["slope"]) < 0.15
    assert np.median(raw["power"]) == pytest.approx(4.0, rel=0.1)  # σ² in every bin
    assert raw["rms"] == pytest.approx(2.0, rel=0.05)
    hp = rm.noise_spectrum(noise, region)
    assert abs(hp["slope"]) < 0.25 and hp["hf_ratio"] == pytest.approx(1.0, abs=0.15)
    smooth = rm.noise_spectrum(cv2.GaussianBlur(noise, (0, 0), 1.0), region)
    assert smooth["slope"] < -2 and smooth["hf_ratio"] < 0.2
