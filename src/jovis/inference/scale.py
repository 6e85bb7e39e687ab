"""Plate-scale-aware inference: feed a frame at the scale the model was trained on.

A checkpoint records its training geometry (`TrainingGeometry`: projection, pixels per degree at
the pole, the frame's extent in degrees, hemispheres, orientation). `resample_frame` puts a frame
with a polar grid onto a grid of that projection and scale covering the frame's valid data, and
returns a `Resampling` whose `restore` maps class probabilities back onto the frame's own pixels
(bilinear per class, so argmax happens on the frame's pixels). A frame without a grid but with a
``px_per_deg`` hint is zoomed by the ratio of the scales. This is nnU-Net's target spacing.
A frame with neither, given to a model trained on perspective views (``data.view``; the views
show the whole disk in a ``size``-px frame, as the JunoCam map-projected products do), is zoomed
so that its longer side is the training ``size``; to a polar-only model it is fed as it is.
`jovis.geometry.resample.plan_resampling` is that rule; training on labelled folders
(`jovis.data.rescale`) applies the same plan to their frames, masks and features.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from jovis.config import check_at_least
from jovis.frame import Frame
from jovis.geometry.resample import (
    RESAMPLE_MODES,
    ResamplePlan,
    Resampling,
    check_limb_hint,
    plan_resampling,
    resample_image,
    row_limb_hint,
    usable_limb_hint,
    with_limb_hint,
)
from jovis.geometry.training import TrainingGeometry, geometry_of_config
from jovis.io.junocam import metadata_number

__all__ = [
    "RESAMPLE_MODES",
    "ResamplePlan",
    "Resampling",
    "TrainingGeometry",
    "altitude_note",
    "check_limb_hint",
    "geometry_of_config",
    "plan_resampling",
    "resample_frame",
    "resample_image",
    "row_limb_hint",
    "training_geometry",
    "usable_limb_hint",
    "with_limb_hint",
]

log = logging.getLogger(__name__)


def training_geometry(info: Any) -> TrainingGeometry | None:
    """The checkpoint's recorded geometry; for older checkpoints, derived from its config."""
    stored = info.extra.get("geometry")
    if not stored:
        return geometry_of_config(info.config or {})
    geometry = TrainingGeometry.from_dict(stored)
    if "view_altitude_km" not in stored:  # recorded before the field: its config knows the views
        derived = geometry_of_config(info.config or {})
        if derived is not None and derived.view_altitude_km is not None:
            geometry = replace(geometry, view_altitude_km=derived.view_altitude_km)
    return geometry


def frame_altitude_km(frame: Frame) -> float | None:
    """The spacecraft altitude a frame was taken from (a JunoCam ``-metadata.json``'s
    ``SPACECRAFT_ALTITUDE``, "35216.7 <km>"), None when it does not say or says nonsense."""
    altitude = metadata_number(frame.meta, "SPACECRAFT_ALTITUDE")
    return altitude if altitude is not None and altitude > 0 else None


def altitude_note(frame: Frame, geometry: TrainingGeometry | None) -> dict[str, Any]:
    """For the manifest row: the frame's altitude and whether the model's perspective training
    views were taken from as far (a vortex seen from outside that range has other pixel sizes
    than any the model learnt; a logged warning says so). Empty when either is unknown."""
    altitude = frame_altitude_km(frame)
    if altitude is None or geometry is None or geometry.view_altitude_km is None:
        return {}
    lo, hi = geometry.view_altitude_km
    inside = lo <= altitude <= hi
    if not inside:
        log.warning(
            "%s: taken from %.0f km, outside the altitudes of the model's training views "
            "(%.0f-%.0f km): its vortices are %s in pixels than any the model learnt; expect "
            "misses (or train one with data.params.junocam_altitude_km covering "
            "%.0f km)", frame.source or frame.id, altitude, lo, hi,
            "larger" if altitude < lo else "smaller", altitude)  # fmt: skip
    return {"altitude_km": round(altitude, 1), "altitude_in_training_views": inside}


def check_mode(resample: str) -> str:
    if resample not in RESAMPLE_MODES:
        raise ValueError(
            f"resample={resample!r}: valid choices are {', '.join(RESAMPLE_MODES)} "
            "(auto: feed frames at the model's training scale; off: as they are)"
        )
    return resample


def check_scale_hint(px_per_deg: Any) -> float | None:
    """``px_per_deg`` (the scale of frames without a grid) as a positive float, or None; a wrong
    value is refused before any frame is read (it failed each frame in OpenCV's blur)."""
    if px_per_deg is None:
        return None
    meaning = "the frames' pixels per degree of latitude where they have no grid; null: none"
    return float(check_at_least("px_per_deg", px_per_deg, 0, meaning, integer=False, above=True))


def resample_frame(
    frame: Frame,
    geometry: TrainingGeometry | None,
    *,
    px_per_deg: float | None = None,
    min_size: int = 32,
) -> tuple[Frame, Resampling | None, dict[str, Any]]:
    """(frame to feed, its `Resampling` or None, the manifest note: resampled, scale, reason)."""
    plan, note = plan_resampling(frame, geometry, px_per_deg=px_per_deg, min_size=min_size)
    if plan is None:
        return frame, None, note
    resampling = plan.resampling()
    return resample_image(frame, plan), resampling, {**resampling.note(), **note}
