"""`scene_layers(emission=False)`: batches whose channels draw no oval (JunoCam, JIRAM M) skip
the emission layers but keep every label mask pixel for pixel."""

from __future__ import annotations

import pytest
import torch

from jovis.synth import SynthParams
from jovis.synth.hash_rng import frame_keys
from jovis.synth.labels import class_mask
from jovis.synth.layers import pack_scenes, scene_layers
from jovis.synth.renderer import _plane, draw_scenes

EMISSION = ("aurora", "oval_u2", "oval_peak", "polar", "equator", "footprints")


def _layers(schema: str, emission: bool, view=None) -> dict[str, torch.Tensor]:
    p = SynthParams.from_dict({"label_schema": schema})
    seeds, size = [3, 11, 29], 64
    hemis, _, scenes, views = draw_scenes(seeds, "random", size, p, view)
    x, y, px_deg, _ = _plane(views, hemis, size, p, torch.device("cpu"))
    packed = pack_scenes(scenes, p, px_deg=px_deg, fade="uv")
    keys = frame_keys(torch.tensor(seeds, dtype=torch.int64))
    return scene_layers(packed, keys, x, y, p.max_colatitude, size, p, emission=emission)


@pytest.mark.parametrize("schema", ["default", "fine"])
@pytest.mark.parametrize("view", [None, "perspective"])
def test_masks_do_not_depend_on_emission(schema, view):
    full, bare = _layers(schema, True, view), _layers(schema, False, view)
    valid = torch.ones_like(full["vortex_mask"])
    assert torch.equal(class_mask(full, valid, schema), class_mask(bare, valid, schema))
    assert full["aurora_mask"].any()  # the oval is in view: the comparison is not vacuous
    for name in set(bare) - {"footprint_mask"}:
        assert torch.equal(full[name], bare[name]), name
    assert not set(EMISSION) & set(bare)  # left out, so a reader fails instead of reading zeros
    assert ("footprint_mask" in bare) == (schema == "fine")
