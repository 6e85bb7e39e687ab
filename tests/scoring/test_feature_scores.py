"""Instance scoring of `jovis.scoring.FeatureScores` on exact synthetic truth."""

from __future__ import annotations

import numpy as np

from jovis.scoring import MIN_VISIBLE_FRACTION, FeatureScores, visible_fractions
from jovis.synth import make_sample
from jovis.synth.frameset import default_schema


def test_the_truth_mask_scores_perfectly_when_vortices_are_cut_by_the_frame():
    # a 10° frame cuts circumpolar cyclones at its edge: their visible pieces cannot be matched
    # within half a radius, so they are not scored instead of counting as misses and false alarms
    schema = default_schema()
    scores, cut, aurora = FeatureScores(schema), 0, 0
    for seed in range(4):
        frame, labels = make_sample(seed, 96, ["M"], "jiram_m", "south", {"max_colatitude": 10})
        truth = np.where(frame.valid, labels.mask, schema.ignore_index).astype(np.uint8)
        vortices = labels.features["vortices"]
        cut += int((visible_fractions(vortices, truth != 255) < MIN_VISIBLE_FRACTION).sum())
        aurora += int((truth == schema.id_of("aurora")).sum())
        scores.add(truth, None, truth, labels.features, frame.grid)
    summary = scores.summary()
    assert aurora > 0 and cut > 0 and summary["vortex_instances"]["ignored"] == cut
    # near-perfect: what is left is the mask → instance step (e.g. a 1–2 px vortex < 6 px area)
    assert summary["vortex_f1"] >= 0.95 and summary["vortex_instances"]["tp"] > 10
    # the truth's oval (seeds 0 and 3 have aurora) lies exactly on itself: 0°, and in degrees
    assert summary["oval_boundary_units"] == "deg"
    assert summary["oval_boundary_mean"] == 0.0 and summary["oval_boundary_p95"] == 0.0


def test_missing_every_vortex_is_scored_as_misses():
    schema = default_schema()
    frame, labels = make_sample(1, 96, ["M"], "jiram_m", "north", {"max_colatitude": 12})
    truth = np.where(frame.valid, labels.mask, schema.ignore_index).astype(np.uint8)
    scores = FeatureScores(schema)
    scores.add(np.where(truth == 2, 0, truth).astype(np.uint8), None, truth, labels.features, None)
    summary = scores.summary()
    assert summary["vortex_recall"] == 0.0 and summary["vortex_instances"]["fn"] > 5


def test_each_frame_returns_its_own_counts_and_the_labelled_rows_keep_them():
    from jovis.real_eval.labelled import LabelledScores

    schema = default_schema()
    scores, rows = FeatureScores(schema), LabelledScores(schema)
    per_frame = []
    for seed in (1, 2):
        frame, labels = make_sample(seed, 96, ["M"], "jiram_m", "north", {"max_colatitude": 12})
        truth = np.where(frame.valid, labels.mask, schema.ignore_index).astype(np.uint8)
        pred = truth if seed == 1 else np.where(truth == 2, 0, truth).astype(np.uint8)
        per_frame.append(scores.add(pred, None, truth, labels.features, None))
        rows.add(f"f{seed}", pred, None, truth, labels.features, None)
    assert per_frame[0]["tp"] > 5 and per_frame[1]["tp"] == 0 and per_frame[1]["fn"] > 5
    total = scores.summary()["vortex_instances"]
    assert total["tp"] == sum(c["tp"] for c in per_frame)
    out = rows.summary()
    assert [r["vortex_fn"] for r in out["per_frame"]] == [c["fn"] for c in per_frame]
    assert out["vortex_found"] == total["tp"]
    lo, hi = out["vortex_f1_interval"]
    assert lo <= out["vortex_f1"] <= hi and len(out["vortex_recall_interval"]) == 2
    assert scores.add(truth, None, truth, {}, None) is None  # no vortex truth: no counts


def _scored_probs(truth: np.ndarray, schema, rng: np.random.Generator) -> np.ndarray:
    """Probabilities whose argmax is `truth` and whose vortex blobs take scores 0.5-1: each
    vortex component its own level, so the floors keep different shares of them."""
    import cv2

    k = schema.num_classes
    probs = np.full((k, *truth.shape), 0.0, np.float32)
    n, labels = cv2.connectedComponents((truth == 2).astype(np.uint8))
    level = rng.uniform(0.5, 1.0, n)
    for c in range(k):
        probs[c][truth == c] = 1.0
    probs[2] = np.where(truth == 2, level[labels], 0.0)
    probs[0] = np.where(truth == 2, 1.0 - probs[2], probs[0])
    return probs


def test_the_score_curve_keeps_the_scores_and_its_floor_0_7_is_them():
    from jovis.scoring.features import CURVE_FLOORS

    schema, rng = default_schema(), np.random.default_rng(0)
    plain, curved = FeatureScores(schema), FeatureScores(schema, score_curve=True)
    for seed in (1, 2, 3):
        frame, labels = make_sample(seed, 96, ["M"], "jiram_m", "north", {"max_colatitude": 12})
        truth = np.where(frame.valid, labels.mask, schema.ignore_index).astype(np.uint8)
        probs = _scored_probs(truth, schema, rng)
        for scores in (plain, curved):
            scores.add(truth, probs, truth, labels.features, None)
    a, b = plain.summary(), curved.summary()
    assert "vortex_ap" not in a and {k: b[k] for k in a} == a  # the usual scores unchanged
    curve = {p["min_score"]: p for p in b["vortex_pr_curve"]}
    assert list(curve) == list(CURVE_FLOORS)
    assert curve[0.7]["found"] == a["vortex_instances"]["tp"]
    predicted = [p["predicted"] for p in b["vortex_pr_curve"]]
    assert predicted == sorted(predicted, reverse=True) and predicted[0] > predicted[-1]
    assert all(p["precision"] == 1.0 for p in curve.values() if p["predicted"])  # the truth
    # every kept instance is right: AP is the recall of the lowest floor
    assert b["vortex_ap"] == curve[0.4]["recall"] > curve[0.95]["recall"]


def test_average_precision_takes_the_best_precision_at_any_higher_recall():
    from jovis.scoring.features import average_precision

    points = [{"recall": 0.2, "precision": 0.5}, {"recall": 0.4, "precision": 0.8},
              {"recall": 0.6, "precision": 0.3}, {"recall": None, "precision": None}]  # fmt: skip
    # 0.2 × 0.8 (raised to the 0.8 beyond it) + 0.2 × 0.8 + 0.2 × 0.3
    assert np.isclose(average_precision(points), 0.2 * 0.8 + 0.2 * 0.8 + 0.2 * 0.3)
    assert np.isclose(average_precision([{"recall": 1.0, "precision": 1.0}]), 1.0)
    assert np.isnan(average_precision([{"recall": None, "precision": None}]))


def test_an_aurora_whose_edges_have_no_side_gives_no_distances_not_an_error():
    """Seed 3's aurora at 12° (a few pixels whose edges' normals all run across the direction
    to their own centroid, taken as the pole without a grid): no edge pixel is poleward or
    equatorward. It raised "need at least one array to concatenate"."""
    from jovis.scoring.features import boundary_distances

    _, labels = make_sample(3, 96, ["M"], "jiram_m", "north", {"max_colatitude": 12})
    aurora = labels.mask == 1
    assert aurora.any() and boundary_distances(aurora, aurora).size == 0
