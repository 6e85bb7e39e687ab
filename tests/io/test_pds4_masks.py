"""Class masks as PDS4 products on the input PDS4 map's map (`jovis.io.pds4_masks`)."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from tests.io.test_pds4_cartography import PDS4, placed

from jovis.geometry.maps import MAP_AFFINE, declared_map
from jovis.inference.outputs import output_paths, write_frame_outputs
from jovis.io import read_frame
from jovis.io.pds4_masks import write_class_pds4
from jovis.synth.frameset import default_schema


@pytest.mark.parametrize("name", ["ps_south_spheroid_k097_offset", "geographic_ographic"])
def test_a_mask_product_reads_back_on_the_inputs_map_with_its_ids(tmp_path, name):
    schema = default_schema()
    frame = read_frame(PDS4 / f"{name}.xml")
    mask = np.full(frame.shape, schema.ignore_index, np.uint8)
    mask[2:8, 3:12] = 1
    mask[4:6, 5:7] = 2
    mask[8:, :4] = 0
    path = write_class_pds4(tmp_path / "m.v2.xml", mask, frame.meta["pds4_cartography"], schema)
    assert path == tmp_path / "m.v2.xml" and (tmp_path / "m.v2.img").stat().st_size == mask.size
    back = read_frame(path)
    assert placed(back) == placed(frame) and placed(back) is not None
    assert back.meta[MAP_AFFINE] == frame.meta[MAP_AFFINE]
    np.testing.assert_array_equal(back.valid, mask != schema.ignore_index)
    np.testing.assert_array_equal(back.image[:, :, 0][back.valid], mask[back.valid])
    assert "0 background, 1 aurora, 2 vortex" in path.read_text()


def test_a_mask_of_the_wrong_shape_is_refused(tmp_path):
    frame = read_frame(PDS4 / "ps_north_iau_sphere.xml")
    with pytest.raises(ValueError, match="H×W"):
        write_class_pds4(tmp_path / "m.xml", np.zeros((2, 3, 4), np.uint8),
                         frame.meta["pds4_cartography"], default_schema())  # fmt: skip
    assert not list(tmp_path.iterdir())


def test_only_a_pds4_map_placed_and_kept_on_its_own_map_gets_a_mask_product(tmp_path):
    """A map.json beside a PDS4 longitude/latitude map may reproject it (to_polar): its mask is
    then on the polar grid, and no product on the input's map is written for it; a map jovis
    cannot place gets none either."""
    for suffix in (".xml", ".img"):
        shutil.copy(PDS4 / f"geographic_ographic{suffix}", tmp_path / f"g{suffix}")
    (tmp_path / "g.xml").write_text(
        (tmp_path / "g.xml").read_text().replace("geographic_ographic.img", "g.img")
    )
    own = read_frame(tmp_path / "g.xml").meta["map"]
    beside = {"lat": [own["lat_top"], own["lat_bottom"]], "lon": [own["lon_left"],
              own["lon_right"]], "latitude": "planetographic",
              "to_polar": {"hemisphere": "north"}}  # fmt: skip
    frames = {"kept": read_frame(tmp_path / "g.xml"),
              "unplaced": read_frame(PDS4 / "ortho_north_spheroid.xml")}  # fmt: skip
    (tmp_path / "g.xml.map.json").write_text(json.dumps(beside))
    frames["polar"] = declared_map(read_frame(tmp_path / "g.xml"), None)
    assert frames["polar"].grid is not None
    for name, frame in frames.items():
        probs = np.zeros((3, *frame.shape), np.float32)
        paths = output_paths(tmp_path / name, "g", save_probs=False)
        counts = write_frame_outputs(frame, "g", probs, default_schema(), paths, {})
        kept = name == "kept"
        assert (tmp_path / name / "masks" / "g.xml").exists() == kept
        assert (tmp_path / name / "masks" / "g.img").exists() == kept
        assert ("mask_pds4" in counts.get("outputs", {})) == kept
