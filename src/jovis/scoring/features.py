"""Feature scores: vortex instance matching (with the visibility rule for truth cut by the frame)
and aurora oval boundary distances, accumulated frame by frame by `FeatureScores`."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np
from scipy.optimize import linear_sum_assignment

from jovis.features import MIN_VORTEX_SCORE, extract_features, kept_at
from jovis.frame import LabelSchema
from jovis.geometry import PolarGrid
from jovis.geometry.body import central_angle_deg
from jovis.scoring.intervals import detection_intervals, pooled_scores

# A true vortex counts in the instance scores when at least this much of its disk is in the
# frame and has data; one cut by the frame edge, the limb or a no-data strip is not scored
# (its visible part's centroid cannot land within half a radius of the true centre).
MIN_VISIBLE_FRACTION = 0.8
# An aurora edge pixel is poleward or equatorward when its normal is at most acos(0.3) ≈ 73° from
# the direction to the pole; the others (a band's ends, stretches along a meridian) have no side
# and are not scored by `boundary_distances`.
SIDE_MIN_COS = 0.3
# The score floors of the precision-recall curve (`FeatureScores(score_curve=True)`): at each,
# the vortex instances whose mean vortex probability reaches it are matched; `extract_features`
# keeps those of at least MIN_VORTEX_SCORE (0.7), which `infer` writes.
CURVE_FLOORS = tuple(round(0.4 + 0.05 * i, 2) for i in range(12))  # 0.40 ... 0.95


class FeatureScores:
    """Vortex instance matching and oval boundary distances, accumulated frame by frame.

    One implementation for `evaluate` and training validation. `add` takes one frame; `summary`
    gives ``vortex_precision/recall/f1``, ``vortex_radius_error_px``, ``vortex_instances``,
    ``vortex_found`` and the 95 % ``vortex_recall_interval`` / ``vortex_f1_interval`` over the
    frames resampled (`jovis.scoring.intervals`; when any vortex was true or found) and
    ``oval_boundary_units/mean/p95``; `totals` is the
    summable part (tp, fp, fn, boundary distance sum and count) for adding across DDP ranks.
    `extract`: keyword settings of `extract_features` for the predicted vortices (its defaults
    when None), e.g. ``{"min_vortex_score": 0.8}``. `score_curve`: also match the instances
    kept at each floor of `CURVE_FLOORS` on their mean probability; `summary` then gives
    ``vortex_pr_curve`` (precision, recall, F1 per floor: the operating points a scientist can
    pick by filtering ``mean_prob``) and ``vortex_ap``, the area under it (all-point
    interpolated, as PASCAL VOC's) over the floors from 0.4: one figure for a detector that
    does not depend on the floor `infer` uses.
    """

    def __init__(
        self, schema: LabelSchema, extract: dict[str, Any] | None = None, score_curve: bool = False
    ) -> None:
        self.schema = schema
        self.extract = dict(extract or {})
        # floor -> [tp, fp, fn] over the frames, when the curve is wanted
        self.curve = {floor: [0, 0, 0] for floor in CURVE_FLOORS} if score_curve else None
        self.instances: dict[str, Any] = {
            "tp": 0, "fp": 0, "fn": 0, "ignored": 0, "radius_errors_px": []
        }  # fmt: skip
        self.boundary: list[np.ndarray] = []
        self.grids_known = True
        # per frame with vortex truth: vortex_tp/fp/fn, the rows `jovis.scoring.intervals` resamples
        self.frame_counts: list[dict[str, int]] = []

    def add(
        self,
        pred: np.ndarray,
        probs: np.ndarray | None,
        truth: np.ndarray,
        truth_features: dict[str, Any],
        grid: PolarGrid | None,
    ) -> dict[str, int] | None:
        """`pred`, `truth`: uint8 (H, W) class ids (ignore = 255); `probs`: (C, H, W) or None.
        Returns this frame's vortex instance counts (tp, fp, fn, ignored), None when the frame
        has no vortex truth."""
        schema = self.schema
        frame_counts = None
        if "vortices" in truth_features and "vortex" in schema.names:
            curve = self.curve is not None and probs is not None
            extract = {**self.extract, "min_vortex_score": 0.0} if curve else self.extract
            found = extract_features(pred, probs, schema, grid=grid, **extract)["vortices"]
            true_vortices = truth_features["vortices"]
            visible = visible_fractions(true_vortices, truth != schema.ignore_index)
            unscored = visible < MIN_VISIBLE_FRACTION
            if curve:  # every instance extracted once; each floor keeps its share of them
                for floor, sums in self.curve.items():
                    kept = match_vortices(_kept_at(found, floor), true_vortices, ignore=unscored)
                    for i, key in enumerate(("tp", "fp", "fn")):
                        sums[i] += kept[key]
                found = _kept_at(found, self.extract.get("min_vortex_score", MIN_VORTEX_SCORE))
            counts = match_vortices(found, true_vortices, ignore=unscored)
            for key in ("tp", "fp", "fn", "radius_errors_px", "ignored"):
                self.instances[key] += counts[key]
            frame_counts = {k: int(counts[k]) for k in ("tp", "fp", "fn", "ignored")}
            self.frame_counts.append({f"vortex_{k}": frame_counts[k] for k in ("tp", "fp", "fn")})
        if "aurora" in schema.names:
            aurora = schema.id_of("aurora")
            self.grids_known &= grid is not None
            scored = truth != schema.ignore_index
            self.boundary.append(boundary_distances(pred == aurora, truth == aurora, grid, scored))
        return frame_counts

    def totals(self) -> list[float]:
        """[tp, fp, fn, boundary distance sum, boundary distance count]."""
        distances = np.concatenate(self.boundary) if self.boundary else np.zeros(0)
        i = self.instances
        return [i["tp"], i["fp"], i["fn"], float(distances.sum()), float(distances.size)]

    def summary(self) -> dict[str, Any]:
        result: dict[str, Any] = {}
        instances = self.instances
        if instances["tp"] + instances["fp"] + instances["fn"]:
            scores = detection_scores(instances["tp"], instances["fp"], instances["fn"])
            result.update({f"vortex_{k}": _round(v) for k, v in scores.items()})
            errors = np.abs(instances["radius_errors_px"])
            result["vortex_radius_error_px"] = _round(errors.mean()) if errors.size else None
            result["vortex_instances"] = {k: instances[k] for k in ("tp", "fp", "fn", "ignored")}
            # how far the score can be trusted: 95 % over the frames resampled (`intervals`)
            spread = detection_intervals(self.frame_counts)
            result["vortex_found"] = instances["tp"]
            result["vortex_recall_interval"] = spread["recall"]
            result["vortex_f1_interval"] = spread["f1"]
        if self.curve is not None and any(any(sums) for sums in self.curve.values()):
            points = []
            for floor, (tp, fp, fn) in self.curve.items():
                scores = detection_scores(tp, fp, fn)
                points.append({"min_score": floor, **{k: _round(v) for k, v in scores.items()},
                               "found": tp, "predicted": tp + fp})  # fmt: skip
            result["vortex_pr_curve"] = points
            result["vortex_ap"] = _round(average_precision(points))
        distances = np.concatenate(self.boundary) if self.boundary else np.zeros(0)
        result["oval_boundary_units"] = "deg" if self.grids_known else "px"
        result["oval_boundary_mean"] = _round(distances.mean()) if distances.size else None
        result["oval_boundary_p95"] = (
            _round(np.percentile(distances, 95)) if distances.size else None
        )
        return result


def match_vortices(
    predicted: list[dict], truth: list[dict], *, max_ratio: float = 0.5, ignore=None
) -> dict[str, Any]:
    """One-to-one matching of vortex centres (Hungarian on centre distance).

    A pair counts when the centres are at most `max_ratio` × the true radius apart. Vortices are
    dicts with ``x``, ``y`` and ``radius_px`` in the same frame's pixels (`extract_features`
    output and the synthetic truth both are). `ignore` (one bool per true vortex) marks truth
    that is not scored, e.g. a vortex mostly outside the frame or in no-data: missing it is not
    a false negative, and a prediction matched to it, or centred inside its disk, is not a false
    positive. Returns counts and the radius errors of the scored matches.
    """
    ignore = np.zeros(len(truth), bool) if ignore is None else np.asarray(ignore, bool)
    if len(ignore) != len(truth):
        raise ValueError(f"ignore has {len(ignore)} flags for {len(truth)} true vortices")
    if not predicted or not truth:
        return {
            "tp": 0,
            "fp": len(predicted),
            "fn": int((~ignore).sum()),
            "radius_errors_px": [],
            "ignored": int(ignore.sum()),
        }
    pairs, dist, radius = pair_vortices(predicted, truth, max_ratio)
    scored = [(r, c) for r, c in pairs if not ignore[c]]
    matched = {r for r, _ in pairs}
    # an unmatched prediction centred in an ignored vortex's disk is a piece of it, not an error
    inside_ignored = (dist <= radius[None, :]) & ignore[None, :]
    fp = sum(1 for r in range(len(predicted)) if r not in matched and not inside_ignored[r].any())
    errors = [float(predicted[r]["radius_px"] - truth[c]["radius_px"]) for r, c in scored]
    return {
        "tp": len(scored),
        "fp": fp,
        "fn": int((~ignore).sum()) - len(scored),
        "radius_errors_px": errors,
        "ignored": int(ignore.sum()),
    }


def pair_vortices(
    predicted: list[dict], truth: list[dict], max_ratio: float = 0.5
) -> tuple[list[tuple[int, int]], np.ndarray, np.ndarray]:
    """The one-to-one pairs (predicted index, true index) of `match_vortices` (Hungarian on
    centre distance, a pair counting when at most `max_ratio` × the true radius apart), the
    (P, T) centre distances and the true radii. Both lists non-empty."""
    p = np.array([[v["x"], v["y"]] for v in predicted], dtype=np.float64)
    t = np.array([[v["x"], v["y"]] for v in truth], dtype=np.float64)
    radius = np.array([v["radius_px"] for v in truth], dtype=np.float64)
    dist = np.linalg.norm(p[:, None, :] - t[None, :, :], axis=-1)
    allowed = dist <= max_ratio * radius[None, :]
    cost = np.where(allowed, dist, dist.max() + 1e6)  # forbidden pairs only if nothing else
    rows, cols = linear_sum_assignment(cost)
    return [(r, c) for r, c in zip(rows, cols, strict=True) if allowed[r, c]], dist, radius


def visible_fractions(truth: list[dict], scored: np.ndarray) -> np.ndarray:
    """Fraction of each true vortex's disk (``x``, ``y``, ``radius_px``) that lies inside the
    frame on `scored` pixels (bool H×W, e.g. the truth mask ≠ 255)."""
    h, w = scored.shape
    out = np.zeros(len(truth))
    for i, v in enumerate(truth):
        x, y, r = float(v["x"]), float(v["y"]), max(float(v["radius_px"]), 0.5)
        x0, x1 = int(np.floor(x - r)), int(np.ceil(x + r)) + 1
        y0, y1 = int(np.floor(y - r)), int(np.ceil(y + r)) + 1
        yy, xx = np.mgrid[y0:y1, x0:x1]
        disk = (xx - x) ** 2 + (yy - y) ** 2 <= r * r
        inside = (xx >= 0) & (xx < w) & (yy >= 0) & (yy < h)
        ok = np.zeros_like(disk)
        ok[inside] = scored[yy[inside], xx[inside]]
        out[i] = (disk & ok).sum() / max(disk.sum(), 1)
    return out


def _kept_at(found: list[dict], floor: float) -> list[dict]:
    """The instances an extraction with ``min_vortex_score=floor`` keeps."""
    return [v for v in found if kept_at(v, floor)]


def average_precision(points: list[dict[str, Any]]) -> float:
    """The area under a precision-recall curve given as points (``precision``, ``recall``): each
    precision raised to the best at any higher recall (PASCAL VOC's all-point interpolation),
    summed over the recall steps from 0. Points without a precision (nothing predicted) add
    nothing. NaN when no point has a recall."""
    pairs = sorted((p["recall"], p["precision"]) for p in points
                   if p.get("recall") is not None and p.get("precision") is not None
                   and np.isfinite(p["recall"]) and np.isfinite(p["precision"]))  # fmt: skip
    if not pairs:
        return float("nan")
    recalls = np.array([r for r, _ in pairs])
    envelope = np.maximum.accumulate(np.array([p for _, p in pairs])[::-1])[::-1]
    steps = np.diff(np.concatenate([[0.0], recalls]))
    return float(np.sum(steps * envelope))


def detection_scores(tp: int, fp: int, fn: int) -> dict[str, float]:
    """Precision, recall and F1 of instance counts (NaN where a ratio is 0/0)."""
    scores = pooled_scores(np.array([[tp, fp, fn]], float))
    return {k: float(scores[k]) for k in ("precision", "recall", "f1")}


def boundary_distances(
    predicted: np.ndarray,
    truth: np.ndarray,
    grid: PolarGrid | None = None,
    valid: np.ndarray | None = None,
) -> np.ndarray:
    """Distances between like edges of two aurora masks (bool H×W).

    Each edge pixel is poleward (the mask lies on its far side from the pole) or equatorward;
    every edge pixel of either mask is measured to the nearest edge pixel of the other mask on
    the same side (to its whole edge when the other mask has none on that side), so a band moved
    by d scores d whatever its width. The pole is the grid's; without a grid, the centroid of
    both masks. Edge pixels touching a pixel outside `valid` (bool H×W, e.g. truth ≠ ignore) are
    no edge of the aurora and are left out. Symmetric (both directions pooled). Degrees of great
    circle when a grid is known, else pixels. Empty when either mask has no edge pixel.
    """
    predicted, truth = np.asarray(predicted, bool), np.asarray(truth, bool)
    pb, tb = _boundary(predicted, valid), _boundary(truth, valid)
    if not pb.any() or not tb.any():
        return np.zeros(0)
    if grid is not None:
        pole = (float(grid.pole_x), float(grid.pole_y))
    else:
        ys, xs = np.nonzero(predicted | truth)
        pole = (float(xs.mean()), float(ys.mean()))
    p_side, t_side = _edge_side(predicted, pole), _edge_side(truth, pole)
    out = []
    for side in (1, -1):
        ps, ts = pb & (p_side == side), tb & (t_side == side)
        for source, target, whole in ((ps, ts, tb), (ts, ps, pb)):
            if source.any():
                out.append(_nearest_distances(source, target if target.any() else whole, grid))
    return np.concatenate(out) if out else np.zeros(0)  # no edge pixel has a side


def _nearest_distances(source: np.ndarray, target: np.ndarray, grid: PolarGrid | None):
    """From each `source` pixel to the nearest `target` pixel (both bool H×W, target not empty):
    pixels, or degrees of great circle through `grid`."""
    dist, labels = cv2.distanceTransformWithLabels(
        (~target).astype(np.uint8), cv2.DIST_L2, 5, labelType=cv2.DIST_LABEL_PIXEL
    )
    ys, xs = np.nonzero(source)
    if grid is None:
        return dist[ys, xs].astype(np.float64)
    ty, tx = np.nonzero(target)  # label k (1-based) is the k-th zero pixel in raster order
    nearest = labels[ys, xs] - 1
    lat1, lon1 = grid.latlon(xs, ys)
    lat2, lon2 = grid.latlon(tx[nearest], ty[nearest])
    return central_angle_deg(lat1, lon1, lat2, lon2)


def _edge_side(mask: np.ndarray, pole: tuple[float, float]) -> np.ndarray:
    """int8 H×W: +1 where the (smoothed) mask grows away from `pole` (x, y), i.e. on its poleward
    edge; −1 on its equatorward edge; 0 where its normal is within `SIDE_MIN_COS` of
    tangential (a band's ends, stretches along a meridian) or it does not change."""
    smooth = cv2.GaussianBlur(mask.astype(np.float32), (0, 0), 1.5)
    gx = cv2.Sobel(smooth, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(smooth, cv2.CV_32F, 0, 1, ksize=3)
    yy, xx = np.mgrid[0 : mask.shape[0], 0 : mask.shape[1]]
    rx, ry = xx - pole[0], yy - pole[1]
    norm = np.hypot(gx, gy) * np.hypot(rx, ry)
    cos = np.divide(gx * rx + gy * ry, norm, out=np.zeros(mask.shape), where=norm > 0)
    return (np.sign(cos) * (np.abs(cos) >= SIDE_MIN_COS)).astype(np.int8)


def _boundary(mask: np.ndarray, valid: np.ndarray | None = None) -> np.ndarray:
    """Mask pixels with a 4-neighbour outside the mask (a thin edge: a thick one pulls nearest
    distances down by half a pixel), less those touching a pixel outside `valid`."""
    mask = mask.astype(np.uint8)
    edge = (mask - cv2.erode(mask, cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3)))).astype(bool)
    if valid is not None:
        edge &= cv2.erode(np.asarray(valid, np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    return edge


def _round(x: float) -> float | None:
    return None if not np.isfinite(x) else round(float(x), 4)
