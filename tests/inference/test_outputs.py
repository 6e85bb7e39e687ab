"""`jovis.inference.outputs.write_frame_outputs`: what one frame's outputs say of it."""

import json

import numpy as np

from jovis.frame import Frame
from jovis.inference.outputs import output_paths, write_frame_outputs
from jovis.synth.frameset import default_schema


def test_the_manifest_count_and_geojson_say_the_marked_vortices_the_floors_left_out(tmp_path):
    """A sure vortex (p 0.9) and an unsure one (p 0.5, the argmax still): the catalogue keeps
    the first, the mask paints both, and the frame's counts and GeoJSON say the other."""
    h = w = 64
    probs = np.zeros((3, h, w), np.float32)
    probs[0] = 1.0
    probs[:, 8:20, 8:20] = np.array([0.05, 0.05, 0.9])[:, None, None]
    probs[:, 40:52, 40:52] = np.array([0.3, 0.2, 0.5])[:, None, None]
    frame = Frame(np.full((h, w, 3), 100, np.float32), ["red", "green", "blue"], "junocam",
                  str(tmp_path / "f.png"), {}, None, np.ones((h, w), bool))  # fmt: skip
    paths = output_paths(tmp_path / "out", "f", save_probs=False)
    counts = write_frame_outputs(frame, "f", probs, default_schema(), paths, {})
    assert counts["vortices"] == 1 and counts["vortices_not_kept"] == 1
    collection = json.loads(paths["features"].read_text())
    assert collection["properties"]["vortices_not_kept"] == {"score": 1}


def test_a_georeferenced_inputs_features_also_come_in_its_map_coordinates(tmp_path):
    """A frame read from a GeoTIFF map: its features are also written in the map's coordinates
    (features_map/<id>.geojson, where a GIS draws them over the map), and `labels import` of
    that file on the GeoTIFF puts the vortex back where it was found."""
    import shutil
    from pathlib import Path

    from jovis.annotations import import_annotations
    from jovis.io.reader import read_frame

    data = Path(__file__).resolve().parents[1] / "data" / "geotiff"
    frames = tmp_path / "frames"
    frames.mkdir()
    shutil.copy(data / "ps_north_iau_sphere.tif", frames / "m.tif")
    frame = read_frame(frames / "m.tif")
    probs = np.zeros((3, *frame.shape), np.float32)
    probs[0] = 1.0
    probs[:, 3:8, 5:11] = np.array([0.02, 0.03, 0.95])[:, None, None]  # a 6 x 5 px vortex
    paths = output_paths(tmp_path / "out", "m", save_probs=False)
    counts = write_frame_outputs(frame, "m", probs, default_schema(), paths, {})
    layer = tmp_path / "out" / "features_map" / "m.geojson"
    assert counts["outputs"]["features_map"] == str(layer)
    found = json.loads(paths["features"].read_text())["features"][0]["properties"]
    drawn = json.loads(layer.read_text())
    assert drawn["properties"]["coordinate_system"].startswith("[x, y]: map coordinates")
    # metres of the IAU polar stereographic map: beyond degrees' range, read as map coordinates
    x, y = drawn["features"][0]["geometry"]["coordinates"][0][0]
    assert abs(x) > 360 or abs(y) > 360
    shutil.copy(layer, tmp_path / "m.geojson")
    result = import_annotations(tmp_path / "m.geojson", frames, tmp_path / "set",
                                default_schema())  # fmt: skip
    assert result["skipped"] == 0
    row = json.loads((tmp_path / "set" / "manifest.jsonl").read_text().splitlines()[0])
    (back,) = json.loads((tmp_path / "set" / row["features"]).read_text())["vortices"]
    assert abs(back["x"] - found["x"]) < 0.1 and abs(back["y"] - found["y"]) < 0.1


def test_a_frame_without_georeferencing_gets_no_map_features(tmp_path):
    frame = Frame(np.full((32, 32, 3), 100, np.float32), ["red", "green", "blue"], "junocam",
                  str(tmp_path / "f.png"), {}, None, np.ones((32, 32), bool))  # fmt: skip
    paths = output_paths(tmp_path / "out", "f", save_probs=False)
    counts = write_frame_outputs(frame, "f", np.zeros((3, 32, 32), np.float32),
                                 default_schema(), paths, {})  # fmt: skip
    assert "outputs" not in counts and not (tmp_path / "out" / "features_map").exists()
