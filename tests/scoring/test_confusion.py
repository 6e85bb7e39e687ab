import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from jovis.scoring import confusion_matrix, iou_dice, per_class_scores


def test_confusion_iou_dice_by_hand():
    truth = torch.tensor([[0, 1, 1, 2], [255, 2, 2, 0]])
    pred = torch.tensor([[0, 1, 0, 2], [1, 2, 1, 0]])
    cm = confusion_matrix(pred, truth, 3)
    assert cm.sum() == 7  # the ignore pixel is not counted
    iou, dice = iou_dice(cm)
    # class 1: tp=1, fp=1 (truth 2 → pred 1), fn=1 (truth 1 → pred 0)
    assert iou[1] == pytest.approx(1 / 3)
    assert dice[1] == pytest.approx(2 / 4)
    assert iou[2] == pytest.approx(2 / 3)
    scores = per_class_scores(cm, ["background", "aurora", "vortex"])
    assert scores["mean_fg_iou"] == pytest.approx((1 / 3 + 2 / 3) / 2)


def test_absent_class_is_nan_not_zero():
    cm = confusion_matrix(torch.zeros(4, dtype=torch.long), torch.zeros(4, dtype=torch.long), 3)
    iou, _ = iou_dice(cm)
    assert iou[0] == 1 and np.isnan(iou[1]) and np.isnan(iou[2])


def test_out_of_schema_id_is_an_error():
    with pytest.raises(ValueError, match="class id 7"):
        confusion_matrix(torch.zeros(2, dtype=torch.long), torch.tensor([0, 7]), 3)


@given(
    st.integers(1, 6).flatmap(
        lambda n: st.tuples(
            st.lists(st.sampled_from([0, 1, 2, 255]), min_size=n, max_size=n),
            st.lists(st.sampled_from([0, 1, 2]), min_size=n, max_size=n),
        )
    )
)
def test_metric_invariants(pair):
    truth, pred = (torch.tensor(x) for x in pair)
    cm = confusion_matrix(pred, truth, 3)
    assert int(cm.sum()) == int((truth != 255).sum())  # every valid pixel counted once
    iou, dice = iou_dice(cm)
    finite = np.isfinite(iou)
    assert np.all((iou[finite] >= 0) & (iou[finite] <= dice[finite] + 1e-12) & (dice[finite] <= 1))
    # Dice and IoU are the same ranking: D = 2 J / (1 + J)
    np.testing.assert_allclose(dice[finite], 2 * iou[finite] / (1 + iou[finite]))


def test_vortex_matching_is_one_to_one_within_half_the_true_radius():
    from jovis.scoring import detection_scores, match_vortices

    truth = [
        {"x": 10, "y": 10, "radius_px": 6},
        {"x": 14, "y": 10, "radius_px": 6},
        {"x": 50, "y": 50, "radius_px": 4},
    ]
    predicted = [
        {"x": 12, "y": 10, "radius_px": 7},  # near both of the first two
        {"x": 13, "y": 11, "radius_px": 5},
        {"x": 53, "y": 50, "radius_px": 4},  # 3 px > 0.5 × 4: no match
        {"x": 90, "y": 90, "radius_px": 2},
    ]
    counts = match_vortices(predicted, truth)
    assert (counts["tp"], counts["fp"], counts["fn"]) == (2, 2, 1)
    assert sorted(counts["radius_errors_px"]) == [-1.0, 1.0]
    scores = detection_scores(2, 2, 1)
    assert scores["precision"] == 0.5 and scores["recall"] == pytest.approx(2 / 3)
    assert scores["f1"] == pytest.approx(4 / 7)
    assert match_vortices([], truth)["fn"] == 3


def test_ignored_truth_is_neither_missed_nor_a_false_positive():
    from jovis.scoring import match_vortices

    truth = [
        {"x": 10, "y": 10, "radius_px": 6},
        {"x": 0, "y": 40, "radius_px": 8},  # cut by the frame edge: not scored
        {"x": 50, "y": 50, "radius_px": 4},  # not scored, and not found
    ]
    predicted = [
        {"x": 11, "y": 10, "radius_px": 6},
        {"x": 4, "y": 42, "radius_px": 5},  # the visible piece of the cut vortex
        {"x": 90, "y": 90, "radius_px": 2},  # a real false positive
    ]
    counts = match_vortices(predicted, truth, ignore=[False, True, True])
    assert (counts["tp"], counts["fp"], counts["fn"], counts["ignored"]) == (1, 1, 0, 2)
    plain = match_vortices(predicted, truth)
    assert (plain["tp"], plain["fp"], plain["fn"]) == (1, 2, 2)
    with pytest.raises(ValueError, match="ignore has 1 flags for 3"):
        match_vortices(predicted, truth, ignore=[True])


def test_visible_fraction_counts_the_frame_edge_and_no_data():
    from jovis.scoring import visible_fractions

    scored = np.ones((40, 40), bool)
    scored[:, 30:] = False  # a no-data strip
    truth = [
        {"x": 15, "y": 15, "radius_px": 5},  # whole
        {"x": 0, "y": 20, "radius_px": 6},  # half outside the frame
        {"x": 30, "y": 10, "radius_px": 6},  # about half in no data
        {"x": 80, "y": 80, "radius_px": 3},  # outside the frame
    ]
    fractions = visible_fractions(truth, scored)
    assert fractions[0] == 1.0 and fractions[3] == 0.0
    assert 0.45 < fractions[1] < 0.65 and 0.4 < fractions[2] < 0.6


def test_boundary_distance_in_pixels_and_degrees():
    import cv2

    from jovis.geometry import PolarGrid
    from jovis.scoring import boundary_distances

    inner, outer = np.zeros((100, 100), np.uint8), np.zeros((100, 100), np.uint8)
    cv2.circle(inner, (50, 50), 30, 1, -1)
    cv2.circle(outer, (50, 50), 34, 1, -1)
    px = boundary_distances(inner.astype(bool), outer.astype(bool))
    assert px.mean() == pytest.approx(4, abs=0.7)
    assert boundary_distances(inner.astype(bool), inner.astype(bool)).max() == 0
    deg = boundary_distances(
        inner.astype(bool), outer.astype(bool), PolarGrid("north", 49.5, 49.5, 5.0)
    )
    assert deg.mean() == pytest.approx(px.mean() / 5.0, rel=0.05)  # 5 px per degree
    assert boundary_distances(inner.astype(bool), np.zeros((100, 100), bool)).size == 0


def test_boundary_distance_compares_like_edges_of_a_band_moved_past_its_width():
    # a ring 4 px wide moved 10 px outward: its poleward edge is 10 px from the truth's poleward
    # edge; the nearest edge of any side (the truth's equatorward one) is only 6 px away
    import cv2

    from jovis.geometry import PolarGrid
    from jovis.scoring import boundary_distances

    def ring(radius: int, half_width: int = 2) -> np.ndarray:
        out = np.zeros((160, 160), np.uint8)
        cv2.circle(out, (80, 80), radius + half_width, 1, -1)
        cv2.circle(out, (80, 80), radius - half_width, 0, -1)
        return out.astype(bool)

    truth, moved = ring(40), ring(50)
    px = boundary_distances(moved, truth)
    assert px.mean() == pytest.approx(10, abs=0.5) and np.percentile(px, 5) > 9
    deg = boundary_distances(moved, truth, PolarGrid("north", 80, 80, 10.0))
    assert deg.mean() == pytest.approx(1.0, abs=0.05)
    # an edge along the no-data border (here a limb along a parallel cutting both bands' poleward
    # sides) is no edge of the aurora: not scored, so it does not pull the distance toward 0
    truth, moved = ring(40, 6), ring(44, 6)
    valid = np.hypot(*np.mgrid[-80:80, -80:80]) >= 40
    cut = boundary_distances(moved & valid, truth & valid, None, valid)
    assert cut.mean() == pytest.approx(4, abs=0.5)
    assert boundary_distances(moved & valid, truth & valid).mean() < 3  # the cut edges: 0


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("k", [1, 2, 3, 5])
def test_class_argmax_gives_argmaxs_ids_with_ties_and_nan(dtype, k):
    """The one-pass-per-class arg-max picks what `argmax(axis=0)` picks, ties (the first class)
    and NaN (the first NaN) included, on C-ordered and transposed arrays."""
    from jovis.scoring.confusion import class_argmax

    rng = np.random.default_rng(k)
    probs = rng.integers(0, 3, (k, 40, 50)).astype(dtype)  # many exact ties
    probs[:, 0, :4] = np.nan
    probs[1:, 1, :4] = np.nan
    probs[0, 2, 0], probs[-1, 2, 0] = -0.0, 0.0
    for p in (probs, probs.transpose(0, 2, 1), rng.random((k, 30, 20)).astype(dtype)):
        got = class_argmax(p)
        assert got.dtype == np.uint8
        np.testing.assert_array_equal(got, p.argmax(axis=0).astype(np.uint8))


def test_vortex_pairs_are_the_matches_the_counts_score():
    from jovis.scoring import match_vortices, pair_vortices

    truth = [{"x": 10, "y": 10, "radius_px": 6}, {"x": 50, "y": 50, "radius_px": 4}]
    predicted = [{"x": 53, "y": 50, "radius_px": 4}, {"x": 12, "y": 10, "radius_px": 7}]
    pairs, dist, radius = pair_vortices(predicted, truth)
    assert pairs == [(1, 0)]  # 3 px from the second is more than half its radius
    assert dist.shape == (2, 2) and dist[1, 0] == pytest.approx(2.0)
    assert list(radius) == [6.0, 4.0]
    assert match_vortices(predicted, truth)["tp"] == len(pairs)
    assert pair_vortices(predicted, truth, max_ratio=1.0)[0] == [(0, 1), (1, 0)]
