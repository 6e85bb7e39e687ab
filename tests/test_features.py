"""Tests for jovis.features: mask → vortex ellipses, aurora oval ring, GeoJSON, catalogue rows."""

from __future__ import annotations

import json
import math

import cv2
import numpy as np
import pytest

from jovis.catalog import (
    CATALOG_COLUMNS,
    catalog_rows,
    catalog_rows_from_geojson,
    features_to_geojson,
)
from jovis.features import extract_features, split_elongated
from jovis.frame import LabelSchema
from tests.conftest import meridian_steps

SCHEMA = LabelSchema.from_dict(
    {
        "classes": [
            {"id": 0, "name": "background", "color": [0, 0, 0]},
            {"id": 1, "name": "aurora", "color": [40, 255, 120]},
            {"id": 2, "name": "vortex", "color": [255, 90, 40]},
        ]
    }
)
# (x, y, semi-axis along `angle`, other semi-axis, angle) as drawn by cv2.ellipse
ELLIPSES = [(60, 50, 14, 7, 30), (150, 130, 6, 11, 20)]
RING = (100, 90, 40, 52)  # centre x, y, inner and outer radius


def _scene() -> np.ndarray:
    mask = np.zeros((180, 200), np.uint8)
    cx, cy, r_in, r_out = RING
    cv2.circle(mask, (cx, cy), r_out, 1, -1)
    cv2.circle(mask, (cx, cy), r_in, 0, -1)
    for x, y, a, b, angle in ELLIPSES:
        cv2.ellipse(mask, (x, y), (a, b), angle, 0, 360, 2, -1)
    return mask


def _angle_diff(a: float, b: float) -> float:
    d = (a - b) % 180.0
    return min(d, 180.0 - d)


def test_vortex_ellipses_recovered():
    feats = extract_features(_scene(), None, SCHEMA)
    vortices = feats["vortices"]
    assert [v["id"] for v in vortices] == [1, 2]
    assert vortices[0]["area_px"] >= vortices[1]["area_px"]
    for v, (x, y, a, b, angle) in zip(vortices, ELLIPSES, strict=True):
        major, minor = max(a, b), min(a, b)
        major_angle = angle if a >= b else angle + 90
        assert abs(v["x"] - x) < 0.5 and abs(v["y"] - y) < 0.5
        assert abs(v["semi_major_px"] - major) < 1.0
        assert abs(v["semi_minor_px"] - minor) < 1.0
        assert _angle_diff(v["angle_deg"], major_angle) < 3.0
        assert 0.0 <= v["angle_deg"] < 180.0
        assert abs(v["radius_px"] - math.sqrt(a * b)) < 1.0
        assert v["radius_px"] == pytest.approx(math.sqrt(v["area_px"] / math.pi), abs=1e-3)
        assert v["mean_prob"] is None
        x0, y0, w, h = v["bbox"]
        assert x0 <= x < x0 + w and y0 <= y < y0 + h


def test_ring_fit_recovered():
    oval = extract_features(_scene(), None, SCHEMA)["oval"]
    cx, cy, r_in, r_out = RING
    ring = oval["ring"]
    assert abs(ring["centre_x"] - cx) < 1.0 and abs(ring["centre_y"] - cy) < 1.0
    assert abs(ring["mean_radius_px"] - (r_in + r_out) / 2) < 1.0
    assert abs(ring["width_px"] - (r_out - r_in)) < 1.0
    assert ring["angular_coverage"] == pytest.approx(1.0)
    assert sorted(oval["contour_kinds"]) == ["inner", "outer"]
    assert len(oval["contours_px"]) == 2
    for line in oval["contours_px"]:
        assert all(len(p) == 2 and isinstance(p[0], int) for p in line)
    assert oval["area_px"] == int(np.count_nonzero(_scene() == 1))


def test_partial_ring_width_uses_angular_coverage():
    mask = _scene()
    mask[:, : RING[0]][mask[:, : RING[0]] == 1] = 0  # keep only the right half of the oval
    ring = extract_features(mask, None, SCHEMA)["oval"]["ring"]
    assert 0.4 < ring["angular_coverage"] < 0.6
    assert abs(ring["width_px"] - (RING[3] - RING[2])) < 1.5
    assert abs(ring["mean_radius_px"] - (RING[2] + RING[3]) / 2) < 2.0


def test_tiny_and_small_blobs():
    mask = np.zeros((40, 40), np.uint8)
    mask[5, 5] = 2  # 1 px: dropped by default
    mask[10:12, 10:12] = 2  # 4 px: contour has < 5 points
    mask[20, 20:27] = 2  # 7 px line: degenerate for fitEllipse
    mask[30:33, 30:33] = 2  # 9 px square: CHAIN_APPROX_NONE gives 8 points
    feats = extract_features(mask, None, SCHEMA, min_vortex_area_px=1)
    assert sorted(v["area_px"] for v in feats["vortices"]) == [1, 4, 7, 9]
    for v in feats["vortices"]:
        assert all(math.isfinite(v[k]) for k in ("x", "y", "semi_major_px", "semi_minor_px"))
        assert v["semi_major_px"] >= v["semi_minor_px"] > 0
    line = next(v for v in feats["vortices"] if v["area_px"] == 7)
    assert line["x"] == pytest.approx(23.0) and line["y"] == pytest.approx(20.0)
    assert line["semi_major_px"] > 3 * line["semi_minor_px"]
    assert _angle_diff(line["angle_deg"], 0.0) < 1.0
    default = extract_features(mask, None, SCHEMA)  # min_vortex_area_px=6
    assert sorted(v["area_px"] for v in default["vortices"]) == [7, 9]
    assert default["vortices_not_kept"] == {"area": 2} and feats["vortices_not_kept"] == {}


def test_small_aurora_blobs_dropped_and_empty_oval():
    mask = np.zeros((40, 40), np.uint8)
    mask[2:4, 2:4] = 1  # 4 px < min_oval_area_px
    oval = extract_features(mask, None, SCHEMA)["oval"]
    assert oval["ring"] is None and oval["contours_px"] == [] and oval["area_px"] == 0
    assert catalog_rows("f", extract_features(mask, None, SCHEMA)) == []


def test_ignore_pixels_not_counted():
    mask = _scene()
    mask[:, 190:] = 255
    feats = extract_features(mask, None, SCHEMA)
    fr = feats["class_fractions"]
    valid = np.count_nonzero(mask != 255)
    assert fr["vortex"] == pytest.approx(np.count_nonzero(mask == 2) / valid)
    assert sum(fr.values()) == pytest.approx(1.0)
    only_ignore = extract_features(np.full((8, 8), 255, np.uint8), None, SCHEMA)
    assert only_ignore["class_fractions"] == {"background": 0.0, "aurora": 0.0, "vortex": 0.0}


def test_mean_prob_from_probs():
    mask = _scene()
    probs = np.full((3, *mask.shape), 0.1, np.float32)
    probs[2][mask == 2] = 0.8
    probs[1][mask == 1] = 0.6
    x, y = ELLIPSES[0][:2]
    probs[2, y - 2 : y + 3, x - 2 : x + 3] = 0.3  # lower the first vortex's core
    feats = extract_features(mask, probs, SCHEMA)
    v1 = feats["vortices"][0]
    expected = (0.8 * (v1["area_px"] - 25) + 0.3 * 25) / v1["area_px"]
    assert v1["mean_prob"] == pytest.approx(expected, abs=1e-3)
    assert feats["vortices"][1]["mean_prob"] == pytest.approx(0.8, abs=1e-4)
    assert feats["oval"]["mean_prob"] == pytest.approx(0.6, abs=1e-4)


def test_bad_inputs_name_the_problem():
    mask = _scene()
    with pytest.raises(ValueError, match="num_classes"):
        extract_features(mask, np.zeros((2, *mask.shape), np.float32), SCHEMA)
    with pytest.raises(ValueError, match="not in the label schema"):
        extract_features(np.full((4, 4), 7, np.uint8), None, SCHEMA)
    with pytest.raises(ValueError, match="H×W"):
        extract_features(mask[None], None, SCHEMA)


def test_geojson_structure():
    feats = extract_features(_scene(), None, SCHEMA)
    gj = features_to_geojson(feats, "frame_001", properties={"instrument": np.str_("jiram")})
    text = json.dumps(gj)  # plain data only
    assert json.loads(text) == gj
    assert gj["type"] == "FeatureCollection"
    assert gj["properties"]["coordinate_system"] == "pixel (x=column, y=row)"
    assert gj["properties"]["frame_id"] == "frame_001"
    assert gj["properties"]["instrument"] == "jiram"
    assert gj["properties"]["vortices_not_kept"] == feats["vortices_not_kept"]
    feats_with_a_speck = {**feats, "vortices_not_kept": {"area": 3}}
    speck = features_to_geojson(feats_with_a_speck, "frame_001")["properties"]
    assert speck["vortices_not_kept"] == {"area": 3}
    # the catalogue of a run is rebuilt from the files: nothing is lost in JSON
    assert catalog_rows_from_geojson(json.loads(text)) == catalog_rows("frame_001", feats)
    assert len(catalog_rows_from_geojson(gj)) == len(feats["vortices"]) + 1
    for item in gj["features"]:
        assert item["type"] == "Feature"
        assert item["geometry"]["type"] in ("Polygon", "LineString")
        assert item["geometry"]["coordinates"]
        assert isinstance(item["properties"], dict)
    vort = [f for f in gj["features"] if f["properties"]["feature"] == "vortex"]
    assert len(vort) == len(feats["vortices"]) == 2
    poly = vort[0]["geometry"]["coordinates"][0]
    assert poly[0] == poly[-1] and len(poly) == 37
    xs = [p[0] for p in poly]
    assert min(xs) < vort[0]["properties"]["x"] < max(xs)
    lines = [f for f in gj["features"] if f["properties"]["feature"] == "aurora_oval"]
    assert sorted(f["properties"]["kind"] for f in lines) == ["inner", "outer"]
    for f in lines:
        coords = f["geometry"]["coordinates"]
        assert coords[0] == coords[-1]
        assert f["properties"]["ring_mean_radius_px"] == feats["oval"]["ring"]["mean_radius_px"]


def test_catalog_rows():
    feats = extract_features(_scene(), None, SCHEMA)
    rows = catalog_rows("frame_001", feats)
    assert len(rows) == len(feats["vortices"]) + 1
    for row in rows:
        assert list(row) == CATALOG_COLUMNS
        assert row["frame_id"] == "frame_001"
    oval = rows[-1]
    assert oval["feature"] == "aurora_oval"
    assert oval["radius_px"] == feats["oval"]["ring"]["mean_radius_px"]
    assert oval["semi_major_px"] is None and oval["width_px"] is not None
    assert rows[0]["feature"] == "vortex" and rows[0]["width_px"] is None
    assert all(row["time"] is None for row in rows)  # a frame that says no time
    assert all(row["lat_planetographic"] is None for row in rows)  # not placed on the planet
    timed = features_to_geojson(feats, "frame_001", properties={"time": "2016-05-21T02:17:42"})
    assert {r["time"] for r in catalog_rows_from_geojson(timed)} == {"2016-05-21T02:17:42"}
    v1 = feats["vortices"][0]
    assert (rows[0]["x_px"], rows[0]["y_px"], rows[0]["radius_px"]) == (
        v1["x"],
        v1["y"],
        v1["radius_px"],
    )
    json.dumps(rows)


def test_touching_vortices_of_different_sizes_are_split():
    from jovis.features import split_touching

    mask = np.zeros((80, 80), np.uint8)
    cv2.circle(mask, (25, 40), 12, 2, -1)
    cv2.circle(mask, (25 + 12 + 6, 40), 6, 2, -1)  # touches the big one
    cv2.circle(mask, (60, 15), 7, 2, -1)
    cv2.circle(mask, (60, 15 + 14), 7, 2, -1)  # two equal ones touching
    features = extract_features(mask, None, SCHEMA)
    centres = sorted((round(v["x"]), round(v["y"])) for v in features["vortices"])
    assert len(centres) == 4, centres
    for expected in [(25, 40), (43, 40), (60, 15), (60, 29)]:
        assert min(abs(cx - expected[0]) + abs(cy - expected[1]) for cx, cy in centres) <= 1
    # the split settings reach split_touching: with no dip required nothing is split
    joined = extract_features(mask, None, SCHEMA, neck_ratio=0.0, concave_ratio=0.0)
    assert len(joined["vortices"]) == 2
    # one elongated vortex stays one
    ellipse = np.zeros((40, 60), bool)
    cv2.ellipse(ellipse.view(np.uint8), (30, 20), (20, 8), 15, 0, 360, 1, -1)
    assert split_touching(ellipse).max() == 1


def test_features_in_latitude_longitude_and_km_when_the_grid_is_known():
    from jovis.geometry import PolarGrid, distance_km
    from jovis.synth import make_sample

    frame, labels = make_sample(5, 128, ["L", "M"], "jiram", "north", {"limb_prob": 0.0})
    grid = frame.grid
    feats = extract_features(labels.mask, None, SCHEMA, grid=grid)
    truth = {(round(v["x"]), round(v["y"])): v for v in labels.features["vortices"]}
    matched = 0
    for v in feats["vortices"]:
        t = truth.get((round(v["x"]), round(v["y"])))
        if t is None or t["radius_px"] < 3:
            continue
        matched += 1
        assert distance_km(v["lat"], v["lon"], t["lat"], t["lon"]) < 0.5 * t["radius_km"]
        assert v["radius_km"] == pytest.approx(t["radius_km"], rel=0.15)
    assert matched >= 5
    ring = feats["oval"]["ring"]
    truth_colat = 90 - np.mean([lat for lat, _ in labels.features["oval"]["polyline_latlon"]])
    assert ring["mean_colatitude_deg"] == pytest.approx(truth_colat, abs=1.5)
    gj = features_to_geojson(feats, "f")
    assert gj["properties"]["coordinate_system"].startswith("[lon, lat]")
    lon, lat = gj["features"][0]["geometry"]["coordinates"][0][0]
    assert 60 <= lat <= 90 and 0 <= lon < 360
    assert PolarGrid.from_dict(gj["properties"]["grid"]) == grid
    rows = catalog_rows_from_geojson(gj)
    assert all(r["lat"] is not None for r in rows)
    assert rows[-1]["feature"] == "aurora_oval" and rows[-1]["mean_colatitude_deg"] is not None
    # the oval runs round the pole: cut at 0°/360°, no segment crosses the map (a viewer would
    # draw one across it), and the central cyclone's outline closes along the pole's edge
    for item in gj["features"]:
        geom = item["geometry"]
        pieces = {
            "Polygon": geom["coordinates"],
            "LineString": [geom["coordinates"]],
            "MultiLineString": geom["coordinates"],
            "MultiPolygon": [r for poly in geom["coordinates"] for r in poly],
        }[geom["type"]]
        for piece in pieces:
            assert max(meridian_steps(piece)) <= 180.0
    ovals = [f["geometry"] for f in gj["features"] if f["properties"]["feature"] == "aurora_oval"]
    outer = ovals[0]["coordinates"]
    assert ovals[0]["type"] == "LineString" and {outer[0][0], outer[-1][0]} == {0.0, 360.0}
    central = [f["geometry"] for f in gj["features"] if f["properties"]["feature"] == "vortex"
               and f["properties"]["lat"] > 88.5]  # fmt: skip
    assert central and [90.0, 90.0] == [p[1] for p in central[0]["coordinates"][0][-3:-1]]


def test_unsure_vortex_blobs_are_dropped_when_probabilities_are_given():
    from jovis.features import MIN_VORTEX_SCORE

    schema = SCHEMA
    mask = np.zeros((40, 40), np.uint8)
    mask[5:15, 5:15] = 2  # sure
    mask[25:35, 25:35] = 2  # unsure
    probs = np.zeros((3, 40, 40), np.float32)
    probs[0] = 1.0
    probs[:, 5:15, 5:15] = np.array([0.05, 0.05, 0.9])[:, None, None]
    probs[:, 25:35, 25:35] = np.array([0.3, 0.2, 0.5])[:, None, None]
    feats = extract_features(mask, probs, schema)
    found = feats["vortices"]
    assert [(v["id"], v["x"], v["y"]) for v in found] == [(1, 9.5, 9.5)]
    assert feats["vortices_not_kept"] == {"score": 1}  # painted in the mask, said in the legend
    assert 0.5 < MIN_VORTEX_SCORE <= 0.9
    assert len(extract_features(mask, probs, schema, min_vortex_score=0.0)["vortices"]) == 2
    assert len(extract_features(mask, None, schema)["vortices"]) == 2  # truth masks: all kept


def _probs_of(vortex_prob: np.ndarray) -> np.ndarray:
    """(3, H, W) softmax-like maps with the given vortex probability, the rest background."""
    probs = np.zeros((3, *vortex_prob.shape), np.float32)
    probs[2] = vortex_prob
    probs[0] = 1.0 - vortex_prob
    return probs


def test_two_vortices_joined_by_a_wide_neck_are_two_instances():
    # A cyclone and a smaller vortex beside it, merged by the detector through a neck 12 px wide
    # (0.75 of the smaller one's diameter) where the vortex probability dips only to 0.8.
    prob = np.zeros((64, 80), np.float32)
    truth = [(28, 32, 12), (50, 32, 9)]  # x, y, radius: tangent at x = 40
    for x, y, r in truth:
        cv2.circle(prob, (x, y), r, 0.97, -1)
    neck = np.zeros_like(prob)
    neck[26:39, 36:45] = 0.8
    prob = np.where(prob > 0, prob, neck)
    mask = np.where(prob > 0.5, 2, 0).astype(np.uint8)
    assert cv2.connectedComponents(mask)[0] == 2  # one blob
    found = extract_features(mask, _probs_of(prob), SCHEMA)["vortices"]
    assert len(found) == 2, found
    for (x, y, r), v in zip(truth, found, strict=True):  # ids by decreasing area
        assert math.hypot(v["x"] - x, v["y"] - y) <= 1.0, (x, y, v)
        assert v["radius_px"] == pytest.approx(r, abs=1.5)


@pytest.mark.parametrize("axes", [(22, 22), (24, 12), (12, 24)])
def test_one_large_round_or_2_to_1_elliptical_vortex_stays_one(axes):
    # probability falling from 0.99 at the centre to 0.6 at the rim, as a detector's does
    h, w = 80, 80
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    for angle in (0.0, 30.0):
        t = math.radians(angle)
        u = ((xx - 40) * math.cos(t) + (yy - 40) * math.sin(t)) / axes[0]
        v = (-(xx - 40) * math.sin(t) + (yy - 40) * math.cos(t)) / axes[1]
        rho = np.sqrt(u * u + v * v)
        prob = np.where(rho <= 1.0, 0.99 - 0.39 * rho**2, 0.0).astype(np.float32)
        mask = np.where(prob > 0.5, 2, 0).astype(np.uint8)
        found = extract_features(mask, _probs_of(prob), SCHEMA)["vortices"]
        assert len(found) == 1, (axes, angle, found)
        assert math.hypot(found[0]["x"] - 40, found[0]["y"] - 40) <= 0.5
        assert len(extract_features(mask, None, SCHEMA)["vortices"]) == 1  # truth masks too


def test_with_a_grid_no_part_narrower_than_min_core_km_is_split_off():
    from jovis.features import MIN_CORE_KM
    from jovis.geometry import PolarGrid

    grid = PolarGrid.from_dict(
        {"kind": "polar", "hemisphere": "north", "pole_x": 40.0, "pole_y": 32.0,
         "px_per_deg": 16 / 3, "lon_at_x": 270.0, "lon_sense": "clockwise"}
    )  # fmt: skip  # ~219 km per px
    mask = np.zeros((64, 80), np.uint8)
    cv2.circle(mask, (28, 32), 12, 2, -1)
    cv2.circle(mask, (28 + 12 + 5, 32), 5, 2, -1)  # tangent; 5 px ≈ 1100 km
    assert len(extract_features(mask, None, SCHEMA, grid=grid)["vortices"]) == 2
    small = np.zeros_like(mask)
    cv2.circle(small, (28, 32), 12, 2, -1)
    cv2.circle(small, (28 + 12 + 3, 32), 3, 2, -1)  # 3 px ≈ 660 km < MIN_CORE_KM
    assert 3 * 219 < MIN_CORE_KM < 5 * 219
    assert len(extract_features(small, None, SCHEMA)["vortices"]) == 2  # no grid: pixels only
    assert len(extract_features(small, None, SCHEMA, grid=grid)["vortices"]) == 1


def test_with_a_grid_pixel_areas_are_taken_at_the_blob_centres_only(monkeypatch):
    """The marker floor in km reads the pixel area at each blob's centre (the whole frame's
    area map cost more than the network on large frames) and splits as the map did."""
    from jovis.geometry import PolarGrid

    grid = PolarGrid(hemisphere="north", pole_x=40.0, pole_y=32.0, px_per_deg=16 / 3)
    mask = np.zeros((64, 80), np.uint8)
    cv2.circle(mask, (28, 32), 12, 2, -1)
    cv2.circle(mask, (28 + 12 + 5, 32), 5, 2, -1)
    cv2.circle(mask, (8, 8), 3, 2, -1)
    seen = []
    at = PolarGrid.pixel_area_at

    def spy(self, x, y):
        seen.append(np.size(x))
        return at(self, x, y)

    monkeypatch.setattr(PolarGrid, "pixel_area_at", spy)
    monkeypatch.setattr(PolarGrid, "pixel_area_km2", lambda *a: pytest.fail("whole-frame areas"))
    found = extract_features(mask, None, SCHEMA, grid=grid)["vortices"]
    assert len(found) == 3 and max(seen) <= 2  # two blobs (the split pair is one) at once


def test_max_axis_ratio_drops_streaks_and_keeps_ovals():
    """A streak (e.g. along the terminator) is no vortex when `max_axis_ratio` is set; a 2:1
    oval stays; by default (`MAX_AXIS_RATIO` None) every shape is kept."""
    mask = np.zeros((120, 160), np.uint8)
    cv2.ellipse(mask, (40, 60), (30, 5), 80, 0, 360, 2, -1)  # 6:1
    cv2.ellipse(mask, (120, 60), (16, 8), 0, 0, 360, 2, -1)  # 2:1
    feats = extract_features(mask, None, SCHEMA, max_axis_ratio=3.0)
    assert [round(v["x"]) for v in feats["vortices"]] == [120]
    assert feats["vortices_not_kept"] == {"axis_ratio": 1}
    assert len(extract_features(mask, None, SCHEMA)["vortices"]) == 2
    assert len(extract_features(mask, None, SCHEMA, max_axis_ratio=None)["vortices"]) == 2


def test_split_axis_ratio_cuts_a_waistless_chain_and_keeps_ovals():
    """Two packed cyclones marked as one 3:1 ellipse (no waist, so `split_touching` keeps it
    whole) come out as pieces in a row when `split_axis_ratio` is set; a 2:1 oval stays whole,
    and by default (`SPLIT_AXIS_RATIO` None) nothing is cut."""
    mask = np.zeros((120, 200), np.uint8)
    cv2.ellipse(mask, (60, 60), (45, 15), 0, 0, 360, 2, -1)  # 3:1 along x
    cv2.ellipse(mask, (160, 60), (16, 8), 90, 0, 360, 2, -1)  # 2:1 along y
    assert len(extract_features(mask, None, SCHEMA)["vortices"]) == 2
    cut = extract_features(mask, None, SCHEMA, split_axis_ratio=2.5)["vortices"]
    xs = sorted(round(v["x"]) for v in cut)
    assert len(cut) == 4 and xs[-1] == 160  # the chain in three, the oval whole
    assert xs[0] < 40 < xs[1] < 80 < xs[2] < 110  # three pieces along the chain's axis
    assert all(abs(v["y"] - 60) < 1 for v in cut)
    assert sum(v["area_px"] for v in cut) == int(np.count_nonzero(mask))


def test_split_elongated_follows_a_tilted_axis():
    mask = np.zeros((100, 100), bool)
    cv2.ellipse(mask.view(np.uint8), (50, 50), (36, 12), 45, 0, 360, 1, -1)
    pieces = split_elongated(mask, 2.0)
    assert len(pieces) == 3
    centres = [np.argwhere(p).mean(0) for p in pieces]  # (y, x)
    for cy, cx in centres:
        assert abs((cy - 50) - (cx - 50)) < 3  # on the 45° line
    assert split_elongated(mask, None) == [mask] and len(split_elongated(mask, 3.5)) == 1


def test_max_edge_share_drops_blobs_lining_the_data_edge():
    """A blob against the no-data side (past a terminator) or the frame's border is dropped when
    `max_edge_share` is set; those inside the data are kept."""
    mask = np.zeros((80, 80), np.uint8)
    mask[:, 60:] = 255  # no data right of column 60
    cv2.ellipse(mask, (54, 40), (6, 4), 0, 0, 360, 2, -1)  # against the edge
    cv2.ellipse(mask, (25, 30), (6, 4), 0, 0, 360, 2, -1)  # inside
    cv2.ellipse(mask, (20, 74), (6, 5), 0, 0, 360, 2, -1)  # cut by the frame's bottom
    cv2.ellipse(mask, (25, 55), (4, 4), 0, 0, 360, 2, -1)  # a corner away from any edge
    mask[:, 60:] = 255
    feats = extract_features(mask, None, SCHEMA, max_edge_share=0.1)
    assert sorted((round(v["x"]), round(v["y"])) for v in feats["vortices"]) == [(25, 30), (25, 55)]
    assert feats["vortices_not_kept"] == {"edge": 2}
    # without the floor all four are kept, each saying how much of its outline has no data:
    # a catalogue's user can tell the truncated ones (their size and centre are biased)
    shares = {(round(v["x"]), round(v["y"])): v["edge_share"]
              for v in extract_features(mask, None, SCHEMA)["vortices"]}  # fmt: skip
    assert len(shares) == 4 and shares[(25, 30)] == shares[(25, 55)] == 0.0
    assert 0.1 < shares[(54, 40)] < 0.3 and 0.1 < shares[(20, 74)] < 0.3  # the edge, the border


def test_the_catalogue_and_geojson_carry_each_vortexs_edge_share(tmp_path):
    from jovis.catalog import catalog_rows_from_geojson, features_to_geojson

    mask = np.zeros((40, 40), np.uint8)
    cv2.ellipse(mask, (20, 36), (6, 5), 0, 0, 360, 2, -1)  # cut by the frame's bottom
    collection = features_to_geojson(extract_features(mask, None, SCHEMA), "f")
    [row] = catalog_rows_from_geojson(collection)
    assert row["edge_share"] == collection["features"][0]["properties"]["edge_share"] > 0.1
