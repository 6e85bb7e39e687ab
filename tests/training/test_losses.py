import torch

from jovis.training.losses import SegmentationLoss, soft_dice_loss


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


def test_perfect_prediction_has_near_zero_dice_loss():
    target = torch.randint(0, 3, (1, 16, 16))
    logits = torch.nn.functional.one_hot(target, 3).permute(0, 3, 1, 2).float() * 50
    assert soft_dice_loss(logits, target) < 1e-3
