"""UV realism: measurements on inputs with known answers; the report on real + synthetic frames."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
from tests.conftest import REAL_DATA, compose_config

from jovis.apps.realism import report_from_config
from jovis.geometry import PolarGrid
from jovis.io.atomic import leftover_temporaries
from jovis.synth import realism as rm
from jovis.synth import realism_report as rr

HST = REAL_DATA / "hst_stis_north_2016-05-21"
needs_real = pytest.mark.skipif(
    not HST.is_dir(), reason=f"real HST frames not found at {HST} (../shared/data/real)"
)


def _ring(fwhm_deg: float, k: float = 8.0, noise: float = 3.0, seed: int = 0):
    """A kidney-shaped Gaussian ring of known FWHM, off the pole, on a (220, 200) grid."""
    grid = PolarGrid("north", 100.0, 110.0, px_per_deg=k)
    ys, xs = np.mgrid[0:220, 0:200].astype(float)
    cx, cy = 100 + 2 * k, 110 - k
    phi = np.arctan2(ys - cy, xs - cx)
    r = 10 * k * (1 + 0.08 * np.cos(2 * phi + 0.3) + 0.05 * np.cos(3 * phi))
    d = np.hypot(xs - cx, ys - cy) - r
    sigma = fwhm_deg * k / rm.FWHM_PER_SIGMA
    img = 100 * np.exp(-0.5 * (d / sigma) ** 2) + 5
    img += np.random.default_rng(seed).normal(0, noise, d.shape)
    return img.astype(np.float32), grid


@pytest.mark.parametrize("fwhm", [0.8, 1.5, 2.5])
def test_oval_width_of_a_gaussian_ring_is_its_fwhm(fwhm):
    img, grid = _ring(fwhm)
    out = rm.oval_width(img, np.ones(img.shape, bool), grid)
    assert out["fwhm_deg"] == pytest.approx(fwhm, rel=0.05)
    assert out["n_cuts"] > 120
    assert out["radius_deg"] == pytest.approx(10.0, abs=0.5)
    assert out["centre_px"] == pytest.approx([116.0, 102.0], abs=2.0)


def test_oval_width_skips_no_data_and_polar_emission():
    img, grid = _ring(1.2)
    ys, xs = np.mgrid[0:220, 0:200]
    inside = np.hypot(xs - 116, ys - 102) < 70
    img = img + 40.0 * inside  # a brighter polar cap inside the oval
    valid = xs < 120  # half the frame has no data
    img[~valid] = 0.0
    out = rm.oval_width(img, valid, grid)
    assert out["fwhm_deg"] == pytest.approx(1.2, rel=0.1)
    assert all(x < 120 for x, _ in out["ridge_px"])


def test_oval_width_without_an_oval_is_nan():
    rng = np.random.default_rng(3)
    img = rng.normal(0, 1, (200, 200)).astype(np.float32)
    out = rm.oval_width(img, np.ones(img.shape, bool), PolarGrid("north", 100, 100, 8.0))
    assert np.isnan(out["fwhm_deg"]) or out["n_cuts"] < 40


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


def _tiny_synthetic(n: int = 2):
    return rr.render_synthetic_frames(range(30000000, 30000000 + n), 96)


def test_report_writes_its_files_atomically(tmp_path):
    img, grid = _ring(1.0)
    real = [rr.UVFrame("ring", "real", img, np.ones(img.shape, bool), grid)]
    synth = _tiny_synthetic()
    summary = rr.realism_report(tmp_path, real, synth, lat_range=(60.0, 89.0))
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "realism.json",
        "realism.md",
        "realism.png",
    ]
    assert leftover_temporaries(tmp_path) == []
    assert json.loads((tmp_path / "realism.json").read_text())["table"] == summary["table"]
    png = cv2.imread(str(tmp_path / "realism.png"))
    assert png.shape == (600, 1200, 3)
    assert "| p99_kr | kR |" in (tmp_path / "realism.md").read_text()
    fwhm = next(r for r in summary["table"] if r["metric"] == "oval_fwhm_deg")
    assert fwhm["real"] == pytest.approx(1.0, rel=0.05)
    assert all(r["truth_fwhm_deg"] > 0 for r in summary["synthetic"])
    with pytest.raises(ValueError, match="real and synthetic"):
        rr.realism_report(tmp_path, real, [])


def test_compare_applies_the_floors():
    real = [{"p50_kr": 100.0, "p90_kr": 100.0, "p99_kr": 100.0, "oval_fwhm_deg": 1.0}]
    synth = [{"p50_kr": 199.0, "p90_kr": 40.0, "p99_kr": -5.0, "oval_fwhm_deg": 1.6}]
    rows = {r["metric"]: r for r in rr.compare(real, synth)}
    assert rows["p50_kr"]["pass"] and rows["p50_kr"]["ratio"] == pytest.approx(1.99)
    assert not rows["p90_kr"]["pass"] and not rows["p99_kr"]["pass"]
    assert rows["p99_kr"]["ratio"] is None
    assert not rows["oval_fwhm_deg"]["pass"]
    assert "pass" not in rows["hf_ratio"]


@needs_real
def test_report_on_real_frames_and_tiny_synthetic_ones(tmp_path):
    cfg = compose_config("realism", [f"out={tmp_path}", "n=2", "size=96"])
    summary = report_from_config(cfg)
    assert [r["metric"] for r in summary["table"]] == [m for m, _, _ in rr.METRICS]
    assert len(summary["real"]) == 4 and len(summary["synthetic"]) == 2
    real = {r["metric"]: r["real"] for r in summary["table"]}
    # the v03 frames (PHYSICS.md §5): median 50th/90th percentiles ~67 and ~662 kR, oval ~0.7°
    assert 30 < real["p50_kr"] < 150 and 300 < real["p90_kr"] < 1500
    assert 0.4 < real["oval_fwhm_deg"] < 1.2
    assert all(r["oval_cuts"] >= 40 for r in summary["real"])
    assert summary["settings"]["size"] == 96
    assert set(summary["files"]) == {"json", "markdown", "figure"}


def test_bad_settings_fail_with_the_key(tmp_path):
    cfg = compose_config("realism", [f"out={tmp_path}", "n=0"])
    with pytest.raises(ValueError, match="n=0"):
        report_from_config(cfg)
    cfg = compose_config("realism", [f"out={tmp_path}", f"real={tmp_path}"])
    with pytest.raises(ValueError, match=r"no \*\.fits"):
        report_from_config(cfg)
