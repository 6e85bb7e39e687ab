"""Hand-written annotation files with known coordinates land on the expected pixels.

Each file is written here by hand, so a convention error (x/y swapped, y flipped, east for west
longitude, planetographic for planetocentric latitude, CVAT's corner origin) shows as a wrong
pixel instead of cancelling out in a round trip. The grid: north pole at pixel (32, 32), 1 px per
degree of colatitude, SIII west longitude 0 toward +x, increasing clockwise on screen (toward +y).
"""

import json

import numpy as np
import pytest

from jovis.annotations import import_annotations
from jovis.data.datasets import read_manifest
from jovis.io.masks import read_mask_png

GRID = {"kind": "polar", "hemisphere": "north", "pole_x": 32.0, "pole_y": 32.0, "px_per_deg": 1.0,
        "lon_at_x": 0.0, "lon_sense": "clockwise", "projection": "equidistant"}  # fmt: skip


@pytest.fixture
def frames(tmp_path):
    """Two 64×64 frames: 'gridded' (a frame set row with GRID) and 'plain' (no grid)."""
    root = tmp_path / "frames"
    (root / "images").mkdir(parents=True)
    rows = []
    for fid, grid in (("gridded", GRID), ("plain", None)):
        np.save(root / "images" / f"{fid}.npy", np.full((64, 64, 1), 0.5, np.float32))
        rows.append({"id": fid, "image": f"images/{fid}.npy", "mask": f"masks/{fid}.png",
                     "instrument": "uv", "channels": ["uv"], "grid": grid})  # fmt: skip
    (root / "manifest.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return root


def imported(tmp_path, annotations, frames, schema, **settings):
    out = tmp_path / "set"
    result = import_annotations(annotations, frames, out, schema, settings)
    rows = {r["id"]: r for r in read_manifest(out)}
    masks = {k: read_mask_png(out / r["mask"]) for k, r in rows.items()}
    feats = {k: json.loads((out / r["features"]).read_text()) for k, r in rows.items()}
    return result, masks, feats


def test_labelme_polygon_and_circle(tmp_path, frames, schema):
    doc = {"imagePath": "images/plain.npy", "imageHeight": 64, "imageWidth": 64, "shapes": [
        {"label": "aurora", "shape_type": "polygon",
         "points": [[10, 20], [20, 20], [20, 30], [10, 30]]},
        {"label": "vortex", "shape_type": "circle", "points": [[40, 12], [45, 12]]},
    ]}  # fmt: skip
    (tmp_path / "plain.json").write_text(json.dumps(doc))
    _, masks, feats = imported(tmp_path, tmp_path / "plain.json", frames, schema)
    mask = masks["plain"]
    assert (mask[20:31, 10:21] == 1).all() and (mask == 1).sum() == 11 * 11  # rows are y
    assert mask[12, 40] == 2 and mask[12, 45] == 2 and mask[12, 46] == 0 and mask[17, 40] == 2
    v = feats["plain"]["vortices"][0]
    assert (v["x"], v["y"], v["radius_px"]) == pytest.approx((40, 12, 5), abs=1e-6)


def test_cvat_corner_origin_box_and_rotated_ellipse(tmp_path, frames, schema):
    xml = """<?xml version="1.0"?><annotations><version>1.1</version>
      <image id="0" name="plain.npy" width="64" height="64">
        <box label="aurora" xtl="10" ytl="20" xbr="21" ybr="31" z_order="0"/>
        <ellipse label="vortex" cx="40.5" cy="12.5" rx="2" ry="6" rotation="90" z_order="1"/>
      </image></annotations>"""
    (tmp_path / "a.xml").write_text(xml)
    _, masks, feats = imported(tmp_path, tmp_path / "a.xml", frames, schema)
    mask = masks["plain"]
    assert (mask[20:31, 10:21] == 1).all() and (mask == 1).sum() == 11 * 11
    # ry=6 along y, turned 90° clockwise: 6 px along x
    assert mask[12, 46] == 2 and mask[12, 34] == 2 and mask[16, 40] == 0 and mask[12, 47] == 0
    v = feats["plain"]["vortices"][0]
    assert (v["x"], v["y"], v["semi_major_px"]) == pytest.approx((40, 12, 6), abs=1e-6)


def test_geojson_lonlat_polygon_and_point(tmp_path, frames, schema):
    # [lon W, lat]: (0, 80) → (42, 32); (90, 80) → (32, 42); (90, 70) → (32, 52); (0, 70) → (52, 32)
    poly = [[[0, 80], [90, 80], [90, 70], [0, 70], [0, 80]]]
    gj = {"type": "FeatureCollection", "properties": {"frame_id": "gridded"}, "features": [
        {"type": "Feature", "properties": {"class": "aurora"},
         "geometry": {"type": "Polygon", "coordinates": poly}},
        {"type": "Feature", "properties": {"class": "vortex", "radius_km": 3500},
         "geometry": {"type": "Point", "coordinates": [180, 75]}},
    ]}  # fmt: skip
    (tmp_path / "g.geojson").write_text(json.dumps(gj))
    _, masks, feats = imported(tmp_path, tmp_path / "g.geojson", frames, schema)
    mask = masks["gridded"]
    assert mask[40, 40] == 1 and mask[33, 50] == 1 and mask[50, 33] == 1
    assert mask[40, 24] == 0 and mask[24, 40] == 0  # where a lon-sense or y flip would put it
    v = feats["gridded"]["vortices"][0]
    assert (v["x"], v["y"]) == pytest.approx((17.0, 32.0), abs=1e-6)  # colat 15 toward lon 180
    assert mask[32, 17] == 2 and mask[32, 47] != 2


def test_geojson_east_longitude_and_planetographic_latitude(tmp_path, frames, schema):
    gj = {"type": "FeatureCollection", "properties": {"frame_id": "gridded"}, "features": [
        {"type": "Feature", "properties": {"class": "vortex", "radius_km": 2000},
         "geometry": {"type": "Point", "coordinates": [90, 70]}},
    ]}  # fmt: skip
    (tmp_path / "g.geojson").write_text(json.dumps(gj))
    _, _, feats = imported(tmp_path, tmp_path / "g.geojson", frames, schema,
                           longitude="east", latitude="planetographic")  # fmt: skip
    v = feats["gridded"]["vortices"][0]
    # 90° E = 270° W → −y; 70° planetographic = 67.4018° planetocentric → colat 22.5982 px
    assert (v["x"], v["y"]) == pytest.approx((32.0, 32 - 22.5982), abs=1e-3)


def test_catalogue_csv_latitude_kind_and_axes(tmp_path, frames, schema):
    csv = ("frame_id,lat,lon,semi_major,semi_minor,angle_deg,sigma,confidence\n"
           "gridded,75,180,3000,1500,0,0.5,0.9\n"
           "gridded,75,270,3000,1500,90,,\n")  # fmt: skip
    (tmp_path / "c.csv").write_text(csv)
    _, _, feats = imported(tmp_path, tmp_path / "c.csv", frames, schema, latitude="planetographic")
    a, b = feats["gridded"]["vortices"]
    # 75° planetographic = 72.9641° planetocentric: colat 17.0359 px toward lon 180 (−x)
    assert (a["x"], a["y"]) == pytest.approx((32 - 17.0359, 32.0), abs=1e-3)
    assert (a["sigma"], a["confidence"]) == (0.5, 0.9)
    # 3000 km ≈ 2.58° of colatitude ≈ 2.58 px; angle 0 = local east, which at lon 180 is +y
    assert a["semi_major_px"] == pytest.approx(2.58, abs=0.1)
    assert a["angle_deg"] == pytest.approx(90, abs=2)
    # angle 90 = toward north (the pole); at lon 270 (−y) the pole is +y, so the axis is along y
    assert (b["x"], b["y"]) == pytest.approx((32.0, 32 - 17.0359), abs=1e-3)
    assert b["angle_deg"] == pytest.approx(90, abs=2)
