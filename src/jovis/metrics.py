"""Metrics: per-class IoU/Dice from one confusion matrix (summable across batches and processes),
vortex instance matching and oval boundary distance."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
import torch
from scipy.optimize import linear_sum_assignment

from jovis.frame import IGNORE_INDEX
from jovis.geometry import PolarGrid
from jovis.geometry.body import central_angle_deg


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


def match_vortices(
    predicted: list[dict], truth: list[dict], *, max_ratio: float = 0.5, ignore=None
) -> dict[str, Any]:
    """One-to-one matching of vortex centres (Hungarian on centre distance).

    A pair counts when the centres are at most `max_ratio` × the true radius apart. Vortices are
    dicts with ``x``, ``y`` and ``radius_px`` in the same frame's pixels (`extract_features`
    output and the synthetic truth both are). `ignore` (one bool per true vortex) marks truth
    that is not scored, e.g. a vortex mostly outside the frame or in no-data: missing it is not
    a false negative, and a prediction matched to it, or centred inside its disk, is not a false
    positive. Returns counts and the radius errors of the scored matches.
    """
    ignore = np.zeros(len(truth), bool) if ignore is None else np.asarray(ignore, bool)
    if len(ignore) != len(truth):
        raise ValueError(f"ignore has {len(ignore)} flags for {len(truth)} true vortices")
    if not predicted or not truth:
        return {
            "tp": 0,
            "fp": len(predicted),
            "fn": int((~ignore).sum()),
            "radius_errors_px": [],
            "ignored": int(ignore.sum()),
        }
    p = np.array([[v["x"], v["y"]] for v in predicted], dtype=np.float64)
    t = np.array([[v["x"], v["y"]] for v in truth], dtype=np.float64)
    radius = np.array([v["radius_px"] for v in truth], dtype=np.float64)
    dist = np.linalg.norm(p[:, None, :] - t[None, :, :], axis=-1)
    allowed = dist <= max_ratio * radius[None, :]
    cost = np.where(allowed, dist, dist.max() + 1e6)  # forbidden pairs only if nothing else
    rows, cols = linear_sum_assignment(cost)
    pairs = [(r, c) for r, c in zip(rows, cols, strict=True) if allowed[r, c]]
    scored = [(r, c) for r, c in pairs if not ignore[c]]
    matched = {r for r, _ in pairs}
    # an unmatched prediction centred in an ignored vortex's disk is a piece of it, not an error
    inside_ignored = (dist <= radius[None, :]) & ignore[None, :]
    fp = sum(1 for r in range(len(predicted)) if r not in matched and not inside_ignored[r].any())
    errors = [float(predicted[r]["radius_px"] - truth[c]["radius_px"]) for r, c in scored]
    return {
        "tp": len(scored),
        "fp": fp,
        "fn": int((~ignore).sum()) - len(scored),
        "radius_errors_px": errors,
        "ignored": int(ignore.sum()),
    }


def visible_fractions(truth: list[dict], scored: np.ndarray) -> np.ndarray:
    """Fraction of each true vortex's disk (``x``, ``y``, ``radius_px``) that lies inside the
    frame on `scored` pixels (bool H×W, e.g. the truth mask ≠ 255)."""
    h, w = scored.shape
    out = np.zeros(len(truth))
    for i, v in enumerate(truth):
        x, y, r = float(v["x"]), float(v["y"]), max(float(v["radius_px"]), 0.5)
        x0, x1 = int(np.floor(x - r)), int(np.ceil(x + r)) + 1
        y0, y1 = int(np.floor(y - r)), int(np.ceil(y + r)) + 1
        yy, xx = np.mgrid[y0:y1, x0:x1]
        disk = (xx - x) ** 2 + (yy - y) ** 2 <= r * r
        inside = (xx >= 0) & (xx < w) & (yy >= 0) & (yy < h)
        ok = np.zeros_like(disk)
        ok[inside] = scored[yy[inside], xx[inside]]
        out[i] = (disk & ok).sum() / max(disk.sum(), 1)
    return out


def detection_scores(tp: int, fp: int, fn: int) -> dict[str, float]:
    precision = tp / (tp + fp) if tp + fp else float("nan")
    recall = tp / (tp + fn) if tp + fn else float("nan")
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else float("nan")
    return {"precision": precision, "recall": recall, "f1": f1}


def boundary_distances(
    predicted: np.ndarray, truth: np.ndarray, grid: PolarGrid | None = None
) -> np.ndarray:
    """Distances from each boundary pixel of either mask to the other mask's boundary.

    Symmetric (both directions pooled). Degrees of great circle when a grid is known, else
    pixels. Empty when either mask has no pixels.
    """
    pb, tb = _boundary(predicted), _boundary(truth)
    if not pb.any() or not tb.any():
        return np.zeros(0)
    out = []
    for source, target in ((pb, tb), (tb, pb)):
        dist, labels = cv2.distanceTransformWithLabels(
            (~target).astype(np.uint8), cv2.DIST_L2, 5, labelType=cv2.DIST_LABEL_PIXEL
        )
        ys, xs = np.nonzero(source)
        if grid is None:
            out.append(dist[ys, xs].astype(np.float64))
            continue
        ty, tx = np.nonzero(target)  # label k (1-based) is the k-th zero pixel in raster order
        nearest = labels[ys, xs] - 1
        lat1, lon1 = grid.latlon(xs, ys)
        lat2, lon2 = grid.latlon(tx[nearest], ty[nearest])
        out.append(central_angle_deg(lat1, lon1, lat2, lon2))
    return np.concatenate(out)


def _boundary(mask: np.ndarray) -> np.ndarray:
    mask = mask.astype(np.uint8)
    return (mask - cv2.erode(mask, np.ones((3, 3), np.uint8))).astype(bool)
