"""The collapse guard's stop rules, and the loop stopping on a falling agreement."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jovis.adapt.guard import Guard
from tests.adapt.conftest import adapt_cfg


def test_guard_stops_on_falling_agreement_synthetic_iou_and_area_share():
    guard = Guard(agreement_drop=0.05, synthetic_drop=0.03, area_ratio=3.0)
    base = {"agreement": 0.80, "area_share": 0.05, "synthetic_iou": 0.60}
    assert guard.check(0, base) == []
    assert guard.check(1, {**base, "agreement": 0.76, "synthetic_iou": 0.58}) == []
    assert "agreement" in guard.check(2, {**base, "agreement": 0.74})[0]
    assert "synthetic" in guard.check(3, {**base, "synthetic_iou": 0.56})[0]
    # marking the whole disk agrees perfectly between frames: the area share catches it
    assert "area share" in guard.check(4, {**base, "agreement": 1.0, "area_share": 0.9})[0]
    assert guard.check(5, {**base, "agreement": None}) == []  # unmeasurable: no verdict


def test_guard_keeps_the_passing_check_with_the_best_agreement():
    guard = Guard()
    base = {"agreement": 0.80, "area_share": 0.05, "synthetic_iou": 0.60}
    guard.check(0, base)
    assert guard.is_new_best()
    guard.check(1, {**base, "agreement": 0.83})
    assert guard.is_new_best()
    guard.check(2, {**base, "agreement": 0.81})
    assert not guard.is_new_best()
    guard.check(3, {**base, "agreement": 0.5})
    assert not guard.is_new_best()  # failed
    with pytest.raises(ValueError, match=r"guard\.keep"):
        Guard(keep="worst")


def test_adapt_stops_keeping_the_best_state_when_the_agreement_falls(tiny_ckpt, frames_dir,
                                                                       tmp_path):  # fmt: skip
    from jovis.adapt import adapt
    from jovis.checkpoint import read_checkpoint

    agreement = {0: 0.8, 1: 0.85, 2: 0.6, 3: 0.9}  # collapses at step 2

    def fake(step: int) -> dict:
        return {"agreement": agreement[step], "area_share": 0.1, "synthetic_iou": 0.5}

    cfg = adapt_cfg(tiny_ckpt, frames_dir, tmp_path, "steps=4")
    result = adapt(cfg, measure=fake)
    assert result["steps"] == 2 and result["kept_step"] == 1
    assert "agreement" in result["stopped"][0]
    run = Path(result["out"])
    history = json.loads((run / "guard.json").read_text())["history"]
    assert [h["step"] for h in history] == [0, 1, 2]
    state = read_checkpoint(run / "last.pt")
    kept = read_checkpoint(result["checkpoint"])["state_dict"]
    # the written model is the teacher of step 1, not of step 2
    assert state["step"] == 2
    differs = [k for k, v in kept.items() if v.is_floating_point()
               and not v.equal(state["teacher"][k])]  # fmt: skip
    assert differs
    assert all(v.equal(state["best"][k]) for k, v in kept.items())


@pytest.mark.parametrize(("visible", "expected"), [([0, 1], 0.25), ([0, 2], 0.0625)])
def test_heldout_area_share_is_that_of_the_classes_the_checkpoint_detects(monkeypatch, visible,
                                                                          expected):  # fmt: skip
    """A `uv` checkpoint is guarded on its aurora area, a JunoCam one on its vortices' (the
    aurora share of a vortex detector is always 0, which left it unguarded)."""
    from types import SimpleNamespace

    import numpy as np

    from jovis.adapt import guard as guard_mod
    from jovis.adapt.frames import RealFrame
    from jovis.frame import Frame
    from jovis.synth.frameset import default_schema

    probs = np.zeros((3, 32, 32), np.float32)
    probs[0] = 1.0
    probs[:, :16, :16] = [[[0.0]], [[1.0]], [[0.0]]]  # aurora: a quarter of the frame
    probs[:, 24:, 24:] = [[[0.0]], [[0.0]], [[1.0]]]  # vortex: a sixteenth
    frames = [Frame(image=np.zeros((32, 32, 1), np.float32), channels=["x"], meta={"id": f"f{i}"},
                    valid=np.ones((32, 32), bool)) for i in range(2)]  # fmt: skip
    schema = default_schema()

    def predicted(predictor, items, batch_size):  # every frame gets `probs`
        return ((frame, probs, 0.0, None) for _, frame in items)

    monkeypatch.setattr(guard_mod, "predict_batches", predicted)
    predictor = SimpleNamespace(info=SimpleNamespace(labels=schema, visible_classes=visible))
    heldout = [RealFrame(frame=f, scaled=None) for f in frames]
    scores = guard_mod.heldout_scores(predictor, heldout)
    assert scores["area_share"] == pytest.approx(expected)
    assert scores["agreement"] == pytest.approx(1.0)  # the aurora's, the same mask twice
