"""Input normalisation shared by training and inference (its settings travel in the checkpoint)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch

from jovis.frame import Frame

DEFAULT_NORMALISATION: dict[str, Any] = {
    "kind": "percentile",
    "low": 1.0,
    "high": 99.5,
    "clip": [-0.5, 2.0],
}
STRIP_VALUES = 1 << 16  # pixels per strip of `normalise_frame`: 0.5 MB of float64 temporaries


def check_normalisation(settings: Mapping[str, Any]) -> None:
    """ValueError naming the ``normalisation`` key that is wrong: a percentile outside 0-100 or
    a string reached `numpy.percentile` at the first batch, after the run's folder was made."""
    if settings.get("kind") != "percentile":
        raise ValueError(f"unknown normalisation kind {settings.get('kind')!r}; valid: percentile")
    low, high, clip = settings.get("low"), settings.get("high"), settings.get("clip")
    for key, value in (("low", low), ("high", high)):
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
            raise ValueError(f"normalisation.{key}={value!r}: must be a percentile in [0, 100]")
    if not low < high:
        raise ValueError(f"normalisation.low={low} must be below normalisation.high={high}")
    pair = isinstance(clip, Sequence) and not isinstance(clip, str) and len(clip) == 2
    if (
        not pair
        or not all(isinstance(v, int | float) and math.isfinite(v) for v in clip)
        or not (clip[0] < clip[1])
    ):
        raise ValueError(f"normalisation.clip={clip!r}: must be [low, high], low below high "
                         "(normalised units: 0 and 1 are the two percentiles)")  # fmt: skip


def normalise_frame(
    frame: Frame, settings: Mapping[str, Any] = DEFAULT_NORMALISATION
) -> np.ndarray:
    """Return a C×H×W float32 array scaled per channel, with invalid pixels set to 0.

    Per-frame percentile scaling makes the network independent of the instrument's units (kR,
    radiance, DN) and of exposure: the `low` percentile of the valid pixels maps to 0 and the
    `high` one to 1, and values are clipped to `clip`.
    """
    if settings.get("kind") != "percentile":
        raise ValueError(f"unknown normalisation kind {settings.get('kind')!r}; valid: percentile")
    image, valid = frame.image, frame.valid
    out = np.zeros((image.shape[2], *image.shape[:2]), dtype=np.float32)
    lo_clip, hi_clip = settings["clip"]
    rows = max(1, STRIP_VALUES // max(1, image.shape[1]))
    for c in range(image.shape[2]):
        values = image[:, :, c][valid]
        if values.size == 0:
            continue
        lo, hi = np.percentile(values, [settings["low"], settings["high"]], overwrite_input=True)
        scale = 1.0 / (hi - lo) if hi > lo else 1.0
        # in strips of rows: the float64 temporaries stay in the cache (a whole 4096² plane
        # is 134 MB of them: 3× slower); the same operations on each pixel, the same bits
        for top in range(0, image.shape[0], rows):
            part = slice(top, top + rows)
            channel = (image[part, :, c] - lo) * scale
            np.clip(channel, lo_clip, hi_clip, out=channel)
            np.copyto(out[c, part], channel, where=valid[part])  # out is 0 elsewhere
    return out


def normalise_batch(
    image: torch.Tensor, valid: torch.Tensor, settings: Mapping[str, Any] = DEFAULT_NORMALISATION
) -> torch.Tensor:
    """`normalise_frame` for a batch on its device, without a Python loop over frames.

    Parameters
    ----------
    image : Tensor, float, (B, C, H, W), in the instrument's units
    valid : Tensor, bool, (B, H, W)
    settings : the ``normalisation`` block (kind ``percentile``: low, high, clip)

    Returns
    -------
    Tensor, float32, (B, C, H, W): each frame and channel scaled so that its `low` and `high`
    percentiles of the valid pixels (linear interpolation, as `numpy.percentile`) map to 0 and 1,
    clipped to `clip`, and 0 where not valid.
    """
    if settings.get("kind") != "percentile":
        raise ValueError(f"unknown normalisation kind {settings.get('kind')!r}; valid: percentile")
    b, c = image.shape[:2]
    flat = image.float().reshape(b, c, -1)
    keep = valid.reshape(b, 1, -1).expand_as(flat)
    # invalid pixels sort last; n valid values per frame
    ordered = torch.where(keep, flat, torch.full_like(flat, float("inf"))).sort(dim=-1).values
    n = keep[:, :1].sum(-1, keepdim=True)  # (B, 1, 1)

    def percentile(q: float) -> torch.Tensor:
        pos = (n - 1).clamp(min=0).to(torch.float64) * (float(q) / 100.0)
        lo = pos.floor().long()
        hi = (lo + 1).clamp(max=(n - 1).clamp(min=0))
        frac = (pos - lo).to(flat.dtype)
        v_lo = ordered.gather(-1, lo.expand(b, c, 1))
        v_hi = ordered.gather(-1, hi.expand(b, c, 1))
        return v_lo + (v_hi - v_lo) * frac

    lo, hi = percentile(settings["low"]), percentile(settings["high"])
    scale = torch.where(hi > lo, 1.0 / (hi - lo), torch.ones_like(hi))
    lo_clip, hi_clip = settings["clip"]
    out = ((flat - lo) * scale).clamp(lo_clip, hi_clip)
    out = torch.where(keep & (n > 0), out, torch.zeros_like(out))
    return out.reshape(image.shape)
