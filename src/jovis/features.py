"""Class mask (+ probabilities) → feature instances: vortex ellipses and the aurora oval.

Everything here is in **pixel** coordinates: ``x`` is the column and ``y`` the row, with the
centre of the top-left pixel at ``(0, 0)``. ``angle_deg`` is the major axis' angle in degrees in
``[0, 180)``, from the +x axis (right) towards the +y axis (down), i.e. clockwise as displayed:
OpenCV's convention, so ``cv2.ellipse(img, (x, y), (semi_major_px, semi_minor_px),
angle_deg, 0, 360, ...)`` redraws a vortex.

All outputs are plain JSON-serialisable data (Python ints, floats, lists, dicts, None).
"""

from __future__ import annotations

import math
from typing import Any

import cv2
import numpy as np

from jovis.frame import LabelSchema
from jovis.geometry import PolarGrid
from jovis.geometry.locate import locate_features

# Unsure vortex blobs (spiral-arm fragments, cloud texture) are dropped below this mean
# probability. Chosen on validation frames (seeds 10000000+, never the test seeds) of the
# ir_cyclones_cpu model: instance F1 0.864 with no threshold, 0.976 at 0.65, 0.975 at 0.7, 0.978
# at 0.75 (a plateau); recall is unchanged (0.977 → 0.970).
MIN_VORTEX_SCORE = 0.7
# Two markers of one vortex blob are two touching vortices when every path between them dips
# below NECK_RATIO × the smaller one in distance-to-edge × vortex probability and below
# CONCAVE_RATIO × it in the distance alone (see `split_touching`). Chosen on the tracking seeds 7
# and 11 only (circumpolar IDF1 the same at 0.75-0.85, all-vortex IDF1 and instance F1 best at
# 0.8); CONCAVE_RATIO 0.9 against 0.95 on the same seeds' instance F1.
NECK_RATIO = 0.8
CONCAVE_RATIO = 0.9
# With a grid, a marker narrower than this is no vortex of its own: between the largest small
# anticyclone (710 km; one beside a cyclone moves its centroid by ~150 km) and the smallest polar
# vortex (1200 km). Chosen on validation frames (seeds 10000000+, 30° extent) and tracking seeds
# 7 and 11: instance F1 0.567 / 0.586 / 0.614 at 300 / 700 / 1000 km (0.575 before the split).
MIN_CORE_KM = 1000.0
MIN_CORE_PX = 1.5
# Vortex instances longer than this many times their width are dropped (None: none are): a
# streak along the terminator or the data edge is no vortex, where Jovian vortices are round to
# ~2:1 ovals. Off: `benchmark suite=instances` did not confirm a value (README).
MAX_AXIS_RATIO: float | None = None
# Vortex instances longer than this many times their width are cut across their major axis into
# round(long / short) pieces (None: never): two packed cyclones marked as one blob without a waist
# (which `split_touching` cannot cut, an ellipse having one distance peak) read as a 2.5-3:1 oval.
SPLIT_AXIS_RATIO: float | None = None
# Vortex instances whose outline runs along no-data pixels (off the disk, past the terminator the
# composites cut, beyond the frame) for more than this share of its length are dropped (None:
# none are): on the real products false vortices line the terminator and the data edge.
MAX_EDGE_SHARE: float | None = None


def kept_at(vortex: dict[str, Any], min_score: float) -> bool:
    """Whether a vortex instance passes the floor `min_score` on its mean probability (one
    without probabilities, ``mean_prob`` None, always does): `extract_features`' test, which the
    precision-recall curve applies to instances extracted once at floor 0."""
    return vortex["mean_prob"] is None or not vortex["mean_prob"] < min_score


def extract_features(
    mask: np.ndarray,
    probs: np.ndarray | None,
    schema: LabelSchema,
    *,
    min_vortex_area_px: int = 6,
    min_oval_area_px: int = 10,
    min_vortex_score: float = MIN_VORTEX_SCORE,
    neck_ratio: float = NECK_RATIO,
    concave_ratio: float = CONCAVE_RATIO,
    max_axis_ratio: float | None = MAX_AXIS_RATIO,
    split_axis_ratio: float | None = SPLIT_AXIS_RATIO,
    max_edge_share: float | None = MAX_EDGE_SHARE,
    grid: PolarGrid | None = None,
) -> dict[str, Any]:
    """Vortex instances, the aurora oval and class fractions of one predicted mask.

    Parameters
    ----------
    mask : ndarray, uint8, shape (H, W)
        Class ids of `schema`; ``schema.ignore_index`` (255) marks pixels that count for nothing.
    probs : ndarray, float, shape (num_classes, H, W), or None
        Softmax probabilities; when None every ``mean_prob`` is None.
    schema : LabelSchema
        Needs classes named ``"vortex"`` and/or ``"aurora"``; a missing one gives no such features.
    min_vortex_area_px, min_oval_area_px : int
        Connected components (8-connectivity) with fewer pixels are dropped.
    min_vortex_score : float
        With `probs`, vortex instances whose mean vortex probability is lower are dropped (the
        argmax of 3 classes can be as unsure as 1/3). See `MIN_VORTEX_SCORE`.
    neck_ratio, concave_ratio : float
        When one blob is split into touching vortices (`split_touching`; `NECK_RATIO`,
        `CONCAVE_RATIO`).
    max_axis_ratio : float or None
        Vortex instances whose semi-major axis exceeds this many times their semi-minor axis are
        dropped (`MAX_AXIS_RATIO`); None keeps every shape.
    split_axis_ratio : float or None
        Vortex instances longer than this many times their width are cut into pieces along their
        major axis before the floors (`split_elongated`, `SPLIT_AXIS_RATIO`); None cuts none.
    max_edge_share : float or None
        Vortex instances whose outline touches no-data pixels (``schema.ignore_index``, or the
        frame's border) along more than this share of it are dropped (`MAX_EDGE_SHARE`); None
        keeps them.
    grid : PolarGrid, optional
        The frame's geometry: every feature also gets latitude/longitude and km (see
        `jovis.geometry.locate.locate_features`), and the result a ``"grid"`` entry; touching
        vortices are then split only into parts at least `MIN_CORE_KM` in radius.

    Returns
    -------
    dict
        ``{"vortices": [...], "vortices_not_kept": {reason: count}, "oval": {...},
        "class_fractions": {name: fraction}}``. ``vortices_not_kept`` counts the marked vortex
        pieces the floors left out of ``vortices``, by floor (``area``, ``score``,
        ``axis_ratio``, ``edge``; a floor that left none out is absent). Each vortex:
        ``id`` (1..N by decreasing area), ``x``, ``y`` (centre, px), ``semi_major_px``,
        ``semi_minor_px``, ``angle_deg``, ``area_px``, ``radius_px`` (equivalent radius
        ``sqrt(area / π)``), ``mean_prob``, ``bbox`` ``[x0, y0, w, h]``. The oval: ``contours_px``
        (closed polylines of ``[x, y]``, outer and inner boundaries), ``contour_kinds``
        (``"outer"``/``"inner"``, one per contour), ``area_px``, ``mean_prob`` and ``ring``
        (``centre_x``, ``centre_y``, ``mean_radius_px``, ``width_px``, ``angular_coverage``; see
        `ring_fit`), None without aurora pixels. Class fractions are of the non-ignore pixels.
    """
    mask = np.asarray(mask)
    if mask.ndim != 2 or mask.size == 0:
        raise ValueError(f"mask must be H×W class ids, got shape {mask.shape}")
    if mask.dtype != np.uint8 and (mask.min() < 0 or mask.max() > 255):
        raise ValueError(f"mask values must be class ids 0..255, got {mask.min()}..{mask.max()}")
    mask = mask.astype(np.uint8, copy=False)
    counts = np.bincount(mask.ravel(), minlength=256)
    bad = sorted(
        set(np.flatnonzero(counts).tolist()) - {*range(schema.num_classes), schema.ignore_index}
    )
    if bad:
        raise ValueError(
            f"mask holds ids {bad} that are not in the label schema {schema.names} "
            f"(ids 0..{schema.num_classes - 1}, ignore {schema.ignore_index})"
        )
    if probs is not None:
        probs = np.asarray(probs)
        if probs.shape != (schema.num_classes, *mask.shape):
            raise ValueError(
                f"probs must have shape (num_classes, H, W) = "
                f"{(schema.num_classes, *mask.shape)}, got {probs.shape}"
            )

    vortices: list[dict[str, Any]] = []
    not_kept: dict[str, int] = {}
    if "vortex" in schema.names:
        cid = schema.id_of("vortex")
        prob = None if probs is None else probs[cid]
        split = {"neck_ratio": neck_ratio, "concave_ratio": concave_ratio}
        # every vortex says how much of its outline runs along no data (the frame's border
        # counts): a vortex cut by the limb, the terminator or the frame has a biased size
        shape = {"max_axis_ratio": max_axis_ratio, "split_axis_ratio": split_axis_ratio,
                 "edge": (np.pad(mask == schema.ignore_index, 1, constant_values=True),
                          max_edge_share)}  # fmt: skip
        vortices, not_kept = _vortices(
            mask == cid, prob, min_vortex_area_px, min_vortex_score, grid, split, **shape
        )
    oval = _empty_oval()
    if "aurora" in schema.names:
        cid = schema.id_of("aurora")
        oval = _oval(mask == cid, None if probs is None else probs[cid], min_oval_area_px)

    n_valid = int(np.count_nonzero(mask != schema.ignore_index))
    fractions = {c.name: float(counts[c.id]) / n_valid if n_valid else 0.0 for c in schema.classes}
    features = {"vortices": vortices, "vortices_not_kept": not_kept, "oval": oval,
                "class_fractions": fractions}  # fmt: skip
    if grid is not None:
        locate_features(features, grid, mask.shape)
    return features


def edge_share(comp: np.ndarray, x0: int, y0: int, no_data_padded: np.ndarray) -> float:
    """The share of the pixels just outside the instance `comp` (a crop at (x0, y0)) that have
    no data; `no_data_padded` is the frame's no-data mask padded by one True pixel (the frame's
    border counts as no data: an instance cut by it is as truncated)."""
    h, w = comp.shape
    grown = cv2.dilate(np.pad(comp, 1).astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    ring = grown & ~np.pad(comp, 1)
    window = no_data_padded[y0 : y0 + h + 2, x0 : x0 + w + 2]
    return float((ring & window).sum()) / max(int(ring.sum()), 1)


def _vortices(
    binary: np.ndarray,
    prob: np.ndarray | None,
    min_area: int,
    min_score: float,
    grid: PolarGrid | None,
    split: dict[str, float],
    max_axis_ratio: float | None = None,
    split_axis_ratio: float | None = None,
    edge: tuple[np.ndarray, float | None] | None = None,
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The vortex instances kept, and how many marked pieces each floor left out (by reason:
    ``area``, ``score``, ``axis_ratio``, ``edge``; only the reasons that left one out). With
    `edge` (the padded no-data mask, the most of an outline it may hold or None), each kept
    instance has its ``edge_share`` (`edge_share`)."""
    not_kept: dict[str, int] = {}
    n, labels, stats, _ = cv2.connectedComponentsWithStats(
        binary.astype(np.uint8), connectivity=8, ltype=cv2.CV_32S
    )
    # the pixel's side in km at each blob's bbox centre: the area there only (the whole
    # frame's area map cost more than the network on large frames)
    centres = stats[1:, :2] + stats[1:, 2:4] // 2
    km_per_px = None if grid is None else np.sqrt(grid.pixel_area_at(*centres.T))
    found = []
    for lab in range(1, n):
        x0, y0, w, h, _ = (int(s) for s in stats[lab])
        crop = None if prob is None else prob[y0 : y0 + h, x0 : x0 + w]
        min_core = MIN_CORE_PX
        if km_per_px is not None:
            scale = float(km_per_px[lab - 1])
            min_core = max(MIN_CORE_PX, MIN_CORE_KM / scale) if scale > 0 else MIN_CORE_PX
        parts = split_touching(
            labels[y0 : y0 + h, x0 : x0 + w] == lab, crop, min_core_px=min_core, **split
        )
        pieces = (
            piece
            for part in range(1, int(parts.max()) + 1)
            for piece in split_elongated(parts == part, split_axis_ratio)
        )
        for comp in pieces:
            area = int(np.count_nonzero(comp))
            vortex = _vortex(comp, x0, y0, area, prob) if area >= max(1, min_area) else None
            if vortex is not None and edge is not None:
                vortex["edge_share"] = _r(edge_share(comp, x0, y0, edge[0]))
            reason = _left_out(vortex, min_score, max_axis_ratio, None if edge is None else edge[1])
            if reason:
                not_kept[reason] = not_kept.get(reason, 0) + 1
            else:
                found.append(vortex)
    found.sort(key=lambda v: -v["area_px"])  # stable: equal areas keep raster order
    return [{"id": i, **v} for i, v in enumerate(found, start=1)], not_kept


def _left_out(
    vortex: dict[str, Any] | None,
    min_score: float,
    max_axis_ratio: float | None,
    max_edge_share: float | None,
) -> str | None:
    """The floor that leaves a marked piece out of the catalogue (None: it is kept); `vortex`
    is None for a piece under the area floor."""
    if vortex is None:
        return "area"
    if not kept_at(vortex, min_score):
        return "score"
    if max_axis_ratio and vortex["semi_major_px"] > max_axis_ratio * max(
        vortex["semi_minor_px"], 0.5
    ):
        return "axis_ratio"
    if max_edge_share is not None and vortex.get("edge_share", 0.0) > max_edge_share:
        return "edge"
    return None


def split_touching(
    comp: np.ndarray,
    prob: np.ndarray | None = None,
    *,
    neck_ratio: float = NECK_RATIO,
    concave_ratio: float = CONCAVE_RATIO,
    min_core_px: float = MIN_CORE_PX,
) -> np.ndarray:
    """Split one connected blob into touching round vortices; int32 labels 1..k (0 outside).

    Packed circumpolar cyclones touch, so one connected component can hold several, joined by a
    neck as wide as 0.8 of the smaller one where the vortex probability dips only to 0.7-0.85.
    Markers are the peaks of the distance transform times `prob` (the blob's bbox crop of the
    vortex probability; None: the distance alone), each with a radius r (its distance) and a
    height s. Two markers are two vortices when (1) every path between them dips below
    `neck_ratio` × the smaller height (their saddle, not the straight line, so a bent blob is
    not cut), (2) the blob narrows between them: every path also dips below `concave_ratio` ×
    the smaller r in the distance alone, which never happens in a convex blob (its distance
    transform is concave), so a round or elliptical vortex with a low-probability core stays
    whole, and (3) the smaller does not lie within the larger one's radius (a bump, not a
    neighbour). An ellipse's distance ridge falls from its centre, so one of any aspect ratio
    has a single marker. Peaks narrower than `min_core_px` are no markers. Pixels go to the
    marker with the least power distance |p − c|² − r², whose boundary for two overlapping
    circles is their common chord, so a small vortex beside a large one keeps its own pixels.
    """
    img = comp.astype(np.uint8)
    dist = cv2.distanceTransform(np.pad(img, 1), cv2.DIST_L2, cv2.DIST_MASK_PRECISE)[1:-1, 1:-1]
    surface = dist if prob is None else dist * np.clip(prob, 0.0, 1.0).astype(np.float32)
    peaks = (dist >= min_core_px) & (surface >= cv2.dilate(surface, np.ones((3, 3), np.uint8)))
    n, plateau = cv2.connectedComponents(peaks.astype(np.uint8), connectivity=8)
    if n <= 2:
        return img.astype(np.int32)
    cores = []
    for k in range(1, n):
        ys, xs = np.nonzero(plateau == k)
        i = int(np.argmax(surface[ys, xs]))
        cores.append(
            (int(xs[i]), int(ys[i]), float(surface[ys[i], xs[i]]), float(dist[ys[i], xs[i]]))
        )
    # Highest markers first; one joins the first leader it has no neck with. Comparing with
    # leaders only (not transitively) keeps small saddle peaks in a neck from chaining vortices.
    cores.sort(key=lambda c: -c[2])
    leaders: list[tuple[int, int, float, float]] = []
    for xj, yj, sj, rj in cores:
        for xi, yi, si, ri in leaders:
            if math.hypot(xj - xi, yj - yi) < max(ri, rj):
                break
            ends = ((xi, yi), (xj, yj))
            if _joined(surface, neck_ratio * min(si, sj), ends) or _joined(
                dist, concave_ratio * min(ri, rj), ends
            ):
                break
        else:
            leaders.append((xj, yj, sj, rj))
    if len(leaders) == 1:
        return img.astype(np.int32)
    ys, xs = np.nonzero(img)
    power = np.stack([(xs - x) ** 2 + (ys - y) ** 2 - r**2 for x, y, _, r in leaders])
    out = np.zeros(img.shape, np.int32)
    out[ys, xs] = power.argmin(axis=0) + 1
    return out


def split_elongated(comp: np.ndarray, ratio: float | None) -> list[np.ndarray]:
    """One blob (bool) as itself, or, when its moment ellipse is more than `ratio` times longer
    than wide, as k = round(long / short) pieces of equal length along its major axis (each
    pixel goes to the slice its projection on the axis falls in). Jovian vortices are round to
    ~2:1, so such a blob is taken as k touching vortices in a row; a bent or curved chain is cut
    as if straight, and a streak into many round pieces (which `max_axis_ratio`, applied to the
    pieces, then keeps). None: never cut."""
    if not ratio:
        return [comp]
    ys, xs = np.nonzero(comp)
    if xs.size < 2:
        return [comp]
    coords = np.stack([xs, ys]).astype(np.float64)
    evals, evecs = np.linalg.eigh(np.cov(coords) + np.eye(2) / 12)  # + a pixel's own square
    long, short = math.sqrt(evals[1]), math.sqrt(max(evals[0], 1e-12))
    if long <= ratio * short:
        return [comp]
    k = max(2, round(long / short))
    along = evecs[:, 1] @ coords
    edges = np.linspace(along.min(), along.max(), k + 1)
    slot = np.clip(np.searchsorted(edges, along, side="right") - 1, 0, k - 1)
    pieces = []
    for i in range(k):
        piece = np.zeros(comp.shape, bool)
        piece[ys[slot == i], xs[slot == i]] = True
        pieces.append(piece)
    return pieces


def _joined(height: np.ndarray, level: float, ends) -> bool:
    """Whether the two pixels `ends` ((x, y) pairs) are connected where `height` >= `level`."""
    _, parts = cv2.connectedComponents((height >= level).astype(np.uint8), connectivity=8)
    (xa, ya), (xb, yb) = ends
    return bool(parts[ya, xa] == parts[yb, xb] != 0)


def _vortex(
    comp: np.ndarray, x0: int, y0: int, area: int, prob: np.ndarray | None
) -> dict[str, Any]:
    h, w = comp.shape
    cx, cy, a, b, angle = _fit_ellipse(comp)
    mean_prob = None
    if prob is not None:
        mean_prob = _r(float(prob[y0 : y0 + h, x0 : x0 + w][comp].mean()), 4)
    ys, xs = np.nonzero(comp)
    return {
        "x": _r(cx + x0),
        "y": _r(cy + y0),
        "semi_major_px": _r(a),
        "semi_minor_px": _r(b),
        "angle_deg": _r(angle),
        "area_px": area,
        "radius_px": _r(math.sqrt(area / math.pi)),
        "mean_prob": mean_prob,
        "bbox": [x0 + int(xs.min()), y0 + int(ys.min()), int(np.ptp(xs)) + 1, int(np.ptp(ys)) + 1],
    }


def _fit_ellipse(comp: np.ndarray) -> tuple[float, float, float, float, float]:
    """(cx, cy, semi_major, semi_minor, angle_deg) of one component (bool, cropped to its bbox).

    ``cv2.fitEllipse`` on the outer contour (through the boundary pixel centres) when it has at
    least 5 points and gives a sane answer (finite, both axes ≥ 1 px, centre near the centroid,
    area within 2× of the pixel count); otherwise the ellipse with the component's second moments
    (semi-axes ``2·sqrt(eigenvalue)``), which works down to one pixel. The contour fit runs through
    the boundary pixel centres; the moment ellipse covers the pixels' full extent, so it is about
    half a pixel larger on the same blob.
    """
    img = comp.astype(np.uint8)
    m = cv2.moments(img, binaryImage=True)
    cx, cy = m["m10"] / m["m00"], m["m01"] / m["m00"]
    contours, _ = cv2.findContours(img, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    contour = max(contours, key=len)
    if len(contour) >= 5:
        (fx, fy), (d1, d2), angle = cv2.fitEllipse(contour)
        # Degenerate contours (lines, 2-px-thick bars) give a zero axis or a wandering centre.
        sane = all(math.isfinite(v) for v in (fx, fy, d1, d2, angle)) and min(d1, d2) >= 1.0
        sane = sane and math.hypot(fx - cx, fy - cy) <= max(1.0, min(d1, d2) / 2)
        sane = sane and 0.5 <= math.pi * d1 * d2 / 4 / m["m00"] <= 2.0
        if sane:
            if d1 >= d2:
                return fx, fy, d1 / 2, d2 / 2, angle % 180.0
            return fx, fy, d2 / 2, d1 / 2, (angle + 90.0) % 180.0
    # + 1/12: the variance of a pixel's own square, so one pixel is a disc of radius ~0.58, not 0.
    mu20 = m["mu20"] / m["m00"] + 1 / 12
    mu02 = m["mu02"] / m["m00"] + 1 / 12
    mu11 = m["mu11"] / m["m00"]
    mid, half = (mu20 + mu02) / 2, math.hypot((mu20 - mu02) / 2, mu11)
    angle = math.degrees(0.5 * math.atan2(2 * mu11, mu20 - mu02)) % 180.0
    return cx, cy, 2 * math.sqrt(mid + half), 2 * math.sqrt(max(mid - half, 0.0)), angle


def _empty_oval() -> dict[str, Any]:
    return {"contours_px": [], "contour_kinds": [], "area_px": 0, "mean_prob": None, "ring": None}


def _oval(binary: np.ndarray, prob: np.ndarray | None, min_area: int) -> dict[str, Any]:
    n, labels, stats, _ = cv2.connectedComponentsWithStats(
        binary.astype(np.uint8), connectivity=8, ltype=cv2.CV_32S
    )
    keep_ids = [lab for lab in range(1, n) if stats[lab, cv2.CC_STAT_AREA] >= max(1, min_area)]
    if not keep_ids:
        return _empty_oval()
    keep = np.isin(labels, keep_ids)
    contours, hierarchy = cv2.findContours(
        keep.astype(np.uint8), cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE
    )
    lines = [c.reshape(-1, 2).tolist() for c in contours]
    kinds = ["outer" if parent < 0 else "inner" for parent in hierarchy[0][:, 3]]
    ys, xs = np.nonzero(keep)
    mean_prob = None if prob is None else _r(float(prob[keep].mean()), 4)
    return {
        "contours_px": lines,
        "contour_kinds": kinds,
        "area_px": len(xs),
        "mean_prob": mean_prob,
        "ring": ring_fit(xs.astype(np.float64), ys.astype(np.float64)),
    }


def ring_fit(xs: np.ndarray, ys: np.ndarray) -> dict[str, Any] | None:
    """Centre by an algebraic (Kåsa) least-squares circle fit to the oval's pixels, then the ribbon.

    ``mean_radius_px`` is the harmonic mean of the pixels' distances from the centre, which is the
    centreline radius ``(r_in + r_out) / 2`` of a uniform annulus (the plain mean is biased outward,
    since outer pixels are more numerous). ``angular_coverage`` is the fraction of position angles
    round the centre that hold oval pixels (1 for a closed ring), and
    ``width_px = area / (2π · mean_radius · angular_coverage)``: the mean ribbon width, also for an
    oval only partly in the frame. None when there are too few pixels or they fit no circle.
    """
    if len(xs) < 3:
        return None
    mx, my = xs.mean(), ys.mean()
    u, v = xs - mx, ys - my  # centred for conditioning
    design = np.column_stack([u, v, np.ones_like(u)])
    (d, e, f), *_ = np.linalg.lstsq(design, -(u * u + v * v), rcond=None)
    cu, cv = -d / 2, -e / 2
    if not (math.isfinite(cu) and math.isfinite(cv)) or cu * cu + cv * cv - f <= 0:
        return None
    dist = np.hypot(u - cu, v - cv)
    dist = dist[dist > 0.5]  # a pixel on the centre says nothing about the radius
    if dist.size == 0:
        return None
    radius = float(dist.size / np.sum(1.0 / dist))
    n_bins = int(np.clip(round(2 * math.pi * radius / 2), 8, 360))  # ~2 px of arc per bin
    theta = np.arctan2(v - cv, u - cu)
    bins = ((theta + math.pi) / (2 * math.pi) * n_bins).astype(np.int64) % n_bins
    coverage = np.unique(bins).size / n_bins
    return {
        "centre_x": _r(cu + mx),
        "centre_y": _r(cv + my),
        "mean_radius_px": _r(radius),
        "width_px": _r(len(xs) / (2 * math.pi * radius * coverage)),
        "angular_coverage": _r(coverage, 4),
    }


def _r(value: float, digits: int = 3) -> float:
    return round(float(value), digits)
