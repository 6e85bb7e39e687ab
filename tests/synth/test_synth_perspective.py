"""The JunoCam-like perspective camera, the measured vortex populations and the product style."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from jovis.synth import SynthParams, render_batch
from jovis.synth.view import PerspView, plane_coords

P = SynthParams()
R = P.polar_radius_km


def test_known_points_project_where_the_pinhole_geometry_says():
    v = PerspView(90.0, 0.0, 0.0, R, 0.01)  # camera one radius above the north pole
    x, y = v.pixel(90.0, 0.0, 65, R)
    assert (x, y) == pytest.approx((32.0, 32.0))  # the sub-point is the centre
    # a point at colatitude 30°: sin 30 / (2 − cos 30) radians-tangent off the boresight
    x, y = v.pixel(60.0, 0.0, 65, R)
    r = math.hypot(x - 32, y - 32)
    assert r == pytest.approx(0.5 / (2 - math.cos(math.radians(30))) / 0.01, rel=1e-9)
    # from 80°N the pole is straight up (north angle 0), and rotates with the north angle
    v = PerspView(80.0, 100.0, 0.0, 50000.0, 0.004)
    x, y = v.pixel(90.0, 0.0, 64, R)
    assert x == pytest.approx(31.5) and y < 31.5
    x, y = PerspView(80.0, 100.0, 90.0, 50000.0, 0.004).pixel(90.0, 0.0, 64, R)
    assert x > 31.5 and y == pytest.approx(31.5)


def test_rendered_pixels_and_pixel_agree_and_the_limb_is_at_the_disk_radius():
    size = 96
    v = PerspView(75.0, 40.0, 20.0, 120000.0, 0.0)
    limb_angle = math.asin(1.0 / (1.0 + v.altitude_km / R))
    v = PerspView(75.0, 40.0, 20.0, 120000.0, math.tan(limb_angle) / 40.0)  # limb at 40 px
    assert v.limb_radius_px(R) == pytest.approx(40.0)
    assert v.visible(75.0, 40.0, R) and not v.visible(-75.0, 220.0, R)
    x, y, seen = plane_coords([v], ["north"], size, P, "cpu")
    c = (size - 1) / 2
    yy, xx = np.mgrid[0:size, 0:size]
    rad = np.hypot(xx - c, yy - c)
    seen = seen[0].numpy()
    assert seen[rad < 39].all()  # the whole disk is seen from 75°N (nothing past the equator)...
    assert not seen[rad > 41].any()  # ...and nothing beyond the limb
    # plane coordinates → lat/lon → pixel() lands on the same pixel
    xs, ys = x[0].numpy(), y[0].numpy()
    colat = np.hypot(xs, ys)
    lon = np.degrees(np.arctan2(-xs, ys)) % 360.0
    pick = seen & (rad < 38)
    px, py = v.pixel(90.0 - colat[pick], lon[pick], size, R)
    assert np.abs(px - xx[pick]).max() < 0.02 and np.abs(py - yy[pick]).max() < 0.02


def test_perspective_frames_are_day_side_views_within_the_configured_geometry():
    batch = render_batch(range(6), 64, ["red", "green", "blue"], view="perspective")
    for i, v in enumerate(batch.views):
        assert isinstance(v, PerspView)
        assert 60.0 <= abs(v.sub_lat) <= 90.0 and 10000.0 <= v.altitude_km <= 280000.0
        d = (v.sub_lon - batch.scenes[i]["sun"][1] + 180.0) % 360.0 - 180.0
        assert -60.0 <= d <= 60.0
        assert batch.features(i)["view"]["kind"] == "perspective"
    assert torch.equal(batch.mask == 255, ~batch.valid)
    assert batch.valid.float().mean() > 0.3


ROLES = {"white_oval": P.white_oval_diameter_km, "dark_spot": P.dark_spot_diameter_km,
         "polar_vortex": P.polar_vortex_diameter_km}  # fmt: skip


def test_vortex_populations_have_the_measured_sizes_and_are_labelled():
    batch = render_batch(range(8), 128, ["red", "green", "blue"], view="perspective",
                         hemisphere="south")  # fmt: skip
    seen, labelled = dict.fromkeys(ROLES, 0), 0
    for i in range(len(batch)):
        mask = batch.mask[i].numpy()
        for v in batch.features(i)["vortices"]:
            if v["role"] not in ROLES:
                continue
            seen[v["role"]] += 1
            lo, hi = ROLES[v["role"]]
            assert lo - 1 <= 2 * v["radius_km"] <= hi + 1, v
            colat = 90.0 + v["lat"]
            rng = {"white_oval": P.white_oval_colat_range, "dark_spot": P.dark_spot_colat_range,
                   "polar_vortex": P.polar_vortex_colat_range}[v["role"]]  # fmt: skip
            assert rng[0] - 1.6 <= colat <= rng[1] + 1.6  # chains sit within ±1.5° of a draw
            x, y = round(v["x"]), round(v["y"])
            vw = batch.views[i]
            phi, phi0 = np.radians(v["lat"]), np.radians(vw.sub_lat)
            mu = np.sin(phi0) * np.sin(phi) + np.cos(phi0) * np.cos(phi) * np.cos(
                np.radians(v["lon"] - vw.sub_lon)
            )
            face_on = vw.visible(v["lat"], v["lon"], R) and mu > 0.6  # well in front, and ...
            px = v["radius_km"] / batch.views[i].km_per_px  # ... over 2 px at the nadir scale
            if face_on and px > 2 and 0 <= x < 128 and 0 <= y < 128 and mask[y, x] != 255:
                assert mask[y, x] == 2
                labelled += 1
    assert all(n > 0 for n in seen.values()), seen
    assert labelled >= 5


def test_white_ovals_are_bright_and_dark_spots_dark_in_the_clouds():
    from jovis.synth.scene import sample_scene

    cores = {"white_oval": [], "dark_spot": []}
    for seed in range(10):
        for v in sample_scene(seed, "south", P, reach=85.0)["vortices"]:
            if v["role"] in cores:
                cores[v["role"]].append(v["core"])
    assert cores["white_oval"] and min(cores["white_oval"]) >= P.white_oval_core[0]
    assert cores["dark_spot"] and max(cores["dark_spot"]) <= P.dark_spot_core[1]


def test_product_style_keeps_labels_and_makes_8bit_composites():
    seeds, ch = list(range(6)), ["red", "green", "blue"]
    p0, p1 = ({"junocam_product_prob": q, "junocam_gap_prob": 0.0} for q in (0.0, 1.0))
    raw = render_batch(seeds, 64, ch, view="perspective", params=p0)
    prod = render_batch(seeds, 64, ch, view="perspective", params=p1)
    both = prod.valid
    assert torch.equal(both & raw.valid, both)  # the product only removes (night) pixels
    assert torch.equal(prod.mask[both], raw.mask[both])  # the classes of kept pixels unchanged
    assert torch.equal(prod.mask == 255, ~prod.valid)
    assert not torch.equal(prod.image, raw.image)
    codes = prod.image / (P.dn_white / 255.0)
    assert torch.allclose(codes, codes.round(), atol=1e-3) and codes.max() <= 255.0 + 1e-3
    # composites are stretched: each channel's valid pixels span most of 0…255
    for i in range(len(seeds)):
        if both[i].sum() > 200:
            v = prod.image[i, 0][both[i]] / P.dn_white
            assert v.max() > 0.9 and v.min() < 0.3
    # frames with other instruments' channels keep their data
    mixed = render_batch(seeds[:2], 64, ["L", "red"], params=p1)
    plain = render_batch(seeds[:2], 64, ["L", "red"], params=p0)
    # composite frames have no missing framelets
    gaps = {"junocam_gap_prob": 1.0}
    assert not render_batch([0], 64, ch, params={**gaps, "junocam_product_prob": 0.0}).valid.any()
    assert render_batch([0], 64, ch, params={**gaps, "junocam_product_prob": 1.0}).valid.any()
    assert torch.equal(mixed.image, plain.image) and torch.equal(mixed.mask, plain.mask)


def test_bad_perspective_params_fail_naming_them():
    with pytest.raises(ValueError, match="junocam_altitude_km"):
        SynthParams(junocam_altitude_km=(0.0, 10.0))
    with pytest.raises(ValueError, match="junocam_product_prob"):
        SynthParams(junocam_product_prob=1.5)
    with pytest.raises(ValueError, match="view"):
        render_batch([0], 64, ["red"], view={"sub_lat": 80.0, "altitude_km": 1.0})


def test_the_synth_script_writes_perspective_junocam_frames(tmp_path):
    import json

    from hydra import compose, initialize_config_dir

    from jovis.apps.synth import synth_from_config
    from jovis.config import CONFIG_DIR

    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose(config_name="synth", overrides=[f"out={tmp_path}", "n=2", "size=64",
                      "view=perspective", "instrument=junocam_rgb"])  # fmt: skip
    synth_from_config(cfg)
    rows = [json.loads(r) for r in (tmp_path / "manifest.jsonl").read_text().splitlines()]
    feats = json.loads((tmp_path / rows[0]["features"]).read_text())
    assert feats["view"]["kind"] == "perspective" and feats["view"]["altitude_km"] >= 10000.0


def test_junocam_vortices_are_smooth_inside_and_other_channels_keep_their_arms():
    """`junocam_vortex_arm_gain` tones the spiral arms down in the JunoCam filters only."""
    seeds, chans = [3, 5], ["red", "green", "blue", "M"]
    wound = render_batch(seeds, 96, chans, params={"junocam_vortex_arm_gain": 1.0})
    smooth = render_batch(seeds, 96, chans, params={"junocam_vortex_arm_gain": 0.0})
    assert torch.equal(wound.mask, smooth.mask)
    assert torch.equal(wound.image[:, 3], smooth.image[:, 3])  # M: the same wound cyclones
    inside = (wound.mask == 2) & wound.valid
    assert inside.sum() > 200

    def spread(batch):  # median over vortices of the luminance spread inside each one
        lum = batch.image[:, :3].mean(1).numpy()
        out = []
        for i in range(len(seeds)):
            n, lab = cv2.connectedComponents(inside[i].numpy().astype(np.uint8))
            out += [lum[i][lab == k].std() for k in range(1, n) if (lab == k).sum() >= 20]
        assert len(out) >= 3
        return float(np.median(out))

    assert spread(smooth) < 0.75 * spread(wound)


def test_white_ovals_get_a_bright_deck_in_junocam_only():
    """`junocam_oval_fill` brightens white ovals' interiors in the JunoCam filters; M, the
    labels and the other vortices' pixels stay."""
    seeds, chans = [2, 9], ["red", "green", "blue", "M"]
    plain = render_batch(seeds, 128, chans, params={"junocam_oval_fill": 0.0})
    filled = render_batch(seeds, 128, chans, params={"junocam_oval_fill": 1.0})
    assert torch.equal(plain.mask, filled.mask)
    assert torch.equal(plain.image[:, 3], filled.image[:, 3])  # M unchanged
    lum0, lum1 = plain.image[:, :3].mean(1).numpy(), filled.image[:, :3].mean(1).numpy()
    yy, xx = np.mgrid[0:128, 0:128]
    gains, changed = [], np.zeros(lum0.shape, bool)
    for i in range(len(seeds)):
        for v in plain.features(i)["vortices"]:
            d = np.hypot(xx - v["x"], yy - v["y"]) / v["radius_px"]
            if v["role"] == "white_oval":
                inner, ring = d < 0.8, (d >= 1.3) & (d < 1.8)
                con = [float(lum[i][inner].mean() / lum[i][ring].mean()) for lum in (lum0, lum1)]
                gains.append(con[1] - con[0])
                changed[i] |= d * v["radius_px"] < 1.1 * v["radius_px"] + 16  # 8x8 blocks
    assert len(gains) >= 8 and np.median(gains) > 0.05 and min(gains) >= 0
    assert (~changed).sum() > 10000 and np.array_equal(lum0[~changed], lum1[~changed])


def test_composites_keep_a_share_of_the_camera_noise():
    """`junocam_product_camera` scales read noise, strip gains and seams in composite frames
    only: raw frames are bit-identical, composites are smoother at the pixel scale."""
    seeds, chans = [1, 4], ["red", "green", "blue"]
    raw = {c: render_batch(seeds, 96, chans, params={"junocam_product_prob": 0.0,
                                                      "junocam_product_camera": c})
           for c in (1.0, 0.2)}  # fmt: skip
    assert torch.equal(raw[1.0].image, raw[0.2].image)
    comp = {c: render_batch(seeds, 96, chans, params={"junocam_product_prob": 1.0,
                                                       "junocam_product_camera": c})
            for c in (1.0, 0.0)}  # fmt: skip
    assert torch.equal(comp[1.0].mask, comp[0.0].mask)

    def grain(batch):  # pixel-scale roughness: sd of the horizontal difference on valid pairs
        d = batch.image[:, :, :, 1:] - batch.image[:, :, :, :-1]
        ok = (batch.valid[:, :, 1:] & batch.valid[:, :, :-1])[:, None].expand_as(d)
        return float(d[ok].std())

    assert grain(comp[0.0]) < 0.9 * grain(comp[1.0])


def test_junocam_cloud_detail_quiets_the_small_scales_in_junocam_only():
    """`junocam_cloud_detail` keeps that share of the cloud lattice's fine octaves in the JunoCam
    filters: M and the labels stay; the JunoCam frames lose small-scale contrast (about their
    8 px means) and keep the large-scale field (the 8 px means themselves)."""
    seeds, chans = [3, 8], ["red", "green", "blue", "M"]
    quiet = {"read_noise_frac": [0.0, 0.0], "junocam_strip_gain_sd": 0.0,  # the clouds alone
             "junocam_fine_contrast": [0.0, 0.0], "junocam_spot_contrast": [0.0, 0.0]}  # fmt: skip
    full = render_batch(seeds, 96, chans, params={"junocam_cloud_detail": 1.0, **quiet})
    calm = render_batch(seeds, 96, chans, params={"junocam_cloud_detail": 0.0, **quiet})
    assert torch.equal(full.mask, calm.mask)
    assert torch.equal(full.image[:, 3], calm.image[:, 3])  # M unchanged
    ok = (full.valid & calm.valid)[:, None].float()
    whole = F.avg_pool2d(ok, 8) > 0.99

    def parts(batch):  # (sd about the 8 px means, sd of the 8 px means) of the JunoCam lum.
        lum = batch.image[:, :3].mean(1, keepdim=True) * ok
        m8 = F.avg_pool2d(lum, 8) / F.avg_pool2d(ok, 8).clamp(min=1e-6)
        keep = (F.interpolate(whole.float(), scale_factor=8) > 0) & (ok > 0)
        return float((lum - F.interpolate(m8, scale_factor=8))[keep].std()), float(m8[whole].std())

    (s_full, l_full), (s_calm, l_calm) = parts(full), parts(calm)
    assert s_calm < 0.97 * s_full  # 0.93 when written
    assert l_calm > 0.95 * l_full  # 1.00


def test_fbm_coarse_octaves_are_the_first_octaves_alone():
    """`texture.fbm(coarse_octaves=k)` returns the same noise and the sum of its first k
    octaves upsampled along the same path."""
    from jovis.synth import texture
    from jovis.synth.hash_rng import frame_keys

    keys = frame_keys(torch.tensor([4, 5]))
    plain = texture.fbm(keys, "clouds", 2, 64)
    noise, coarse = texture.fbm(keys, "clouds", 2, 64, coarse_octaves=2)
    assert torch.equal(plain, noise)
    _, every = texture.fbm(keys, "clouds", 2, 64, coarse_octaves=9)  # all 4 octaves coarse
    assert torch.allclose(every, noise, atol=1e-6)

    def rough(t):  # pixel-to-pixel differences against the field's spread
        return float((t[..., 1:] - t[..., :-1]).std() / t.std())

    assert rough(coarse) < 0.8 * rough(noise) and float((noise - coarse).std()) > 0.05
