"""Segmentation losses: cross-entropy or focal, plus soft Dice, all ignoring `ignore_index` pixels.

`build_loss(cfg, num_classes, ignore_index)` makes the training loss from the `loss:` block of
configs/train.yaml (its `consistency` sub-block is read by `jovis.training.consistency`).
`consistency_loss` is the divergence between two predictions of one scene.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from jovis.frame import IGNORE_INDEX

LOSS_KEYS = (
    "dice_weight",
    "focal_gamma",
    "class_weights",
    "object_balance",
    "separation_weight",
    "separation_sigma_px",
)
OBJECT_REFERENCE_PX = 400  # an object of this many pixels (20 × 20) weighs as a plain pixel
OBJECT_WEIGHT_MAX = 5.0  # the most a small object's pixels weigh
SEPARATION_REACH_SIGMAS = 3.0  # separation weights are computed this many sigmas from an object
# read elsewhere (jovis.training.consistency.build_consistency, jovis.training.track_term)
OTHER_LOSS_KEYS = ("consistency", "track")


def object_weights(
    target: torch.Tensor, exponent: float, ignore_index: int = IGNORE_INDEX
) -> torch.Tensor:
    """(B, H, W) pixel weights that let small objects count: each 8-connected region of one
    foreground class (id > 0, not `ignore_index`) of A pixels weighs
    clamp((`OBJECT_REFERENCE_PX` / A)^`exponent`, 1, `OBJECT_WEIGHT_MAX`); background 1.

    Without it a 5-px-wide white oval adds a hundredth of what a cyclone ring adds to the
    cross-entropy, and the detector can ignore the kind altogether."""
    out = np.ones(target.shape, np.float32)
    for b, _, _, comp, stats in class_regions(target, ignore_index):
        area = stats[:, cv2.CC_STAT_AREA].astype(np.float32)
        w = np.clip((OBJECT_REFERENCE_PX / np.maximum(area, 1)) ** exponent, 1, OBJECT_WEIGHT_MAX)
        w[0] = 1.0  # label 0 of the components: not this class
        sel = comp > 0
        out[b][sel] = w[comp[sel]]
    return torch.from_numpy(out).to(target.device)


def class_regions(
    target: torch.Tensor, ignore_index: int = IGNORE_INDEX
) -> Iterator[tuple[int, np.ndarray, int, np.ndarray, np.ndarray]]:
    """For each image b of a (B, H, W) target and each foreground class c in it (id > 0, not
    `ignore_index`): (b, the image's labels, c, its 8-connected regions' label image, their
    `cv2.connectedComponentsWithStats` stats; row 0 is "not c")."""
    labels = target.detach().to("cpu", torch.uint8).numpy()
    for b, lab in enumerate(labels):
        for cls in np.unique(lab):
            if cls == 0 or cls == ignore_index:
                continue
            _, comp, stats, _ = cv2.connectedComponentsWithStats(
                (lab == cls).astype(np.uint8), connectivity=8
            )
            yield b, lab, int(cls), comp, stats


def separation_weights(
    target: torch.Tensor, weight: float, sigma_px: float, ignore_index: int = IGNORE_INDEX
) -> torch.Tensor:
    """(B, H, W) weights to add where two objects of one class nearly touch (U-Net's border
    weight, Ronneberger et al. 2015, eq. 2): a valid pixel not of foreground class c within reach
    of two or more separate 8-connected regions of c gets `weight` · exp(−(d1 + d2)² / 2σ²),
    d1 and d2 its distances (px) to the nearest and second-nearest region; 0 elsewhere.

    Without it the narrow background lane between two touching vortices is a handful of pixels
    of the cross-entropy, and the network paints the pair as one blob, which matches neither.
    Distances are taken `SEPARATION_REACH_SIGMAS` σ from each region (beyond, the weight is under
    1 % of `weight` and counted as 0)."""
    out = np.zeros(target.shape, np.float32)
    reach = math.ceil(SEPARATION_REACH_SIGMAS * sigma_px)
    height, width = target.shape[1:]
    for b, lab, cls, comp, stats in class_regions(target, ignore_index):
        if len(stats) < 3:  # label 0 and a single region: nothing to keep apart
            continue
        nearest = np.full(lab.shape, np.inf, np.float32)
        second = np.full(lab.shape, np.inf, np.float32)
        for k in range(1, len(stats)):
            x, y, w, h = stats[k, :4]
            x0, y0 = max(x - reach, 0), max(y - reach, 0)
            x1, y1 = min(x + w + reach, width), min(y + h + reach, height)
            outside = (comp[y0:y1, x0:x1] != k).astype(np.uint8)
            dist = cv2.distanceTransform(outside, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
            near, sec = nearest[y0:y1, x0:x1], second[y0:y1, x0:x1]  # views: updated in place
            np.minimum(sec, np.maximum(near, dist), out=sec)
            np.minimum(near, dist, out=near)
        sel = (lab != cls) & (lab != ignore_index) & np.isfinite(second)
        total = nearest[sel] + second[sel]
        out[b][sel] += weight * np.exp(-(total**2) / (2.0 * sigma_px**2))
    return torch.from_numpy(out).to(target.device)


def focal_loss(
    logits: torch.Tensor,
    target: torch.Tensor,
    gamma: float = 0.0,
    weight: torch.Tensor | None = None,
    ignore_index: int = IGNORE_INDEX,
    pixel_weight: torch.Tensor | None = None,
) -> torch.Tensor:
    """Focal loss (Lin et al. 2017), mean over the valid pixels; `gamma` = 0 is cross-entropy.

    Each pixel counts −w[t] (1 − p_t)^γ log p_t, with p_t the probability of its true class t;
    the sum is divided by Σ w[t] over valid pixels, as `F.cross_entropy` does with `weight`.

    Parameters
    ----------
    logits : Tensor
        (B, K, H, W) raw scores.
    target : Tensor
        (B, H, W) int64 class ids in 0..K−1, or `ignore_index`.
    gamma : float
        Focusing exponent ≥ 0: larger values shrink the loss of pixels already right.
    weight : Tensor, optional
        (K,) per-class weights.
    pixel_weight : Tensor, optional
        (B, H, W) weights of single pixels (`object_weights`, `separation_weights`), multiplied
        into the class weights.

    Returns
    -------
    Tensor
        Scalar; 0 (still attached to the graph) when no pixel is valid.
    """
    logp = logits.float().log_softmax(dim=1)
    valid = target != ignore_index
    safe = torch.where(valid, target, 0).unsqueeze(1)
    logp_t = logp.gather(1, safe).squeeze(1)
    per_pixel = -logp_t
    if gamma:
        per_pixel = per_pixel * (1.0 - logp_t.exp()).clamp_min(0).pow(gamma)
    w = valid.to(logp.dtype)
    if weight is not None:
        w = w * weight.to(logp)[safe.squeeze(1)]
    if pixel_weight is not None:
        w = w * pixel_weight.to(logp)
    # An all-ignored batch (a crop wholly off the disk) gives 0, not 0/0 = NaN.
    return (per_pixel * w).sum() / w.sum().clamp_min(torch.finfo(w.dtype).tiny)


def soft_dice_loss(
    logits: torch.Tensor,
    target: torch.Tensor,
    ignore_index: int = IGNORE_INDEX,
    eps: float = 1.0,
    weight: torch.Tensor | None = None,
) -> torch.Tensor:
    """1 − mean over classes of the soft Dice, computed over the batch's valid pixels.

    Parameters
    ----------
    logits : Tensor
        (B, K, H, W) raw scores.
    target : Tensor
        (B, H, W) class ids or `ignore_index`.
    eps : float
        Smoothing; a class absent from both prediction and truth scores 1.
    weight : Tensor, optional
        (K,) per-class weights for the mean over classes (a weighted average).
    """
    num_classes = logits.shape[1]
    valid = (target != ignore_index).unsqueeze(1)
    probs = logits.float().softmax(dim=1) * valid
    onehot = F.one_hot(target.clamp(0, num_classes - 1), num_classes).permute(0, 3, 1, 2)
    onehot = onehot.to(probs.dtype) * valid
    dims = (0, 2, 3)
    inter = (probs * onehot).sum(dims)
    denom = probs.sum(dims) + onehot.sum(dims)
    dice = (2 * inter + eps) / (denom + eps)
    if weight is None:
        return 1.0 - dice.mean()
    weight = weight.to(dice)
    return 1.0 - (dice * weight).sum() / weight.sum()


def consistency_loss(
    target: torch.Tensor, logits: torch.Tensor, valid: torch.Tensor, divergence: str = "kl"
) -> torch.Tensor:
    """Mean over the valid pixels of the divergence of a prediction from target probabilities.

    Parameters
    ----------
    target : Tensor
        (B, K, H, W) probabilities (summing to 1 over K), used as they are: pass them detached
        for a stop-gradient target.
    logits : Tensor
        (B, K, H, W) raw scores of the other prediction (−inf for classes never predicted).
    valid : Tensor
        (B, H, W) bool: the pixels compared.
    divergence : str
        ``kl``: Σ_k t_k (log t_k − log p_k); ``mse``: Σ_k (t_k − p_k)².

    Returns
    -------
    Tensor
        Scalar ≥ 0; 0 for identical predictions and, still attached to the graph, when no pixel
        is valid.
    """
    if divergence not in ("kl", "mse"):
        raise ValueError(f"consistency divergence must be 'kl' or 'mse', got {divergence!r}")
    target = target.float()
    if divergence == "kl":
        # clamped logs: classes with probability 0 on both sides (invisible ones) add 0, not NaN
        logp = logits.float().log_softmax(1).clamp_min(-50.0)
        per_pixel = (target * (target.clamp_min(1e-12).log() - logp)).sum(1)
    else:
        per_pixel = (target - logits.float().softmax(1)).square().sum(1)
    w = valid.to(per_pixel.dtype)
    return (per_pixel * w).sum() / w.sum().clamp_min(1.0)


class SegmentationLoss(torch.nn.Module):
    """Cross-entropy (focal when `focal_gamma` > 0) + `dice_weight` × soft Dice.

    Parameters
    ----------
    dice_weight : float
        Weight of the soft Dice term (0 leaves it out).
    ignore_index : int
        Label of pixels that never count (off-disk, no data, padding).
    focal_gamma : float
        Focal exponent; 0 is plain cross-entropy.
    class_weights : sequence of float, optional
        One non-negative weight per class: scales each pixel's cross-entropy/focal term by its
        true class, and each class in the Dice average.
    object_balance : float
        Exponent of `object_weights` in the cross-entropy/focal term; 0 (default) leaves it out.
    separation_weight, separation_sigma_px : float
        w0 and σ of `separation_weights`, added to the pixel weights of the cross-entropy/focal
        term; `separation_weight` 0 (default) leaves it out.
    """

    def __init__(
        self,
        dice_weight: float = 1.0,
        ignore_index: int = IGNORE_INDEX,
        *,
        focal_gamma: float = 0.0,
        class_weights: Sequence[float] | None = None,
        object_balance: float = 0.0,
        separation_weight: float = 0.0,
        separation_sigma_px: float = 5.0,
    ) -> None:
        super().__init__()
        self.dice_weight, self.ignore_index = float(dice_weight), int(ignore_index)
        self.focal_gamma, self.object_balance = float(focal_gamma), float(object_balance)
        self.separation_weight = float(separation_weight)
        self.separation_sigma_px = float(separation_sigma_px)
        weights = (
            None if class_weights is None else torch.tensor(class_weights, dtype=torch.float32)
        )
        # Not persistent: the weights come from the config, so resuming never depends on them.
        self.register_buffer("class_weights", weights, persistent=False)

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """Scalar loss for logits (B, K, H, W) and targets (B, H, W)."""
        pixels = (
            object_weights(target, self.object_balance, self.ignore_index)
            if self.object_balance
            else None
        )
        if self.separation_weight:
            lanes = separation_weights(
                target, self.separation_weight, self.separation_sigma_px, self.ignore_index
            )
            pixels = lanes + (1.0 if pixels is None else pixels)
        loss = focal_loss(
            logits, target, self.focal_gamma, self.class_weights, self.ignore_index, pixels
        )
        if self.dice_weight == 0:
            return loss
        dice = soft_dice_loss(logits, target, self.ignore_index, weight=self.class_weights)
        return loss + self.dice_weight * dice


def build_loss(
    cfg: Mapping[str, Any] | None, num_classes: int, ignore_index: int = IGNORE_INDEX
) -> SegmentationLoss:
    """The training loss from the `loss:` config block.

    Parameters
    ----------
    cfg : mapping or None
        Keys (all optional): `dice_weight` (≥ 0, default 1), `focal_gamma` (≥ 0, default 0 =
        cross-entropy), `class_weights` (null, or `num_classes` non-negative numbers in class-id
        order, not all 0), `object_balance` (≥ 0, default 0 = off: see `object_weights`),
        `separation_weight` (≥ 0, default 0 = off) and `separation_sigma_px` (> 0, default 5):
        see `separation_weights`.
    num_classes : int
        The label schema's class count (ignore excluded).
    ignore_index : int
        The schema's ignore label.

    Raises
    ------
    ValueError
        For an unknown key or a bad value, naming the `loss.` key and what it accepts.
    """
    cfg = dict(cfg or {})
    unknown = sorted(set(cfg) - set(LOSS_KEYS) - set(OTHER_LOSS_KEYS))
    if unknown:
        raise ValueError(
            f"unknown loss key(s) {', '.join(f'loss.{k}' for k in unknown)}; valid keys: "
            f"{', '.join(LOSS_KEYS + OTHER_LOSS_KEYS)}"
        )
    dice_weight = _non_negative(cfg.get("dice_weight", 1.0), "dice_weight")
    focal_gamma = _non_negative(cfg.get("focal_gamma", 0.0), "focal_gamma")
    class_weights = cfg.get("class_weights")
    if class_weights is not None:
        if isinstance(class_weights, (str, bytes)) or not isinstance(class_weights, Sequence):
            raise ValueError(
                f"loss.class_weights must be null or a list of {num_classes} numbers (one per "
                f"class of the label schema), got {class_weights!r}"
            )
        if len(class_weights) != num_classes:
            raise ValueError(
                f"loss.class_weights has {len(class_weights)} values but the label schema has "
                f"{num_classes} classes; give one weight per class in class-id order, or null"
            )
        class_weights = [_non_negative(w, "class_weights") for w in class_weights]
        if not any(class_weights):
            raise ValueError("loss.class_weights are all 0: no pixel would count; use null")
    object_balance = _non_negative(cfg.get("object_balance", 0.0), "object_balance")
    separation_weight = _non_negative(cfg.get("separation_weight", 0.0), "separation_weight")
    sigma = _non_negative(cfg.get("separation_sigma_px", 5.0), "separation_sigma_px")
    if sigma == 0:
        raise ValueError(
            "loss.separation_sigma_px must be > 0 (the lane's width scale in pixels; U-Net used 5)"
        )
    return SegmentationLoss(
        dice_weight,
        ignore_index,
        focal_gamma=focal_gamma,
        class_weights=class_weights,
        object_balance=object_balance,
        separation_weight=separation_weight,
        separation_sigma_px=sigma,
    )


def _non_negative(value: Any, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"loss.{key} must be a finite number ≥ 0, got {value!r}")
    if value < 0:
        raise ValueError(f"loss.{key} must be ≥ 0, got {value}")
    return float(value)
