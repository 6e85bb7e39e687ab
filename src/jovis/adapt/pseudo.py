"""The teacher: an EMA of the student, and the pseudo-labels of its confident pixels."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
import torch
from torch import nn

from jovis.background import white_tophat
from jovis.inference.batches import predict_batches
from jovis.inference.predictor import Predictor
from jovis.inference.prepare import ScaledInput
from jovis.robust import mad_sigma
from jovis.scoring.oval_course import beyond_aurora


@torch.no_grad()
def ema_update(teacher: nn.Module, student: nn.Module, momentum: float) -> None:
    """``teacher ← momentum · teacher + (1 − momentum) · student`` for every parameter and
    floating-point buffer (BatchNorm statistics); integer buffers are copied."""
    if not 0 <= momentum <= 1:
        raise ValueError(f"adapt: teacher.momentum={momentum}: must be in [0, 1]")
    pairs = [*zip(teacher.parameters(), student.parameters(), strict=True),
             *zip(teacher.buffers(), student.buffers(), strict=True)]  # fmt: skip
    for t, s in pairs:
        if t.dtype.is_floating_point:
            t.mul_(momentum).add_(s.detach().to(t.device), alpha=1.0 - momentum)
        else:
            t.copy_(s)


def pseudo_labels(
    probs: np.ndarray, valid: np.ndarray, threshold: float, ignore_index: int = 255
) -> np.ndarray:
    """(H, W) uint8 class ids of (K, H, W) `probs` where the top probability is ≥ `threshold`
    and the pixel `valid`; `ignore_index` elsewhere (never learnt from)."""
    if not 0 <= threshold <= 1:
        raise ValueError(f"adapt: teacher.threshold={threshold}: must be in [0, 1]")
    labels = probs.argmax(axis=0).astype(np.uint8)
    labels[(probs.max(axis=0) < threshold) | ~np.asarray(valid, bool)] = ignore_index
    return labels


def emission_excess(array: np.ndarray, valid: np.ndarray, disk_px: int) -> np.ndarray:
    """(h, w) float32: how many noise sigmas each pixel's mean channel stands above its local
    background (white top-hat with a `disk_px` disk; sigma from the median absolute deviation
    of the top-hat over the valid pixels); 0 off the valid pixels."""
    valid = np.asarray(valid, bool)
    lum = np.where(valid, np.asarray(array, np.float32).mean(axis=0), 0.0).astype(np.float32)
    lum = cv2.GaussianBlur(lum, (0, 0), 1.0)  # per-pixel noise would otherwise pass 3 sigma
    top = white_tophat(lum, valid, disk_px)
    values = top[valid]
    if values.size == 0:
        return np.zeros(lum.shape, np.float32)
    med = float(np.median(values))
    sigma = mad_sigma(values, centre=med) or 1e-6
    return np.where(valid, (top - med) / sigma, 0.0).astype(np.float32)


def ignore_emitting_background(
    labels: np.ndarray, excess: np.ndarray, sigmas: float, ignore_index: int = 255
) -> np.ndarray:
    """`labels` with background (class 0) pseudo-labels ignored where the frame emits at least
    `sigmas` above its local background: a faint arc the teacher misses is not taught as sky."""
    out = labels.copy()
    out[(labels == 0) & (excess >= sigmas)] = ignore_index
    return out


def label_frames(
    teacher: Predictor,
    inputs: list[ScaledInput],
    threshold: float,
    batch_size: int = 4,
    *,
    emission_sigmas: float | None = None,
    emission_disk_px: int = 15,
) -> list[np.ndarray]:
    """Pseudo-labels of prepared frames at the model's scale (the teacher's TTA is its
    predictor's `tta`; the classes the instrument cannot see have probability 0). On a frame
    with a polar grid no aurora is taught beyond `oval_course.AURORA_MAX_COLATITUDE` (the limb's
    glow of a product reaching low latitudes: those pixels are ignored), as `infer` marks none.
    With `emission_sigmas`, background labels on emitting pixels are ignored
    (`ignore_emitting_background`)."""
    schema = teacher.info.labels
    ignore = schema.ignore_index
    aurora = schema.names.index("aurora") if "aurora" in schema.names else None
    items = ((x.array, x) for x in inputs)  # labels on the model's pixels, not the frame's
    out = []
    for x, p, _, _ in predict_batches(teacher, items, batch_size):
        labels = pseudo_labels(p, x.valid, threshold, ignore)
        if aurora is not None and x.grid is not None:
            labels[beyond_aurora(x.grid, labels.shape) & (labels == aurora)] = ignore
        if emission_sigmas is not None:
            valid = np.ones(labels.shape, bool) if x.valid is None else x.valid
            excess = emission_excess(x.array, valid, emission_disk_px)
            labels = ignore_emitting_background(labels, excess, emission_sigmas, ignore)
        out.append(labels)
    return out


def label_stats(labels: list[np.ndarray], valid: list[np.ndarray], num_classes: int,
                ignore_index: int = 255) -> dict[str, Any]:  # fmt: skip
    """Share of the valid pixels that got a pseudo-label, and each class's share of those."""
    n_valid = sum(int(np.asarray(v, bool).sum()) for v in valid)
    counts = np.zeros(num_classes, np.int64)
    for lab in labels:
        kept = lab[lab != ignore_index]
        counts += np.bincount(kept, minlength=num_classes)[:num_classes]
    total = int(counts.sum())
    return {
        "labelled_share": total / n_valid if n_valid else 0.0,
        "class_shares": [float(c) / total if total else 0.0 for c in counts],
    }
