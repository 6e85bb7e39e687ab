"""Label-free scores on tiny synthetic rings whose truth is known, and on the shared HST frames."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from tests.conftest import REAL_DATA

from jovis.frame import Frame
from jovis.geometry import PolarGrid
from jovis.scoring.label_free import (
    consecutive_agreement,
    emission_capture,
    emission_image,
    label_free_scores,
    latitude_band,
    threshold_mask,
    tune_threshold,
)

GRID_A = PolarGrid("north", pole_x=32, pole_y=32, px_per_deg=2.0)
# B shows the same pixels turned by 90° about the pole and with the pole elsewhere: every pixel
# centre of A falls on a pixel centre of B, so the same lat/lon mask is the same pixels.
GRID_B = PolarGrid("north", pole_x=40, pole_y=30, px_per_deg=2.0, lon_at_x=90.0)
# C: another scale, projection, sense and orientation.
GRID_C = PolarGrid(
    "north", 50, 45, 3.1, lon_at_x=37.0, lon_sense="counterclockwise", projection="stereographic"
)


def ring(grid, shape, colat=(8.3, 11.7), lon=(35.0, 255.0)) -> np.ndarray:
    """An oval arc around the pole: colatitude band × west-longitude sector, bool (H, W)."""
    lat, lon_w = grid.latlon_image(*shape)
    c = 90.0 - lat
    return (c > colat[0]) & (c < colat[1]) & (lon_w > lon[0]) & (lon_w < lon[1])


def ring_frame(seed=0, peak=500.0, time=None) -> tuple[Frame, np.ndarray]:
    """A UV frame (kR) on GRID_A: 30 kR disk + a `peak` kR arc + 5 kR noise, and the arc's mask."""
    truth = ring(GRID_A, (64, 64))
    noise = np.random.default_rng(seed).normal(0.0, 5.0, truth.shape)
    image = 30.0 + peak * truth + noise
    meta = {"id": f"f{seed}"} | ({"time": time} if time else {})
    return Frame(image, ["uv"], "hst_stis", meta=meta, grid=GRID_A), truth


def agreement(mask_a, grid_a, mask_b, grid_b, valid_b=None) -> float:
    valid_b = np.ones(mask_b.shape, bool) if valid_b is None else valid_b
    valid_a = np.ones(mask_a.shape, bool)
    return consecutive_agreement(mask_a, valid_a, grid_a, mask_b, valid_b, grid_b)["iou"]


def test_agreement_is_one_for_one_oval_seen_through_two_grids():
    a, b = ring(GRID_A, (64, 64)), ring(GRID_B, (70, 80))
    assert a.sum() > 100 and not np.array_equal(a, b[:64, :64])  # really other pixels
    assert agreement(a, GRID_A, b, GRID_B) == pytest.approx(1.0, abs=1e-12)
    assert agreement(b, GRID_B, a, GRID_A) == pytest.approx(1.0, abs=1e-12)
    # compared only where both frames have data: B seeing half the oval still agrees fully
    valid_b = np.zeros((70, 80), bool)
    valid_b[:, :40] = True
    assert agreement(a, GRID_A, b & valid_b, GRID_B, valid_b) == pytest.approx(1.0, abs=1e-12)


def test_agreement_through_another_scale_and_projection_is_high_and_drops_when_shifted():
    a = ring(GRID_A, (64, 64))
    c = ring(GRID_C, (100, 100))
    assert agreement(a, GRID_A, c, GRID_C) > 0.85  # only pixel quantisation differs
    shifted = ring(GRID_C, (100, 100), colat=(10.3, 13.7))  # the oval 2° equatorward
    turned = ring(GRID_C, (100, 100), lon=(95.0, 315.0))  # the arc 60° further on
    assert agreement(a, GRID_A, shifted, GRID_C) < 0.5
    assert agreement(a, GRID_A, turned, GRID_C) < 0.6
    assert np.isnan(agreement(a & False, GRID_A, c & False, GRID_C))


def test_agreement_needs_one_pixel_grid_or_grids_of_one_hemisphere():
    m = np.zeros((8, 8), bool)
    m[2:4, 2:5] = True
    ok = np.ones((8, 8), bool)
    same = consecutive_agreement(m, ok, None, m, ok, None)
    assert same == {"iou": 1.0, "common_px": 64}
    with pytest.raises(ValueError, match="same shape"):
        consecutive_agreement(m, ok, None, m[:6], ok[:6], None)
    with pytest.raises(ValueError, match="without a grid"):
        consecutive_agreement(m, ok, GRID_A, m, ok, None)
    south = dataclasses.replace(GRID_A, hemisphere="south")
    with pytest.raises(ValueError, match="hemispheres"):
        consecutive_agreement(m, ok, GRID_A, m, ok, south)


def test_capture_efficiency_ranks_the_true_mask_above_whole_disk_and_nothing():
    frame, truth = ring_frame()
    image, valid = emission_image(frame), frame.valid
    true = emission_capture(image, valid, truth, frame.grid)
    whole = emission_capture(image, valid, valid, frame.grid)
    empty = emission_capture(image, valid, np.zeros_like(truth), frame.grid)
    wide = emission_capture(image, valid, ring(GRID_A, (64, 64), colat=(5.0, 15.0)), frame.grid)
    assert true["capture"] > 0.95 and 0.05 < true["area_share"] < 0.2
    assert true["capture_efficiency"] > 0.75
    assert whole["capture"] == pytest.approx(1.0) and whole["area_share"] == pytest.approx(1.0)
    assert abs(whole["capture_efficiency"]) < 1e-9 and empty["capture_efficiency"] == 0.0
    assert true["capture_efficiency"] > wide["capture_efficiency"] > whole["capture_efficiency"]


def test_latitude_band_of_the_ring():
    band = latitude_band(ring(GRID_A, (64, 64)), GRID_A)
    assert 78.3 < band["lat_p05"] < band["lat_p50"] < band["lat_p95"] < 81.7
    assert latitude_band(ring(GRID_A, (64, 64)), None)["lat_p50"] is None


def test_tune_threshold_finds_the_threshold_that_made_the_reference():
    rng = np.random.default_rng(1)
    frames, refs = [], []
    for _ in range(2):
        image = rng.integers(0, 101, (32, 32)).astype(np.float32)
        frame = Frame(image, ["uv"])
        frames.append(frame)
        refs.append(threshold_mask(image, frame.valid, 20.0))
    best = tune_threshold(frames, refs)
    assert best["iou"] == 1.0 and 19.0 < best["threshold"] <= 20.0
    # on noisy rings with the arc as reference, the tuned threshold separates arc from disk
    pairs = [ring_frame(seed) for seed in (2, 3)]
    best = tune_threshold([f for f, _ in pairs], [t for _, t in pairs])
    assert best["iou"] > 0.98 and 20.0 < best["threshold"] < 500.0  # between disk and arc


def test_tune_threshold_leaves_ignored_reference_pixels_out():
    frame, truth = ring_frame(4)
    ref = truth.astype(np.uint8)  # class ids: 1 = aurora
    ref[:, :32] = 255  # left half not scored
    image = emission_image(frame)
    image[:, :32] = 1e4  # a wrong half that would ruin any threshold if it counted
    best = tune_threshold([frame], [ref])
    assert best["iou"] > 0.98


def test_label_free_scores_orders_by_time_and_flags_vortex_pixels_in_uv():
    times = ["2016-05-21T02:19:22", "2016-05-21T02:17:42", "2016-05-21T02:21:02"]
    frames, masks = [], []
    for seed, t in enumerate(times):
        frame, truth = ring_frame(seed, time=t)
        frames.append(frame)
        masks.append(truth.astype(np.uint8))
    masks[2][40:42, 10:12] = 2  # four vortex pixels in a UV frame
    out = label_free_scores(frames, masks)
    rows, summary = out["rows"], out["summary"]
    assert [r["id"] for r in rows] == ["f1", "f0", "f2"]
    assert [r["dt_s"] for r in rows] == [None, 100.0, 100.0]
    assert rows[0]["agreement"] is None and rows[1]["agreement"] == pytest.approx(1.0)
    assert rows[2]["agreement"] < 1.0 and rows[2]["vortex_px"] == 4
    assert summary["vortex_px_uv"] == 4 and summary["pairs"] == 2
    # vortex agreement only where a vortex is marked: f0 and f1 have none, f2's four pixels
    # have no partner in f0
    assert [r["vortex_agreement"] for r in rows] == [None, None, 0.0]
    assert summary["vortex_agreement_median"] == 0.0
    assert summary["agreement_median_short"] == summary["agreement_median"]  # both 100 s apart
    late, late_truth = ring_frame(3, time="2016-05-21T02:41:02")  # 20 minutes after f2
    out = label_free_scores([*frames, late], [*masks, np.roll(late_truth, 3, 0).astype(np.uint8)])
    pairs = [(r["dt_s"], r["agreement"]) for r in out["rows"][1:]]
    assert pairs[-1][0] == 1200.0 and pairs[-1][1] < pairs[0][1]
    assert out["summary"]["agreement_median_short"] == pytest.approx(
        np.median([a for _, a in pairs[:2]])
    )
    assert out["summary"]["agreement_median"] == pytest.approx(np.median([a for _, a in pairs]))
    assert summary["capture_efficiency_mean"] > 0.75
    with pytest.raises(ValueError, match="one mask per frame"):
        label_free_scores(frames, masks[:2])
    with pytest.raises(ValueError, match="mask shape"):
        label_free_scores(frames[:1], [masks[0][:10]])


HST = REAL_DATA / "hst_stis_north_2016-05-21"


@pytest.mark.skipif(not HST.is_dir(), reason=f"{HST} not found: needs the shared real frames")
def test_threshold_masks_of_consecutive_hst_frames_agree_and_a_turned_copy_does_not():
    from jovis.io.reader import read_frame

    f1, f2 = (read_frame(p) for p in sorted(HST.glob("*.fits"))[:2])
    m1, m2 = (threshold_mask(emission_image(f), f.valid, 1000.0) for f in (f1, f2))
    same = consecutive_agreement(m1, f1.valid, f1.grid, m2, f2.valid, f2.grid)["iou"]
    turned = dataclasses.replace(f1.grid, lon_at_x=f1.grid.lon_at_x + 20.0)
    rotated = consecutive_agreement(m1, f1.valid, f1.grid, m1, f1.valid, turned)["iou"]
    assert same > 0.8 and rotated < 0.5 * same
    smooth = [threshold_mask(emission_image(f), f.valid, 1000.0, smooth_px=2.0) for f in (f1, f2)]
    smoothed = label_free_scores([f2, f1], smooth)  # put back in time order
    assert smoothed["rows"][1]["dt_s"] == 100.0
    assert smoothed["rows"][1]["agreement"] > same  # the noise made part of the flicker
