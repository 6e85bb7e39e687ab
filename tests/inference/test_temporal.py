"""Temporal evidence, the pure parts: settings, who is whose neighbour, stacks and mean probs."""

from __future__ import annotations

import numpy as np
import pytest

from jovis.frame import Frame
from jovis.inference.temporal import (
    TemporalSettings,
    find_neighbours,
    mean_probs,
    stacked_frame,
)
from jovis.synth.scene import make_grid

NORTH, SOUTH = make_grid(32, "north", 30.0), make_grid(32, "south", 30.0)


def frame(t: str | None, grid=NORTH, image=None, valid=None, exposure=None, name="f") -> Frame:
    meta = {"id": name}
    if t is not None:
        meta["time"] = t
    if exposure is not None:
        meta["exposure_s"] = exposure
    image = np.zeros((32, 32, 1), np.float32) if image is None else image
    return Frame(image, ["uv"], "uv", meta=meta, grid=grid, valid=valid)


@pytest.mark.parametrize(
    "value, message",
    [({"mode": "median"}, "temporal.mode='median'"), ({"window_min": 0}, "window_min=0"),
     ({"window_min": True}, "window_min=True"), ({"mode": "stack", "span": 3}, "unknown keys")],
)  # fmt: skip
def test_bad_settings_name_the_key(value, message):
    with pytest.raises(ValueError, match=message):
        TemporalSettings.from_value(value)


def test_auto_stacks_for_a_far_uv_aurora_detector_and_is_off_otherwise():
    auto = TemporalSettings.from_value({"window_min": 7})
    assert auto.mode == "auto" and not auto.on
    uv = auto.resolved(["uv"], ["background", "aurora"])
    assert (uv.mode, uv.window_min, uv.on) == ("stack", 7, True)
    assert uv.key() == "-tmpstack7"
    assert auto.resolved(["L"], ["background", "aurora"]).mode == "off"  # JIRAM L: not measured
    assert auto.resolved(["uv"], ["background"]).mode == "off"
    assert auto.resolved(["red", "green", "blue"], ["vortex"]).key() == ""  # off: old run keys
    assert TemporalSettings.from_value("mean_prob").resolved(["L"], []).mode == "mean_prob"
    # a bare `off` in a YAML file reads as false
    assert TemporalSettings.from_value({"mode": False}).mode == "off"
    assert TemporalSettings.from_value(False).mode == "off"


def test_neighbours_share_target_grid_and_window():
    frames = [
        frame("2016-05-21T02:17:42", name="a"),
        frame("2016-05-21T02:19:22", name="b"),  # 100 s after a
        frame("2016-05-21T02:39:22", name="c"),  # 20 min after b
        frame("2016-05-21T02:18:00", grid=SOUTH, name="south"),  # other hemisphere
        frame(None, name="timeless"),
        frame("2016-05-21T02:18:10", grid=None, name="gridless"),
        Frame(
            np.zeros((40, 32, 1)), ["uv"], "uv", meta={"time": "2016-05-21T02:18:20"}, grid=NORTH
        ),
    ]  # the last: the same grid but another size, so not co-registered
    links = find_neighbours(frames, 5.0)
    assert links[0] == {"neighbours": [1], "dt_s": [100.0], "alone": None}
    assert links[1]["neighbours"] == [0] and links[1]["dt_s"] == [-100.0]
    assert links[2]["neighbours"] == [] and "within 5 min" in links[2]["alone"]
    assert links[3]["neighbours"] == [] and links[6]["neighbours"] == []
    assert links[4]["alone"] == "no observation time"
    assert links[5]["alone"] == "no polar grid"
    wide = find_neighbours(frames, 25.0)
    assert wide[1]["neighbours"] == [0, 2] and wide[2]["neighbours"] == [0, 1]


def test_a_stack_weights_by_exposure_where_each_frame_has_data():
    own_valid = np.ones((32, 32), bool)
    own_valid[0, 0] = False
    own = frame("2016-05-21T02:17:42", image=np.full((32, 32, 1), 1.0), valid=own_valid,
                exposure=100.0)  # fmt: skip
    hole = np.ones((32, 32), bool)
    hole[5, 5] = False
    other = frame("2016-05-21T02:19:22", image=np.full((32, 32, 1), 5.0), valid=hole,
                  exposure=300.0)  # fmt: skip
    stacked = stacked_frame(own, [other])
    assert stacked.image[10, 10, 0] == pytest.approx((100 * 1 + 300 * 5) / 400)
    assert stacked.image[5, 5, 0] == pytest.approx(1.0)  # the neighbour has no data there
    assert np.array_equal(stacked.valid, own_valid)  # outputs stay on the frame's own data
    assert stacked.meta["stacked"] == 2 and stacked.grid == own.grid
    assert own.image[10, 10, 0] == 1.0  # the frame itself is not changed


def test_a_stack_of_n_exposures_divides_the_noise_by_sqrt_n():
    rng = np.random.default_rng(0)
    frames = [frame("2016-05-21T02:17:42", image=rng.normal(10, 2, (32, 32, 1))) for _ in range(4)]
    stacked = stacked_frame(frames[0], frames[1:])
    assert stacked.image.std() == pytest.approx(2 / np.sqrt(4), rel=0.1)


def test_mean_probs_count_each_frame_where_it_has_data():
    valid = np.ones((32, 32), bool)
    valid[:, :16] = False  # the neighbour saw only the right half
    a = frame("2016-05-21T02:17:42")
    b = frame("2016-05-21T02:19:22", valid=valid)
    pa = np.zeros((3, 32, 32), np.float32)
    pa[1] = 1.0
    pb = np.zeros((3, 32, 32), np.float32)
    pb[0] = 1.0
    out = mean_probs([a, b], [pa, pb])
    assert np.allclose(out[:, :, :16], pa[:, :, :16])
    assert np.allclose(out[:, :, 16:], 0.5 * (pa + pb)[:, :, 16:])
    assert np.allclose(out.sum(0), 1.0)
