"""How far a vortex detection score on a handful of labelled frames can be trusted: intervals by
resampling the frames (a frame's vortices are scored together and are not independent: one
blob over three neighbouring cyclones costs three), and the paired difference of two detectors
on the same frames, which is what a release rule compares.

Each row is one frame's instance counts (``vortex_tp``, ``vortex_fp``, ``vortex_fn``, as
`jovis.scoring.FeatureScores.frame_counts` keeps them); a bootstrap draw takes as many frames
with replacement and pools their counts as the score itself does (`detection_scores`). The
intervals are percentile intervals of `draws` draws from a fixed seed, so a rerun gives the same
numbers. With nine frames they are wide: that is the point of reporting them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

COUNTS = ("vortex_tp", "vortex_fp", "vortex_fn")
DRAWS = 2000
LEVEL = 0.95


def _counts(rows: list[dict[str, Any]]) -> np.ndarray:
    """(frames, 3) tp, fp, fn; rows without counts (no vortex scored there) are left out."""
    return np.array([[r[k] for k in COUNTS] for r in rows if all(k in r for k in COUNTS)], float)


def pooled_scores(c: np.ndarray) -> dict[str, np.ndarray]:
    """found (tp) and pooled precision, recall and F1 of (..., frames, 3) tp, fp, fn counts (NaN
    where a ratio is 0/0): the one formula behind `detection_scores` and every resample here."""
    tp, fp, fn = (c[..., :, i].sum(-1) for i in range(3))
    with np.errstate(invalid="ignore", divide="ignore"):
        return {"found": tp, "precision": tp / (tp + fp), "recall": tp / (tp + fn),
                "f1": 2 * tp / (2 * tp + fp + fn)}  # fmt: skip


def _interval(values: np.ndarray, level: float) -> list[float] | None:
    values = values[np.isfinite(values)]
    if values.size == 0:
        return None
    lo, hi = np.percentile(values, [50 * (1 - level), 50 * (1 + level)])
    return [round(float(lo), 4), round(float(hi), 4)]


def detection_intervals(rows: list[dict[str, Any]], draws: int = DRAWS, level: float = LEVEL,
                        seed: int = 0) -> dict[str, Any] | None:  # fmt: skip
    """``{"frames": n, "found": [lo, hi], "precision": ..., "recall": ..., "f1": ...}``: the
    `level` percentile intervals of the pooled scores over frames resampled with replacement.
    None when no row has instance counts."""
    c = _counts(rows)
    if len(c) == 0:
        return None
    idx = np.random.default_rng(seed).integers(0, len(c), (draws, len(c)))
    scores = pooled_scores(c[idx])
    return {"frames": len(c), **{k: _interval(v, level) for k, v in scores.items()}}


def paired_difference(rows_a: list[dict[str, Any]], rows_b: list[dict[str, Any]],
                      draws: int = DRAWS, level: float = LEVEL,
                      seed: int = 0) -> dict[str, Any]:  # fmt: skip
    """B − A on the frames both scored (matched by ``id``), the same frames drawn for both in
    each resample: ``{"frames", "found": {"difference", "interval", "share_above_zero"}, ...}``
    for found, precision, recall and F1. ``share_above_zero``: the share of draws where B
    scores higher (ties count half). Raises ValueError when the two share no scored frame."""
    a = {r["id"]: r for r in rows_a if all(k in r for k in COUNTS)}
    b = {r["id"]: r for r in rows_b if all(k in r for k in COUNTS)}
    ids = sorted(set(a) & set(b))
    if not ids:
        raise ValueError(
            "the two results share no frame with vortex instance counts: score both on the same "
            "reference set (make real-eval) with this version, which writes vortex_tp/fp/fn "
            "per frame"
        )
    ca, cb = _counts([a[i] for i in ids]), _counts([b[i] for i in ids])
    idx = np.random.default_rng(seed).integers(0, len(ids), (draws, len(ids)))
    full_a, full_b = pooled_scores(ca), pooled_scores(cb)
    sa, sb = pooled_scores(ca[idx]), pooled_scores(cb[idx])
    out: dict[str, Any] = {"frames": len(ids), "only_a": sorted(set(a) - set(b)),
                           "only_b": sorted(set(b) - set(a))}  # fmt: skip
    for k in sa:
        d = sb[k] - sa[k]
        d = d[np.isfinite(d)]
        out[k] = {
            "a": round(float(full_a[k]), 4),
            "b": round(float(full_b[k]), 4),
            "difference": round(float(full_b[k] - full_a[k]), 4),
            "interval": _interval(d, level),
            "share_above_zero": round(float((d > 0).mean() + 0.5 * (d == 0).mean()), 4)
            if d.size
            else None,
        }
    return out
