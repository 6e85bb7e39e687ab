"""Perspective frames: the scene as an orthographic disk seen from a spacecraft."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from hydra import compose, initialize_config_dir

from jovis.apps.synth import synth_from_config
from jovis.config import CONFIG_DIR
from jovis.synth import make_sample, render_batch
from jovis.synth.view import OrthoView


def test_view_frames_are_disks_with_labels_where_the_features_say():
    batch = render_batch([1, 2, 3], 128, ["L", "M"], view="random", params={"jiram_gap_prob": 0})
    assert batch.grids == [None, None, None] and all(v is not None for v in batch.views)
    assert torch.equal(batch.mask == 255, ~batch.valid)
    assert not batch.valid[:, 0, 0].any()  # corners are off the disk
    checked = 0
    for i in range(3):
        feats = batch.features(i)
        assert feats["grid"] is None and feats["view"]["kind"] == "orthographic"
        mask = batch.mask[i].numpy()
        for v in feats["vortices"]:
            x, y = round(v["x"]), round(v["y"])
            if v["radius_px"] >= 2 and 0 <= x < 128 and 0 <= y < 128 and mask[y, x] != 255:
                assert mask[y, x] == 2
                checked += 1
        pts = [(round(x), round(y)) for x, y in feats["oval"]["polyline_px"]]
        hits = [mask[y, x] for x, y in pts if 0 <= x < 128 and 0 <= y < 128]
        hits = [h for h in hits if h != 255]
        assert np.mean(np.array(hits) == 1) > 0.7
    assert checked >= 15


def test_view_frame_is_the_same_in_any_batch_and_a_fixed_view_is_kept():
    both = render_batch([4, 5], 64, ["uv"], view="random")
    one = render_batch([5], 64, ["uv"], view="random")
    assert torch.equal(both.image[1], one.image[0]) and torch.equal(both.mask[1], one.mask[0])
    fixed = {"sub_lat": 80.0, "sub_lon": 100.0, "north_angle_deg": 0.0, "km_per_px": 1000.0}
    batch = render_batch([4], 64, ["uv"], hemisphere="north", view=fixed)
    assert batch.views[0] == OrthoView(**fixed)
    # the north pole lies 10° from the sub-point, straight up (north angle 0) from the centre
    x, y = batch.views[0].pixel(90.0, 0.0, 64, 66854.0)
    assert x == pytest.approx(31.5) and y < 31.5
    with pytest.raises(ValueError, match="view"):
        render_batch([4], 64, ["uv"], view="sideways")


def test_make_sample_and_the_script_write_view_frames(tmp_path):
    frame, labels = make_sample(7, 64, ["L"], "jiram_l", view="random")
    assert frame.grid is None and frame.meta["view"]["kind"] == "orthographic"
    assert json.loads(json.dumps(labels.features)) == labels.features
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose(config_name="synth", overrides=[f"out={tmp_path}", "n=2", "size=64",
                                                      "view=random"])  # fmt: skip
    synth_from_config(cfg)
    rows = [json.loads(r) for r in (tmp_path / "manifest.jsonl").read_text().splitlines()]
    assert [r["grid"] for r in rows] == [None, None]
    feats = json.loads((tmp_path / rows[0]["features"]).read_text())
    assert feats["view"]["kind"] == "orthographic"
