import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from jovis.metrics import confusion_matrix, iou_dice, per_class_scores


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
