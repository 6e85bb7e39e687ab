"""Scores of masks on real frames that have reference labels (`jovis.references`), pooled
over a frame set: per-class IoU and Dice, aurora IoU and Dice in the bright and faint sectors of
the reference oval apart, the oval boundary distance (degrees through each frame's grid) and
vortex precision/recall/F1 with the matching of `jovis.scoring.FeatureScores`.

Sectors: the stored ``sectors/*.png`` mark the reference band's pixels 1 (bright) or 2 (faint),
0 elsewhere, 255 no data. A pixel belongs to the sector of the nearest band pixel
(`sector_regions`), so a prediction beside a faint arc is scored with that arc. With a
visibility raster (`jovis.real_eval.visibility`: each band pixel classed by the ridge SNR along
the reference oval, under 2 / 2–8 / over 8 sigma) each sector's recall is also split by class,
with the class's share of the sector's reference pixels: what an emission detector can reach.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from jovis.frame import LabelSchema
from jovis.geometry import PolarGrid
from jovis.real_eval.visibility import VISIBILITY
from jovis.scoring import FeatureScores, iou_dice

SECTORS = {1: "bright", 2: "faint"}


def sector_regions(sectors: np.ndarray) -> np.ndarray:
    """uint8 H×W: the sector (1 bright, 2 faint) of the nearest reference band pixel; 0 when the
    band has no sector pixel, 255 where `sectors` is 255 (no data)."""
    sectors = np.asarray(sectors, np.uint8)
    band = (sectors == 1) | (sectors == 2)
    region = np.zeros(sectors.shape, np.uint8)
    if band.any():
        _, labels = cv2.distanceTransformWithLabels(
            (~band).astype(np.uint8), cv2.DIST_L2, 5, labelType=cv2.DIST_LABEL_PIXEL
        )
        ys, xs = np.nonzero(band)  # label k (1-based) is the k-th band pixel in raster order
        region = sectors[ys, xs][labels - 1].astype(np.uint8)
    region[sectors == 255] = 255
    return region


def confusion(pred: np.ndarray, truth: np.ndarray, k: int, ignore: int) -> np.ndarray:
    """(k, k) int64 counts, rows = truth, columns = prediction; `ignore` truth not counted."""
    keep = (truth != ignore) & (pred != ignore)
    idx = truth[keep].astype(np.int64) * k + pred[keep].astype(np.int64)
    return np.bincount(idx, minlength=k * k).reshape(k, k)


class LabelledScores:
    """Scores of one frame set's masks against its reference labels, frame by frame.

    `add` takes class-id masks (uint8 H×W, 255 = no data) of one frame; `summary` gives
    ``<class>_iou/_dice`` (pooled), ``aurora_<sector>_iou/_dice/_recall``, the `FeatureScores`
    summary
    (``oval_boundary_mean/p95``, ``vortex_precision/recall/f1``), ``vortex_found`` with the
    95 % intervals of recall and F1 over the frames resampled (`jovis.scoring.intervals`), and a
    row per frame (with its vortex ``tp/fp/fn``).
    """

    def __init__(self, schema: LabelSchema, score_curve: bool = False) -> None:
        self.schema = schema
        k = schema.num_classes
        self.cm = np.zeros((k, k), np.int64)
        self.sector_cm = {s: np.zeros((2, 2), np.int64) for s in SECTORS}
        # (sector, visibility class) -> [reference pixels, of them marked]
        self.visible = {(s, c): np.zeros(2, np.int64) for s in SECTORS for c in VISIBILITY}
        self.features = FeatureScores(schema, score_curve=score_curve)  # a model's, with scores
        self.rows: list[dict[str, Any]] = []

    def add(
        self,
        fid: str,
        pred: np.ndarray,
        probs: np.ndarray | None,
        truth: np.ndarray,
        features: dict[str, Any],
        grid: PolarGrid | None,
        sectors: np.ndarray | None = None,
        visibility: np.ndarray | None = None,
    ) -> None:
        s = self.schema
        if pred.shape != truth.shape:
            raise ValueError(f"{fid}: prediction {pred.shape} and reference {truth.shape} differ")
        cm = confusion(pred, truth, s.num_classes, s.ignore_index)
        self.cm += cm
        iou, _ = iou_dice(cm)
        row: dict[str, Any] = {"id": fid}
        row.update({f"{n}_iou": _round(v) for n, v in zip(s.names[1:], iou[1:], strict=True)})
        if sectors is not None and "aurora" in s.names:
            aurora, regions = s.id_of("aurora"), sector_regions(sectors)
            scored = truth != s.ignore_index
            for sid, name in SECTORS.items():
                sel = scored & (regions == sid)
                sc = confusion((pred[sel] == aurora).astype(np.uint8),
                               (truth[sel] == aurora).astype(np.uint8), 2, 255)  # fmt: skip
                self.sector_cm[sid] += sc
                row[f"aurora_{name}_iou"] = _round(iou_dice(sc)[0][1])
                row[f"aurora_{name}_recall"] = _round(_recall(sc))
            if visibility is not None:
                reference = scored & (truth == aurora)
                marked = pred == aurora
                for (sid, cid), counts in self.visible.items():
                    sel = reference & (sectors == sid) & (visibility == cid)
                    counts += (int(sel.sum()), int((sel & marked).sum()))
        if self.features.add(pred, probs, truth, features, grid) is not None:
            row.update(self.features.frame_counts[-1])  # for paired comparisons (compare_real)
        self.rows.append(row)

    def summary(self) -> dict[str, Any]:
        s = self.schema
        iou, dice = iou_dice(self.cm)
        out: dict[str, Any] = {"frames": len(self.rows)}
        for name, i_, d_ in zip(s.names, iou, dice, strict=True):
            out[f"{name}_iou"], out[f"{name}_dice"] = _round(i_), _round(d_)
        if any(cm.sum() for cm in self.sector_cm.values()):
            for sid, name in SECTORS.items():
                i_, d_ = iou_dice(self.sector_cm[sid])
                out[f"aurora_{name}_iou"], out[f"aurora_{name}_dice"] = _round(i_[1]), _round(d_[1])
                out[f"aurora_{name}_recall"] = _round(_recall(self.sector_cm[sid]))
                out.update(self._visibility_summary(sid, name))
        out.update(self.features.summary())
        out["per_frame"] = self.rows
        return out

    def _visibility_summary(self, sid: int, name: str) -> dict[str, float | None]:
        """``aurora_<sector>_recall_<class>`` and ``aurora_<sector>_share_<class>`` (the class's
        share of the sector's classed reference pixels); empty when nothing was classed."""
        total = sum(int(self.visible[sid, c][0]) for c in VISIBILITY)
        if total == 0:
            return {}
        out: dict[str, float | None] = {}
        for cid, cname in VISIBILITY.items():
            n, hit = (int(v) for v in self.visible[sid, cid])
            out[f"aurora_{name}_recall_{cname}"] = _round(hit / n) if n else None
            out[f"aurora_{name}_share_{cname}"] = _round(n / total)
        return out


def class_mask(aurora: np.ndarray, valid: np.ndarray, schema: LabelSchema) -> np.ndarray:
    """A bool aurora mask (e.g. the threshold baseline's) as class ids: aurora, background, and
    `ignore_index` off `valid`."""
    out = np.where(aurora, schema.id_of("aurora"), 0).astype(np.uint8)
    out[~np.asarray(valid, bool)] = schema.ignore_index
    return out


def _recall(cm: np.ndarray) -> float:
    """Share of the reference aurora pixels (row 1 of a 2×2 confusion) that the mask marks."""
    return cm[1, 1] / cm[1].sum() if cm[1].sum() else float("nan")


def _round(x: float) -> float | None:
    return None if not np.isfinite(x) else round(float(x), 4)
