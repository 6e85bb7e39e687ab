"""Joint image+mask augmentation of a whole batch on its device (torch ops, no per-sample Python).

API (stable; the trainer calls it): ``build_augment(cfg) -> BatchAugment | None`` and
``BatchAugment(image (B,C,H,W) float, mask (B,H,W) int64, generator) -> (image, mask)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch


class BatchAugment:
    """Random dihedral transform per frame (placeholder for the full set of issue 5 item 3)."""

    def __init__(self, dihedral: bool = True) -> None:
        self.dihedral = dihedral

    def __call__(
        self, image: torch.Tensor, mask: torch.Tensor, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        if not self.dihedral:
            return image, mask
        k = int(torch.randint(0, 4, (1,), generator=generator))
        return torch.rot90(image, k, (-2, -1)), torch.rot90(mask, k, (-2, -1))


def build_augment(cfg: Mapping[str, Any] | None) -> BatchAugment | None:
    """None when `cfg` is empty or has ``enabled: false``."""
    cfg = dict(cfg or {})
    if not cfg or not cfg.pop("enabled", True):
        return None
    return BatchAugment(**cfg)
