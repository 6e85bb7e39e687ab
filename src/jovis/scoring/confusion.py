"""Pixel scores: the class decision per pixel and per-class IoU/Dice from one confusion matrix
(summable across batches and processes)."""

from __future__ import annotations

import numpy as np
import torch

from jovis.frame import IGNORE_INDEX, LabelSchema


def mask_from_probs(probs: np.ndarray, valid: np.ndarray, schema: LabelSchema) -> np.ndarray:
    """Arg-max class ids (uint8) of (C, H, W) `probs`, `ignore_index` where `valid` is False."""
    mask = class_argmax(probs)
    mask[~valid] = schema.ignore_index
    return mask


def class_argmax(probs: np.ndarray) -> np.ndarray:
    """``probs.argmax(axis=0).astype(np.uint8)`` of (C, H, W) `probs`, the same ids, ~20× faster.

    `argmax` over the first axis of a C-contiguous array steps through memory with a stride of
    H·W (1.4 s for a 3-class 4096² frame); this takes one pass per class, keeping a running
    maximum (0.06 s). A class replaces the best so far only where it is strictly greater, so
    ties go to the first class as with `argmax`; where any class is NaN (the first NaN wins
    there) it falls back to `argmax`.
    """
    probs = np.asarray(probs)
    if probs.ndim < 2 or not 1 <= len(probs) <= 256 or probs.dtype.kind != "f":
        return probs.argmax(axis=0).astype(np.uint8)
    best = probs[0].copy()
    ids = np.zeros(best.shape, np.uint8)
    greater = np.empty(best.shape, bool)
    for k in range(1, len(probs)):
        np.greater(probs[k], best, out=greater)
        ids[greater] = k
        np.maximum(best, probs[k], out=best)  # NaN stays NaN
    if np.isnan(best).any():
        return probs.argmax(axis=0).astype(np.uint8)
    return ids


def confusion_matrix(
    pred: torch.Tensor, target: torch.Tensor, num_classes: int, ignore_index: int = IGNORE_INDEX
) -> torch.Tensor:
    """(num_classes, num_classes) int64 counts; rows = truth, columns = prediction."""
    keep = target != ignore_index
    t, p = target[keep].long(), pred[keep].long()
    if t.numel() and (int(t.max()) >= num_classes or int(t.min()) < 0):
        raise ValueError(
            f"mask has class id {int(t.max())} but the schema has {num_classes} classes "
            f"(ids 0..{num_classes - 1}, {ignore_index} = ignore)"
        )
    counts = torch.bincount(t * num_classes + p, minlength=num_classes * num_classes)
    return counts.reshape(num_classes, num_classes)


def iou_dice(cm: torch.Tensor | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-class IoU and Dice; NaN for a class absent from both truth and prediction."""
    cm = np.asarray(cm, dtype=np.float64)
    tp = np.diag(cm)
    fp = cm.sum(axis=0) - tp
    fn = cm.sum(axis=1) - tp
    with np.errstate(invalid="ignore", divide="ignore"):
        iou = np.where(tp + fp + fn > 0, tp / (tp + fp + fn), np.nan)
        dice = np.where(tp + fp + fn > 0, 2 * tp / (2 * tp + fp + fn), np.nan)
    return iou, dice


def per_class_scores(cm: torch.Tensor | np.ndarray, names: list[str]) -> dict[str, float]:
    """Flat dict `{<name>_iou, <name>_dice, ..., mean_fg_iou}` (fg = every class but the first)."""
    iou, dice = iou_dice(cm)
    scores: dict[str, float] = {}
    for name, i, d in zip(names, iou, dice, strict=True):
        scores[f"{name}_iou"] = float(i)
        scores[f"{name}_dice"] = float(d)
    fg = iou[1:]
    scores["mean_fg_iou"] = float(np.nanmean(fg)) if np.isfinite(fg).any() else float("nan")
    return scores
