"""The real-frame evaluation for people: overlays (reference | prediction side by side) and the
rich tables; and the flat summary that goes on the JSON line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from rich.table import Table

from jovis.frame import Frame, LabelSchema
from jovis.io.atomic import write_png
from jovis.render import display_image

MAX_SIDE = 800  # overlays larger than this (either panel side) are shrunk


def tinted(rgb: np.ndarray, mask: np.ndarray, schema: LabelSchema) -> np.ndarray:
    """`rgb` with each non-background class tinted (40%) and outlined in its schema colour."""
    out = rgb.astype(np.float32)
    width = max(1, round(max(mask.shape) / 400))
    kernel = np.ones((2 * width + 1, 2 * width + 1), np.uint8)
    for cls in schema.classes[1:]:
        region = (mask == cls.id).astype(np.uint8)
        colour = np.asarray(cls.color, np.float32)
        out[region.astype(bool)] = 0.6 * out[region.astype(bool)] + 0.4 * colour
        out[region.astype(bool) & ~cv2.erode(region, kernel).astype(bool)] = colour
    return out.astype(np.uint8)


def side_by_side(frame: Frame, pred: np.ndarray, truth: np.ndarray | None, schema: LabelSchema):
    """[reference labels | prediction] over the frame (without labels: [frame | prediction])."""
    rgb = display_image(frame.image, frame.channels, frame.valid)
    left = rgb if truth is None else tinted(rgb, truth, schema)
    panel = np.concatenate([left, np.full((rgb.shape[0], 4, 3), 255, np.uint8),
                            tinted(rgb, pred, schema)], axis=1)  # fmt: skip
    scale = MAX_SIDE / max(rgb.shape[:2])
    if scale < 1:
        size = (round(panel.shape[1] * scale), round(panel.shape[0] * scale))
        panel = cv2.resize(panel, size, interpolation=cv2.INTER_AREA)
    return panel


def overlay_writer(folder: Path, schema: LabelSchema) -> Callable:
    """`(frame, pred, truth or None) → None` writing ``folder/<frame id>.png`` (reference
    frames: ``<id>_reference.png``, so that a frame of both kinds keeps both)."""

    def write(frame: Frame, pred: np.ndarray, truth: np.ndarray | None) -> None:
        suffix = "_reference" if truth is not None else ""
        write_png(folder / f"{frame.id}{suffix}.png", side_by_side(frame, pred, truth, schema))

    return write


REFERENCE_KEYS = ("aurora_iou", "aurora_dice", "aurora_bright_iou", "aurora_faint_iou",
                  "aurora_bright_recall", "aurora_faint_recall",
                  "oval_boundary_mean", "vortex_iou", "vortex_precision", "vortex_recall",
                  "vortex_f1", "vortex_ap")  # fmt: skip
# vortex found count and 95 % intervals over the frames (`jovis.scoring.intervals`): in the
# summary and in the tables' captions (the tables are already wide)
INTERVAL_KEYS = ("vortex_found", "vortex_recall_interval", "vortex_f1_interval")
# recall in each sector split by how visible the reference ridge is (`real_eval.visibility`)
VISIBILITY_KEYS = tuple(
    f"aurora_{sector}_{what}_{cls}"
    for sector in ("bright", "faint")
    for what in ("recall", "share")
    for cls in ("lt2", "2to8", "gt8")
)
FREE_KEYS = ("agreement_median", "agreement_median_short", "agreement_min", "capture_mean",
             "area_share_mean", "capture_efficiency_mean", "vortex_px_uv")  # fmt: skip


FILTER_KEYS = ("vortex_iou", "vortex_precision", "vortex_recall", "vortex_f1", "vortex_ap")


def summary(result: dict[str, Any]) -> dict[str, Any]:
    """Flat headline numbers: ``ref_<key>`` and ``baseline_ref_<key>`` of the reference set,
    ``<folder>_<key>`` (and ``baseline_``) of each folder's first group of frames."""
    flat: dict[str, Any] = {}
    ref = result.get("reference")
    if ref:
        for who in ("model", "baseline"):
            prefix = "ref_" if who == "model" else "baseline_ref_"
            keys = (*REFERENCE_KEYS, *VISIBILITY_KEYS, *INTERVAL_KEYS)
            flat.update({prefix + k: ref[who].get(k) for k in keys if who in ref})
        flat["ref_frames"] = ref["model"]["frames"]
    filters = result.get("reference_filters")
    if filters:  # the JunoCam products again, as their per-filter sets
        keys = (*FILTER_KEYS, *INTERVAL_KEYS)
        flat.update({f"ref_filters_{k}": filters["model"].get(k) for k in keys})
        flat["ref_filters_frames"] = filters["model"]["frames"]
    for folder in result["folders"]:
        name = Path(folder["folder"]).name
        flat[f"{name}_frames"] = folder["frames"]
        group = folder["groups"][0] if folder["groups"] else {}
        for who, prefix in (("model", f"{name}_"), ("baseline", f"baseline_{name}_")):
            if who in group:
                flat.update({prefix + k: group[who]["summary"].get(k) for k in FREE_KEYS})
                flat[prefix + "agreement_pairs"] = pairs(group[who]["rows"])
        if folder.get("carried"):  # its first group of products carried onto one polar grid
            carried, prefix = folder["carried"][0], f"{name}_carried_"
            flat[prefix + "frames"] = len(carried["frames"])
            scores = carried["model"]["summary"]
            flat[prefix + "vortex_agreement_median"] = scores["vortex_agreement_median"]
            rows = carried["model"]["rows"]
            flat[prefix + "vortex_agreement_pairs"] = pairs(rows, "vortex_agreement")
    return flat


def pairs(rows: list[dict[str, Any]], key: str = "agreement") -> list[list]:
    """[seconds apart or None, IoU] of each consecutive pair of a label-free group (`key`:
    ``agreement``, aurora; ``vortex_agreement``)."""
    return [[r["dt_s"], None if r[key] is None else round(r[key], 4)] for r in rows[1:]]


def tables(result: dict[str, Any], checkpoint: str) -> list[Table]:
    """The reference-set table (model vs baseline) and the label-free table (one row per group
    of frames, model and baseline)."""
    out = []
    ref = result.get("reference")
    filters = result.get("reference_filters")
    if filters:
        t = Table(title=f"{checkpoint} on {filters['model']['frames']} JunoCam reference "
                  "products as their per-filter sets", caption="the same ellipses, the same "
                  "pixels as the map-projected composites" + _spread(filters["model"]))  # fmt: skip
        for k in FILTER_KEYS:
            t.add_column(k, justify="right")
        t.add_row(*(_fmt(filters["model"].get(k)) for k in FILTER_KEYS))
        out.append(t)
    if ref:
        caption = (
            "baseline: one fixed threshold tuned on these frames' reference masks (an "
            "optimistic bar); boundary in degrees; sectors: bright/faint oval arcs"
        ) + _spread(ref["model"])
        t = Table(title=f"{checkpoint} on {ref['model']['frames']} reference frames",
                  caption=caption)  # fmt: skip
        t.add_column("scored by")
        for k in REFERENCE_KEYS:
            t.add_column(k.replace("oval_boundary_mean", "boundary °"), justify="right")
        for who in ("model", "baseline"):
            if who in ref:
                t.add_row(who, *(_fmt(ref[who].get(k)) for k in REFERENCE_KEYS))
        out.append(t)
    t = Table(title="label-free scores (frames of one target, no labels)",
              caption="agreement: aurora IoU of consecutive frames on common lat/lon; capture "
              "efficiency: emission share − area share (0 for all or nothing)")  # fmt: skip
    for col in ("folder", "frames", "scored by", *FREE_KEYS, "pairs (Δt s: IoU)"):
        t.add_column(col, justify="right" if col != "folder" else "left")
    for folder in result["folders"]:
        for group in folder["groups"]:
            for who in ("model", "baseline"):
                if who in group:
                    s = group[who]["summary"]
                    shown = ", ".join(
                        f"{_fmt(dt)}: {_fmt(iou)}" for dt, iou in pairs(group[who]["rows"])[:4]
                    )
                    t.add_row(Path(folder["folder"]).name, str(len(group["frames"])), who,
                              *(_fmt(s.get(k)) for k in FREE_KEYS), shown)  # fmt: skip
    out.append(t)
    return out


def _spread(scores: dict[str, Any]) -> str:
    """A caption's note of the vortex count and its intervals over the frames, when scored."""
    if scores.get("vortex_f1_interval") is None:
        return ""
    recall, f1 = scores["vortex_recall_interval"], scores["vortex_f1_interval"]
    return (f"; vortices found {scores['vortex_found']}, 95 % over the frames resampled: "
            f"recall {recall}, F1 {f1}")  # fmt: skip


def _fmt(x: Any) -> str:
    if x is None:
        return "—"
    return f"{x:.3f}" if isinstance(x, float) else str(x)
