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
