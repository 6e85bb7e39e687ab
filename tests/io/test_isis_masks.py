"""Class masks as ISIS cubes on their input's map (`jovis.io.isis_masks`)."""

from __future__ import annotations

import numpy as np
from tests.io.test_isis import POLAR_MAPPING, write_cube

from jovis.io import read_frame
from jovis.io.isis import group_text, label_text, read_label
from jovis.io.isis_masks import write_class_cube
from jovis.synth.frameset import default_schema


def test_a_mask_cube_reads_back_as_the_class_ids_on_the_inputs_map(tmp_path):
    source = write_cube(tmp_path / "map.cub", np.ones((40, 60), np.float32), mapping=POLAR_MAPPING)
    mapping = group_text(label_text(source), "Mapping")
    assert "<meters>" in mapping  # copied as written, units and all
    schema = default_schema()
    mask = np.random.default_rng(0).integers(0, 3, (40, 60)).astype(np.uint8)
    mask[:5] = schema.ignore_index
    path = write_class_cube(tmp_path / "mask.cub", mask, mapping, schema)
    frame = read_frame(path)
    np.testing.assert_array_equal(frame.valid, mask != schema.ignore_index)
    np.testing.assert_array_equal(frame.image[:, :, 0][frame.valid], mask[frame.valid])
    assert frame.meta["special_px"] == {"Null": 5 * 60}
    assert frame.grid == read_frame(source).grid
    label = read_label(path)
    assert label["IsisCube"]["BandBin"]["Classes"] == ["0 background", "1 aurora", "2 vortex"]
    start = label["IsisCube"]["Core"]["StartByte"]
    assert path.stat().st_size == start - 1 + 40 * 60 and (start - 1) % 1024 == 0


def test_a_cylindrical_cube_reprojected_to_polar_gets_no_mask_cube(tmp_path):
    """A map.json beside an ISIS cylindrical cube may declare it again and reproject it
    (to_polar): its mask is then on the polar grid, not on the cube's map, and no cube is
    written for it, nor are its features placed through the cube's map."""
    import json

    from jovis.geometry.maps import declared_map
    from jovis.inference.outputs import output_paths, write_frame_outputs

    mapping = {**POLAR_MAPPING, "ProjectionName": "SimpleCylindrical", "UpperLeftCornerX": "0.0",
               "UpperLeftCornerY": "1497000.0", "PixelResolution": "50000.0"}  # fmt: skip
    del mapping["CenterLatitude"]
    path = write_cube(tmp_path / "c.cub", np.ones((24, 96), np.float32), mapping=mapping,
                      instrument=None)  # fmt: skip
    own = read_frame(path).meta["map"]  # its edges: 60-90°N, 0-230°E (west: 0 to -230)
    beside = {"lat": [own["lat_top"], own["lat_bottom"]], "lon": [own["lon_left"],
              own["lon_right"]], "to_polar": {"hemisphere": "north"}}  # fmt: skip
    (tmp_path / "c.cub.map.json").write_text(json.dumps(beside))
    schema = default_schema()
    for name, frame in (("kept", read_frame(path)),
                        ("polar", declared_map(read_frame(path), None))):  # fmt: skip
        probs = np.zeros((3, *frame.shape), np.float32)
        paths = output_paths(tmp_path / name, "c", save_probs=False)
        write_frame_outputs(frame, "c", probs, schema, paths, {})
        assert (tmp_path / name / "masks" / "c.cub").exists() == (name == "kept")
        # the reprojected frame's pixels are the polar grid's: the cube's map is not carried
        assert ("map" in frame.meta) == (name == "kept")
        geojson = (tmp_path / name / "features" / "c.geojson").read_text()
        assert ('"located": "cylindrical map' in geojson) == (name == "kept")
