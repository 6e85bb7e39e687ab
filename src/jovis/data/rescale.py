"""Labelled folder frames at the training scale (``data.folders[i].resample`` / ``data.resample``).

A real frame comes at its own plate scale (an HST polar projection at 17.6 px/deg, a 1600 px
JunoCam product) while the model trains at its own (the synthetic grid's px/deg at ``data.size``;
whole-disk views of ``data.size`` px). `resample_labelled` puts a frame and its labels at the
training geometry with `jovis.geometry.resample.plan_resampling`, the rule ``infer resample=auto``
follows, before `jovis.data.mixed.fit_size` crops or pads it: the image as infer resamples it,
the mask by nearest neighbour (255 kept; nothing there = 255), the features' pixel coordinates
through the same plan (points mapped, lengths × the local scale, angles turned with the frame).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from jovis.frame import Frame, Labels
from jovis.geometry.remap import remap_mask
from jovis.geometry.resample import (
    RESAMPLE_MODES,
    ResamplePlan,
    check_limb_hint,
    plan_resampling,
    resample_image,
    usable_limb_hint,
)
from jovis.geometry.training import TrainingGeometry

POINT_KEYS = ("polyline_px", "seed_px", "centre_px", "contours_px", "ridge_px")
ELLIPSE_AXES = ("a", "b")  # the JunoCam reference ellipses' semi-axes (px), beside x, y, angle


def check_resample(value: Any, where: str) -> str:
    """`value` if it is a resample mode, else an error naming the setting and the fix."""
    if value not in RESAMPLE_MODES:
        raise ValueError(
            f"{where}={value!r}: valid choices are {', '.join(RESAMPLE_MODES)}; set {where}=auto "
            "(folder frames resampled to the training scale, as infer resample=auto does) or "
            f"{where}=off (cropped or padded as they are)"
        )
    return str(value)


def folder_scale(entry: Mapping[str, Any], where: str, geometry: Any) -> dict[str, Any]:
    """`FolderDataset`'s training arguments for a folder setting (``data`` for ``data=folder``,
    ``data.folders[i]``): the training `geometry` unless ``resample=off``, the ``px_per_deg`` of
    its frames without a grid (null: a grid, or whole-disk views) or the ``limb_radius_px`` of
    its crops of views, frames kept in memory."""
    mode = check_resample(entry.get("resample", "auto"), f"{where}.resample")
    hint = entry.get("px_per_deg")
    if hint is not None and (not _number(hint) or hint <= 0):
        raise ValueError(f"{where}.px_per_deg={hint!r}: give the frames' plate scale in px/deg "
                         "(> 0), or null for frames with a grid")  # fmt: skip
    limb = check_limb_hint(entry.get("limb_radius_px"), hint, f"{where}.")
    if mode == "auto" and geometry is not None:
        limb = usable_limb_hint(geometry, limb)
    return {"geometry": geometry if mode == "auto" else None, "px_per_deg": hint,
            "limb_radius_px": limb, "cache": True}  # fmt: skip


def resample_labelled(
    frame: Frame,
    labels: Labels,
    geometry: TrainingGeometry | None,
    *,
    px_per_deg: float | None = None,
) -> tuple[Frame, Labels, dict[str, Any]]:
    """(frame, labels, note) at `geometry`'s scale; as they are when the plan says so."""
    plan, note = plan_resampling(frame, geometry, px_per_deg=px_per_deg, min_size=1)
    if plan is None:
        return frame, labels, note
    mask = resample_mask(labels.mask, plan)
    features = rescale_features(labels.features, plan)
    return resample_image(frame, plan), Labels(mask, features), {**plan.resampling().note(), **note}


def resample_mask(mask: np.ndarray, plan: ResamplePlan) -> np.ndarray:
    """Class ids by nearest neighbour; outside the frame (or no source pixel) = ignore."""
    return remap_mask(mask, plan.map_x, plan.map_y)


def rescale_features(features: Any, plan: ResamplePlan) -> Any:
    """Feature truth (``jovis.features`` / reference conventions) in the resampled frame's
    pixels: ``x, y`` and point lists mapped, ``*_px`` lengths (and ``a, b``) scaled, ``*area*``
    by the square, ``angle_deg`` / ``angle`` turned, ``grid`` the resampled frame's grid."""
    if isinstance(features, list):
        return [rescale_features(v, plan) for v in features]
    if not isinstance(features, Mapping):
        return features
    out: dict[str, Any] = {}
    factor, turn = plan.scale, 0.0
    if _number(features.get("x")) and _number(features.get("y")):
        x, y = float(features["x"]), float(features["y"])
        angle = float(features.get("angle_deg", features.get("angle", 0.0)) or 0.0)
        (nx, ny), (ex, ey) = (
            _point(plan, x, y),
            _point(plan, x + math.cos(math.radians(angle)), y + math.sin(math.radians(angle))),
        )
        if all(map(math.isfinite, (nx, ny, ex, ey))):
            factor = math.hypot(ex - nx, ey - ny)  # px of the resampled frame per frame px
            turn = math.degrees(math.atan2(ey - ny, ex - nx)) - angle
        out["x"], out["y"] = round(nx, 4), round(ny, 4)
    for key, value in features.items():
        if key in ("x", "y"):
            continue
        if key == "grid":
            out[key] = None if plan.grid is None else plan.grid.to_dict()
        elif key in POINT_KEYS and value is not None:
            out[key] = _points(plan, value)
        elif key in ("angle_deg", "angle") and _number(value):
            period = 180.0 if key == "angle_deg" else 360.0
            out[key] = round((float(value) + turn) % period, 4)
        elif key == "km_per_px" and _number(value):
            out[key] = float(value) / factor
        elif _is_length(key, features) and _numbers(value):
            power = 2 if "area" in key else 1
            out[key] = np.round(np.asarray(value, np.float64) * factor**power, 4).tolist()
        else:
            out[key] = rescale_features(value, plan)
    return out


def _is_length(key: str, features: Mapping[str, Any]) -> bool:
    if key.endswith("_px") or key.endswith("_px_along"):
        return True
    return key in ELLIPSE_AXES and "x" in features and "y" in features


def _point(plan: ResamplePlan, x: float, y: float) -> tuple[float, float]:
    nx, ny = plan.points(np.array([x]), np.array([y]))
    return float(np.asarray(nx).ravel()[0]), float(np.asarray(ny).ravel()[0])


def _points(plan: ResamplePlan, value: Any) -> Any:
    try:
        arr = np.asarray(value, np.float64)
    except ValueError:  # ragged: a list of contours
        return [_points(plan, v) for v in value]
    if arr.size == 0 or arr.shape[-1] != 2:
        return value
    nx, ny = plan.points(arr[..., 0], arr[..., 1])
    return np.round(np.stack([nx, ny], -1), 4).tolist()


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _numbers(value: Any) -> bool:
    if _number(value):
        return True
    try:
        return np.asarray(value, np.float64).ndim == 1
    except (TypeError, ValueError):
        return False
