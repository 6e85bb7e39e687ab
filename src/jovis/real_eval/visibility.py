"""How well the reference oval can be seen, vertex by vertex, so that aurora recall can be split
into the part of the oval an emission detector can see and the part only a prior on the oval's
course could fill.

Each vertex of the reference ridge (the ``oval.polyline_px`` of the stored labels) gets the SNR
of the frame along it: `jovis.realism.structure.ridge_trace` along that curve, the ``band``
contrast (brightness within 0.25° of the ridge − that 1–2° to both sides) over the local noise
(the robust sd of the 0.3° high-pass 2–8° beside it), as the realism report's ``ridge_snr``
row measures it. Classes: under 2 sigma (lost in the noise), 2–8 (faint but visible), over 8.
Every reference band pixel takes the class of its nearest vertex (`visibility_raster`).
"""

from __future__ import annotations

import cv2
import numpy as np

from jovis.frame import Frame
from jovis.realism.structure import ray_snr, ridge_trace

VISIBILITY = {1: "lt2", 2: "2to8", 3: "gt8"}
EDGES = (2.0, 8.0)


def vertex_snr(frame: Frame, polyline_px) -> np.ndarray | None:
    """Per vertex of `polyline_px` ((N, 2) x, y of a closed curve round the pole), the ridge
    SNR of a one-channel frame with a polar grid; NaN where the ridge has no data. None when
    the frame is not such a frame, no trace can be made or it has no noise floor."""
    curve = np.asarray(polyline_px, np.float64)
    if frame.grid is None or frame.image.shape[2] != 1 or curve.ndim != 2 or len(curve) < 3:
        return None
    trace = ridge_trace(frame.image[:, :, 0], frame.valid, frame.grid, curve_px=curve)
    if trace is None or not trace["noise"] > 0:  # no noise floor: no SNR
        return None
    snr = np.where(trace["visible"], ray_snr(trace), np.nan)
    cx, cy = trace["centre_px"]
    angle = np.arctan2(curve[:, 1] - cy, curve[:, 0] - cx)
    # the ray nearest each vertex in angle about the pole (rays are evenly spaced)
    step = 2 * np.pi / len(trace["angles"])
    ray = np.round(np.mod(angle, 2 * np.pi) / step).astype(np.int64) % len(trace["angles"])
    return snr[ray]


def snr_class(snr: np.ndarray) -> np.ndarray:
    """uint8 class per value: 1 under `EDGES[0]`, 2 up to `EDGES[1]`, 3 above; 0 for NaN."""
    snr = np.asarray(snr, np.float64)
    out = np.where(snr < EDGES[0], 1, np.where(snr <= EDGES[1], 2, 3)).astype(np.uint8)
    out[~np.isfinite(snr)] = 0
    return out


def visibility_raster(band: np.ndarray, polyline_px, classes: np.ndarray) -> np.ndarray:
    """uint8 H×W: on the `band` pixels (bool), the visibility class of the nearest vertex of
    `polyline_px` (`classes`, one per vertex; 0 = unknown), 0 elsewhere."""
    band = np.asarray(band, bool)
    out = np.zeros(band.shape, np.uint8)
    curve = np.asarray(polyline_px, np.float64)
    h, w = band.shape
    x = np.clip(np.round(curve[:, 0]).astype(np.int64), 0, w - 1)
    y = np.clip(np.round(curve[:, 1]).astype(np.int64), 0, h - 1)
    if not band.any() or len(curve) == 0:
        return out
    seeds = np.full(band.shape, 255, np.uint8)  # 255: not a vertex
    seeds[y, x] = np.asarray(classes, np.uint8)  # a pixel holding two vertices keeps the last
    is_seed = seeds != 255
    _, labels = cv2.distanceTransformWithLabels(
        (~is_seed).astype(np.uint8), cv2.DIST_L2, 5, labelType=cv2.DIST_LABEL_PIXEL
    )
    ys, xs = np.nonzero(is_seed)  # label k (1-based) is the k-th seed pixel in raster order
    nearest = seeds[ys, xs][labels - 1]
    out[band] = nearest[band]
    return out


def frame_visibility(frame: Frame, features: dict, sectors: np.ndarray) -> np.ndarray | None:
    """`visibility_raster` of one reference frame: its band (sector 1 or 2 pixels) classed by
    the ridge SNR along its reference oval; None without an oval polyline or a trace."""
    polyline = (features.get("oval") or {}).get("polyline_px")
    if not polyline:
        return None
    snr = vertex_snr(frame, polyline)
    if snr is None:
        return None
    band = (sectors == 1) | (sectors == 2)
    return visibility_raster(band, polyline, snr_class(snr))


class VisibilityRecall:
    """Recall of a band (the true or reference oval) split by how visible each of its pixels
    is, pooled over frames: what `evaluate` reports on synthetic frames, so that the real
    reference set's split (`LabelledScores`) has a synthetic counterpart on the same classes."""

    def __init__(self) -> None:
        self.counts = {cid: np.zeros(2, np.int64) for cid in VISIBILITY}  # band pixels, marked

    def add(
        self, frame: Frame, features: dict | None, band: np.ndarray, marked: np.ndarray
    ) -> None:
        """One frame: `band` (bool, the true oval) and `marked` (bool, the prediction); frames
        without an oval polyline, a polar grid or one channel are left out."""
        vis = frame_visibility(frame, features or {}, np.asarray(band, np.uint8))
        if vis is None:
            return
        for cid in VISIBILITY:
            sel = band & (vis == cid)
            self.counts[cid] += (int(sel.sum()), int((sel & marked).sum()))

    def summary(self, prefix: str) -> dict[str, float | None]:
        """``<prefix>_recall_<class>`` and ``<prefix>_share_<class>`` (None without pixels)."""
        total = sum(int(c[0]) for c in self.counts.values())
        out: dict[str, float | None] = {}
        for cid, name in VISIBILITY.items():
            n, hit = (int(v) for v in self.counts[cid])
            out[f"{prefix}_recall_{name}"] = round(hit / n, 4) if n else None
            out[f"{prefix}_share_{name}"] = round(n / total, 4) if total else None
        return out
