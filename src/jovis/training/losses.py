"""Cross-entropy + soft Dice, both ignoring `ignore_index` pixels."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from jovis.frame import IGNORE_INDEX


def soft_dice_loss(
    logits: torch.Tensor, target: torch.Tensor, ignore_index: int = IGNORE_INDEX, eps: float = 1.0
) -> torch.Tensor:
    """1 − mean over classes of the soft Dice, computed over the batch's valid pixels."""
    num_classes = logits.shape[1]
    valid = (target != ignore_index).unsqueeze(1)
    probs = logits.float().softmax(dim=1) * valid
    onehot = F.one_hot(target.clamp(0, num_classes - 1), num_classes).permute(0, 3, 1, 2)
    onehot = onehot.to(probs.dtype) * valid
    dims = (0, 2, 3)
    inter = (probs * onehot).sum(dims)
    denom = probs.sum(dims) + onehot.sum(dims)
    return 1.0 - ((2 * inter + eps) / (denom + eps)).mean()


class SegmentationLoss(torch.nn.Module):
    def __init__(self, dice_weight: float = 1.0, ignore_index: int = IGNORE_INDEX) -> None:
        super().__init__()
        self.dice_weight, self.ignore_index = dice_weight, ignore_index

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        ce = F.cross_entropy(logits.float(), target, ignore_index=self.ignore_index)
        if self.dice_weight == 0:
            return ce
        return ce + self.dice_weight * soft_dice_loss(logits, target, self.ignore_index)


def build_loss(
    cfg: dict | None, num_classes: int, ignore_index: int = IGNORE_INDEX
) -> torch.nn.Module:
    """The training loss from the `loss:` config block (keys: dice_weight)."""
    cfg = dict(cfg or {})
    return SegmentationLoss(float(cfg.get("dice_weight", 1.0)), ignore_index)
