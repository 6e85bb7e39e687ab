"""The collapse guard: label-free scores of held-out frames and a fixed synthetic set's IoU,
measured every N steps, and the decision to stop.

Self-training can drift into marking everything or nothing; both flicker less than a good
mask, so the consecutive-frame agreement alone could rise while the model collapses. The guard
therefore stops on any of: the agreement falling more than `agreement_drop` below the source
checkpoint's, the held-out area share of what the checkpoint detects (aurora for `uv`, vortices
for `visible_rgb`) leaving [source / `area_ratio`, source × `area_ratio`], or the synthetic
held-out IoU falling more than `synthetic_drop` below the source's (the labels staying
anchored). The agreement is the aurora's: JunoCam products are perspective views from a moving
spacecraft, whose pixels do not match from one product to the next.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from jovis.adapt.frames import RealFrame
from jovis.frame import LabelSchema
from jovis.inference.batches import predict_batches
from jovis.inference.predictor import Predictor
from jovis.scoring import confusion_matrix, iou_dice, mask_from_probs
from jovis.scoring.label_free import area_share, label_free_scores, pixel_area_or_ones


def heldout_scores(predictor: Predictor, heldout: list[RealFrame], batch_size: int = 4
                   ) -> dict[str, float | None]:  # fmt: skip
    """Median consecutive-frame aurora agreement (None with a single held-out frame) and the
    mean area share of the detected classes (every class the checkpoint sees but background) on
    the held-out frames, predicted as `infer` predicts (on their own pixels), the masks the
    network's arg-max (without infer's oval course and aurora limit: the guard watches the
    network)."""
    schema = predictor.info.labels
    items = ((rf.scaled, rf.frame) for rf in heldout)
    masks, frames = [], [rf.frame for rf in heldout]
    for f, p, _, _ in predict_batches(predictor, items, batch_size):
        masks.append(mask_from_probs(p, f.valid, schema))
    summary = label_free_scores(frames, masks, schema)["summary"]
    detected = [k for k in predictor.info.visible_classes if schema.names[k] != "background"]
    shares = []
    for frame, mask in zip(frames, masks, strict=True):
        scored = frame.valid & (mask != schema.ignore_index)
        weight = pixel_area_or_ones(frame.grid, mask.shape)
        shares.append(area_share(np.isin(mask, detected), scored, weight))
    finite = [v for v in shares if math.isfinite(v)]
    return {"agreement": summary["agreement_median"],
            "area_share": float(np.mean(finite)) if finite else None}  # fmt: skip


def synthetic_iou(predictor: Predictor, images: np.ndarray, masks: np.ndarray,
                  visible: list[int]) -> float | None:  # fmt: skip
    """Mean IoU of the visible foreground classes on a fixed labelled synthetic set
    ((N, C, H, W) normalised images, (N, H, W) class ids with 255 = ignore)."""
    schema: LabelSchema = predictor.info.labels
    probs = predictor.predict_frames(list(images))
    pred = torch.from_numpy(np.stack([p.argmax(0) for p in probs]).astype(np.int64))
    truth = torch.from_numpy(np.asarray(masks, np.int64))
    hidden = [k for k in range(schema.num_classes) if k not in visible]
    for k in hidden:
        truth[truth == k] = schema.ignore_index
    cm = confusion_matrix(pred, truth, schema.num_classes, schema.ignore_index)
    iou = iou_dice(cm.numpy())[0]
    fg = [iou[k] for k in visible if k != 0 and math.isfinite(iou[k])]
    return float(np.mean(fg)) if fg else None


@dataclass
class Guard:
    """Stop rules against the source checkpoint's measures (the first `check`)."""

    agreement_drop: float = 0.05
    synthetic_drop: float = 0.03
    area_ratio: float | None = 3.0
    keep: str = "best"  # best: the passing check with the highest agreement; last: the latest
    baseline: dict[str, Any] | None = None
    history: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.keep not in ("best", "last"):
            raise ValueError(f"adapt: guard.keep={self.keep!r}; valid choices: best, last")

    def check(self, step: int, measures: dict[str, Any]) -> list[str]:
        """Record `measures` at `step`; the reasons to stop (none: the state passes). The
        first check sets the baseline (the source checkpoint) and always passes."""
        if self.baseline is None:
            self.baseline = dict(measures)
        reasons = self.reasons(measures)
        self.history.append({"step": int(step), **measures, "passed": not reasons,
                             "reasons": reasons})  # fmt: skip
        return reasons

    def reasons(self, m: dict[str, Any]) -> list[str]:
        base, out = self.baseline or {}, []
        a, a0 = m.get("agreement"), base.get("agreement")
        if _num(a) and _num(a0) and a < a0 - self.agreement_drop:
            out.append(f"held-out agreement {a:.3f} fell more than {self.agreement_drop} "
                       f"below the source's {a0:.3f}")  # fmt: skip
        s, s0 = m.get("synthetic_iou"), base.get("synthetic_iou")
        if _num(s) and _num(s0) and s < s0 - self.synthetic_drop:
            out.append(f"synthetic held-out IoU {s:.3f} fell more than {self.synthetic_drop} "
                       f"below the source's {s0:.3f}")  # fmt: skip
        r, r0 = m.get("area_share"), base.get("area_share")
        if self.area_ratio and _num(r) and _num(r0) and r0 > 0:
            lo, hi = r0 / self.area_ratio, r0 * self.area_ratio
            if not lo <= r <= hi:
                out.append(f"held-out detected area share {r:.4f} left [{lo:.4f}, {hi:.4f}] "
                           f"(source {r0:.4f} ÷× {self.area_ratio})")  # fmt: skip
        return out

    def is_new_best(self) -> bool:
        """Whether the last check should replace the kept state."""
        last = self.history[-1]
        if not last["passed"]:
            return False
        if self.keep == "last":
            return True
        earlier = [h for h in self.history[:-1] if h["passed"]]
        score = _score(last)
        return not earlier or all(score >= _score(h) for h in earlier)

    def state_dict(self) -> dict[str, Any]:
        return {"baseline": self.baseline, "history": list(self.history)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.baseline, self.history = state["baseline"], list(state["history"])


def _num(x: Any) -> bool:
    return isinstance(x, int | float) and math.isfinite(x)


def _score(h: dict[str, Any]) -> float:
    """Agreement, else synthetic IoU (a guard with a single held-out frame)."""
    for key in ("agreement", "synthetic_iou"):
        if _num(h.get(key)):
            return float(h[key])
    return 0.0
