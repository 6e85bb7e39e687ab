"""`evaluate()`: per-class IoU and Dice of a checkpoint on a labelled frame set."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import torch
from rich.console import Console
from rich.table import Table

from jovis.config import check_at_least
from jovis.data.datasets import FolderDataset
from jovis.frame import Frame, LabelSchema
from jovis.inference.batches import predict_batches
from jovis.inference.look import LookSettings
from jovis.inference.predictor import Predictor
from jovis.inference.prepare import ScaledInput, prepare_scaled
from jovis.inference.scale import (
    check_limb_hint,
    check_mode,
    check_scale_hint,
    training_geometry,
    usable_limb_hint,
)
from jovis.inference.settings import check_vortex_floor
from jovis.io.atomic import check_folder, write_json, write_text
from jovis.io.csv_file import csv_text
from jovis.real_eval.visibility import VisibilityRecall
from jovis.scoring import FeatureScores, confusion_matrix, iou_dice
from jovis.scoring.oval_course import CourseSettings, frame_mask


def evaluate(
    ckpt: str | Path,
    data: str | Path,
    out: str | Path | None = None,
    *,
    device: str = "auto",
    tta: bool = False,
    orientation: int | None = None,
    batch_size: int = 8,
    split: str | None = None,
    resample: str = "auto",
    px_per_deg: float | None = None,
    oval_course: Any = "auto",
    look: Any = "off",
    score_hidden: bool = False,
    min_vortex_score: float | None = None,
    limb_radius_px: float | None = None,
) -> dict[str, Any]:
    """Score `ckpt` on the frames of `data` (manifest.jsonl + images/ + masks/).

    Predictions go through the same `Predictor` as `scripts/infer.py`, so the score is the one a
    user gets. Returns a flat dict: `<class>_iou`, `<class>_dice`, `mean_fg_iou`, counts; with
    vortex truth in the frame set's features, `vortex_precision/recall/f1` (one-to-one matching,
    centres within half the true radius) with `vortex_recall_interval` / `vortex_f1_interval`
    (95 % over the frames resampled, `jovis.scoring.intervals`), `vortex_radius_error_px`,
    and `vortex_pr_curve` / `vortex_ap` (precision and recall with the instances kept at each
    floor of their mean probability, `FeatureScores(score_curve=True)`);
    and the aurora boundary distance `oval_boundary_mean/p95`, in degrees of great circle when
    every frame has a grid.
    `resample` / `px_per_deg` as for `run_inference`: frames are fed at the checkpoint's training
    scale and scored on their own pixels; `resampled_frames` and `resample_scales` say how,
    and `doubtful_scale_frames` how many were fed at a scale the resampling flagged (not a
    whole-disk view: a map or a crop; or a plate scale unknown), as infer's rows flag them.
    `limb_radius_px` as `run_inference`'s: the planet's radius in px of views that do not hold
    the whole disk.
    `oval_course` as `infer`'s (`jovis.scoring.oval_course`; auto resolved for the checkpoint):
    the masks scored are those `infer` writes. `look` as `infer`'s (`jovis.inference.look`:
    auto gives unprocessed JunoCam frames the composites' processing; ``on`` every frame of a
    JunoCam detector, e.g. synthetic views without the product style). On one-channel polar
    frames whose truth has an oval polyline, `aurora_recall_<lt2|2to8|gt8>` and
    `aurora_share_<...>` split the true oval's recall by its ridge SNR, as the real reference
    set's faint sectors are (`jovis.real_eval.visibility`). `orientation` 0-7 scores one of the
    8 rotations/flips of every frame instead (`Predictor`; `benchmark suite=orientations`).
    Only the classes the detector can see are scored (`classes_scored`; `labelled_predictions`);
    `score_hidden` scores every class's pixels, as evaluate did before 2026-12-05 and as the
    released cards' check scores were measured. `min_vortex_score` as `infer`'s (None: 0.7):
    the floor of the vortex instances the usual scores count (the curve spans every floor).
    """
    check_mode(resample)
    check_at_least("batch_size", batch_size, 1, "frames per forward pass")  # (0 ran)
    px_per_deg = check_scale_hint(px_per_deg)
    limb_radius_px = check_limb_hint(limb_radius_px, px_per_deg)
    if out is not None:  # (a file there was found once every frame had been predicted)
        check_folder(out, "out")
    predictor = Predictor.from_checkpoint(ckpt, device=device, tta=tta, orientation=orientation)
    limb_radius_px = usable_limb_hint(training_geometry(predictor.info), limb_radius_px)
    schema = predictor.info.labels
    dataset = FolderDataset(data, predictor.info.channels, split=split,
                            normalisation=predictor.info.normalisation,
                            limb_radius_px=limb_radius_px)  # fmt: skip
    course = CourseSettings.from_value(oval_course).resolved(
        predictor.info.channels, [schema.names[i] for i in predictor.info.visible_classes]
    )
    cm = torch.zeros(schema.num_classes, schema.num_classes, dtype=torch.int64)
    floor = check_vortex_floor(min_vortex_score)
    extract = None if floor is None else {"min_vortex_score": floor}
    truth_scores = FeatureScores(schema, extract, score_curve=True)
    seen = VisibilityRecall()  # the true oval's recall by its ridge SNR (one-channel polar frames)
    aurora = schema.names.index("aurora") if "aurora" in schema.names else None
    start = time.perf_counter()
    notes: list[dict[str, Any]] = []

    scored = scored_classes(predictor, score_hidden)
    per_frame: list[dict[str, Any]] = []
    for frame, truth, truth_features, p in labelled_predictions(
        predictor, dataset, batch_size, resample, px_per_deg, notes, look, score_hidden
    ):
        pred, _ = frame_mask(p, frame.valid, frame.grid, schema, course, frame.image)
        frame_cm = confusion_matrix(
            torch.from_numpy(pred), torch.from_numpy(truth), schema.num_classes, schema.ignore_index
        )
        cm.add_(frame_cm)
        counts = truth_scores.add(pred, p, truth, truth_features, frame.grid)
        per_frame.append(frame_scores(frame.id, frame_cm.numpy(), counts, schema, scored))
        if aurora is not None and (truth == aurora).any():
            seen.add(frame, truth_features, truth == aurora, pred == aurora)

    iou, dice = iou_dice(cm.numpy())
    result: dict[str, Any] = {"data": str(data), "checkpoint": str(ckpt), "frames": len(dataset)}
    # what the detector can mark; the other classes' pixels are not scored (`labelled_predictions`)
    result["classes_scored"] = [schema.names[i] for i in scored]
    for name, i_, d_ in zip(schema.names, iou, dice, strict=True):
        result[f"{name}_iou"] = _round(i_)
        result[f"{name}_dice"] = _round(d_)
    fg = iou[1:]
    result["mean_fg_iou"] = _round(np.nanmean(fg)) if np.isfinite(fg).any() else None
    result.update(truth_scores.summary())
    if any(int(c[0]) for c in seen.counts.values()):
        result.update(seen.summary("aurora"))
    result["resample"] = resample
    result["oval_course"] = course.mode
    result["look"] = LookSettings.from_value(look).mode
    result["looked_frames"] = sum(bool(n.get("look")) for n in notes)
    result["resampled_frames"] = sum(bool(n.get("resampled")) for n in notes)
    result["resample_scales"] = sorted({n["resample_scale"] for n in notes if n.get("resampled")})
    result["doubtful_scale_frames"] = sum(n.get("whole_disk_view") is False
                                          or n.get("plate_scale_known") is False
                                          for n in notes)  # fmt: skip
    result["confusion_matrix"] = cm.tolist()
    result["seconds"] = round(time.perf_counter() - start, 2)
    result["worst_frames"] = worst_frames(per_frame)
    if out is not None:
        out = Path(out)
        write_json(out / "metrics.json", result)
        write_text(out / PER_FRAME, csv_text(per_frame, list(per_frame[0]) if per_frame else []))
        result["out"] = str(out)
        result["per_frame"] = str(out / PER_FRAME)
    return result


# evaluate's one row per frame, beside metrics.json
PER_FRAME = "per_frame.csv"


def frame_scores(frame_id: str, cm: np.ndarray, counts: dict[str, int] | None,
                 schema: LabelSchema, scored: list[int]) -> dict[str, Any]:  # fmt: skip
    """One frame's row: its IoU and its true and predicted pixels for each scored class but the
    background, the mean of those IoUs, and its vortex instances (tp, fp, fn) when it has
    vortex truth: which of a user's labelled frames the detector gets wrong, and how."""
    iou, _ = iou_dice(cm)
    row: dict[str, Any] = {"frame_id": frame_id}
    foreground = [i for i in scored if i != 0]
    for i in foreground:
        name = schema.names[i]
        row[f"{name}_iou"] = _round(iou[i])
        row[f"{name}_true_px"] = int(cm[i].sum())
        row[f"{name}_pred_px"] = int(cm[:, i].sum())
    ious = [iou[i] for i in foreground if np.isfinite(iou[i])]
    row["mean_fg_iou"] = _round(np.mean(ious)) if ious else None
    for key in ("tp", "fp", "fn"):
        row[f"vortex_{key}"] = None if counts is None else counts[key]
    return row


def worst_frames(rows: list[dict[str, Any]], n: int = 5) -> list[dict[str, Any]]:
    """The `n` frames of lowest mean foreground IoU (those with one), lowest first: where to
    look first among a labelled set's frames."""
    scored = [r for r in rows if r["mean_fg_iou"] is not None]
    return [{"frame_id": r["frame_id"], "mean_fg_iou": r["mean_fg_iou"]}
            for r in sorted(scored, key=lambda r: r["mean_fg_iou"])[:n]]  # fmt: skip


def labelled_predictions(
    predictor: Predictor,
    dataset: FolderDataset,
    batch_size: int,
    resample: str = "auto",
    px_per_deg: float | None = None,
    notes: list[dict[str, Any]] | None = None,
    look: Any = "off",
    score_hidden: bool = False,
) -> Iterator[tuple[Frame, np.ndarray, dict | None, np.ndarray]]:
    """(frame, truth mask with the ignore id off its valid data, truth features, probabilities
    on the frame's pixels) for every frame of a labelled set, predicted as `infer` predicts;
    each frame's resampling note is appended to `notes`. What the detector cannot see is not
    scored, as in training's validation: pixels of a class outside its ``visible_classes``
    (vortices in the far UV, aurora in reflected light) are ignored, and without the vortex
    class the truth's vortex instances are left out (`score_hidden`: every class is scored)."""
    schema = predictor.info.labels
    visible = scored_classes(predictor, score_hidden)
    hidden = [i for i in range(schema.num_classes) if i not in visible]
    vortex_hidden = "vortex" in schema.names and schema.id_of("vortex") in hidden

    def prepared() -> Iterator[tuple[ScaledInput, tuple[Frame, np.ndarray, dict]]]:
        for i in range(len(dataset)):
            frame, labels = dataset.load(i)
            unscored = ~frame.valid | np.isin(labels.mask, hidden)
            truth = np.where(unscored, schema.ignore_index, labels.mask).astype(np.uint8)
            features = labels.features
            if vortex_hidden and features and "vortices" in features:
                features = {k: v for k, v in features.items() if k != "vortices"}
            x = prepare_scaled(frame, predictor.info, 1, resample=resample,
                               px_per_deg=px_per_deg, look=look)  # fmt: skip
            if notes is not None:
                notes.append(x.note)
            yield x, (frame, truth, features)

    for (frame, truth, truth_features), p, _, _ in predict_batches(
        predictor, prepared(), batch_size
    ):
        yield frame, truth, truth_features, p


def scored_classes(predictor: Predictor, score_hidden: bool = False) -> list[int]:
    """The class ids `evaluate` scores: those the detector can see (``visible_classes``), or
    every class with `score_hidden`."""
    if score_hidden:
        return list(range(predictor.info.labels.num_classes))
    return list(predictor.info.visible_classes)


def print_table(result: dict[str, Any], names: list[str] | None = None) -> None:
    names = (
        names
        or result.get("classes_scored")
        or [k[:-4] for k in result if k.endswith("_iou") and k != "mean_fg_iou"]
    )
    table = Table(title=f"{result['frames']} frames of {result['data']}")
    table.add_column("class")
    table.add_column("IoU", justify="right")
    table.add_column("Dice", justify="right")
    for name in names:
        table.add_row(name, _fmt(result[f"{name}_iou"]), _fmt(result[f"{name}_dice"]))
    console = Console()
    console.print(table)
    if result.get("vortex_f1") is not None:
        console.print(
            f"vortex instances: precision {_fmt(result['vortex_precision'])}, recall "
            f"{_fmt(result['vortex_recall'])}, F1 {_fmt(result['vortex_f1'])}, radius error "
            f"{_fmt(result['vortex_radius_error_px'])} px"
        )
    if result.get("vortex_ap") is not None:
        curve = "  ".join(f"≥{p['min_score']:.2f}: {_fmt(p['precision'])}/{_fmt(p['recall'])}"
                          for p in result["vortex_pr_curve"][::2])  # fmt: skip
        ap = _fmt(result["vortex_ap"])
        console.print(f"vortex AP {ap}; precision/recall at mean_prob {curve}")
    if result.get("track_idf1") is not None:
        console.print(
            f"tracking: IDF1 {_fmt(result['track_idf1'])} (circumpolar "
            f"{_fmt(result['track_idf1_circumpolar'])}), polar id switches "
            f"{result['track_id_switches_polar']}, polygon drift error "
            f"{_fmt(result['track_polygon_rate_rel_error'])}; tracks in {result['track_out']}"
        )
    if result.get("oval_boundary_mean") is not None:
        units = result["oval_boundary_units"]
        console.print(
            f"oval boundary distance: mean {_fmt(result['oval_boundary_mean'])} {units}, "
            f"95th percentile {_fmt(result['oval_boundary_p95'])} {units}"
        )
    if result.get("doubtful_scale_frames"):
        console.print(
            f"{result['doubtful_scale_frames']} frame(s) fed at a doubtful scale (a map, a crop "
            "or no plate scale: see the logged warnings); their scores are not the detector's at "
            "its scale", soft_wrap=True,
        )  # fmt: skip
    if len(result.get("worst_frames") or []) > 1:
        worst = ", ".join(f"{w['frame_id']} ({_fmt(w['mean_fg_iou'])})"
                          for w in result["worst_frames"])  # fmt: skip
        where = result.get("per_frame")
        where = f"; every frame's scores in {where}" if where else ""
        console.print(f"lowest mean foreground IoU: {worst}{where}", soft_wrap=True)


def _round(x: float) -> float | None:
    return None if not np.isfinite(x) else round(float(x), 4)


def _fmt(x: float | None) -> str:
    return "—" if x is None else f"{x:.3f}"
