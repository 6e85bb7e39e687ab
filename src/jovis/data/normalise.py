"""Input normalisation shared by training and inference (its settings travel in the checkpoint)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from jovis.frame import Frame

DEFAULT_NORMALISATION: dict[str, Any] = {
    "kind": "percentile",
    "low": 1.0,
    "high": 99.5,
    "clip": [-0.5, 2.0],
}


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
    for c in range(image.shape[2]):
        values = image[:, :, c][valid]
        if values.size == 0:
            continue
        lo, hi = np.percentile(values, [settings["low"], settings["high"]])
        scale = 1.0 / (hi - lo) if hi > lo else 1.0
        channel = (image[:, :, c] - lo) * scale
        np.clip(channel, lo_clip, hi_clip, out=channel)
        out[c] = np.where(valid, channel, 0.0)
    return out
