"""Where the true vortices go: one row per scored true vortex of a labelled frame, whether the
model found it (the matching of `jovis.scoring.FeatureScores`: `pair_vortices`), the vortex
probability at its centre and inside it, the share of it marked, its size at the model's scale
and, given the frame's luminance, its contrast as the network sees it
(`jovis.realism.junocam_vortices.vortex_stats`) and how dark its place is (``lum_rank``: the rank
of its mean luminance among the frame's data pixels, 0 darkest); `false_vortex_rows` gives the
same rank for each predicted vortex that matches none; `summary` by kind and by size.

A true vortex is an ellipse (``a``, ``b``, ``angle``: the JunoCam references) or a disk
(``radius_px``: synthetic truth); its kind is the synthetic ``role`` when there is one, else the
reference ``kind``. ``scripts/vortex_misses.py`` runs it through `benchmark suite=real`'s
prediction.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from jovis.features import extract_features
from jovis.frame import LabelSchema
from jovis.scoring.features import MIN_VISIBLE_FRACTION, pair_vortices, visible_fractions

SIZE_BINS = (0.0, 3.0, 4.0, 5.0, 6.0, 8.0, 12.0, float("inf"))  # major semi-axis, model px
BANDS = ((0.0, 0.1), (0.1, 0.5), (0.5, 1.01))  # highest vortex probability inside a missed one


def ellipse(v: dict[str, Any]) -> dict[str, float]:
    """A true vortex as an ellipse (x, y, a, b, angle; a disk of ``radius_px`` without axes)."""
    r = float(v.get("radius_px") or 0.0)
    a, b = max(float(v.get("a") or r), 0.5), max(float(v.get("b") or r), 0.5)
    return {"x": float(v["x"]), "y": float(v["y"]), "a": a, "b": b,
            "angle": float(v.get("angle") or 0.0)}  # fmt: skip


def _inside(shape: tuple[int, int], e: dict[str, float]) -> np.ndarray:
    """Bool mask of ellipse `e` on a frame of `shape`."""
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    ang = np.radians(e["angle"])
    u = ((xx - e["x"]) * np.cos(ang) + (yy - e["y"]) * np.sin(ang)) / e["a"]
    s = (-(xx - e["x"]) * np.sin(ang) + (yy - e["y"]) * np.cos(ang)) / e["b"]
    return u * u + s * s < 1.0


def vortex_rows(
    fid: str, pred: np.ndarray, probs: np.ndarray, truth_features: dict[str, Any],
    scored: np.ndarray, schema: LabelSchema, zoom: float = 1.0,
    lum: np.ndarray | None = None, found: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:  # fmt: skip
    """Rows of the true vortices of one frame that the instance scores count (≥
    `MIN_VISIBLE_FRACTION` of the disk on `scored` pixels). `pred`, `probs`: the model's class
    mask and (C, H, W) probabilities on the frame's pixels; `zoom`: the frame's zoom to the
    model's input (sizes ``a_px``, ``b_px`` in model px); `lum`: (H, W) luminance 0–255 (0 off
    the data) for the contrast columns; `found`: the predicted vortices when the caller already
    has them (`extract_features(pred, probs, schema)["vortices"]`)."""
    from jovis.realism.junocam_vortices import model_scale_stats

    truth = truth_features.get("vortices") or []
    if not truth:
        return []
    vid = schema.id_of("vortex")
    if found is None:
        found = extract_features(pred, probs, schema)["vortices"]
    matched = {c for _, c in pair_vortices(found, truth)[0]} if found else set()
    keep = visible_fractions(truth, scored) >= MIN_VISIBLE_FRACTION
    ellipses = [ellipse(v) for v in truth]
    stats = data_sorted = None
    if lum is not None:
        stats = model_scale_stats(lum, ellipses, round(max(lum.shape) * zoom))
        data_sorted = np.sort(lum[lum > 0])
    rows = []
    for k, v in enumerate(truth):
        if not keep[k]:
            continue
        e = ellipses[k]
        inside = _inside(pred.shape, e)
        cy = int(np.clip(round(e["y"]), 0, pred.shape[0] - 1))
        cx = int(np.clip(round(e["x"]), 0, pred.shape[1] - 1))
        a, b = e["a"], e["b"]
        near = [np.hypot(f["x"] - v["x"], f["y"] - v["y"]) / v["radius_px"] for f in found]
        row = {"id": fid, "index": k, "kind": v.get("role") or v.get("kind"),
               "found": k in matched, "a_px": max(a, b) * zoom, "b_px": min(a, b) * zoom,
               "p_centre": float(probs[vid, cy, cx]),
               "p_max": float(probs[vid][inside].max()) if inside.any() else 0.0,
               "marked": float((pred[inside] == vid).mean()) if inside.any() else 0.0,
               "nearest_found_radii": float(min(near)) if near else None}  # fmt: skip
        if stats is not None:
            row.update({key: stats[k][key] for key in ("contrast", "norm_contrast", "ring_sd")})
            row["lum_rank"] = luminance_rank(lum, inside, data_sorted)
        rows.append(row)
    return rows


def luminance_rank(
    lum: np.ndarray, region: np.ndarray, data_sorted: np.ndarray | None = None
) -> float | None:
    """Rank (0 darkest, 1 brightest) of the mean luminance of `region` among the frame's data
    pixels (``lum`` > 0); None for a region without data. `data_sorted`: those pixels' values
    sorted (`np.sort(lum[lum > 0])`), passed by callers that rank many regions of one frame."""
    inside = region & (lum > 0)
    if not inside.any():
        return None
    values = np.sort(lum[lum > 0]) if data_sorted is None else data_sorted
    return float(np.searchsorted(values, lum[inside].mean()) / values.size)


def false_vortex_rows(
    fid: str, pred: np.ndarray, probs: np.ndarray, truth_features: dict[str, Any],
    scored: np.ndarray, schema: LabelSchema, lum: np.ndarray,
    found: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:  # fmt: skip
    """One row per predicted vortex (`extract_features`, the one-to-one matching of
    `vortex_rows`) that matches no true vortex and whose centre lies on `scored` pixels: its
    place (x, y), size and ``lum_rank`` (`luminance_rank` over its ellipse); the false vortices'
    darkness against the true ones' says whether the detector takes dark regions for vortices.
    `found` as for `vortex_rows`."""
    if found is None:
        found = extract_features(pred, probs, schema)["vortices"]
    truth = truth_features.get("vortices") or []
    paired = {f for f, _ in pair_vortices(found, truth)[0]} if found and truth else set()
    rows = []
    data_sorted = np.sort(lum[lum > 0])
    for i, f in enumerate(found):
        cy = int(np.clip(round(f["y"]), 0, pred.shape[0] - 1))
        cx = int(np.clip(round(f["x"]), 0, pred.shape[1] - 1))
        if i in paired or not scored[cy, cx]:
            continue
        e = {"x": f["x"], "y": f["y"], "a": max(f["semi_major_px"], 0.5),
             "b": max(f["semi_minor_px"], 0.5), "angle": f["angle_deg"]}  # fmt: skip
        rank = luminance_rank(lum, _inside(pred.shape, e), data_sorted)
        rows.append({"id": fid, "x": f["x"], "y": f["y"], "a_px": e["a"], "lum_rank": rank})
    return rows


def summary(
    rows: list[dict[str, Any]], false_rows: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """Found of total by kind and by size (``SIZE_BINS`` of ``a_px``); 10/50/90th percentiles of
    size, probabilities, contrast and luminance rank for found and missed; the missed ones by
    their highest probability inside (``BANDS``) and those lying in a found vortex's blob (a
    found centre within one radius: merged with a neighbour or found off-centre); with
    `false_rows` (`false_vortex_rows`), their count and luminance-rank percentiles."""
    out: dict[str, Any] = {"vortices": len(rows), "found": sum(r["found"] for r in rows)}
    out["by_kind"] = {
        kind: [sum(r["found"] for r in rows if r["kind"] == kind),
               sum(r["kind"] == kind for r in rows)]
        for kind in sorted({str(r["kind"]) for r in rows})
    }  # fmt: skip
    out["by_size"] = {}
    for lo, hi in itertools.pairwise(SIZE_BINS):
        sel = [r for r in rows if lo <= r["a_px"] < hi]
        out["by_size"][f"{lo:g}-{hi:g}"] = [sum(r["found"] for r in sel), len(sel)]
    keys = ("a_px", "p_centre", "p_max", "marked", "contrast", "norm_contrast", "ring_sd",
            "lum_rank")  # fmt: skip
    for name, found in (("found_pct", True), ("missed_pct", False)):
        sel = [r for r in rows if r["found"] == found]
        out[name] = {k: _pct([r.get(k) for r in sel]) for k in keys}
    missed = [r for r in rows if not r["found"]]
    out["missed_by_p_max"] = {f"{lo:g}-{min(hi, 1.0):g}": sum(lo <= r["p_max"] < hi for r in missed)
                              for lo, hi in BANDS}  # fmt: skip
    out["missed_in_a_found_blob"] = sum((r["nearest_found_radii"] or np.inf) <= 1.0
                                        for r in missed)  # fmt: skip
    if false_rows is not None:
        out["false"] = len(false_rows)
        out["false_lum_rank_pct"] = _pct([r["lum_rank"] for r in false_rows])
    return out


def _pct(values: list[Any]) -> list[float] | None:
    vals = [float(v) for v in values if v is not None]
    return [round(float(q), 3) for q in np.percentile(vals, [10, 50, 90])] if vals else None
