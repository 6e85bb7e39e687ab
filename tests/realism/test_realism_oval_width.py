"""The main oval's width measured on rings of known FWHM, with no data, polar emission, noise."""

from __future__ import annotations

import numpy as np
import pytest

from jovis.geometry import PolarGrid
from jovis.realism.oval_width import oval_width


@pytest.mark.parametrize("fwhm", [0.8, 1.5, 2.5])
def test_oval_width_of_a_gaussian_ring_is_its_fwhm(fwhm, ring):
    img, grid = ring(fwhm)
    out = oval_width(img, np.ones(img.shape, bool), grid)
    assert out["fwhm_deg"] == pytest.approx(fwhm, rel=0.05)
    assert out["n_cuts"] > 120
    assert out["radius_deg"] == pytest.approx(10.0, abs=0.5)
    assert out["centre_px"] == pytest.approx([116.0, 102.0], abs=2.0)


def test_oval_shape_tells_a_peaky_cross_section_from_a_gaussian(ring):
    gauss = oval_width(*_frame(ring(1.5)))
    moffat = oval_width(*_frame(ring(1.5, wing=0.8)))
    assert gauss["shape_w25_w75"] == pytest.approx(2.2, abs=0.1)
    assert moffat["shape_w25_w75"] > gauss["shape_w25_w75"] + 0.3
    assert moffat["fwhm_deg"] == pytest.approx(1.5, rel=0.1)  # the same FWHM


def _frame(ring_out):
    img, grid = ring_out
    return img, np.ones(img.shape, bool), grid


def test_oval_width_skips_no_data_and_polar_emission(ring):
    img, grid = ring(1.2)
    ys, xs = np.mgrid[0:220, 0:200]
    inside = np.hypot(xs - 116, ys - 102) < 70
    img = img + 40.0 * inside  # a brighter polar cap inside the oval
    valid = xs < 120  # half the frame has no data
    img[~valid] = 0.0
    out = oval_width(img, valid, grid)
    assert out["fwhm_deg"] == pytest.approx(1.2, rel=0.1)
    assert all(x < 120 for x, _ in out["ridge_px"])


def test_over_the_background_a_gaussian_ring_reads_its_fwhm(ring):
    """baseline="tophat": the half level is half the peak over the top-hat background, so a
    Gaussian ring on a polar cap reads its FWHM; wings wider than the disk are partly taken as
    background (narrower than the side-minimum reading); an unknown baseline is refused."""
    img, grid = ring(1.2)
    ys, xs = np.mgrid[0:220, 0:200]
    img = img + 40.0 * (np.hypot(xs - 116, ys - 102) < 70)  # a brighter polar cap
    out = oval_width(img, np.ones(img.shape, bool), grid, baseline="tophat")
    assert out["fwhm_deg"] == pytest.approx(1.2, rel=0.1)
    img, grid = ring(1.5, wing=0.8)
    frame = (img, np.ones(img.shape, bool), grid)
    assert oval_width(*frame, baseline="tophat")["fwhm_deg"] < oval_width(*frame)["fwhm_deg"]
    with pytest.raises(ValueError, match="tophat"):
        oval_width(*frame, baseline="floor")


def test_oval_width_without_an_oval_is_nan():
    rng = np.random.default_rng(3)
    img = rng.normal(0, 1, (200, 200)).astype(np.float32)
    out = oval_width(img, np.ones(img.shape, bool), PolarGrid("north", 100, 100, 8.0))
    assert np.isnan(out["fwhm_deg"]) or out["n_cuts"] < 40
