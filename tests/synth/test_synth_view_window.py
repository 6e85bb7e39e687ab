"""Perspective frames as windows of a larger view (``junocam_view_size``): the pixel scale of a
product zoomed to that size, at the cost of a frame of the window's size."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from jovis.synth import SynthParams, render_batch
from jovis.synth.view import PerspView, sample_perspective, view_window

P = SynthParams()
R = P.polar_radius_km
RGB = ["red", "green", "blue"]


def test_a_window_is_the_crop_of_the_whole_view_it_is_cut_from():
    """The window's labels and geometry are those of the full view's pixels it covers (the
    noise and the composite's stretch are the window's own), and so are its features."""
    view = PerspView(80.0, 30.0, 25.0, 60000.0, 0.0)
    limb = np.arcsin(1.0 / (1.0 + view.altitude_km / R))
    view = dataclasses.replace(view, rad_per_px=float(np.tan(limb)) / 56.0)  # limb at 56 px
    full = render_batch([5], 128, RGB, hemisphere="north", view=view)
    # window 64 px, its centre 32 px right of and 16 px above the boresight: full columns 64..127,
    # rows 16..79
    win = render_batch([5], 64, RGB, hemisphere="north",
                       view=dataclasses.replace(view, offset_x=32.0, offset_y=-16.0))  # fmt: skip
    crop = full.mask[0, 16:80, 64:128]
    both = full.valid[0, 16:80, 64:128] & win.valid[0]
    assert both.float().mean() > 0.5
    assert (win.mask[0][both] == crop[both]).float().mean() > 0.995
    assert (win.valid[0] == full.valid[0, 16:80, 64:128]).float().mean() > 0.99
    fv = {v["id"]: v for v in full.features(0)["vortices"]}
    for v in win.features(0)["vortices"]:
        assert v["x"] == pytest.approx(fv[v["id"]]["x"] - 64, abs=1e-3)
        assert v["y"] == pytest.approx(fv[v["id"]]["y"] - 16, abs=1e-3)
        assert v["radius_px"] == fv[v["id"]]["radius_px"]


def test_view_size_makes_windows_at_the_large_views_scale_centred_on_the_disk():
    p = SynthParams.from_dict({"junocam_view_size": 256})
    for seed in range(40):
        whole = sample_perspective(seed, "south", 64, P, 10.0)
        win = sample_perspective(seed, "south", 64, p, 10.0)
        assert (whole.offset_x, whole.offset_y) == (0.0, 0.0)  # view_size 0: as before
        # the same camera, 4x finer pixels, the window's centre on the disk and in the view
        assert (win.sub_lat, win.sub_lon, win.altitude_km) == (
            whole.sub_lat, whole.sub_lon, whole.altitude_km)  # fmt: skip
        assert win.rad_per_px == pytest.approx(whole.rad_per_px / 4.0)
        assert max(abs(win.offset_x), abs(win.offset_y)) <= (256 - 64) / 2
        assert np.hypot(win.offset_x, win.offset_y) <= win.limb_radius_px(R) + 1e-6
        lat, lon = _centre_latlon(win)  # the window's centre sees the frame's hemisphere, lit
        assert win.visible(lat, lon, R)
        assert np.cos(np.radians(lat)) * np.cos(np.radians(lon - 10.0)) > 0.04
    offsets = [sample_perspective(s, "north", 64, p).offset_x for s in range(40)]
    assert np.std(offsets) > 30  # spread over the view, not only its centre
    small = PerspView(80.0, 0.0, 0.0, 1e5, 1e-3)
    assert view_window(small, 0, 64, 64, "north", P) is small  # the window is the whole view


def _centre_latlon(view: PerspView) -> tuple[float, float]:
    """Lat/lon the window's centre pixel sees (through a one-pixel render of the view)."""
    from jovis.synth.view import plane_coords

    x, y, seen = plane_coords([view], ["south" if view.sub_lat < 0 else "north"], 1, P, "cpu")
    assert bool(seen[0, 0, 0])  # the frame's hemisphere, in front of the limb
    x, y = float(x[0, 0, 0]), float(y[0, 0, 0])
    sign = 1.0 if view.sub_lat > 0 else -1.0
    return sign * (90.0 - float(np.hypot(x, y))), float(np.degrees(np.arctan2(-x * sign, y)))


def test_windows_of_a_large_view_show_bigger_vortices_at_the_same_render_cost():
    seeds = list(range(12))
    base = render_batch(seeds, 64, RGB, view="perspective")
    win = render_batch(seeds, 64, RGB, view="perspective", params={"junocam_view_size": 256})
    assert win.image.shape == base.image.shape

    def radii(batch):
        return [v["radius_px"] for i in range(len(batch)) for v in batch.features(i)["vortices"]]

    assert np.median(radii(win)) == pytest.approx(4 * np.median(radii(base)), rel=1e-4)
    assert torch.equal(win.mask == 255, ~win.valid)
    assert all(v.offset_x or v.offset_y for v in win.views)
    assert win.valid.float().mean() > base.valid.float().mean() - 0.1  # windows on the disk


def test_a_negative_view_size_fails_naming_it():
    with pytest.raises(ValueError, match="junocam_view_size"):
        SynthParams.from_dict({"junocam_view_size": -1})
