"""Lat/lon annotations placed on images that are maps (`labels import map=...` or
``<frame>.map.json``, `jovis.geometry.maps`), and the labelled set's map used downstream."""

import json

import cv2
import numpy as np
import pytest

from jovis.annotations import import_annotations
from jovis.annotations.labelme import AnnotationError
from jovis.data.datasets import FolderDataset, read_manifest
from jovis.geometry.maps import CylindricalMap
from jovis.geometry.training import TrainingGeometry

# a global map at 2 px per degree, east longitudes running left to right
GLOBAL_EAST = {"lat": [90, -90], "lon": [-180, 180], "longitude": "east"}
# a vortex at 20°S, 60°W (the catalogue says so in west longitude): x = (180 - 60) * 2
CATALOGUE = "frame_id,lat,lon,semi_major,semi_minor,angle_deg\nmosaic,-20,60,4000,3000,0\n"


@pytest.fixture()
def mosaic(tmp_path):
    frames = tmp_path / "frames"
    frames.mkdir()
    cv2.imwrite(str(frames / "mosaic.png"), np.full((360, 720, 3), 128, np.uint8))
    (tmp_path / "cat.csv").write_text(CATALOGUE)
    return frames


def test_a_catalogue_lands_on_a_declared_cylindrical_map(mosaic, schema, tmp_path):
    out = tmp_path / "set"
    result = import_annotations(tmp_path / "cat.csv", mosaic, out, schema, {"map": GLOBAL_EAST})
    assert result["skipped"] == 0
    (row,) = read_manifest(out)
    assert row["map"]["kind"] == "cylindrical" and row["grid"] is None
    (v,) = json.loads((out / row["features"]).read_text())["vortices"]
    # 20°S = row (90 + 20) * 2 - 0.5; 60°W = east -60 = column (180 - 60) * 2 - 0.5
    assert v["x"] == pytest.approx(239.5, abs=1) and v["y"] == pytest.approx(219.5, abs=1)
    # 4000 km east-west at 20°S: 4000 / (71492 cos 20° π/180) deg = 3.41°, 6.8 px semi-axis
    assert v["semi_major_px"] == pytest.approx(2 * 4000 / (71492 * np.cos(np.radians(20)) *
                                                           np.pi / 180), rel=0.1)  # fmt: skip


def test_without_a_declaration_nothing_is_placed_and_the_error_names_the_fix(
    mosaic, schema, tmp_path
):
    with pytest.raises(AnnotationError, match=r"declare it \(map=\.\.\. or <frame>\.map\.json\)"):
        import_annotations(tmp_path / "cat.csv", mosaic, tmp_path / "set", schema)
    # the file beside the frame declares it as well
    (mosaic / "mosaic.png.map.json").write_text(json.dumps(GLOBAL_EAST))
    result = import_annotations(tmp_path / "cat.csv", mosaic, tmp_path / "set2", schema)
    assert result["skipped"] == 0


def test_a_shape_off_the_map_is_not_placed(mosaic, schema, tmp_path):
    half = {"lat": [90, 0], "lon": [-180, 180], "longitude": "east"}  # the north only
    with pytest.raises(
        AnnotationError, match="outside frame mosaic's hemisphere, visible disk or map"
    ):
        import_annotations(tmp_path / "cat.csv", mosaic, tmp_path / "set", schema, {"map": half})


def test_a_labelled_map_trains_at_its_own_plate_scale(mosaic, schema, tmp_path):
    out = tmp_path / "set"
    import_annotations(tmp_path / "cat.csv", mosaic, out, schema, {"map": GLOBAL_EAST})
    geometry = TrainingGeometry("equidistant", 1.0, 30.0, 60, "random",
                                {"north": 270.0, "south": 90.0},
                                {"north": "clockwise", "south": "counterclockwise"})  # fmt: skip
    frame, labels = FolderDataset(out, ["red", "green", "blue"], geometry=geometry).load(0)
    assert frame.shape == (180, 360)  # 2 px/deg fed at the model's 1 px/deg
    assert (labels.mask == schema.id_of("vortex")).any()


def test_pixel_inverts_latlon_across_the_seam_and_planetographic():
    cmap = CylindricalMap(60.0, -60.0, 100.0, -100.0, (120, 200), planetographic=True)
    xs, ys = np.array([0.0, 99.5, 150.0, 199.0]), np.array([0.0, 60.0, 30.5, 119.0])
    x, y = cmap.pixel(*cmap.latlon(xs, ys))  # west 100 → -100 crosses 0° (= 360°)
    np.testing.assert_allclose(x, xs, atol=1e-9)
    np.testing.assert_allclose(y, ys, atol=1e-9)
