"""Structure statistics (issue 13) on constructed frames with known answers."""

from __future__ import annotations

import numpy as np
import pytest

from jovis.geometry import PolarGrid
from jovis.realism import measures as rm
from jovis.realism import structure as rs

K = 6.0  # px per degree


def _quadrant_ring(levels, noise=0.5, size=241, radius_deg=12.0, fwhm_deg=1.0, seed=0):
    """A ring about the pole whose peak brightness is levels[q] in angular quadrant q, plus
    a background of 5 and Gaussian noise."""
    c = (size - 1) / 2.0
    grid = PolarGrid("north", c, c, px_per_deg=K)
    ys, xs = np.mgrid[0:size, 0:size].astype(float)
    ang = np.mod(np.arctan2(ys - c, xs - c), 2 * np.pi)
    quad = np.minimum((ang / (np.pi / 2)).astype(int), 3)
    d = np.hypot(xs - c, ys - c) / K - radius_deg
    sigma = fwhm_deg / 2.3548
    img = np.asarray(levels, float)[quad] * np.exp(-0.5 * (d / sigma) ** 2) + 5.0
    img += np.random.default_rng(seed).normal(0, noise, img.shape)
    return img.astype(np.float32), grid


def test_quarter_ratio_of_a_ring_with_known_quadrant_brightness():
    img, grid = _quadrant_ring([100.0, 200.0, 300.0, 400.0])
    trace = rs.ridge_trace(img, np.ones(img.shape, bool), grid)
    assert rs.quarter_ratio(trace) == pytest.approx(4.0, rel=0.1)
    assert rs.visible_fraction(trace) == 1.0
    uniform, _ = _quadrant_ring([300.0] * 4)
    trace = rs.ridge_trace(uniform, np.ones(img.shape, bool), grid)
    assert rs.quarter_ratio(trace) == pytest.approx(1.0, abs=0.05)


def test_visible_fraction_counts_the_sectors_cut_away():
    img, grid = _quadrant_ring([300.0] * 4)
    valid = np.ones(img.shape, bool)
    valid[:, int(grid.pole_x) :] = False  # half the oval (the right half-plane) has no data
    trace = rs.ridge_trace(img, valid, grid)
    assert rs.visible_fraction(trace) == pytest.approx(0.5, abs=0.03)
    nothing = rs.ridge_trace(np.zeros_like(img), np.ones(img.shape, bool), grid)
    assert nothing is None and np.isnan(rs.quarter_ratio(nothing))


def test_emission_ratios_of_known_levels_inside_and_outside():
    img, grid = _quadrant_ring([400.0] * 4, noise=0.0)
    c = grid.pole_x
    ys, xs = np.mgrid[0 : img.shape[0], 0 : img.shape[1]]
    colat = np.hypot(xs - c, ys - c) / K
    img = img + np.where(colat < 12.0, 40.0, 20.0).astype(np.float32)  # polar 40, diffuse 20
    trace = rs.ridge_trace(img, np.ones(img.shape, bool), grid)
    out = rs.emission_ratios(trace, grid)
    # the ridge peak after ridge_trace's 0.3° smoothing: a Gaussian of sd 0.425° keeps
    # 0.425 / hypot(0.425, 0.3) of its peak; the 40/20 step under the ridge reads ~30
    sd = 1.0 / 2.3548
    peak = 400.0 * sd / np.hypot(sd, 0.3) + 5.0 + 30.0
    assert out["polar_ratio"] == pytest.approx(45.0 / peak, rel=0.05)
    assert out["diffuse_ratio"] == pytest.approx(25.0 / peak, rel=0.05)
    assert out["polar_texture"] == pytest.approx(0.0, abs=0.01)  # flat inside
    patchy = img + np.where((colat < 8.0) & (xs < c), 45.0, 0.0).astype(np.float32)
    trace = rs.ridge_trace(patchy, np.ones(img.shape, bool), grid)
    assert rs.emission_ratios(trace, grid)["polar_texture"] > 0.5


def test_edge_streaks_known_anisotropy():
    size = 200
    grid = PolarGrid("north", 100.0, 100.0, px_per_deg=K)
    valid = np.zeros((size, size), bool)
    valid[:120] = True  # one straight edge along x (plus the frame border)
    rng = np.random.default_rng(3)
    iso = rng.normal(0, 1.0, (size, size)).astype(np.float32)
    assert rs.edge_streaks(iso, valid, grid) == pytest.approx(1.0, abs=0.2)
    # stripes across the edge (varying along x only): the gradient runs along the edge
    stripes = np.tile(np.sin(np.arange(size) * 2 * np.pi / 5.0), (size, 1)).astype(np.float32)
    assert rs.edge_streaks(stripes + 0.1 * iso, valid, grid) > 20
    # stripes parallel to the edge: the gradient crosses it
    assert rs.edge_streaks(stripes.T + 0.1 * iso, valid, grid) < 0.2
    assert np.isnan(rs.edge_streaks(iso, np.zeros((size, size), bool), grid))


def _edge_frame(profile, size=200, seed=4, px_per_deg=K * 2):
    """A frame with one straight no-data edge (rows 120+) whose brightness is `profile`
    (a function of degrees from the edge to the pixel's centre), plus faint Gaussian noise."""
    grid = PolarGrid("north", 100.0, 100.0, px_per_deg=px_per_deg)
    valid = np.zeros((size, size), bool)
    valid[:120] = True
    deg = (119.5 - np.arange(size))[:, None] / grid.px_per_deg * np.ones((1, size))
    noise = np.random.default_rng(seed).normal(0, 0.5, (size, size))
    return (profile(deg) + noise).astype(np.float32), valid, grid


def _fringe(image, valid, grid, region=None):
    return rs.edge_fringe(rs.edge_profile(image, valid, grid, region))


def test_edge_fringe_reads_a_known_dark_band():
    # dark to 0.5° then the full level: the half level is crossed at 0.5°
    img, valid, grid = _edge_frame(lambda d: np.where(d < 0.5, 0.0, 100.0))
    assert _fringe(img, valid, grid) == pytest.approx(0.5, abs=0.01)
    # a coarse frame (4 px/deg): its bins widen to a pixel rather than come out empty
    img, valid, grid = _edge_frame(lambda d: np.where(d < 0.5, 0.0, 100.0), px_per_deg=4.0)
    assert _fringe(img, valid, grid) == pytest.approx(0.5, abs=0.01)
    # dark to 0.3° then a linear ramp over 0.4°: half the level at 0.5°
    img, valid, grid = _edge_frame(lambda d: 100.0 * np.clip((d - 0.3) / 0.4, 0, 1))
    assert _fringe(img, valid, grid) == pytest.approx(0.5, abs=0.06)
    # lit up to the edge: the first bin already reaches half the level
    img, valid, grid = _edge_frame(lambda d: np.full_like(d, 100.0))
    assert _fringe(img, valid, grid) == pytest.approx(0.05)


def test_edge_fringe_is_the_typical_pixel_not_the_streaks():
    """Bright stripes across a dark 0.6° fringe on 30 % of the columns (limb streaks) leave the
    median dark: the width stays the fringe's; a mean would read them as lit."""
    cols = np.random.default_rng(1).uniform(size=200) < 0.3
    img, valid, grid = _edge_frame(lambda d: np.where(d < 0.6, np.where(cols, 1000.0, 0.0), 100.0))
    assert _fringe(img, valid, grid) == pytest.approx(0.6, abs=0.06)


def test_edge_fringe_without_an_edge_or_a_level_is_nan():
    img, valid, grid = _edge_frame(lambda d: np.where(d < 0.5, 0.0, 100.0))
    assert rs.edge_profile(img, np.ones_like(valid), grid) is None  # the frame border is no edge
    assert np.isnan(rs.edge_fringe(None))
    assert np.isnan(_fringe(img - 200.0, valid, grid))  # no positive level
    region = np.zeros_like(valid)
    region[:, :2] = True  # too few pixels per bin
    assert np.isnan(_fringe(img, valid, grid, region))


def test_median_edge_profile_pools_frames_of_different_scales():
    fine = {"bin_deg": 0.1, "median": [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]}
    coarse = {"bin_deg": 0.25, "median": [0, 0, 1, float("nan")]}  # a last bin without pixels
    deg = np.array([0.05, 0.45, 0.55, 0.95])
    # at 0.05° only the fine profile reaches; at 0.45° the coarse one reads 0.3 (0 at 0.375°, 1
    # at 0.625°); its empty last bin leaves 0.95° to the fine one
    got = rs.median_edge_profile([fine, None, coarse], deg)
    assert got == pytest.approx([0.0, 0.15, 0.5 * (1.0 + 0.7), 1.0])
    assert np.isnan(rs.median_edge_profile([None], deg)).all()


@pytest.mark.parametrize("beta", [2.0, 3.2])
def test_noise_spectrum_slope_of_power_law_noise(beta):
    """Noise synthesised with P(f) ∝ f^-beta reads slope -beta (no high-pass)."""
    n = 256
    rng = np.random.default_rng(5)
    f = np.hypot(np.fft.fftfreq(n)[:, None], np.fft.fftfreq(n)[None, :])
    amp = np.zeros_like(f)
    amp[f > 0] = f[f > 0] ** (-beta / 2)
    spec = amp * (rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n)))
    noise = np.real(np.fft.ifft2(spec)).astype(np.float32)
    out = rm.noise_spectrum(noise, np.ones((n, n), bool), highpass_sigma=0)
    assert out["slope"] == pytest.approx(-beta, abs=0.25)


def test_ridge_snr_splits_bright_and_faint_halves_and_scales_with_noise():
    levels = [400.0, 400.0, 20.0, 20.0]  # two bright quadrants, two faint ones
    ones = np.ones((241, 241), bool)
    img, grid = _quadrant_ring(levels, noise=2.0)
    out = rs.ridge_snr(rs.ridge_trace(img, ones, grid))
    assert out["bright_snr"] > 5 * out["faint_snr"] > 5 * 2.0  # the faint arc is still visible
    assert out["faint_lt2"] < 0.1
    noisier, _ = _quadrant_ring(levels, noise=4.0)
    out2 = rs.ridge_snr(rs.ridge_trace(noisier, ones, grid))
    assert out2["faint_snr"] == pytest.approx(out["faint_snr"] / 2, rel=0.25)
    gone, _ = _quadrant_ring([400.0, 400.0, 0.0, 0.0], noise=2.0)  # faint half lost in noise
    out3 = rs.ridge_snr(rs.ridge_trace(gone, ones, grid))
    assert abs(out3["faint_snr"]) < 2.0 and out3["faint_lt2"] > 0.4
    assert out3["faint_lt2"] + out3["faint_2_8"] <= 1.0


def test_ridge_snr_is_nan_without_a_trace():
    assert all(np.isnan(v) for v in rs.ridge_snr(None).values())


def test_ridge_trace_follows_a_given_curve():
    img, grid = _quadrant_ring([300.0] * 4, noise=2.0)
    ones = np.ones(img.shape, bool)
    t = np.linspace(0, 2 * np.pi, 90, endpoint=False)
    on = np.stack([grid.pole_x + 12 * K * np.cos(t), grid.pole_y + 12 * K * np.sin(t)], 1)
    trace = rs.ridge_trace(img, ones, grid, curve_px=on)
    assert np.allclose(trace["r_px"], 12 * K, atol=0.5) and trace["found"].all()
    hit = rs.ridge_snr(trace)
    off = rs.ridge_snr(rs.ridge_trace(img, ones, grid, curve_px=on * 0 + [grid.pole_x, grid.pole_y]
                                      + (on - [grid.pole_x, grid.pole_y]) * 0.75))  # fmt: skip
    assert hit["faint_snr"] > 10 and abs(off["bright_snr"]) < 3  # 3° inside: no oval there
    with pytest.raises(ValueError, match="curve_px"):
        rs.ridge_trace(img, ones, grid, curve_px=np.zeros((2, 2)))
