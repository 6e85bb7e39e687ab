"""`evaluate_real`: score a checkpoint on real frames: the reference set with labels, every
folder of frames without them (label-free), and the fixed-threshold baseline as the bar.

What a checkpoint scores: the frames with its channels (`sequences.accepts`: a UV model the
HST frames, an RGB model the JunoCam colour products); the others are listed as skipped. The
baseline is `label_free.tune_threshold` on the reference aurora masks of the same frames, so it
is an optimistic bar (tuned on the frames it is scored on), applied as it is to every folder.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

from jovis.data.datasets import FolderDataset
from jovis.frame import Frame, LabelSchema
from jovis.io.masks import read_mask_png
from jovis.real_eval.labelled import LabelledScores, class_mask
from jovis.real_eval.sequences import accepts, frame_groups, read_folder
from jovis.real_eval.visibility import frame_visibility
from jovis.scoring import label_free as lf

# frames → (class-id mask uint8 H×W with 255 off the valid data, probabilities (C, H, W) or None)
Predict = Callable[[list[Frame]], list[tuple[np.ndarray, np.ndarray | None]]]


def checkpoint_predict(
    predictor, batch_size: int = 4, resample: str = "auto", temporal: Any = "off",
    oval_course: Any = "off", look: Any = "off",
) -> Predict:  # fmt: skip
    """`Predict` through `predictor` (a `jovis.inference.Predictor`), as `infer` predicts:
    frames fed at the checkpoint's training scale (``resample="auto"``) or as they are, and
    with `temporal` (`jovis.inference.temporal`; auto resolved for the checkpoint) each frame
    combined with the frames of its target within the window among those given together, by
    the loop `infer` runs (`predict_with_neighbours`), and with `oval_course` (auto resolved
    likewise) the masks `infer` writes, with `look` (`jovis.inference.look`) as `infer` feeds
    unprocessed JunoCam frames. `predict.temporal` and `predict.oval_course` hold the
    resolved settings and `predict.records` the manifest fields of every frame it predicted."""
    from jovis.inference.prepare import prepare_scaled
    from jovis.inference.temporal import TemporalSettings
    from jovis.inference.temporal_predict import Entry, predict_with_neighbours
    from jovis.scoring.oval_course import CourseSettings, added_px, frame_mask

    info, schema = predictor.info, predictor.info.labels
    visible = [schema.names[i] for i in info.visible_classes]
    settings = TemporalSettings.from_value(temporal).resolved(info.channels, visible)
    course = CourseSettings.from_value(oval_course).resolved(info.channels, visible)

    def prep(frame: Frame, _=None):
        return prepare_scaled(frame, info, 1, resample=resample, look=look)

    def predict(frames: list[Frame]) -> list[tuple[np.ndarray, np.ndarray | None]]:
        entries = [Entry(f, prep(f), f) for f in frames]
        out = []
        for f, p, _, _, record in predict_with_neighbours(predictor, entries, settings, prep,
                                                          batch_size):  # fmt: skip
            mask, drawn = frame_mask(p, f.valid, f.grid, schema, course, f.image)
            out.append((mask, p))
            extra = {} if drawn is None else {"oval_course_px": added_px(drawn)}
            predict.records.append({"id": f.id, **record, **extra})
        return out

    predict.temporal, predict.oval_course, predict.records = settings, course, []
    return predict


def score_reference_set(
    predict: Predict, folder: str | Path, schema: LabelSchema, channels: list[str],
    overlay: Callable | None = None,
) -> dict[str, Any] | None:  # fmt: skip
    """Model and baseline scores on a labelled frame set (manifest rows may name ``sectors``);
    None when none of its frames has the checkpoint's channels."""
    folder = Path(folder)
    dataset = FolderDataset(folder, channels)  # every manifest row (no split)
    loaded, skipped = [], []
    for i, row in enumerate(dataset.rows):
        frame, labels = dataset.load(i)
        if accepts(frame, channels):
            loaded.append((row, frame, labels))
        else:
            skipped.append(row["id"])
    if not loaded:
        return None
    frames = [f for _, f, _ in loaded]
    truths = [np.where(f.valid, lab.mask, schema.ignore_index).astype(np.uint8)
              for _, f, lab in loaded]  # fmt: skip
    sectors = [read_mask_png(folder / r["sectors"]) if r.get("sectors") else None
               for r, _, _ in loaded]  # fmt: skip
    visibility = [None if sec is None else frame_visibility(f, lab.features, sec)
                  for (_, f, lab), sec in zip(loaded, sectors, strict=True)]  # fmt: skip
    model, baseline = LabelledScores(schema, score_curve=True), None
    for (row, frame, labels), truth, sec, vis, (pred, probs) in zip(
        loaded, truths, sectors, visibility, predict(frames), strict=True
    ):
        model.add(row["id"], pred, probs, truth, labels.features, frame.grid, sec, vis)
        if overlay is not None:
            overlay(frame, pred, truth)
    result: dict[str, Any] = {
        "data": str(folder), "manifest_frames": len(dataset.rows), "skipped": skipped
    }  # fmt: skip
    result["model"] = model.summary()
    threshold = _baseline_threshold(frames, truths, schema)
    if threshold is not None:
        baseline = LabelledScores(schema)
        for (row, frame, labels), truth, sec, vis in zip(loaded, truths, sectors, visibility,
                                                         strict=True):  # fmt: skip
            pred = _threshold_mask(frame, threshold["threshold"], schema)
            baseline.add(row["id"], pred, None, truth, labels.features, frame.grid, sec, vis)
        result["baseline"] = baseline.summary() | {"threshold": threshold}
    return result


def score_folder(
    predict: Predict, folder: str | Path, schema: LabelSchema, channels: list[str],
    threshold: float | None = None, overlay: Callable | None = None,
    views: dict[str, Any] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Label-free scores of the frames of one folder (one target), model and (with a
    `threshold`) baseline, per group of frames that can be compared (`frame_groups`); with
    `views` ({product id: `PerspectiveView`}) also of the perspective products among them
    carried onto one polar grid (`jovis.real_eval.carried`), as ``carried`` groups."""
    from jovis.real_eval.carried import carry

    frames, errors = read_folder(folder)
    usable = [f for f in frames if accepts(f, channels)]
    out: dict[str, Any] = {"folder": str(folder), "frames": len(usable), "errors": errors}
    out["skipped"] = [f.id for f in frames if not accepts(f, channels)]
    out["groups"], out["carried"] = [], []
    predicted: tuple[list[Frame], list[np.ndarray]] = ([], [])
    for group in frame_groups(usable):
        masks = [m for m, _ in predict(group)]
        predicted[0].extend(group)
        predicted[1].extend(masks)
        if overlay is not None:
            for frame, mask in zip(group, masks, strict=True):
                overlay(frame, mask, None)
        entry = {
            "frames": [f.id for f in group],
            "model": lf.label_free_scores(group, masks, schema),
        }
        if threshold is not None:
            base = [_threshold_mask(f, threshold, schema) for f in group]
            entry["baseline"] = lf.label_free_scores(group, base, schema)
        out["groups"].append(entry)
    for polar, masks in carry(*predicted, views or {}):
        out["carried"].append({
            "frames": [f.id for f in polar], "model": lf.label_free_scores(polar, masks, schema)
        })  # fmt: skip
    return out


def evaluate_real(
    predict: Predict, schema: LabelSchema, channels: list[str], out: str | Path, *,
    reference_set: str | Path | None, folders: Iterable[str | Path] = (),
    overlays: bool = True, filter_set: str | Path | None = None,
    views: dict[str, Any] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Everything `benchmark suite=real` reports: the reference set's scores (model, baseline),
    the JunoCam products' scores as their per-filter sets (`filter_set`, when given) and each
    folder's label-free scores (with `views`, also of its products carried onto a polar grid,
    `score_folder`); overlays under ``out/overlays/``."""
    from jovis.real_eval.report import overlay_writer

    start = time.perf_counter()
    write = overlay_writer(Path(out) / "overlays", schema) if overlays else None
    result: dict[str, Any] = {"reference": None, "folders": []}
    if reference_set is not None:
        result["reference"] = score_reference_set(predict, reference_set, schema, channels, write)
    if filter_set is not None:
        result["reference_filters"] = score_reference_set(
            predict, filter_set, schema, channels, write
        )
    base = (result["reference"] or {}).get("baseline", {}).get("threshold", {})
    for folder in folders:
        result["folders"].append(
            score_folder(predict, folder, schema, channels, base.get("threshold"), write, views)
        )
    result["seconds"] = round(time.perf_counter() - start, 2)
    return result


def _baseline_threshold(frames, truths, schema: LabelSchema) -> dict[str, Any] | None:
    if "aurora" not in schema.names or not any((t == schema.id_of("aurora")).any() for t in truths):
        return None
    return lf.tune_threshold(frames, truths, schema=schema)


def _threshold_mask(frame: Frame, threshold: float, schema: LabelSchema) -> np.ndarray:
    mask = lf.threshold_mask(lf.emission_image(frame), frame.valid, threshold)
    return class_mask(mask, frame.valid, schema)
