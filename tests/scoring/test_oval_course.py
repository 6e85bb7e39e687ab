"""The oval's course through the gaps of a detection: fitted on the detected arcs, drawn where
weak evidence lies along it, never over a detection, a vortex or no data."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
import yaml

from jovis.config import CONFIG_DIR
from jovis.frame import LabelSchema
from jovis.geometry import PolarGrid
from jovis.scoring.oval_course import (
    CourseSettings,
    added_px,
    complete_oval,
    fit_course,
    frame_mask,
    grow_arcs,
)

SIZE, CX, CY = 128, 60.0, 66.0
ON = CourseSettings(mode="on", min_prob=0.0, outlier=2.0)


def ring(gap_from=None, gap_to=None, radius=40.0, a2=0.05, width=3):
    """A class mask (0 background, 1 aurora) of a closed oval with a 2nd harmonic, without the
    arc between the angles `gap_from` and `gap_to` (degrees)."""
    theta = np.linspace(-math.pi, math.pi, 721)
    r = radius * (1 + a2 * np.cos(2 * theta + 0.4))
    pts = np.stack([CX + r * np.cos(theta), CY + r * np.sin(theta)], 1)
    full = np.zeros((SIZE, SIZE), np.uint8)
    cv2.polylines(full, [np.rint(pts).astype(np.int32)], True, 1, width)
    if gap_from is None:
        return full, full
    ys, xs = np.mgrid[:SIZE, :SIZE]
    ang = np.degrees(np.arctan2(ys - CY, xs - CX))
    cut = full.copy()
    cut[(ang >= gap_from) & (ang <= gap_to)] = 0
    return full, cut


def test_a_gap_is_drawn_along_the_oval():
    truth, detected = ring(0, 80)
    valid = np.ones_like(truth, bool)
    out, record = complete_oval(detected, valid, 1, ON)
    gap = (truth == 1) & (detected == 0)
    drawn = (out == 1) & (detected == 0)
    assert record["filled_px"] == drawn.sum() > 0
    assert (drawn & gap).sum() / gap.sum() > 0.7  # the gap is found
    far = cv2.distanceTransform((truth == 0).astype(np.uint8), cv2.DIST_L2, 5) > 3
    assert (drawn & far).sum() == 0  # and nothing is drawn off the oval
    assert np.array_equal(out[detected == 1], detected[detected == 1])  # detections stay
    assert abs(record["radius_px"] - 40) < 2 and 0.7 < record["coverage"] < 0.85


def test_weak_evidence_gates_the_drawing():
    truth, detected = ring(0, 80)
    valid = np.ones_like(truth, bool)
    prob = np.zeros(truth.shape, np.float32)
    settings = CourseSettings(mode="on", min_prob=0.02)
    out, record = complete_oval(detected, valid, 1, settings, aurora_prob=prob)
    assert record["filled_px"] == 0 and np.array_equal(out, detected)  # no evidence: no ribbon
    prob[:, : int(CX)] = 0.05  # evidence in the left half only (the gap is on the right)
    prob[int(CY) :, int(CX) :] = 0.05  # and in the lower right, where the gap lies
    out, record = complete_oval(detected, valid, 1, settings, aurora_prob=prob)
    drawn = (out == 1) & (detected == 0)
    assert drawn.sum() == record["filled_px"] > 0 and (prob[drawn] >= 0.02).all()


def test_no_data_vortices_and_short_arcs_are_left_alone():
    truth, detected = ring(0, 80)
    valid = np.ones_like(truth, bool)
    valid[:, 90:] = False  # the right of the gap has no data
    mask = np.where(valid, detected, 255).astype(np.uint8)
    mask[70:80, 80:90][mask[70:80, 80:90] == 0] = 2  # a vortex inside the gap's course
    out, _ = complete_oval(mask, valid, 1, ON)
    assert (out[~valid] == 255).all() and np.array_equal(out == 2, mask == 2)
    _, arc = ring(-180, 150)  # only 30 degrees of arc detected
    out, record = complete_oval(arc, np.ones_like(arc, bool), 1, ON)
    assert record["filled_px"] == 0 and np.array_equal(out, arc) and "reason" in record


def test_a_streak_in_a_gap_does_not_pull_the_course():
    """A streak inside the oval, alone in the gap's bins, stands off the first (circle) fit and
    is dropped: the course and the gap's ribbon stay on the oval."""
    truth, detected = ring(0, 60, width=3)
    streak = detected.copy()
    cv2.line(streak, (int(CX) + 12, int(CY) + 4), (int(CX) + 14, int(CY) + 16), 1, 3)
    ys, xs = np.nonzero(streak == 1)
    fit = fit_course(xs.astype(float), ys.astype(float), ON)
    assert fit is not None and abs(fit["coef"][0] - 40) < 1.5
    centre = fit["centre"] + fit["coef"][1:3]  # the k = 1 terms move the centre
    assert math.hypot(centre[0] - CX, centre[1] - CY) < 1.5
    out, _ = complete_oval(streak, np.ones_like(streak, bool), 1, ON)
    gap = (truth == 1) & (detected == 0)
    assert ((out == 1) & gap).sum() / gap.sum() > 0.7


def test_frame_mask_needs_a_grid_an_aurora_class_and_on():
    truth, detected = ring(0, 80)
    probs = np.stack([1.0 - detected, detected, 0 * detected]).astype(np.float32)
    probs[1][(truth == 1) & (detected == 0)] = 0.1  # weak evidence in the gap
    valid = np.ones_like(truth, bool)
    schema = LabelSchema.from_dict(
        yaml.safe_load((CONFIG_DIR / "labels" / "default.yaml").read_text())
    )
    grid = PolarGrid(hemisphere="north", pole_x=CX, pole_y=CY, px_per_deg=2.0)
    on = CourseSettings(mode="on")
    mask, record = frame_mask(probs, valid, grid, schema, on)
    assert record["filled_px"] > 0 and (mask == 1).sum() > (detected == 1).sum()
    for args in ((None, schema, on), (grid, schema, CourseSettings(mode="off")),
                 (grid, schema, None)):  # fmt: skip
        mask, record = frame_mask(probs, valid, *args)
        assert record is None and np.array_equal(mask, detected)


def test_arcs_grow_into_touching_weak_evidence_only():
    """Hysteresis: weak evidence joined to a detected arc becomes aurora; weak evidence standing
    alone, vortices and no-data pixels do not; 0 grows nothing."""
    truth, detected = ring(0, 80)
    prob = detected.astype(np.float32) * 0.9
    prob[(truth == 1) & (detected == 0)] = 0.2  # the gap: weak, touching the arc's ends
    prob[5:10, 5:10] = 0.3  # weak and alone, off the oval
    mask = detected.copy()
    mask[truth.nonzero()[0][0], truth.nonzero()[1][0]] = 2  # a vortex on the oval stays one
    valid = np.ones_like(truth, bool)
    valid[:10, :] = False  # ... and no data stays no data
    out, grown = grow_arcs(mask, valid, 1, prob, 0.1)
    added = (out == 1) & (mask != 1)
    assert grown == added.sum() > 0
    gap = (truth == 1) & (detected == 0) & valid
    assert (added & gap).sum() == gap.sum() - int((mask[gap] == 2).sum())
    assert not added[:10].any() and (out[mask == 2] == 2).all()
    assert np.array_equal(grow_arcs(mask, valid, 1, prob, 0.25)[0], mask)  # 0.2 < 0.25
    assert grow_arcs(mask, valid, 1, prob, 0.0) == (mask, 0)


def test_frame_mask_grows_before_it_draws_and_counts_both():
    truth, detected = ring(0, 80)
    probs = np.stack([1.0 - detected, detected, 0 * detected]).astype(np.float32)
    probs[1][(truth == 1) & (detected == 0)] = 0.2
    probs[0][(truth == 1) & (detected == 0)] = 0.8
    valid = np.ones_like(truth, bool)
    schema = LabelSchema.from_dict(
        yaml.safe_load((CONFIG_DIR / "labels" / "default.yaml").read_text())
    )
    grid = PolarGrid(hemisphere="north", pole_x=CX, pole_y=CY, px_per_deg=2.0)
    grown_only = CourseSettings(mode="on", grow_prob=0.1, max_gap_deg=0.0)
    mask, record = frame_mask(probs, valid, grid, schema, grown_only)
    gap = (truth == 1) & (detected == 0)
    assert record["grown_px"] == gap.sum() and record["filled_px"] == 0
    assert added_px(record) == ((mask == 1) & (detected == 0)).sum() and (mask[gap] == 1).all()
    mask, record = frame_mask(probs, valid, grid, schema, CourseSettings(mode="on"))
    assert record["grown_px"] == 0 and record["filled_px"] > 0
    evidence = CourseSettings(mode="on", evidence_sigma=3.0)
    image = 10.0 * detected.astype(np.float32)
    mask, record = frame_mask(probs, valid, grid, schema, evidence, image)
    assert "evidence_bins" in record  # the frame's plane reaches the course


def test_the_frames_own_evidence_draws_a_faint_gap_and_noise_alone_draws_nothing():
    """evidence_sigma: a faint arc in the gap (1 noise sd per pixel, probability 0) stands out
    when integrated along the course; the same frame without it draws (almost) nothing."""
    truth, detected = ring(0, 80, width=3)
    valid = np.ones_like(truth, bool)
    prob = np.zeros(truth.shape, np.float32)  # the network saw nothing in the gap
    rng = np.random.default_rng(0)
    noise = rng.normal(0.0, 1.0, truth.shape).astype(np.float32)
    gap = (truth == 1) & (detected == 0)
    on = CourseSettings(mode="on", min_prob=0.02, evidence_sigma=3.0)
    out, record = complete_oval(detected, valid, 1, on, aurora_prob=prob,
                                image=noise + 10.0 * detected + 1.0 * gap)  # fmt: skip
    drawn = (out == 1) & (detected == 0)
    assert record["evidence_bins"] > 0 and record["evidence_px"] == drawn.sum()
    assert (drawn & gap).sum() / gap.sum() > 0.6
    out, record = complete_oval(detected, valid, 1, on, aurora_prob=prob,
                                image=noise + 10.0 * detected)  # fmt: skip
    assert record["evidence_bins"] <= 1 and ((out == 1) & gap).sum() / gap.sum() < 0.1
    off = CourseSettings(mode="on", min_prob=0.02)  # evidence off: the gate alone, nothing drawn
    out, record = complete_oval(detected, valid, 1, off, aurora_prob=prob,
                                image=noise + 10.0 * detected + 1.0 * gap)  # fmt: skip
    assert np.array_equal(out, detected) and "evidence_bins" not in record


def test_settings_resolve_and_refuse_bad_values():
    auto = CourseSettings.from_value("auto")
    assert auto.resolved(["uv"], ["background", "aurora"]).mode == "on"
    assert auto.resolved(["L", "M"], ["background", "aurora", "vortex"]).mode == "off"
    assert auto.resolved(["uv"], ["background", "vortex"]).mode == "off"
    assert CourseSettings.from_value({"mode": "on", "min_prob": 0.1}).min_prob == 0.1
    assert CourseSettings.from_value(False).mode == "off"
    assert CourseSettings("off").key() == "" and CourseSettings("on").key().startswith("-oc")
    assert CourseSettings("on").key() != CourseSettings("on", min_prob=0.1).key()
    with pytest.raises(ValueError, match="auto, on, off"):
        CourseSettings.from_value("sometimes")
    with pytest.raises(ValueError, match="unknown keys"):
        CourseSettings.from_value({"mode": "on", "harmonic": 2})
    with pytest.raises(ValueError, match="bins"):
        CourseSettings(bins=8, harmonics=3)
    with pytest.raises(ValueError, match="grow_prob"):
        CourseSettings(grow_prob=0.5)
    with pytest.raises(ValueError, match="evidence_sigma"):
        CourseSettings(evidence_sigma=-1.0)
    # every number is checked up front: a string was a TypeError, NaN failed every frame
    for key, value, words in (("bins", "abc", "must be an integer ≥ 8"),
                              ("min_prob", math.nan, "must be a number ≥ 0"),
                              ("min_prob", 1.5, "must be at most 1"),
                              ("ribbon", 0.0, "must be a number > 0"),
                              ("prior_shape", -0.1, "must be a number > 0"),
                              ("min_bin_pixels", 0, "must be an integer ≥ 1")):  # fmt: skip
        with pytest.raises(ValueError, match=f"oval_course.{key}=.*{words}"):
            CourseSettings.from_value({"mode": "on", key: value})
    # growth off keeps the run key of the settings made before it (41642d4); on, it changes it
    assert CourseSettings("on").key() == "-oc4728e13c"
    assert CourseSettings("on", grow_prob=0.1).key() != CourseSettings("on").key()
    assert CourseSettings("on", evidence_sigma=3.0).key() != CourseSettings("on").key()


def test_no_aurora_is_marked_beyond_the_most_equatorward_auroral_emission():
    # an oval at 20° from the pole and a limb glow ring at 50° (a product reaching 20°N): the
    # ring becomes the next most probable class, the oval stays; a frame without a grid keeps both
    from jovis.scoring.oval_course import AURORA_MAX_COLATITUDE, beyond_aurora

    grid = PolarGrid(hemisphere="south", pole_x=CX, pole_y=CY, px_per_deg=1.0)
    oval, _ = ring(radius=20.0)
    glow, _ = ring(radius=50.0, a2=0.0)
    probs = np.zeros((3, SIZE, SIZE), np.float32)
    probs[0] = 0.7
    probs[1][(oval == 1) | (glow == 1)] = 0.8
    probs[2][glow == 1] = 0.1  # next after aurora: vortex on the ring, background elsewhere
    probs[0][glow == 1] = 0.05
    schema = LabelSchema.from_dict(
        yaml.safe_load((CONFIG_DIR / "labels" / "default.yaml").read_text())
    )
    valid = np.ones((SIZE, SIZE), bool)
    mask, _ = frame_mask(probs, valid, grid, schema, CourseSettings(mode="off"))
    assert np.array_equal(mask == 1, oval == 1)
    assert (mask[glow == 1] == 2).all()
    beyond = beyond_aurora(grid, (SIZE, SIZE))
    ys, xs = np.mgrid[:SIZE, :SIZE]
    assert np.array_equal(beyond, np.hypot(xs - CX, ys - CY) > AURORA_MAX_COLATITUDE)
    mask, _ = frame_mask(probs, valid, None, schema, None)
    assert (mask[glow == 1] == 1).all()
