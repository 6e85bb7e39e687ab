"""Synthetic sequences with known motion (`jovis synth sequence=...`)."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from hydra import compose, initialize_config_dir

from jovis.apps.synth import synth_from_config
from jovis.config import CONFIG_DIR
from jovis.synth.params import SynthParams
from jovis.synth.sequence import SequenceSpec, evolve
from jovis.synth.sequence_set import write_sequence


def _spec(**kw):
    base = {"frames": 4, "days": 100.0, "oscillation_km": 0.0, "born_role": "polar_vortex",
            "born_at": 0.5}  # fmt: skip
    return SequenceSpec.from_dict({**base, **kw})


def test_polygon_drifts_west_at_the_given_rate():
    story = evolve(3, "north", SynthParams(), _spec(drift_deg_per_yr=36.525))
    ring = [[v for v in s["vortices"] if v["role"] == "circumpolar"] for s in story["scenes"]]
    from jovis.synth.scene import plane_to_latlon

    lon = np.array([[plane_to_latlon(v["x"], v["y"], "north")[1] for v in r] for r in ring])
    step = (np.diff(lon, axis=0) + 180.0) % 360.0 - 180.0
    np.testing.assert_allclose(step, 10.0, atol=1e-6)  # +10° SIII west per 100 d: westward
    assert story["truth"]["drift_deg_per_day"] == pytest.approx(0.1)


def test_born_vortex_appears_mid_way_with_one_id():
    story = evolve(3, "north", SynthParams(), _spec())
    ids = [{v["track_id"] for v in s["vortices"]} for s in story["scenes"]]
    (born,) = ids[-1] - ids[0]
    assert [born in i for i in ids] == [False, False, True, True]
    assert story["truth"]["lifetimes"][str(born)] == [2, 3]


def test_oscillation_moves_each_cyclone_a_few_hundred_km():
    story = evolve(3, "north", SynthParams(), _spec(drift_deg_per_yr=0.0, oscillation_km=300.0))
    a, b = story["scenes"][0]["vortices"][1], story["scenes"][1]["vortices"][1]
    km = np.hypot(a["x"] - b["x"], a["y"] - b["y"]) * 1166.8
    assert 1.0 < km <= 2 * 300.0 * np.sqrt(2) + 1


def test_bad_sequence_keys_name_the_fix():
    with pytest.raises(ValueError, match="unknown keys"):
        SequenceSpec.from_dict({"frames": 3, "speed": 1})
    with pytest.raises(ValueError, match=r"sequence\.frames"):
        SequenceSpec.from_dict({"frames": 0})
    # each number named with its key: strings were "could not convert string to float" or a
    # traceback, and a NaN step or a negative share ran
    for key, value, words in (("oscillation_km", "abc", "must be a number ≥ 0"),
                              ("observer_lon_step_deg", "abc", "must be a number"),
                              ("days", float("nan"), "must be a number > 0"),
                              ("oval_radius_var", -1.0, "must be a number ≥ 0"),
                              ("oval_brightness_var", 1.5, "must be at most 1"),
                              ("oscillation_days", [5.0], "shortest, longest"),
                              ("oscillation_days", [150.0, 60.0], "shortest <=")):  # fmt: skip
        with pytest.raises(ValueError, match=rf"sequence\.{key}=.*{words}"):
            _spec(**{key: value})
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        cfg = compose(config_name="synth", overrides=["out=unused", "sequence.frames=abc"])
    with pytest.raises(ValueError, match=r"sequence\.frames='abc': must be an integer ≥ 0"):
        synth_from_config(cfg)  # was int()'s "invalid literal", naming no key


def test_write_sequence_has_times_ids_and_truth(tmp_path):
    out = write_sequence(tmp_path / "s", 64, ["M"], "jiram_m", "north", 5, "test", None, None,
                         {"frames": 3, "days": 53.0})  # fmt: skip
    assert out["n"] == 3
    rows = [json.loads(x) for x in (tmp_path / "s" / "manifest.jsonl").read_text().splitlines()]
    assert [r["time"][:10] for r in rows] == ["2016-08-27", "2016-10-19", "2016-12-11"]
    feats = json.loads((tmp_path / "s" / rows[2]["features"]).read_text())
    assert all("track_id" in v for v in feats["vortices"]) and feats["time"] == rows[2]["time"]
    truth = list(csv.DictReader((tmp_path / "s" / "truth_tracks.csv").read_text().splitlines()))
    assert {r["frame_id"] for r in truth} == {r["id"] for r in rows}
    img = np.load(tmp_path / "s" / rows[0]["image"])
    other = np.load(tmp_path / "s" / rows[1]["image"])
    assert img.shape == (64, 64, 1) and not np.array_equal(img, other)
