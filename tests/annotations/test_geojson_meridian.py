"""A vortex outline that jovis cut at 0°/360° is imported as the one vortex it was."""

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from jovis.annotations import geojson
from jovis.annotations.frames import FrameIndex, FrameInfo
from jovis.annotations.shapes import fill
from jovis.geometry import PolarGrid


@pytest.mark.parametrize("centre", [(100.0, 100.0), (100.0, 60.0)], ids=["round-pole", "across"])
def test_a_cut_vortex_comes_back_as_one_shape_covering_its_pixels(centre, tmp_path):
    grid = PolarGrid("north", 100.0, 100.0, 10.0, lon_at_x=90.0)  # 0°/360° runs up from the pole
    t = np.linspace(0, 2 * np.pi, 36, endpoint=False)
    outline = np.stack([centre[0] + 14 * np.cos(t), centre[1] + 9 * np.sin(t)], 1)
    doc = geojson.collection("f", [{"label": "vortex", "rings": [outline]}], grid)
    assert doc["features"][0]["geometry"]["type"] == (
        "Polygon" if centre == (100.0, 100.0) else "MultiPolygon")  # fmt: skip
    path = tmp_path / "f.geojson"
    path.write_text(json.dumps(doc))
    frames = FrameIndex([FrameInfo("f", Path("f.fits"), (200, 200), grid, "uv", ["uv"])])
    shapes, skipped = geojson.read(path, frames, latitude="planetocentric", longitude="west")
    assert skipped == [] and len(shapes["f"]) == 1
    (shape,) = shapes["f"]
    got, want = fill(shape.rings, (200, 200)), fill([outline], (200, 200))
    assert (got & want).sum() / (got | want).sum() > 0.99
    # the vortex's ellipse is fitted to the outline: no vertex of the pole's edge (the pole
    # pixel) among its vertices, every one on the outline 9-14 px from the centre
    radii = np.hypot(*(np.asarray(shape.rings[0]) - np.asarray(centre)).T)
    assert radii.min() > 8.5 and radii.max() < 14.5
    (cx, cy), axes, _ = cv2.fitEllipse(np.asarray(shape.rings[0], np.float32))
    assert np.hypot(cx - centre[0], cy - centre[1]) < 0.5
    assert sorted(axes) == pytest.approx([18.0, 28.0], rel=0.03)


def test_a_vortex_of_the_features_geojson_across_the_meridian_is_imported_as_one(tmp_path):
    """What `infer` writes (`jovis.catalog.features_to_geojson`) read back by `labels import`."""
    from jovis.catalog import features_to_geojson

    grid = PolarGrid("north", 100.0, 100.0, 10.0, lon_at_x=90.0)
    vortex = {"id": 1, "x": 100.0, "y": 60.0, "semi_major_px": 14.0, "semi_minor_px": 9.0,
              "angle_deg": 0.0}  # fmt: skip
    doc = features_to_geojson({"grid": grid.to_dict(), "vortices": [vortex]}, "f")
    assert doc["features"][0]["geometry"]["type"] == "MultiPolygon"
    path = tmp_path / "f.geojson"
    path.write_text(json.dumps(doc))
    frames = FrameIndex([FrameInfo("f", Path("f.fits"), (200, 200), grid, "uv", ["uv"])])
    shapes, skipped = geojson.read(path, frames, latitude="planetocentric", longitude="west")
    assert skipped == [] and len(shapes["f"]) == 1 and shapes["f"][0].label == "vortex"


def test_an_aurora_band_round_the_pole_is_written_cut_and_read_back_with_its_hole(tmp_path):
    """`labels export` of an oval's band (a ring with a hole, both round the pole): one Polygon
    with no segment across the map, imported as one shape with its hole on the same pixels."""
    from tests.conftest import meridian_steps

    grid = PolarGrid("north", 100.0, 100.0, 10.0, lon_at_x=90.0)
    t = np.linspace(0, 2 * np.pi, 60, endpoint=False)
    outer = np.stack([103 + 45 * np.cos(t), 98 + 38 * np.sin(t)], 1)
    hole = np.stack([103 + 30 * np.cos(t), 98 + 24 * np.sin(t)], 1)
    doc = geojson.collection("f", [{"label": "aurora", "rings": [outer, hole]}], grid)
    geom = doc["features"][0]["geometry"]
    assert geom["type"] == "Polygon" and len(geom["coordinates"]) == 1
    assert max(meridian_steps(geom["coordinates"][0])) <= 180
    path = tmp_path / "f.geojson"
    path.write_text(json.dumps(doc))
    frames = FrameIndex([FrameInfo("f", Path("f.fits"), (200, 200), grid, "uv", ["uv"])])
    shapes, skipped = geojson.read(path, frames, latitude="planetocentric", longitude="west")
    assert skipped == [] and len(shapes["f"]) == 1 and len(shapes["f"][0].rings) == 2
    got, want = fill(shapes["f"][0].rings, (200, 200)), fill([outer, hole], (200, 200))
    assert want.sum() < fill([outer], (200, 200)).sum()  # the hole is a hole
    assert (got & want).sum() / (got | want).sum() > 0.99


def test_a_vortex_a_gis_cut_at_180_east_is_imported_as_one(tmp_path):
    """A user's file in east longitudes within ±180° (RFC 7946's range), its vortex across the
    180° meridian cut there by their GIS: one shape on the vortex's pixels, as with 0°/360°."""
    from jovis.geometry.lonwrap import polygon_geometry

    grid = PolarGrid("north", 100.0, 100.0, 10.0, lon_at_x=90.0)  # 180° W runs down from the pole
    t = np.linspace(0, 2 * np.pi, 36, endpoint=False)
    outline = np.stack([100 + 14 * np.cos(t), 140 + 9 * np.sin(t)], 1)
    lat, lon_w = grid.latlon(outline[:, 0], outline[:, 1])
    lon_e = np.mod(360.0 - lon_w, 360.0)  # east, 0..360: across 180° here
    # cut at ±180° as a GIS would: shift so the seam is 0°/360°, cut, shift back
    cut = polygon_geometry(np.stack([np.mod(lon_e + 180.0, 360.0), lat], 1).tolist())
    assert cut["type"] == "MultiPolygon"
    cut["coordinates"] = [[[[x - 180.0, y] for x, y in ring] for ring in poly]
                          for poly in cut["coordinates"]]  # fmt: skip
    assert {p[0] for poly in cut["coordinates"] for p in poly[0]} >= {-180.0, 180.0}
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"class": "vortex"}, "geometry": cut}]}  # fmt: skip
    path = tmp_path / "f.geojson"
    path.write_text(json.dumps(doc))
    frames = FrameIndex([FrameInfo("f", Path("f.fits"), (200, 200), grid, "uv", ["uv"])])
    shapes, skipped = geojson.read(path, frames, latitude="planetocentric", longitude="east")
    assert skipped == [] and len(shapes["f"]) == 1
    got, want = fill(shapes["f"][0].rings, (200, 200)), fill([outline], (200, 200))
    assert (got & want).sum() / (got | want).sum() > 0.99
