"""Label-free scores of aurora masks on real frames, and the fixed-threshold baseline.

Without reference labels a mask is judged by what it must do on frames of one target: agree with
the next frame's mask minutes later on the lat/lon both cover (`consecutive_agreement`); hold
most of the background-subtracted emission on little of the disk (`emission_capture`:
``capture_efficiency = capture − area_share`` is 0 for the whole disk (1 − 1) and for nothing
(0 − 0)); sit in a plausible `latitude_band`; mark no vortex in a UV frame (`vortex_pixels`).

Conventions: masks are (H, W) in the frame's pixels, class ids of a `LabelSchema` (default
aurora = 1, vortex = 2, 255 = ignore) or bool (aurora). Latitude planetocentric, longitude System
III (1965) west, degrees, through each frame's `PolarGrid`; areas weighted by the pixel's area on
the planet when there is a grid, else 1 per pixel. A frame's **background** is one number: the
median (`BACKGROUND_PERCENTILE`) of its valid pixels in the emission channel, a robust level of
the disk that the bright, thin oval barely moves.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import cv2
import numpy as np

from jovis.frame import IGNORE_INDEX, Frame, LabelSchema
from jovis.geometry import PolarGrid
from jovis.geometry.locate import pixel_area
from jovis.photometry import EMISSION_CHANNELS
from jovis.scoring import iou_dice

BACKGROUND_PERCENTILE = 50.0


def emission_image(frame: Frame) -> np.ndarray:
    """The frame's emission channel (H, W), float32: ``uv``, ``L`` or ``gray``, else the first."""
    channel = next((c for c in EMISSION_CHANNELS if c in frame.channels), frame.channels[0])
    return frame.image[:, :, frame.channels.index(channel)]


def background_level(
    image: np.ndarray, valid: np.ndarray, percentile: float = BACKGROUND_PERCENTILE
) -> float:
    """The background of one frame: `percentile` of `image` (H, W) over `valid` (H, W) pixels."""
    values = np.asarray(image)[_valid(valid, image.shape)]
    values = values[np.isfinite(values)]
    return float(np.percentile(values, percentile)) if values.size else float("nan")


def threshold_mask(
    image_kr: np.ndarray,
    valid: np.ndarray,
    threshold_kr: float,
    *,
    smooth_px: float = 0.0,
    percentile: float = BACKGROUND_PERCENTILE,
) -> np.ndarray:
    """The fixed-threshold baseline: bool (H, W), True on valid pixels where the frame minus its
    `background_level`, optionally Gaussian-smoothed (σ = `smooth_px`, over valid pixels only),
    is ≥ `threshold_kr`."""
    valid = _valid(valid, image_kr.shape)
    with np.errstate(invalid="ignore"):
        return valid & (_excess(image_kr, valid, smooth_px, percentile) >= threshold_kr)


def _excess(image: np.ndarray, valid: np.ndarray, smooth_px: float, percentile: float):
    """Image minus its background, Gaussian-smoothed over valid pixels when `smooth_px` > 0."""
    excess = image - background_level(image, valid, percentile)
    if smooth_px <= 0:
        return excess
    num = cv2.GaussianBlur(np.where(valid, excess, 0).astype(np.float32), (0, 0), smooth_px)
    den = cv2.GaussianBlur(valid.astype(np.float32), (0, 0), smooth_px)
    return num / np.maximum(den, 1e-6)


def tune_threshold(
    frames: Sequence[Frame],
    reference_masks: Sequence[np.ndarray],
    *,
    schema: LabelSchema | None = None,
    candidates: int = 512,
    smooth_px: float = 0.0,
    percentile: float = BACKGROUND_PERCENTILE,
) -> dict[str, Any]:
    """The one global threshold (frame units, e.g. kR) of `threshold_mask` with the best aurora
    IoU against `reference_masks` (one per frame), pooled over all frames as `jovis.evaluation`
    pools; invalid and ignore (255) pixels are not scored. Candidates: `candidates` quantiles of
    the reference aurora pixels' values. Returns ``{"threshold", "iou", "frames", "smooth_px",
    "background_percentile"}``.
    """
    _same_length(frames, reference_masks)
    pos, neg = [], []
    for frame, ref in zip(frames, reference_masks, strict=True):
        aurora, _, scored = _classes(ref, frame, schema)
        excess = _excess(emission_image(frame), frame.valid, smooth_px, percentile)
        pos.append(excess[scored & aurora])
        neg.append(excess[scored & ~aurora])
    pos_all, neg_all = np.sort(np.concatenate(pos)), np.sort(np.concatenate(neg))
    if not pos_all.size:
        raise ValueError("tune_threshold: the reference masks mark no aurora pixel on valid data")
    thresholds = np.unique(np.quantile(pos_all, np.linspace(0.0, 1.0, candidates)))
    tp = pos_all.size - np.searchsorted(pos_all, thresholds, side="left")
    fp = neg_all.size - np.searchsorted(neg_all, thresholds, side="left")
    iou = tp / (pos_all.size + fp)  # tp + fp + fn, with fn = positives − tp
    best = int(np.argmax(iou))
    out = {"threshold": float(thresholds[best]), "iou": float(iou[best]), "frames": len(frames)}
    return out | {"smooth_px": smooth_px, "background_percentile": percentile}


def consecutive_agreement(
    mask_a: np.ndarray,
    valid_a: np.ndarray,
    grid_a: PolarGrid | None,
    mask_b: np.ndarray,
    valid_b: np.ndarray,
    grid_b: PolarGrid | None,
) -> dict[str, Any]:
    """Aurora IoU of two frames' bool masks (each (H, W) of its own frame) on the latitudes and
    longitudes both frames cover with valid data.

    The frame whose grid is finer (larger ``px_per_deg``; `a` on a tie) is the common grid: the
    other frame's mask and validity are sampled at each of its pixels' lat/lon through the other
    grid (nearest pixel); pixels are weighted by their area. Frames without a grid must share the
    pixel grid (same shape, both without a grid). Returns ``{"iou", "common_px"}``; the IoU is NaN
    when neither mask has a pixel on the common region.
    """
    a, va = np.asarray(mask_a, bool), _valid(valid_a, np.shape(mask_a))
    b, vb = np.asarray(mask_b, bool), _valid(valid_b, np.shape(mask_b))
    if grid_a is None or grid_b is None:
        if grid_a is not grid_b or a.shape != b.shape:
            raise ValueError(
                "consecutive_agreement: a frame without a grid compares only with one without a"
                f" grid and the same shape (grids: {grid_a is not None}/{grid_b is not None}, "
                f"shapes {a.shape}/{b.shape}); give the frames a PolarGrid (instrument config)"
            )
        common, weight = va & vb, np.ones(a.shape)
    else:
        if grid_a.hemisphere != grid_b.hemisphere:
            raise ValueError(
                f"consecutive_agreement: frames of different hemispheres ({grid_a.hemisphere} vs "
                f"{grid_b.hemisphere}) are not one target"
            )
        if grid_b.px_per_deg > grid_a.px_per_deg:
            a, va, grid_a, b, vb, grid_b = b, vb, grid_b, a, va, grid_a
        b, vb = _sample(b, vb, grid_b, grid_a, a.shape)
        common, weight = va & vb, pixel_area_or_ones(grid_a, a.shape)
    w = weight[common]
    pa, pb = a[common], b[common]
    tp, fp, fn = w[pa & pb].sum(), w[~pa & pb].sum(), w[pa & ~pb].sum()
    cm = np.array([[0.0, fp], [fn, tp]])  # rows: a, columns: b (as truth, prediction); tn unused
    return {"iou": float(iou_dice(cm)[0][1]), "common_px": int(common.sum())}


def emission_capture(
    image: np.ndarray,
    valid: np.ndarray,
    mask: np.ndarray,
    grid: PolarGrid | None = None,
    percentile: float = BACKGROUND_PERCENTILE,
) -> dict[str, float]:
    """Share of the emission inside an aurora mask, and of the disk's area it takes.

    `image` (H, W) in the frame's units; `valid` and `mask` bool (H, W). The emission of a pixel
    is ``max(image − background, 0)`` × its area. Returns ``capture`` (mask's share of the
    emission), ``area_share`` (mask's share of the valid area), ``capture_efficiency`` (capture −
    area share: ~0 for the whole disk and for nothing, up to 1) and ``background``. NaN capture on
    a frame with no emission above its background.
    """
    valid = _valid(valid, image.shape)
    mask = np.asarray(mask, bool) & valid
    weight = pixel_area_or_ones(grid, image.shape)
    background = background_level(image, valid, percentile)
    emission = np.where(valid, np.clip(image - background, 0.0, None), 0.0) * weight
    total = float(emission.sum())
    capture = float(emission[mask].sum() / total) if total > 0 else float("nan")
    area = area_share(mask, valid, weight)
    out = {"capture": capture, "area_share": area, "capture_efficiency": capture - area}
    return out | {"background": background}


def area_share(mask: np.ndarray, valid: np.ndarray, weight: np.ndarray | None = None) -> float:
    """Share of the valid area (bool (H, W); `weight` (H, W) per-pixel area or None = 1 each)
    that `mask` (bool (H, W)) covers; NaN without valid pixels."""
    weight = np.ones(mask.shape) if weight is None else weight
    total = float(weight[valid].sum())
    return float(weight[valid & mask].sum() / total) if total > 0 else float("nan")


def latitude_band(mask: np.ndarray, grid: PolarGrid | None) -> dict[str, float | None]:
    """The 5th, 50th and 95th percentile planetocentric latitude (deg) of the `mask` (bool (H, W))
    pixels: ``lat_p05``, ``lat_p50``, ``lat_p95``; None without a grid or without pixels."""
    keys = ("lat_p05", "lat_p50", "lat_p95")
    lat = grid.latlon_image(*mask.shape)[0][mask] if grid is not None else np.zeros(0)
    lat = lat[np.isfinite(lat)]
    if not lat.size:
        return dict.fromkeys(keys)
    return {k: float(v) for k, v in zip(keys, np.percentile(lat, [5, 50, 95]), strict=True)}


def vortex_pixels(vortex: np.ndarray, valid: np.ndarray) -> dict[str, float]:
    """Count (``vortex_px``) and share of the valid pixels (``vortex_share``) of a bool (H, W)
    vortex mask; in a UV frame both must be 0."""
    valid = _valid(valid, vortex.shape)
    n = int((np.asarray(vortex, bool) & valid).sum())
    return {"vortex_px": n, "vortex_share": n / int(valid.sum()) if valid.any() else float("nan")}


def label_free_scores(
    frames: Sequence[Frame], masks: Sequence[np.ndarray], schema: LabelSchema | None = None
) -> dict[str, Any]:
    """Every label-free score of one target's frames and their masks (one (H, W) per frame).

    Frames go in time order when all have ``meta["time"]`` (ISO), else as given. Returns
    ``{"rows", "summary"}``: a row per frame (``id``, ``time``, ``uv``, ``dt_s`` and
    ``agreement`` with the previous frame, None for the first, ``vortex_agreement`` likewise for
    the vortex class (None unless either frame marks a vortex), and the `emission_capture`,
    `latitude_band`, `vortex_pixels` fields); the summary: median/min agreement, the median
    vortex agreement, mean capture, area share and capture efficiency, and ``vortex_px_uv``
    (summed over UV frames, must be 0).
    """
    _same_length(frames, masks)
    order = list(range(len(frames)))
    times = [_time(f) for f in frames]
    if all(t is not None for t in times):
        order.sort(key=lambda i: times[i])
    rows: list[dict[str, Any]] = []
    previous = None
    for i in order:
        frame = frames[i]
        aurora, vortex, scored = _classes(masks[i], frame, schema)
        row = {"id": frame.id, "time": frame.meta.get("time"), "uv": "uv" in frame.channels}
        row["dt_s"] = row["agreement"] = row["vortex_agreement"] = None
        if previous is not None:
            j, p_aurora, p_vortex, p_scored = previous
            args = (p_aurora, p_scored, frames[j].grid, aurora, scored, frame.grid)
            row["agreement"] = consecutive_agreement(*args)["iou"]
            if p_vortex.any() or vortex.any():  # (far-UV frames: never; skip the resampling)
                args = (p_vortex, p_scored, frames[j].grid, vortex, scored, frame.grid)
                row["vortex_agreement"] = consecutive_agreement(*args)["iou"]
            if times[i] is not None and times[j] is not None:
                row["dt_s"] = (times[i] - times[j]).total_seconds()
        row.update(emission_capture(emission_image(frame), scored, aurora, frame.grid))
        row.update(latitude_band(aurora, frame.grid))
        row.update(vortex_pixels(vortex, scored))
        rows.append(row)
        previous = (i, aurora, vortex, scored)
    return {"rows": rows, "summary": _summary(rows)}


# consecutive frames at most this far apart are "minutes apart" (issue 13's temporal stability;
# infer's default temporal window): the oval barely changes, so their masks should agree
SHORT_GAP_S = 300.0


def _summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    def stat(fn, key: str, among: list[dict[str, Any]] = rows) -> float | None:
        v = np.array([r[key] for r in among if r[key] is not None], dtype=np.float64)
        return float(fn(v[np.isfinite(v)])) if np.isfinite(v).any() else None

    short = [r for r in rows if r["dt_s"] is not None and abs(r["dt_s"]) <= SHORT_GAP_S]
    return {
        "frames": len(rows),
        "pairs": sum(r["agreement"] is not None for r in rows),
        "agreement_median": stat(np.median, "agreement"),
        "agreement_min": stat(np.min, "agreement"),
        # the pairs minutes apart alone (a 20-minute gap also sees the oval change)
        "agreement_median_short": stat(np.median, "agreement", short),
        "vortex_agreement_median": stat(np.median, "vortex_agreement"),
        "capture_mean": stat(np.mean, "capture"),
        "area_share_mean": stat(np.mean, "area_share"),
        "capture_efficiency_mean": stat(np.mean, "capture_efficiency"),
        "vortex_px_uv": int(sum(r["vortex_px"] for r in rows if r["uv"])),
    }


def _classes(
    mask: np.ndarray, frame: Frame, schema: LabelSchema | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(aurora, vortex, scored) bool masks of a class-id or bool mask on `frame`'s pixels."""
    mask = np.asarray(mask)
    if mask.shape != frame.shape:
        raise ValueError(f"{frame.id}: mask shape {mask.shape} != frame shape {frame.shape}")
    if mask.dtype == bool:
        return mask & frame.valid, np.zeros_like(mask), frame.valid
    names = schema.names if schema is not None else ["background", "aurora", "vortex"]
    scored = frame.valid & (mask != (schema.ignore_index if schema else IGNORE_INDEX))
    aurora, vortex = (
        scored & (mask == names.index(c)) if c in names else np.zeros_like(scored)
        for c in ("aurora", "vortex")
    )
    return aurora, vortex, scored


def _sample(mask, valid, grid, target, shape) -> tuple[np.ndarray, np.ndarray]:
    """`mask` and `valid` (on `grid`) at the pixels of `target` with `shape`, nearest pixel."""
    lat, lon = target.latlon_image(*shape)
    with np.errstate(invalid="ignore"):
        x, y = grid.pixel(lat, lon)
        xi, yi = np.floor(x + 0.5), np.floor(y + 0.5)
        h, w = mask.shape
        inside = np.isfinite(xi) & np.isfinite(yi) & (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
    xi, yi = np.where(inside, xi, 0).astype(np.intp), np.where(inside, yi, 0).astype(np.intp)
    return mask[yi, xi] & inside, valid[yi, xi] & inside


def pixel_area_or_ones(grid: PolarGrid | None, shape: tuple[int, ...]) -> np.ndarray:
    """Each pixel's area on the planet (0 off the disk); ones for a frame without a grid."""
    if grid is None:
        return np.ones(shape[:2])
    return np.nan_to_num(pixel_area(grid, int(shape[0]), int(shape[1])), nan=0.0)


def _valid(valid: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    valid = np.asarray(valid, bool)
    if valid.shape != tuple(shape[:2]):
        raise ValueError(f"valid mask shape {valid.shape} != image/mask shape {tuple(shape[:2])}")
    return valid


def _same_length(frames: Sequence[Frame], masks: Sequence[np.ndarray]) -> None:
    if len(frames) != len(masks):
        raise ValueError(f"{len(frames)} frames but {len(masks)} masks: give one mask per frame")


def _time(frame: Frame) -> datetime | None:
    try:
        return datetime.fromisoformat(str(frame.meta["time"]))
    except (KeyError, ValueError):
        return None
