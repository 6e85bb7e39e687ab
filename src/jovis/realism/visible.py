"""Visible (JunoCam) realism: label-free statistics measured the same way on real composites and on
synthetic frames, and their table.

Every frame is first brought to `SIZE` px (area-averaged; the valid mask by nearest) and
normalised as the model sees it (`jovis.data.normalise.normalise_frame`, the default percentile
settings). Per frame:

- ``p05_<c>``, ``p50_<c>``, ``p95_<c>``: percentiles of the normalised channel over valid pixels
  (the histogram shape the stretch leaves after normalisation);
- ``rg``, ``bg``: mean red / mean green and mean blue / mean green of the raw values (colour);
- ``edges``: share of valid pixels (eroded 3 px off the limb and the no-data edge) where the
  Sobel gradient of the normalised luminance exceeds 0.1 per pixel;
- ``fine``: sd of the luminance minus its Gaussian blur (σ = 2 px) there (fine texture);
- ``corr_rb``: correlation of the normalised red and blue channels over valid pixels;
- ``valid``: share of the frame that is valid.

``scripts/visible_realism.py`` prints the table (median over frames per set).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import cv2
import numpy as np

from jovis.data.normalise import normalise_frame
from jovis.frame import Frame

SIZE = 256
CHANNELS = ("red", "green", "blue")
KEYS = ("p05_red", "p50_red", "p95_red", "p05_blue", "p50_blue", "p95_blue", "rg", "bg",
        "edges", "fine", "corr_rb", "valid")  # fmt: skip


def resized(frame: Frame, size: int) -> tuple[np.ndarray, np.ndarray]:
    image = np.nan_to_num(frame.image.astype(np.float32))
    valid = frame.valid
    if image.shape[:2] != (size, size):
        image = cv2.resize(image, (size, size), interpolation=cv2.INTER_AREA)
        valid = cv2.resize(valid.astype(np.uint8), (size, size), interpolation=cv2.INTER_NEAREST)
    return image.reshape(size, size, -1), valid.astype(bool)


def frame_stats(frame: Frame, size: int = SIZE) -> dict[str, float]:
    """The statistics of one three-channel (red, green, blue) frame."""
    if list(frame.channels[:3]) != list(CHANNELS):
        raise ValueError(f"visible realism needs channels {CHANNELS}, got {frame.channels}")
    image, valid = resized(frame, size)
    image = image[:, :, :3]
    if valid.sum() < 100:
        raise ValueError(f"frame {frame.meta.get('id', '?')}: fewer than 100 valid pixels")
    norm = normalise_frame(Frame(image, list(CHANNELS), valid=valid))
    out: dict[str, float] = {}
    for c, name in enumerate(CHANNELS):
        p = np.percentile(norm[c][valid], [5, 50, 95])
        for key, v in zip(("p05", "p50", "p95"), p, strict=True):
            out[f"{key}_{name}"] = float(v)
    means = [float(image[:, :, c][valid].mean()) for c in range(3)]
    out["rg"], out["bg"] = means[0] / means[1], means[2] / means[1]
    lum = norm.mean(0)
    inner = cv2.erode(valid.astype(np.uint8), np.ones((7, 7), np.uint8)).astype(bool)
    gx, gy = cv2.Sobel(lum, cv2.CV_32F, 1, 0) / 8, cv2.Sobel(lum, cv2.CV_32F, 0, 1) / 8
    grad = np.hypot(gx, gy)
    fine = lum - cv2.GaussianBlur(lum, (0, 0), 2.0)
    out["edges"] = float((grad[inner] > 0.1).mean()) if inner.any() else float("nan")
    out["fine"] = float(fine[inner].std()) if inner.any() else float("nan")
    out["corr_rb"] = float(np.corrcoef(norm[0][valid], norm[2][valid])[0, 1])
    out["valid"] = float(valid.mean())
    return out


def set_stats(frames: Iterable[Frame], size: int = SIZE) -> dict[str, float]:
    """Median of each statistic over the frames of one set with at least 100 valid pixels (``n``:
    how many; ``skipped``: the others)."""
    rows, skipped = [], 0
    for f in frames:
        if resized(f, size)[1].sum() < 100:
            skipped += 1
            continue
        rows.append(frame_stats(f, size))
    if not rows:
        raise ValueError("visible realism: no frame of the set has 100 valid pixels")
    stats = {k: float(np.nanmedian([r[k] for r in rows])) for k in rows[0]}
    return stats | {"n": len(rows), "skipped": skipped}


def table(sets: dict[str, dict[str, Any]], keys: tuple[str, ...] = KEYS) -> str:
    """A Markdown table: one row per statistic, one column per set."""
    names = list(sets)
    lines = ["| statistic | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    lines.append("| frames | " + " | ".join(str(sets[n]["n"]) for n in names) + " |")
    for k in keys:
        lines.append(f"| {k} | " + " | ".join(f"{sets[n][k]:.3f}" for n in names) + " |")
    return "\n".join(lines)
