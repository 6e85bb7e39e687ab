"""Per-vortex rows of found and missed vortices (`jovis.real_eval.misses`)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from jovis.real_eval.misses import ellipse, false_vortex_rows, luminance_rank, summary, vortex_rows
from jovis.synth.frameset import default_schema

SCHEMA = default_schema()
V = SCHEMA.id_of("vortex")


def _frame():
    """A 64 px frame: a marked vortex at (20, 20), an unmarked bright ellipse at (44, 44), a
    vortex cut by the frame edge; probabilities and mask of the model."""
    truth = {"vortices": [
        {"x": 20, "y": 20, "radius_px": 6, "kind": "cyclone", "role": "circumpolar"},
        {"x": 44, "y": 44, "a": 8, "b": 4, "angle": 30, "radius_px": 5.7, "kind": "white_oval"},
        {"x": 0, "y": 60, "radius_px": 6, "kind": "vortex"},  # mostly off the frame: not scored
    ]}  # fmt: skip
    probs = np.zeros((SCHEMA.num_classes, 64, 64), np.float32)
    probs[0] = 1.0
    disk = np.zeros((64, 64), np.uint8)
    cv2.circle(disk, (20, 20), 6, 1, -1)
    probs[V][disk > 0], probs[0][disk > 0] = 0.9, 0.1
    pred = np.where(disk > 0, V, 0).astype(np.uint8)
    lum = np.full((64, 64), 100.0)
    oval = np.zeros((64, 64), np.uint8)
    cv2.ellipse(oval, (44, 44), (8, 4), 30, 0, 360, 1, -1)
    lum[oval > 0] = 150.0
    return pred, probs, truth, lum


def test_rows_say_which_vortex_was_found_and_what_the_model_saw():
    pred, probs, truth, lum = _frame()
    scored = np.ones((64, 64), bool)
    rows = vortex_rows("f", pred, probs, truth, scored, SCHEMA, zoom=0.5, lum=lum)
    assert [r["index"] for r in rows] == [0, 1]  # the cut one is not scored
    hit, miss = rows
    assert hit["found"] and hit["kind"] == "circumpolar"
    assert hit["p_centre"] == pytest.approx(0.9) and hit["marked"] == pytest.approx(1.0)
    assert hit["a_px"] == pytest.approx(3.0)
    assert not miss["found"] and miss["kind"] == "white_oval"
    assert miss["p_max"] == 0.0 and miss["marked"] == 0.0
    assert (miss["a_px"], miss["b_px"]) == (4.0, 2.0)
    assert miss["contrast"] > 0.3  # the bright oval against its ring, at half size
    assert miss["nearest_found_radii"] > 1.0


def test_summary_counts_by_kind_size_and_probability():
    pred, probs, truth, lum = _frame()
    rows = vortex_rows("f", pred, probs, truth, np.ones((64, 64), bool), SCHEMA, 1.0, lum)
    out = summary(rows)
    assert (out["vortices"], out["found"]) == (2, 1)
    assert out["by_kind"] == {"circumpolar": [1, 1], "white_oval": [0, 1]}
    assert out["by_size"]["6-8"] == [1, 1]  # the 6 px disk, found
    assert out["by_size"]["8-12"] == [0, 1]  # the 8 px major semi-axis, missed
    assert out["missed_by_p_max"] == {"0-0.1": 1, "0.1-0.5": 0, "0.5-1": 0}
    assert out["missed_in_a_found_blob"] == 0


def test_a_disk_becomes_a_round_ellipse():
    assert ellipse({"x": 1, "y": 2, "radius_px": 3}) == {
        "x": 1.0, "y": 2.0, "a": 3.0, "b": 3.0, "angle": 0.0
    }  # fmt: skip


def test_false_vortices_say_how_dark_their_place_is():
    pred, probs, truth, lum = _frame()
    lum[40:60, 2:14] = 20.0  # a dark patch, taken for a vortex below
    dark = np.zeros((64, 64), np.uint8)
    cv2.circle(dark, (8, 50), 5, 1, -1)
    pred[dark > 0], probs[V][dark > 0], probs[0][dark > 0] = V, 0.8, 0.2
    scored = np.ones((64, 64), bool)
    false = false_vortex_rows("f", pred, probs, truth, scored, SCHEMA, lum)
    assert len(false) == 1 and abs(false[0]["x"] - 8) < 1 and abs(false[0]["y"] - 50) < 1
    assert false[0]["lum_rank"] < 0.1  # darker than nearly every data pixel
    rows = vortex_rows("f", pred, probs, truth, scored, SCHEMA, 1.0, lum)
    assert rows[1]["lum_rank"] > 0.9  # the bright white oval (missed)
    out = summary(rows, false)
    assert out["false"] == 1 and out["false_lum_rank_pct"][1] < 0.1
    assert "false" not in summary(rows)
    # off the scored pixels a false vortex is not counted; a region without data has no rank
    assert false_vortex_rows("f", pred, probs, truth, ~scored, SCHEMA, lum) == []
    assert luminance_rank(np.zeros((8, 8)), np.ones((8, 8), bool)) is None
