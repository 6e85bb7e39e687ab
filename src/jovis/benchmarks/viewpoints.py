"""`benchmark suite=viewpoints`: how stable a vortex detector is between viewpoints, on
synthetic frames (issue 13, item 3; the synthetic side of `make real-eval`'s PJ44 carried
agreement).

Held-out perspective frames of the checkpoint's own training conditions (its ``data.size`` and
``data.params``) are rendered with the same scene seen again from a point moved along a
spacecraft track (`jovis.synth.track`, the step of ``loss.track``); both are predicted (arg-max of
the network, as `evaluate` scores it) and the first frame's vortex mask is carried onto the
moved frame's pixels. Per pair, the vortex IoU of the two masks on the pixels both frames see
(pairs where neither marks a vortex are left out); the ``truth`` figures are the labels'
own agreement, the ceiling (short of 1 by the resampling and by what each view shows).
"""

from __future__ import annotations

import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from jovis.data.normalise import normalise_batch
from jovis.inference.predictor import Predictor
from jovis.synth.params import SynthParams
from jovis.synth.renderer import render_batch
from jovis.synth.track import render_moved
from jovis.training.track_term import track_step

SEED = 20000000  # held-out seeds, as the frozen synthetic test sets


def run_viewpoints(
    ckpt: str | Path,
    frames: int = 64,
    *,
    seed: int = SEED,
    step: dict[str, Any] | None = None,
    device: str = "auto",
    batch_size: int = 8,
) -> dict[str, Any]:
    """Median and mean viewpoint agreement of `ckpt`'s vortex masks and of the truth's."""
    start = time.perf_counter()
    predictor = Predictor.from_checkpoint(ckpt, device=device)
    info = predictor.info
    if "vortex" not in info.labels.names:
        raise ValueError(f"{ckpt}: suite=viewpoints needs a vortex detector; classes "
                         f"{info.labels.names}")  # fmt: skip
    vortex = info.labels.names.index("vortex")
    data = dict(info.config.get("data") or {})
    size = int(data.get("size") or 256)
    p = SynthParams.from_dict(data.get("params") or None)
    track = track_step({**(step or {}), "weight": 1.0})  # checked as loss.track's block
    model, truth = [], []
    for first in range(seed, seed + frames, batch_size):
        seeds = list(range(first, min(first + batch_size, seed + frames)))
        batch = render_batch(seeds, size, info.channels, params=p, view="perspective")
        moved = render_moved(batch, list(range(len(seeds))), track, p, torch.device("cpu"))
        ok = moved.common
        a = predictor.predict(normalise_batch(batch.image, batch.valid, info.normalisation))
        b = predictor.predict(normalise_batch(moved.image, moved.valid, info.normalisation))
        model += _pair_ious(a.argmax(1) == vortex, b.argmax(1) == vortex, moved.grid, ok)
        truth += _pair_ious(batch.mask == vortex, moved.mask == vortex, moved.grid, ok)
    return {
        "checkpoint": str(ckpt),
        "frames": frames,
        "size": size,
        "step": asdict(track),
        "pairs": len(model),
        "agreement_median": _round(np.median(model)) if model else None,
        "agreement_mean": _round(np.mean(model)) if model else None,
        "truth_pairs": len(truth),
        "truth_agreement_median": _round(np.median(truth)) if truth else None,
        "seconds": round(time.perf_counter() - start, 2),
    }


def _pair_ious(
    first: torch.Tensor, moved: torch.Tensor, grid: torch.Tensor, ok: torch.Tensor
) -> list[float]:
    """Per pair, the IoU of the first view's mask carried (nearest pixel) and the moved view's,
    on the `ok` pixels; pairs with neither marked are left out."""
    carried = F.grid_sample(first[:, None].float(), grid, "nearest", "zeros", align_corners=False)
    carried = carried[:, 0] > 0.5
    out = []
    for c, m, k in zip(carried, moved, ok, strict=True):
        union = int(((c | m) & k).sum())
        if union:
            out.append(int((c & m & k).sum()) / union)
    return out


def _round(x: float) -> float:
    return round(float(x), 4)
