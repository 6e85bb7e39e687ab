import math

import pytest
import torch
import torch.nn.functional as F

from jovis.training.losses import SegmentationLoss, build_loss, focal_loss, soft_dice_loss


def _batch(seed: int = 0):
    gen = torch.Generator().manual_seed(seed)
    logits = torch.randn(2, 3, 8, 8, generator=gen) * 2
    target = torch.randint(0, 3, (2, 8, 8), generator=gen)
    target[0, :2] = 255
    return logits, target


def test_ignored_pixels_do_not_change_the_loss():
    torch.manual_seed(0)
    logits = torch.randn(2, 3, 8, 8)
    target = torch.randint(0, 3, (2, 8, 8))
    loss = SegmentationLoss(dice_weight=1.0)
    ignored = target.clone()
    ignored[:, :4] = 255
    changed = logits.clone()
    changed[:, :, :4] = torch.randn(2, 3, 4, 8) * 10  # anything under the ignored pixels
    assert torch.allclose(loss(logits, ignored), loss(changed, ignored))
    assert not torch.allclose(loss(logits, target), loss(changed, target))


@pytest.mark.parametrize(
    "cfg",
    [
        {"focal_gamma": 2.0},
        {"class_weights": [0.2, 1.0, 3.0]},
        {"focal_gamma": 1.5, "class_weights": [0.0, 1.0, 2.0], "dice_weight": 0.5},
    ],
)
def test_ignored_pixels_never_count_with_focal_and_class_weights(cfg):
    loss = build_loss(cfg, 3)
    logits, target = _batch()
    logits.requires_grad_(True)
    changed = logits.detach().clone()
    changed[0, :, :2] = torch.randn(3, 2, 8) * 20
    torch.testing.assert_close(loss(logits, target), loss(changed, target))
    loss(logits, target).backward()
    assert (logits.grad[0, :, :2] == 0).all()  # no gradient reaches an ignored pixel
    assert logits.grad[0, :, 2:].abs().sum() > 0


def test_perfect_prediction_has_near_zero_dice_loss():
    target = torch.randint(0, 3, (1, 16, 16))
    logits = torch.nn.functional.one_hot(target, 3).permute(0, 3, 1, 2).float() * 50
    assert soft_dice_loss(logits, target) < 1e-3


@pytest.mark.parametrize("weight", [None, torch.tensor([0.3, 1.0, 2.5])])
def test_focal_with_gamma_zero_is_cross_entropy(weight):
    logits, target = _batch(1)
    expected = F.cross_entropy(logits, target, weight=weight, ignore_index=255)
    torch.testing.assert_close(focal_loss(logits, target, 0.0, weight), expected)


def test_focal_down_weights_pixels_already_right():
    target = torch.tensor([[[0, 1]]])
    # pixel 0 is confidently right (p ≈ 0.995), pixel 1 is wrong (p ≈ 0.11)
    logits = torch.tensor([[[[6.0, 2.0]], [[0.0, 0.0]], [[0.0, 0.0]]]])
    ce = F.cross_entropy(logits, target, reduction="none")[0, 0]
    p = logits.softmax(1)[0, target[0, 0], 0, [0, 1]]
    expected = ((1 - p) ** 2 * ce).mean()
    torch.testing.assert_close(focal_loss(logits, target, gamma=2.0), expected)
    # the right pixel's share shrinks far more than the wrong one's
    assert (1 - p[0]) ** 2 < 0.001 and (1 - p[1]) ** 2 > 0.7


def test_class_weights_scale_each_pixel_by_its_true_class():
    # two valid pixels, class 0 (loss a) and class 2 (loss b): the weighted mean is
    # (w0 a + w2 b) / (w0 + w2); unweighted (a + b) / 2
    logits = torch.tensor([[[[2.0, 0.0, 0.0]], [[0.0, 0.0, 0.0]], [[0.0, 0.0, 1.0]]]])
    target = torch.tensor([[[0, 255, 2]]])
    per_pixel = F.cross_entropy(logits, target, ignore_index=255, reduction="none")[0, 0]
    a, b = per_pixel[0], per_pixel[2]
    plain = build_loss({"dice_weight": 0}, 3)(logits, target)
    weighted = build_loss({"dice_weight": 0, "class_weights": [1.0, 5.0, 3.0]}, 3)(logits, target)
    torch.testing.assert_close(plain, (a + b) / 2)
    torch.testing.assert_close(weighted, (1.0 * a + 3.0 * b) / 4.0)
    assert weighted > plain  # the harder class 2 pixel now weighs 3× more
    only_vortex = build_loss({"dice_weight": 0, "class_weights": [0, 0, 1]}, 3)(logits, target)
    torch.testing.assert_close(only_vortex, b)


def test_class_weights_weight_the_dice_average():
    logits, target = _batch(2)
    valid = target != 255
    probs = logits.softmax(1) * valid.unsqueeze(1)
    onehot = F.one_hot(target.clamp(0, 2), 3).permute(0, 3, 1, 2) * valid.unsqueeze(1)
    inter, denom = (probs * onehot).sum((0, 2, 3)), (probs + onehot).sum((0, 2, 3))
    dice = (2 * inter + 1) / (denom + 1)
    w = torch.tensor([0.0, 1.0, 3.0])
    got = soft_dice_loss(logits, target, weight=w)
    torch.testing.assert_close(got, 1 - (dice[1] + 3 * dice[2]) / 4)
    torch.testing.assert_close(soft_dice_loss(logits, target), 1 - dice.mean())


def test_build_loss_reads_the_config_block():
    logits, target = _batch(3)
    ce = F.cross_entropy(logits, target, ignore_index=255)
    dice = soft_dice_loss(logits, target)
    torch.testing.assert_close(build_loss(None, 3)(logits, target), ce + dice)
    torch.testing.assert_close(
        build_loss({"dice_weight": 0.25}, 3)(logits, target), ce + 0.25 * dice
    )
    focal = build_loss({"dice_weight": 0, "focal_gamma": 2}, 3)
    assert focal(logits, target) < ce
    assert isinstance(focal, SegmentationLoss) and focal.focal_gamma == 2.0


def test_a_batch_with_every_pixel_ignored_gives_zero_not_nan():
    logits = torch.randn(1, 3, 4, 4, requires_grad=True)
    target = torch.full((1, 4, 4), 255)
    loss = build_loss({"focal_gamma": 2, "class_weights": [1, 2, 3]}, 3)(logits, target)
    assert loss.item() == 0.0
    loss.backward()
    assert torch.isfinite(logits.grad).all()


def test_class_weights_follow_the_module_to_a_device_and_dtype():
    loss = build_loss({"class_weights": [1, 2, 3]}, 3).to(torch.float64)
    assert loss.class_weights.dtype == torch.float64
    assert "class_weights" not in loss.state_dict()  # from the config, not the checkpoint


@pytest.mark.parametrize(
    ("cfg", "message"),
    [
        (
            {"class_weights": [1.0, 2.0]},
            r"loss.class_weights has 2 values but the label schema has 3",
        ),
        ({"class_weights": [1, 2, 3, 4]}, r"has 4 values but the label schema has 3 classes"),
        ({"class_weights": "1,2,3"}, r"loss.class_weights must be null or a list of 3 numbers"),
        ({"class_weights": [1, -1, 2]}, r"loss.class_weights must be ≥ 0"),
        ({"class_weights": [0, 0, 0]}, r"all 0"),
        ({"focal_gamma": -1}, r"loss.focal_gamma must be ≥ 0"),
        ({"dice_weight": "x"}, r"loss.dice_weight must be a finite number"),
        ({"focal_gama": 2}, r"unknown loss key\(s\) loss.focal_gama; valid keys: dice_weight"),
    ],
)
def test_bad_loss_config_raises_naming_the_key(cfg, message):
    with pytest.raises(ValueError, match=message):
        build_loss(cfg, 3)


def test_the_train_config_loss_block_builds(tmp_path):
    from omegaconf import OmegaConf
    from tests.conftest import compose_config

    from jovis.frame import LabelSchema

    cfg = compose_config("train", [f"out={tmp_path}", "loss.class_weights=[0.5,1.0,2.0]"])
    schema = LabelSchema.from_dict(OmegaConf.to_container(cfg.labels, resolve=True))
    loss = build_loss(OmegaConf.to_container(cfg.loss), schema.num_classes, schema.ignore_index)
    assert loss.class_weights.tolist() == [0.5, 1.0, 2.0] and loss.focal_gamma == 0.0
    bad = compose_config("train", [f"out={tmp_path}", "loss.class_weights=[1.0,1.0]"])
    with pytest.raises(ValueError, match="label schema has 3 classes"):
        build_loss(OmegaConf.to_container(bad.loss), schema.num_classes, schema.ignore_index)


def test_object_balance_weighs_small_objects_up_to_the_cap():
    from jovis.training.losses import OBJECT_WEIGHT_MAX, object_weights

    target = torch.zeros(2, 64, 64, dtype=torch.long)
    target[0, 5:45, 5:45] = 2  # 1600 px: no boost
    target[0, 50:60, 50:60] = 2  # 100 px: (400 / 100) ** 0.5 = 2
    target[1, 2:4, 2:4] = 1  # 4 px: capped
    target[1, 30:40, :] = 255
    w = object_weights(target, 0.5)
    assert w[0, 20, 20] == 1 and w[0, 0, 0] == 1 and w[1, 35, 5] == 1
    assert w[0, 55, 55] == pytest.approx(2.0)
    assert w[1, 3, 3] == OBJECT_WEIGHT_MAX


def test_object_balance_makes_a_missed_small_object_cost_more():
    target = torch.zeros(1, 32, 32, dtype=torch.long)
    target[0, 10:14, 10:14] = 2
    logits = torch.zeros(1, 3, 32, 32)
    logits[:, 0] = 3.0  # background everywhere: the small vortex is missed
    plain = build_loss({"dice_weight": 0}, 3)(logits, target)
    balanced = build_loss({"dice_weight": 0, "object_balance": 1.0}, 3)(logits, target)
    assert balanced > 1.5 * plain
    right = logits.clone()
    right[0, 2, 10:14, 10:14] = 6.0
    assert build_loss({"dice_weight": 0, "object_balance": 1.0}, 3)(right, target) < balanced


def test_object_balance_must_be_a_non_negative_number():
    with pytest.raises(ValueError, match=r"loss.object_balance must be ≥ 0"):
        build_loss({"object_balance": -1}, 3)


def _two_disks(gap_px: int) -> torch.Tensor:
    """(1, 48, 64) class-2 disks of radius 8, `gap_px` background pixels apart on row 24."""
    yy, xx = torch.meshgrid(torch.arange(48), torch.arange(64), indexing="ij")
    target = torch.zeros(1, 48, 64, dtype=torch.long)
    left, right = 16, 16 + 17 + gap_px  # disk pixels span x 8..24 and right-8..right+8
    target[0][(yy - 24) ** 2 + (xx - left) ** 2 <= 64] = 2
    target[0][(yy - 24) ** 2 + (xx - right) ** 2 <= 64] = 2
    return target


def test_separation_weights_peak_in_the_lane_between_two_objects():
    from jovis.training.losses import separation_weights

    target = _two_disks(gap_px=2)  # lane at x = 25, 26
    w = separation_weights(target, 10.0, 5.0)
    # each lane pixel is 1 and 2 px from the two disks: 10 exp(-9 / 50)
    assert w[0, 24, 25].item() == pytest.approx(10 * math.exp(-9 / 50), rel=1e-3)
    assert w[0, 24, 25] == w.max()
    assert w[0, 24, 16] == 0  # inside an object: its own class's pixels get none
    assert w[0, 2, 60] == 0  # far from both (beyond 3 sigma of the second)
    assert w[0, 5, 25] < w[0, 24, 25]  # off the lane's axis: further from both


def test_separation_weights_need_two_objects_of_one_class_and_skip_ignored_pixels():
    from jovis.training.losses import separation_weights

    one = torch.zeros(1, 32, 32, dtype=torch.long)
    one[0, 10:20, 10:20] = 2
    one[0, 10:20, 22:30] = 1  # another class beside it: not two objects of one class
    assert separation_weights(one, 10.0, 5.0).count_nonzero() == 0
    far = _two_disks(gap_px=40)[:, :, :64]
    assert separation_weights(far, 10.0, 2.0).max() < 0.01  # beyond reach of each other
    ignored = _two_disks(gap_px=2)
    ignored[0, :, 25:27] = 255
    assert separation_weights(ignored, 10.0, 5.0)[0, :, 25:27].count_nonzero() == 0


def test_separation_weight_makes_merging_two_objects_cost_more_and_zero_changes_nothing():
    target = _two_disks(gap_px=2)
    merged = torch.zeros(1, 3, 48, 64)
    merged[:, 0] = 3.0 * (target[0] == 0)
    merged[:, 2] = 3.0 * (target[0] == 2)
    merged[0, 2, 16:33, 25:27] = 6.0  # the pair painted as one blob across the lane
    plain = build_loss({"dice_weight": 0}, 3)
    off = build_loss({"dice_weight": 0, "separation_weight": 0.0}, 3)
    on = build_loss({"dice_weight": 0, "separation_weight": 10.0}, 3)
    assert off(merged, target) == plain(merged, target)
    assert on(merged, target) > 2 * plain(merged, target)
    apart = merged.clone()
    apart[0, 2, 16:33, 25:27] = 0.0
    assert on(apart, target) < on(merged, target)
    both = build_loss({"dice_weight": 0, "separation_weight": 10.0, "object_balance": 1.0}, 3)
    assert both(merged, target) != on(merged, target)  # the two weights add, neither is lost


def test_separation_settings_are_checked_by_name():
    with pytest.raises(ValueError, match=r"loss.separation_weight must be ≥ 0"):
        build_loss({"separation_weight": -1}, 3)
    with pytest.raises(ValueError, match=r"loss.separation_sigma_px must be > 0"):
        build_loss({"separation_weight": 10, "separation_sigma_px": 0}, 3)
    with pytest.raises(ValueError, match=r"loss.separation_sigma_px must be a finite number"):
        build_loss({"separation_sigma_px": "wide"}, 3)
