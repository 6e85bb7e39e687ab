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


def test_only_the_classes_the_detector_sees_are_scored(tmp_path):
    """The far-UV detector on synthetic UV frames whose labels carry vortices (the scene has
    them; the far UV does not show them): evaluate read vortex IoU 0 and recall 0, and counted
    those pixels against background. They are ignored now, as in training's validation."""
    import numpy as np

    from jovis.io.masks import read_mask_png

    data = tmp_path / "uv"
    write_frame_set(data, n=2, size=128, channels=["uv"], instrument="uv", seed=10000000)
    assert any((read_mask_png(m) == 2).any() for m in (data / "masks").glob("*.png"))
    weights = find_release("uv").weights
    scores = evaluate(weights, data, device="cpu")
    assert scores["classes_scored"] == ["background", "aurora"]
    assert scores["vortex_iou"] is None and "vortex_recall" not in scores
    assert scores["aurora_iou"] is not None and scores["mean_fg_iou"] == scores["aurora_iou"]
    every = evaluate(weights, data, device="cpu", score_hidden=True)  # as before 2026-12-05
    assert every["vortex_iou"] == 0.0 and every["vortex_recall"] == 0.0
    assert "vortex" in every["classes_scored"] and np.isfinite(every["background_iou"])


def test_a_vortex_floor_scores_the_curves_point_and_infer_keeps_that_many(tmp_path):
    """`min_vortex_score` moves evaluate's scores to that point of its own curve, and infer's
    catalogue to the vortices the floor keeps (a rerun at another floor is not skipped)."""
    import csv

    from jovis.inference.runner import run_inference

    data = tmp_path / "set"
    write_frame_set(data, n=3, size=128, channels=["red", "green", "blue"],
                    instrument="junocam_rgb", seed=20000000, view="perspective",
                    params={"junocam_product_prob": 1.0})  # fmt: skip
    weights = find_release("visible_rgb").weights
    plain = evaluate(weights, data, device="cpu")
    strict = evaluate(weights, data, device="cpu", min_vortex_score=0.9)
    point = {p["min_score"]: p for p in plain["vortex_pr_curve"]}[0.9]
    assert strict["vortex_precision"] == point["precision"]
    assert strict["vortex_recall"] == point["recall"]
    assert strict["vortex_pr_curve"] == plain["vortex_pr_curve"]

    def catalogued(out, floor):
        result = run_inference(weights, data / "images", out, device="cpu", progress=False,
                               min_vortex_score=floor)  # fmt: skip
        with (out / "catalog.csv").open() as fh:
            rows = [r for r in csv.DictReader(fh) if r["feature"] == "vortex"]
        return result, [float(r["mean_prob"]) for r in rows]

    _, default = catalogued(tmp_path / "out", None)
    result, kept = catalogued(tmp_path / "out", 0.9)
    assert result["skipped"] == 0 and result["ok"] == 3  # another floor: done again
    assert min(default) >= 0.7 and all(p >= 0.9 for p in kept)
    assert len(kept) == sum(p >= 0.9 for p in default) < len(default)


def test_a_vortex_floor_outside_0_1_is_refused_by_name():
    import pytest

    from jovis.inference.settings import check_vortex_floor

    assert check_vortex_floor(None) is None and check_vortex_floor(1) == 1.0
    for bad in (1.5, -0.1, "high", True):
        with pytest.raises(ValueError, match=r"min_vortex_score=.*must be a number in \[0, 1\]"):
            check_vortex_floor(bad)


def test_every_frame_is_scored_alone_and_the_rows_add_up_to_the_whole(tmp_path):
    """A user scoring a detector on their own labelled frames saw one figure for the set:
    per_frame.csv says which frames it gets wrong, and the summary names the worst."""
    import csv

    data = tmp_path / "set"
    write_frame_set(data, n=4, size=128, channels=["red", "green", "blue"],
                    instrument="junocam_rgb", seed=20000000, view="perspective",
                    params={"junocam_product_prob": 1.0})  # fmt: skip
    scores = evaluate(find_release("visible_rgb").weights, data, tmp_path / "eval", device="cpu")
    rows = list(csv.DictReader((tmp_path / "eval" / "per_frame.csv").read_text().splitlines()))
    assert scores["per_frame"] == str(tmp_path / "eval" / "per_frame.csv") and len(rows) == 4
    assert set(rows[0]) >= {"frame_id", "vortex_iou", "vortex_true_px", "vortex_pred_px",
                            "mean_fg_iou", "vortex_tp", "vortex_fp", "vortex_fn"}  # fmt: skip
    for key in ("tp", "fp", "fn"):  # the frames' instances are the set's
        assert sum(int(r[f"vortex_{key}"]) for r in rows) == scores["vortex_instances"][key]
    assert sum(int(r["vortex_true_px"]) for r in rows) == sum(scores["confusion_matrix"][2])
    worst = scores["worst_frames"]
    assert worst[0]["mean_fg_iou"] == min(float(r["mean_fg_iou"]) for r in rows if r["mean_fg_iou"])
    assert [w["mean_fg_iou"] for w in worst] == sorted(w["mean_fg_iou"] for w in worst)


def test_an_out_that_is_a_file_is_refused_before_any_frame_is_predicted(tmp_path, monkeypatch):
    """A file where out= would be was found when metrics.json was written, after every frame
    had been predicted (minutes on a large set)."""
    import pytest

    import jovis.evaluation as evaluation

    (tmp_path / "taken").write_text("x")
    monkeypatch.setattr(evaluation.Predictor, "from_checkpoint", lambda *a, **k: 1 / 0)
    with pytest.raises(NotADirectoryError, match=r"out=.*taken is a file, not a folder"):
        evaluate(find_release("visible_rgb").weights, tmp_path, tmp_path / "taken" / "eval")


def test_a_batch_size_under_1_is_refused_by_the_function_too(tmp_path, monkeypatch):
    """Checked where the frames are batched, not only by the command line: evaluate() from
    Python or a benchmark with batch_size=0 ran."""
    import pytest

    import jovis.evaluation as evaluation

    monkeypatch.setattr(evaluation.Predictor, "from_checkpoint", lambda *a, **k: 1 / 0)
    with pytest.raises(ValueError, match=r"batch_size=0: must be an integer ≥ 1"):
        evaluate(find_release("visible_rgb").weights, tmp_path, batch_size=0)
