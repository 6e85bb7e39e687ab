"""Fixtures of the realism tests."""

from __future__ import annotations

import numpy as np
import pytest

from jovis.geometry import PolarGrid
from jovis.realism.oval_width import FWHM_PER_SIGMA


def _ring(fwhm_deg: float, k: float = 8.0, noise: float = 3.0, seed: int = 0, wing: float = 0.0):
    """A kidney-shaped ring of known FWHM, off the pole, on a (220, 200) grid: a Gaussian
    cross-section, or with `wing` > 0 a Moffat of 1/β = wing and the same FWHM."""
    grid = PolarGrid("north", 100.0, 110.0, px_per_deg=k)
    ys, xs = np.mgrid[0:220, 0:200].astype(float)
    cx, cy = 100 + 2 * k, 110 - k
    phi = np.arctan2(ys - cy, xs - cx)
    r = 10 * k * (1 + 0.08 * np.cos(2 * phi + 0.3) + 0.05 * np.cos(3 * phi))
    d = np.hypot(xs - cx, ys - cy) - r
    sigma = fwhm_deg * k / FWHM_PER_SIGMA
    if wing > 0:
        u2 = (2 * d / (fwhm_deg * k)) ** 2
        img = 100 * (1 + (2**wing - 1) * u2) ** (-1 / wing) + 5
    else:
        img = 100 * np.exp(-0.5 * (d / sigma) ** 2) + 5
    img += np.random.default_rng(seed).normal(0, noise, d.shape)
    return img.astype(np.float32), grid


@pytest.fixture
def ring():
    """`_ring(fwhm_deg, k=8.0, noise=3.0, seed=0, wing=0.0)` -> (image, grid)."""
    return _ring
