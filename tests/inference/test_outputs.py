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
