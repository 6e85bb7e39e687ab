"""`benchmark suite=orientations`: how much a detector's scores depend on how a frame is turned.

A frame has no preferred orientation: JunoCam products come north up or not, a polar
projection puts longitude 0 anywhere, and the detectors are trained with any rotation and
flip. Each labelled set is scored by `evaluate` (`jovis.evaluation`) 8 times, once per
rotation/flip of every frame (`Predictor(orientation=i)`: the view predicted and its
probabilities turned back, so labels, grids and scoring stay on the frame's own pixels), and
optionally once with `tta` (the mean of the 8 views). Per set and metric: the 8 values, their
mean, sd, min and max, and the frames as they are (orientation 0). On the nine JunoCam reference
products a detector's F1 moves by several hundredths between orientations, so one
orientation's score is one draw: the mean is the fairer figure for comparing detectors.
"""

from __future__ import annotations

import shutil
import statistics
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from jovis.benchmarks.oval_course import set_name
from jovis.evaluation import evaluate
from jovis.inference.predictor import DIHEDRAL

# (metric, key in evaluate's result); a metric a set has no truth for is left out
METRICS = (
    ("vortex_f1", "vortex_f1"),
    ("vortex_precision", "vortex_precision"),
    ("vortex_recall", "vortex_recall"),
    ("vortex_found", "vortex_found"),
    ("vortex_iou", "vortex_iou"),
    ("aurora_iou", "aurora_iou"),
    ("oval_boundary_mean", "oval_boundary_mean"),
)


# the stored real reference sets (`jovis.references.materialise`): (folder name, instrument,
# how JunoCam products are read)
REAL_SETS = (
    ("reference_hst", "hst_stis", "mapprojected"),
    ("reference_junocam", "junocam", "mapprojected"),
    ("reference_junocam_filters", "junocam", "filters"),
)


def real_reference_sets(
    ckpt: str | Path, out: str | Path, real_root: str | Path | None = None
) -> list[Path]:
    """The stored real reference sets whose frames `ckpt` scores (its channels), materialised
    under `out`: the HST frames for a far-UV detector, the JunoCam products as composites and
    as per-filter sets for a three-colour one."""
    from jovis.checkpoint import read_checkpoint
    from jovis.data.datasets import FolderDataset
    from jovis.real_eval.sequences import accepts
    from jovis.references.frameset import materialise

    channels = list(read_checkpoint(ckpt)["jovis"]["channels"])
    sets = []
    for name, instrument, junocam in REAL_SETS:
        try:
            folder = materialise(Path(out) / name, real_root, instrument=instrument,
                                 junocam=junocam)  # fmt: skip
        except ValueError:  # none of its frames is in this real-data folder
            continue
        frame, _ = FolderDataset(folder, channels).load(0)
        if accepts(frame, channels):
            sets.append(folder)
        else:
            shutil.rmtree(folder)
    if not sets:
        raise ValueError(
            f"{ckpt}: none of the stored real reference frames has its channels {channels} "
            "(HST far-UV: ['uv']; JunoCam: ['red', 'green', 'blue'])"
        )
    return sets


def view_name(i: int) -> str:
    """'rot90', 'rot180+flip', ...: the view `DIHEDRAL[i]` in words (0: 'as is')."""
    k, flip = DIHEDRAL[i]
    turn = f"rot{90 * k}" if k else ""
    return "+".join(x for x in (turn, "flip" if flip else "") if x) or "as is"


def run_orientations(
    ckpt: str | Path,
    data: Sequence[str | Path],
    *,
    device: str = "auto",
    batch_size: int = 8,
    tta: bool = True,
    oval_course: Any = "auto",
) -> dict[str, Any]:
    """``sets``: {name: {frames, views: [8 rows of the metrics], tta: row or None,
    <metric>: {values, mean, sd, min, max, as_is}}}. `oval_course` as `evaluate`'s."""
    if not data:
        raise ValueError("orientations.data: give at least one labelled frame set (or "
                         "orientations.real=true for the stored real reference sets of the "
                         "checkpoint's channels)")  # fmt: skip
    start = time.perf_counter()
    sets: dict[str, Any] = {}
    for folder in data:
        name = set_name(Path(folder))
        views = []
        for i in range(len(DIHEDRAL)):
            r = evaluate(ckpt, folder, device=device, orientation=i, batch_size=batch_size,
                         oval_course=oval_course)  # fmt: skip
            views.append({"view": view_name(i)} | _metrics(r))
        entry: dict[str, Any] = {"data": str(folder), "frames": r["frames"], "views": views}
        common = set.intersection(*(set(v) for v in views)) - {"view"}
        for metric in [m for m, _ in METRICS if m in common]:
            values = [v[metric] for v in views]
            entry[metric] = {
                "values": values, "mean": round(statistics.fmean(values), 4),
                "sd": round(statistics.stdev(values), 4), "min": min(values),
                "max": max(values), "as_is": values[0],
            }  # fmt: skip
        entry["tta"] = None
        if tta:
            whole = evaluate(ckpt, folder, device=device, tta=True, batch_size=batch_size,
                             oval_course=oval_course)  # fmt: skip
            entry["tta"] = _metrics(whole)
        sets[name] = entry
    return {"checkpoint": str(ckpt), "sets": sets, "seconds": round(time.perf_counter() - start, 1)}


def _metrics(result: dict[str, Any]) -> dict[str, float]:
    return {name: result[key] for name, key in METRICS if result.get(key) is not None}
