"""Visible realism: label-free statistics and the vortex measurement of the reference ellipses."""

from __future__ import annotations

import numpy as np
import pytest

from jovis.frame import Frame
from jovis.geometry.body import surface_point
from jovis.geometry.reproject import PerspectiveView
from jovis.paths import real_data_dir
from jovis.realism.junocam_vortices import (
    compare,
    ellipse_km,
    ellipse_spread,
    measure,
    model_normalised,
    model_scale_stats,
    neighbour_gaps,
    outline_edge,
    projected_ellipse,
    radial_alignment,
    red_shift,
    summary,
    synthetic_rows,
    synthetic_spreads,
    vortex_stats,
)
from jovis.realism.visible import KEYS, frame_stats, set_stats, table


def _frame(image, valid=None):
    return Frame(image.astype(np.float32), ["red", "green", "blue"], valid=valid)


def test_stats_see_stretch_colour_and_texture():
    g = np.random.default_rng(0)
    yy = np.linspace(0, 1, 128)[:, None] * np.ones((1, 128))
    smooth = np.stack([yy, yy, 0.5 * yy], -1) * 200 + 10
    a = frame_stats(_frame(smooth))
    assert a["bg"] == pytest.approx(float((0.5 * yy * 200 + 10).mean() / (yy * 200 + 10).mean()))
    assert a["rg"] == pytest.approx(1.0) and a["corr_rb"] > 0.99
    assert a["p50_red"] == pytest.approx(0.5, abs=0.05) and a["edges"] == 0.0
    rough = smooth + g.normal(0, 40, smooth.shape)
    b = frame_stats(_frame(rough))
    assert b["fine"] > 5 * a["fine"] and b["edges"] > 0.05 and b["corr_rb"] < 0.9
    gamma = frame_stats(_frame(255 * (smooth / 255) ** 0.4))  # a stretch lifts the median
    assert gamma["p50_red"] > a["p50_red"] + 0.1
    valid = np.zeros((128, 128), bool)
    valid[:4, :4] = True
    s = set_stats([_frame(smooth), _frame(smooth, valid)])
    assert s["n"] == 1 and s["skipped"] == 1
    text = table({"a": s, "b": s})
    assert text.count("\n") == len(KEYS) + 2 and "| corr_rb |" in text
    with pytest.raises(ValueError, match="channels"):
        frame_stats(Frame(smooth.astype(np.float32), ["L", "M", "uv"]))


def test_view_latlon_inverts_the_view_and_ellipse_sizes_are_surface_km():
    view = PerspectiveView(78.4, 200.0, 71492.0 + 35000.0, 10.0, 0.0009)
    lat = np.array([80.0, 70.0, 85.0])
    lon = np.array([190.0, 220.0, 160.0])
    x, y, vis = view.project(lat, lon, (1600, 1600))
    assert vis.all()
    la, lo = view.latlon(x, y, (1600, 1600))
    np.testing.assert_allclose(la, lat, atol=1e-6)
    np.testing.assert_allclose(lo, lon, atol=1e-6)
    assert np.isnan(view.latlon(np.array([0.0]), np.array([0.0]), (1600, 1600))[0]).all()  # sky
    # an ellipse of a pixels at the sub-point spans about 2·a·(distance − radius)·IFOV km
    cx, cy, _ = view.project(np.array(78.4), np.array(200.0), (1600, 1600))
    e = {"x": float(cx), "y": float(cy), "a": 20, "b": 10, "angle": 0}
    major, minor, la0 = ellipse_km(view, e)
    near = 35000.0 + 71492.0 - float(np.linalg.norm(surface_point(78.4, 200.0)))
    assert major == pytest.approx(40 * near * 0.0009, rel=0.03)
    assert minor == pytest.approx(major / 2, rel=0.03) and la0 == pytest.approx(78.4, abs=0.01)


@pytest.mark.skipif(not (real_data_dir() / "pj44_north_junocam").exists(), reason="no real data")
def test_measured_circumpolar_cyclones_match_the_published_sizes():
    s = summary(measure(real_data_dir()))
    cpc = s["circumpolar_cyclone"]
    assert 3000 < cpc["diameter_km"][1] < 5000  # PHYSICS §1: north CPCs 4,000–4,600 km
    assert 80 < cpc["lat"][1] < 87  # the ring near 84°
    assert s["white_oval"]["contrast"][1] > 0 > s["dark_spot"]["contrast"][1]
    spreads = [r["spread"] for r in measure(real_data_dir()) if r["spread"] is not None]
    assert len(spreads) > 40 and 0.6 < np.median(spreads) < 1.2  # as smooth as their surroundings


def test_spread_sees_a_wound_vortex_and_the_renderer_keeps_junocam_vortices_smooth():
    rng = np.random.default_rng(0)
    lum = 100 + rng.normal(0, 5, (80, 80))
    e = {"x": 40.0, "y": 40.0, "a": 12.0, "b": 12.0, "angle": 0.0}
    assert 0.7 < ellipse_spread(lum, e) < 1.4
    yy, xx = np.mgrid[0:80, 0:80]
    arms = 30 * np.cos(3 * np.arctan2(yy - 40, xx - 40)) * (np.hypot(yy - 40, xx - 40) < 10)
    assert ellipse_spread(lum + arms, e) > 3
    assert ellipse_spread(lum, {**e, "x": -100.0}) is None  # off the frame
    wound = np.median(synthetic_spreads(4, 128, 500, {"junocam_vortex_arm_gain": 1.0}))
    smooth = np.median(synthetic_spreads(4, 128, 500))  # the default gain
    assert smooth < 0.8 * wound and smooth < 1.2


def _disk_frame(size=96, bright=30.0, ring_noise=0.0, slope=0.0):
    rng = np.random.default_rng(1)
    yy, xx = np.mgrid[0:size, 0:size].astype(float)
    c = size / 2
    lum = 100 + slope * (xx - c) + ring_noise * rng.normal(0, 1, (size, size))
    lum[np.hypot(xx - c, yy - c) < 0.5 * size / 4] += bright
    return lum, {"x": c, "y": c, "a": size / 4, "b": size / 4, "angle": 0.0}


def test_vortex_stats_contrast_ring_sd_and_roughness():
    lum, e = _disk_frame(bright=30.0)
    st = vortex_stats(lum, e)
    assert st["full"] and st["contrast"] > 0.1 and st["norm_contrast"] > 0.3
    assert st["ring_sd"] < 1e-6  # a flat ring
    dark = vortex_stats(*_disk_frame(bright=-30.0))
    assert dark["contrast"] < -0.1 and dark["norm_contrast"] < -0.3
    busy = vortex_stats(*_disk_frame(ring_noise=10.0))
    assert busy["ring_sd"] > 0.05 and busy["ring_rough"] > 0.05
    ramp = vortex_stats(*_disk_frame(slope=1.0))  # illumination gradient: sd, but no roughness
    assert ramp["ring_sd"] > 0.05 and ramp["ring_rough"] < 0.01
    assert not vortex_stats(lum, {**e, "x": 20.0})["full"]  # the ring leaves the frame
    assert vortex_stats(lum, {**e, "x": -200.0})["contrast"] is None
    seen = np.ones_like(lum, bool)
    n = model_normalised(lum, seen)
    assert np.percentile(n, [1, 99.5]) == pytest.approx([0.0, 1.0])


def test_model_scale_stats_zoom_the_ellipses_with_the_frame():
    lum, e = _disk_frame(size=128, bright=30.0)
    full = vortex_stats(lum, e)
    (small,) = model_scale_stats(lum, [e], size=64)
    assert small["full"] and small["contrast"] == pytest.approx(full["contrast"], rel=0.15)
    assert small["gap"] is None  # gaps are the circumpolar cyclones' alone
    pair = _two_disks(lane=30.0)
    ring = [{**x, "kind": "circumpolar_cyclone"} for x in pair[1]]
    zoomed_gaps = [st["gap"] for st in model_scale_stats(pair[0], ring, size=64)]
    assert zoomed_gaps[0] > 0.1 and zoomed_gaps[0] == pytest.approx(zoomed_gaps[1])
    lum[:, :70] = 0  # sky over half the frame: the vortex is no longer wholly seen
    assert not model_scale_stats(lum, [e], size=64)[0]["full"]


def test_compare_uses_wholly_seen_vortices_and_gives_the_median_ratio():
    real = [{"kind": "white_oval", "model_contrast": c, "model_norm_contrast": c,
             "model_ring_sd": 0.05, "model_ring_rough": 0.03, "model_full": True,
             "red_shift": 0.5, "model_alignment": 0.1, "model_outline": 1.0,
             "model_gap": None} for c in (0.1, 0.15, 0.2)]  # fmt: skip
    real.append({**real[0], "model_contrast": -5.0, "model_full": False})  # left out
    real += [{**real[0], "kind": "circumpolar_cyclone", "red_shift": r, "model_alignment": a,
              "model_outline": 1.0, "model_gap": g}
             for r, a, g in ((0.01, 0.2, 0.02), (0.02, 0.4, None))]  # fmt: skip
    synth = [{"role": "white_oval", "kind": "anticyclone", "contrast": c, "norm_contrast": c,
              "ring_sd": 0.1, "ring_rough": 0.06, "full": True, "red_shift": 0.9,
              "alignment": 0.5, "outline": 2.0, "gap": None} for c in (0.2, 0.3, 0.4)]  # fmt: skip
    synth.append(
        {
            **synth[0],
            "role": "circumpolar",
            "kind": "cyclone",
            "red_shift": 0.045,
            "alignment": 0.15,
            "outline": 1.5,
            "gap": -0.04,
        }
    )
    out = compare(real, synth)
    assert out["white_ovals_contrast"]["real_n"] == 3
    assert out["white_ovals_contrast"]["ratio"] == pytest.approx(2.0)
    assert out["ring_sd"]["ratio"] == pytest.approx(2.0)
    none = out["dark_spots_contrast"]
    assert none["real"] is None and none["ratio"] is None
    # colour: cyclonic kinds against the renderer's cyclones only (anticyclones left out)
    assert out["cyclone_red_shift"]["synthetic_n"] == 1
    assert out["circumpolar_red_shift"]["real_n"] == 2
    assert out["circumpolar_red_shift"]["ratio"] == pytest.approx(3.0)
    # structure: the same kinds; the circumpolar real median is 0.3
    assert out["cyclone_alignment"]["synthetic_n"] == 1 and out["cyclone_alignment"]["real_n"] == 2
    assert out["circumpolar_alignment"]["ratio"] == pytest.approx(0.5)
    # the ring's look: circumpolar kinds and role only; gaps where a neighbour is in reach
    assert out["circumpolar_outline"]["ratio"] == pytest.approx(1.5)
    assert out["circumpolar_gap"]["real_n"] == 1 and out["circumpolar_gap"][
        "ratio"
    ] == pytest.approx(-2.0)


def _two_disks(lane: float, edge: float = 0.0):
    """Two touching-ish disks on a textured field: `lane` added between them, `edge` on their
    outlines."""
    rng = np.random.default_rng(5)
    yy, xx = np.mgrid[0:96, 0:128].astype(float)
    lum = 100 + 4 * rng.normal(0, 1, (96, 128))
    es = [{"x": 44.0, "y": 48.0, "a": 14.0, "b": 14.0, "angle": 0.0},
          {"x": 84.0, "y": 48.0, "a": 14.0, "b": 14.0, "angle": 0.0}]  # fmt: skip
    r1, r2 = np.hypot(xx - 44, yy - 48) / 14, np.hypot(xx - 84, yy - 48) / 14
    lum[(r1 >= 1.05) & (r2 >= 1.05) & (abs(xx - 64) < 5)] += lane
    lum[(abs(r1 - 1.0) < 0.08) | (abs(r2 - 1.0) < 0.08)] += edge
    return lum, es


def test_neighbour_gaps_see_a_bright_lane_a_dark_one_and_none():
    seen = np.ones((96, 128), bool)
    bright = neighbour_gaps(*_two_disks(lane=30.0), seen)
    plain = neighbour_gaps(*_two_disks(lane=0.0), seen)
    dark = neighbour_gaps(*_two_disks(lane=-30.0), seen)
    assert bright[0] > 0.1 and dark[0] < -0.1 and abs(plain[0]) < 0.05
    assert bright[0] == pytest.approx(bright[1])  # one gap, seen from either side
    lum, es = _two_disks(lane=30.0)
    far = [es[0], {**es[1], "x": 120.0, "a": 3.0, "b": 3.0}]  # 76 px apart, axes 14 + 3
    assert neighbour_gaps(lum, [es[0]], seen) == [None]  # no neighbour
    assert neighbour_gaps(lum, far, seen, reach=1.0) == [None, None]  # out of reach
    blind = seen.copy()
    blind[:, 58:70] = False  # the gap unseen
    assert neighbour_gaps(lum, es, blind) == [None, None]


def test_outline_edge_sees_a_drawn_outline_and_not_a_plain_one():
    seen = np.ones((96, 128), bool)
    (plain_lum, (e, _)), (drawn_lum, _) = _two_disks(0.0), _two_disks(0.0, edge=25.0)
    plain, drawn = outline_edge(plain_lum, e, seen), outline_edge(drawn_lum, e, seen)
    assert plain == pytest.approx(1.0, abs=0.15) and drawn > 1.5
    off = {**e, "x": -300.0}
    assert outline_edge(plain_lum, off, seen) is None
    assert vortex_stats(drawn_lum, e)["outline"] == pytest.approx(drawn)


def test_synthetic_rows_see_the_white_ovals_brighter_with_the_deck():
    def median_contrast(fill):
        rows = synthetic_rows(1, 256, 508, {"junocam_oval_fill": fill})  # 4 ovals in view
        vals = [r["contrast"] for r in rows if r["role"] == "white_oval" and r["full"]]
        assert len(vals) >= 3 and {"spread", "ring_sd", "ring_rough", "alignment"} <= set(rows[0])
        return float(np.median(vals))

    assert median_contrast(0.8) > median_contrast(0.0) + 0.05


def test_radial_alignment_sees_bands_wound_round_the_centre_and_spokes():
    rng = np.random.default_rng(3)
    yy, xx = np.mgrid[0:128, 0:128].astype(float)
    r, phi = np.hypot(xx - 64, yy - 64), np.arctan2(yy - 64, xx - 64)
    e = {"x": 64.0, "y": 64.0, "a": 30.0, "b": 30.0, "angle": 0.0}
    seen = np.ones((128, 128), bool)
    noise = 100 + 10 * rng.normal(0, 1, (128, 128))
    wound = np.where(r < 30, 100 + 10 * np.cos(2 * np.pi * r / 6), noise)
    spokes = np.where(r < 30, 100 + 10 * np.cos(12 * phi), noise)
    assert radial_alignment(wound, e, seen) > 0.5
    assert radial_alignment(spokes, e, seen) < -0.5
    assert abs(radial_alignment(noise, e, seen)) < 0.15
    # bands passing by the whole field count in the ring as well: nothing wound about the centre
    bands = 100 + 10 * np.cos(2 * np.pi * yy / 6)
    assert abs(radial_alignment(bands, e, seen)) < 0.15
    assert radial_alignment(wound, {**e, "x": -200.0}, seen) is None  # off the frame
    st = vortex_stats(wound, e)  # the network-scale statistics carry it
    assert st["alignment"] == pytest.approx(radial_alignment(wound, e, wound > 8))


def test_red_shift_sees_a_reddened_interior_and_nothing_in_a_grey_one():
    yy, xx = np.mgrid[0:96, 0:96].astype(float)
    inside = np.hypot(xx - 48, yy - 48) < 10
    rgb = np.full((96, 96, 3), 100.0)
    e = {"x": 48.0, "y": 48.0, "a": 12.0, "b": 12.0, "angle": 0.0}
    assert red_shift(rgb, e) == pytest.approx(0.0, abs=1e-12)
    rgb[inside] *= 1.5  # brighter but as grey: no shift
    assert red_shift(rgb, e) == pytest.approx(0.0, abs=1e-12)
    rgb[inside, 0] *= 1.3
    assert red_shift(rgb, e) == pytest.approx(1.3 / 3.3 - 1 / 3, rel=1e-6)
    assert red_shift(rgb, {**e, "x": -100.0}) is None  # off the frame


def test_cyclone_redden_scales_the_renderers_red_cyclones():
    def cyclone_median(factor):
        rows = synthetic_rows(2, 128, 500, {"junocam_cyclone_redden": [factor, factor]})
        vals = [
            r["red_shift"] for r in rows if r["kind"] == "cyclone" and r["red_shift"] is not None
        ]
        assert len(vals) >= 3
        return float(np.median(vals))

    whole, none = cyclone_median(1.0), cyclone_median(0.0)
    assert whole > 0.015 and abs(none) < 0.5 * whole


def test_projected_ellipse_is_the_vortex_outline_not_the_nadir_circle():
    from jovis.synth import render_batch

    b = render_batch([508], 128, ["red"], view="perspective", params={"junocam_product_prob": 1.0})
    vs = [v for v in b.features(0)["vortices"] if v["radius_px"] >= 2]
    assert vs
    mask = b.mask[0].numpy() == 2
    for v in vs:
        e = projected_ellipse(b, 0, v)
        # the centre is the features' centre; the axes never exceed the nadir-scale radius much
        # (off the nadir the vortex is smaller and foreshortened: b <= a)
        assert np.hypot(e["x"] - v["x"], e["y"] - v["y"]) < 0.2 * v["radius_px"] + 0.5
        assert e["b"] <= e["a"] <= 1.05 * v["radius_px"]
    # the ellipses cover the labelled vortex pixels the nadir circles overshoot
    yy, xx = np.mgrid[0:128, 0:128]
    inside = np.zeros_like(mask)
    circle = np.zeros_like(mask)
    for v in vs:
        e = projected_ellipse(b, 0, v)
        ang = np.radians(e["angle"])
        u = ((xx - e["x"]) * np.cos(ang) + (yy - e["y"]) * np.sin(ang)) / e["a"]
        w = (-(xx - e["x"]) * np.sin(ang) + (yy - e["y"]) * np.cos(ang)) / e["b"]
        inside |= u * u + w * w <= 1.0
        circle |= np.hypot(xx - v["x"], yy - v["y"]) <= v["radius_px"]
    hit = lambda m: (m & mask).sum() / max(int((m | mask).sum()), 1)  # noqa: E731
    assert hit(inside) > hit(circle)
