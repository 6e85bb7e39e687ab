"""`jovis.evaluation.evaluate`: the vortex scores carry their intervals over the frames."""

from __future__ import annotations

from jovis.evaluation import evaluate
from jovis.released import find_release
from jovis.synth import write_frame_set


def test_vortex_scores_come_with_intervals_over_the_frames(tmp_path):
    data = tmp_path / "set"
    write_frame_set(data, n=4, size=128, channels=["red", "green", "blue"],
                    instrument="junocam_rgb", seed=20000000, view="perspective",
                    params={"junocam_product_prob": 1.0})  # fmt: skip
    scores = evaluate(find_release("visible_rgb").weights, data, device="cpu")
    assert scores["vortex_instances"]["tp"] + scores["vortex_instances"]["fn"] > 0
    lo, hi = scores["vortex_f1_interval"]
    assert lo <= scores["vortex_f1"] <= hi
    lo, hi = scores["vortex_recall_interval"]
    assert lo <= scores["vortex_recall"] <= hi
