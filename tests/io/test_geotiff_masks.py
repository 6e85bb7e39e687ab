"""Class masks as GeoTIFFs on the input GeoTIFF's map (`jovis.io.geotiff_masks`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from jovis.io import read_frame
from jovis.io.geotiff_masks import write_class_geotiff
from jovis.io.tiff_tags import read_tags
from jovis.synth.frameset import default_schema

DATA = Path(__file__).resolve().parents[1] / "data" / "geotiff"


@pytest.mark.parametrize("name", ["ps_south_spheroid_k097_offset", "eqc_spheroid_ts30"])
def test_a_mask_geotiff_reads_back_on_the_inputs_map_with_its_ids_and_colours(tmp_path, name):
    schema = default_schema()
    frame = read_frame(DATA / f"{name}.tif")
    mask = np.full(frame.shape, 255, np.uint8)
    mask[2:8, 3:12] = 1
    mask[4:6, 5:7] = 2
    mask[8:, :4] = 0
    path = write_class_geotiff(tmp_path / "m.tif", mask, frame.meta["geotiff_tags"], schema)
    back = read_frame(path)  # (OpenCV decodes a palette image to its colours)
    assert (back.grid, back.meta.get("map")) == (frame.grid, frame.meta.get("map"))
    with Image.open(path) as img:  # the class ids, in a palette of the schema's colours
        assert img.mode == "P"
        np.testing.assert_array_equal(np.array(img), mask)
        palette = np.array(img.getpalette()[: 3 * 256]).reshape(256, 3)
    np.testing.assert_array_equal(palette, schema.palette())
    assert read_tags(path.read_bytes(), {42113}) == {42113: "255"}  # GDAL's no-data value


def test_a_geotiff_map_reprojected_to_polar_gets_no_mask_geotiff(tmp_path):
    """A map.json beside a GeoTIFF longitude/latitude map may reproject it (to_polar): its mask
    is then on the polar grid, and no GeoTIFF with the input's tags is written for it."""
    import json
    import shutil

    from jovis.geometry.maps import declared_map
    from jovis.inference.outputs import output_paths, write_frame_outputs

    path = tmp_path / "g.tif"
    shutil.copy(DATA / "geographic_ographic.tif", path)
    own = read_frame(path).meta["map"]
    beside = {"lat": [own["lat_top"], own["lat_bottom"]], "lon": [own["lon_left"],
              own["lon_right"]], "latitude": "planetographic",
              "to_polar": {"hemisphere": "north"}}  # fmt: skip
    (tmp_path / "g.tif.map.json").write_text(json.dumps(beside))
    for name, frame in (("kept", read_frame(path)),
                        ("polar", declared_map(read_frame(path), None))):  # fmt: skip
        probs = np.zeros((3, *frame.shape), np.float32)
        paths = output_paths(tmp_path / name, "g", save_probs=False)
        counts = write_frame_outputs(frame, "g", probs, default_schema(), paths, {})
        assert (tmp_path / name / "masks" / "g.tif").exists() == (name == "kept")
        assert ("mask_geotiff" in counts.get("outputs", {})) == (name == "kept")
