"""Product-scale texture statistics (`jovis.realism.visible_texture`) on tiny made-up windows."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from jovis.frame import Frame
from jovis.realism.visible_texture import (
    blob_counts,
    blob_spacing,
    frame_windows,
    inner_mask,
    model_scale_window,
    product_windows,
    psd_slope,
    scale_split,
    set_texture,
    window_stats,
)


def _spots(n_bright: int, n_dark: int, size: int = 128) -> np.ndarray:
    g = np.random.default_rng(1)
    lum = np.full((size, size), 0.5, np.float32)
    yy, xx = np.mgrid[:size, :size]
    for k in range(n_bright + n_dark):
        cx, cy = g.uniform(12, size - 12, 2)
        lum += (1 if k < n_bright else -1) * 0.4 * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / 8.0)
    return lum.astype(np.float32)


def test_blob_counts_see_bright_and_dark_spots():
    inner = np.ones((128, 128), bool)
    assert blob_counts(np.full((128, 128), 0.5, np.float32), inner) == (0, 0)
    bright, _ = blob_counts(_spots(6, 0), inner)
    _, dark = blob_counts(_spots(0, 6), inner)
    assert 5 <= bright <= 8 and 5 <= dark <= 8  # (a strong blob's surround may add a peak)


def test_psd_slope_is_steeper_for_smoother_fields():
    g = np.random.default_rng(0)
    white = g.normal(0, 1, (128, 128)).astype(np.float32)
    inner = inner_mask(np.ones((128, 128), bool))
    smooth = cv2.GaussianBlur(white, (0, 0), 3.0)
    assert psd_slope(white, inner) == pytest.approx(0.0, abs=0.6)
    assert psd_slope(smooth, inner) > psd_slope(white, inner) + 2.0


def test_windows_need_half_of_their_pixels_valid():
    img = np.random.default_rng(2).uniform(0, 255, (256, 256, 3)).astype(np.float32)
    valid = np.zeros((256, 256), bool)
    valid[:, :100] = True  # the left 100 of 256 columns
    wins = list(product_windows(Frame(img, ["red", "green", "blue"], valid=valid), 128, 64))
    assert wins and all(v.mean() >= 0.5 for _, v in wins)
    assert len(list(frame_windows(img, valid))) == 0
    assert len(list(frame_windows(img, np.ones_like(valid)))) == 1
    assert window_stats(img[:40, :40], np.ones((40, 40), bool)) is None  # too small once eroded
    s = set_texture(frame_windows(img, np.ones_like(valid)))
    assert s["n"] == 1 and s["blobs_bright"] > 0 and s["contrast15"] > 0
    with pytest.raises(ValueError, match="no window"):
        set_texture([])


def test_blob_spacing_tells_a_lattice_from_a_random_pattern():
    g = np.random.default_rng(3)
    random = g.uniform(0, 100, (400, 2))
    grid = np.stack(np.meshgrid(np.arange(20) * 5.0, np.arange(20) * 5.0), -1).reshape(-1, 2)
    assert blob_spacing(random, 100 * 100) == pytest.approx(1.0, abs=0.15)
    assert blob_spacing(grid, 100 * 100) > 1.8  # a square lattice: 2.0 away from the edges
    clustered = np.concatenate([c + g.normal(0, 1, (20, 2)) for c in g.uniform(0, 100, (20, 2))])
    assert blob_spacing(clustered, 100 * 100) < 0.6
    assert np.isnan(blob_spacing(random[:4], 100 * 100))


def test_the_model_scale_window_is_the_whole_frame_zoomed_to_256_px():
    img = np.zeros((800, 1600, 3), np.float32)
    img[:, :800] = 100.0  # the left half lit
    valid = img[..., 0] > 0
    [(small, val)] = list(model_scale_window(img, valid))
    assert small.shape == (128, 256, 3) and val.shape == (128, 256)
    assert val[:, :128].all() and not val[:, 128:].any()


def test_scale_split_tells_the_disk_scale_from_the_cloud_scale():
    g = np.random.default_rng(2)
    yy, xx = np.mgrid[:128, :128].astype(np.float32)
    valid = np.hypot(xx - 64, yy - 64) < 60  # a disk: the sky must not count
    inner = inner_mask(valid)
    ramp = (0.5 + 0.004 * (xx - 64)).astype(np.float32)  # illumination across the disk
    clouds = (0.5 + 0.05 * g.normal(0, 1, (128, 128))).astype(np.float32)
    large_r, small_r = scale_split(ramp, valid, inner)
    large_c, small_c = scale_split(clouds, valid, inner)
    assert large_r > 0.1 and small_r < 0.005  # a smooth gradient: large scale alone
    assert small_c == pytest.approx(0.05, rel=0.25) and large_c < 0.01  # fine noise: small alone
    sky = np.where(valid, ramp, 0.0).astype(np.float32)  # a black sky changes nothing
    assert scale_split(sky, valid, inner) == pytest.approx((large_r, small_r), rel=1e-3)
    assert {"large_sd", "small_sd"} <= set(window_stats(np.dstack([ramp] * 3), valid))
