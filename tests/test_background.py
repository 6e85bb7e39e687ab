"""The white top-hat: structure narrower than the disk stays, a smooth glow wider than it goes,
no-data pixels read 0."""

from __future__ import annotations

import numpy as np
import pytest

from jovis.background import white_tophat


def test_a_thin_ridge_on_a_glow_keeps_its_height_and_loses_the_glow():
    _, xs = np.mgrid[0:96, 0:96].astype(np.float32)
    glow = 50.0 + 0.1 * xs  # smooth, much wider than the disk
    ridge = 20.0 * np.exp(-0.5 * ((xs - 48) / 1.5) ** 2)
    valid = np.ones((96, 96), bool)
    valid[:, :8] = False
    top = white_tophat(glow + ridge, valid, 21)
    assert top.dtype == np.float32 and (top[:, :8] == 0).all()
    assert top[20:76, 48].mean() == pytest.approx(20.0, abs=1.5)
    assert np.abs(top[20:76, 70:90]).max() < 0.5  # a linear glow is all background
