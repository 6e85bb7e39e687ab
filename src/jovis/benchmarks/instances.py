"""`benchmark suite=instances`: choose how vortex instances are taken from a detector's masks
(`jovis.features.extract_features`: the score and area floors, the touching-vortex split, the
longest axis ratio, the cut of elongated blobs) on
labelled synthetic validation sets.

Each set is predicted once, as `evaluate` predicts (`labelled_predictions`, masks as `infer`
writes them); every combination of the grid is then scored with `evaluate`'s instance matching
(`FeatureScores`): F1, precision, recall and the counts, pooled per set. The first set chooses
(highest F1; ties keep the earlier row), the others confirm: ``confirmed`` says whether the
choice also beats today's defaults (the first row) on every other set.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from jovis.benchmarks.oval_course import set_name
from jovis.data.datasets import FolderDataset
from jovis.evaluation import labelled_predictions
from jovis.inference.predictor import Predictor
from jovis.scoring.features import FeatureScores
from jovis.scoring.oval_course import CourseSettings, frame_mask

SETTINGS = (
    "min_vortex_score",
    "min_vortex_area_px",
    "neck_ratio",
    "concave_ratio",
    "max_axis_ratio",
    "split_axis_ratio",
    "max_edge_share",
)


def run_instances(
    ckpt: str | Path,
    data: Sequence[str | Path],
    grid: Mapping[str, Sequence[Any]],
    device: str = "auto",
    batch_size: int = 8,
) -> dict[str, Any]:
    """Rows ``{settings, <set>_f1, <set>_precision, <set>_recall, <set>_tp/fp/fn}``, today's
    defaults first; ``best``: the row with the first set's highest F1; ``confirmed``."""
    if not data:
        raise ValueError("instances.data: give at least one labelled synthetic frame set")
    unknown = sorted(set(grid) - set(SETTINGS))
    if unknown:
        valid = ", ".join(SETTINGS)
        raise ValueError(f"instances.grid: unknown settings {unknown}; valid: {valid}")
    start = time.perf_counter()
    predictor = Predictor.from_checkpoint(ckpt, device=device)
    info = predictor.info
    if "vortex" not in info.labels.names:
        raise ValueError(f"{ckpt}: its classes {info.labels.names} have no vortex")
    sets = {set_name(Path(d)): _predicted(predictor, Path(d), batch_size) for d in data}
    combos = [dict(zip(grid, values, strict=True)) for values in itertools.product(*grid.values())]
    rows = [{"settings": "default", **_scores(sets, info.labels, {})}]
    rows += [{"settings": combo, **_scores(sets, info.labels, combo)} for combo in combos]
    first, others = next(iter(sets)), list(sets)[1:]
    best = max(rows, key=lambda r: r[f"{first}_f1"])  # max keeps the first of equal rows
    confirmed = best is not rows[0] and all(
        best[f"{name}_f1"] > rows[0][f"{name}_f1"] for name in others
    )
    return {
        "checkpoint": str(ckpt),
        "sets": {name: len(frames) for name, frames in sets.items()},
        "chosen_on": first,
        "rows": rows,
        "best": best,
        "confirmed": confirmed,
        "seconds": round(time.perf_counter() - start, 2),
    }


def _predicted(predictor: Predictor, folder: Path, batch_size: int) -> list[tuple]:
    """(mask as infer writes it, probabilities, truth, truth features, grid) per frame."""
    info, schema = predictor.info, predictor.info.labels
    course = CourseSettings.from_value("auto").resolved(
        info.channels, [schema.names[i] for i in info.visible_classes]
    )
    dataset = FolderDataset(folder, info.channels, normalisation=info.normalisation)
    out = []
    for frame, truth, features, p in labelled_predictions(predictor, dataset, batch_size):
        mask, _ = frame_mask(p, frame.valid, frame.grid, schema, course)
        out.append((mask, p.astype(np.float32), truth, features or {}, frame.grid))
    return out


def _scores(sets: dict[str, list[tuple]], schema, extract: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, frames in sets.items():
        scores = FeatureScores(schema, extract)
        for mask, probs, truth, features, grid in frames:
            scores.add(mask, probs, truth, features, grid)
        summary = scores.summary()
        counts = summary.get("vortex_instances", {"tp": 0, "fp": 0, "fn": 0})
        for key in ("f1", "precision", "recall"):
            value = summary.get(f"vortex_{key}")
            out[f"{name}_{key}"] = 0.0 if value is None or value != value else value
        out.update({f"{name}_{k}": counts[k] for k in ("tp", "fp", "fn")})
    return out
