"""`benchmark suite=oval_course`: choose the oval-course settings (`jovis.scoring.oval_course`)
on labelled synthetic validation sets.

Each set is predicted once, as `evaluate` predicts (`labelled_predictions`); every combination
of the grid is then scored on the masks `infer` would write: pooled aurora IoU, recall and
precision, and the pixels drawn. The first set chooses (highest aurora IoU), the others confirm;
the row with the course off is the bar.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from jovis.data.datasets import FolderDataset
from jovis.evaluation import labelled_predictions
from jovis.inference.predictor import Predictor
from jovis.scoring.oval_course import CourseSettings, frame_mask

# truth, probs, valid, grid, the frame's (H, W, C) image
Predicted = list[tuple[np.ndarray, np.ndarray, np.ndarray, Any, np.ndarray]]


def run_oval_course(
    ckpt: str | Path,
    data: Sequence[str | Path],
    grid: Mapping[str, Sequence[Any]],
    device: str = "auto",
    batch_size: int = 8,
) -> dict[str, Any]:
    """Rows ``{settings, <set>_iou, <set>_recall, <set>_precision, <set>_filled_px,
    <set>_grown_px}`` (pixels the course drew, pixels the arcs grew), the course-off row first;
    ``best``: the settings of the row with the first set's highest IoU."""
    if not data:
        raise ValueError("oval_course.data: give at least one labelled synthetic frame set")
    start = time.perf_counter()
    predictor = Predictor.from_checkpoint(ckpt, device=device)
    info = predictor.info
    if "aurora" not in info.labels.names:
        raise ValueError(f"{ckpt}: its classes {info.labels.names} have no aurora")
    sets = {set_name(Path(d)): _predicted(predictor, Path(d), batch_size) for d in data}
    combos = [dict(zip(grid, values, strict=True)) for values in itertools.product(*grid.values())]
    rows = [{"settings": "off", **_scores(sets, info.labels, None)}]
    for combo in combos:
        course = CourseSettings.from_value({**combo, "mode": "on"})
        rows.append({"settings": combo, **_scores(sets, info.labels, course)})
    first = next(iter(sets))
    best = max(rows[1:], key=lambda r: r[f"{first}_iou"], default=rows[0])
    return {
        "checkpoint": str(ckpt),
        "sets": {name: len(frames) for name, frames in sets.items()},
        "chosen_on": first,
        "rows": rows,
        "best": best,
        "seconds": round(time.perf_counter() - start, 2),
    }


def _predicted(predictor: Predictor, folder: Path, batch_size: int) -> Predicted:
    info = predictor.info
    dataset = FolderDataset(folder, info.channels, normalisation=info.normalisation)
    predicted = labelled_predictions(predictor, dataset, batch_size)
    return [(truth, p, frame.valid, frame.grid, frame.image) for frame, truth, _, p in predicted]


def _scores(sets: dict[str, Predicted], schema, course: CourseSettings | None) -> dict[str, Any]:
    aurora = schema.names.index("aurora")
    out: dict[str, Any] = {}
    for name, frames in sets.items():
        tp = fp = fn = filled = grown = 0
        for truth, probs, valid, grid, image in frames:
            mask, record = frame_mask(probs, valid, grid, schema, course, image)
            filled += (record or {}).get("filled_px", 0)
            grown += (record or {}).get("grown_px", 0)
            scored = truth != schema.ignore_index
            t, p = (truth == aurora) & scored, (mask == aurora) & scored
            tp, fp, fn = tp + int((t & p).sum()), fp + int((p & ~t).sum()), fn + int((t & ~p).sum())
        out[f"{name}_iou"] = round(tp / max(tp + fp + fn, 1), 4)
        out[f"{name}_recall"] = round(tp / max(tp + fn, 1), 4)
        out[f"{name}_precision"] = round(tp / max(tp + fp, 1), 4)
        out[f"{name}_filled_px"] = filled
        out[f"{name}_grown_px"] = grown
    return out


def set_name(folder: Path) -> str:
    """The set's key in the rows: its folder with its parent (held-out sets share names)."""
    return "/".join(folder.resolve().parts[-2:])
