"""Frame pixels → a displayable RGB image (robust stretches, perceptual colour map)."""

from __future__ import annotations

import cv2
import numpy as np

INVALID_RGB = (45, 45, 45)  # dark grey where there is no data
LOG_GAIN = 10.0  # y = log1p(g·t) / log1p(g): lifts faint emission without blowing out the oval


def display_image(
    image: np.ndarray, channels: list[str], valid: np.ndarray | None = None
) -> np.ndarray:
    """An H×W×3 uint8 RGB picture of a frame's pixels.

    Parameters
    ----------
    image : ndarray, shape (H, W, C) or (H, W)
        Pixel values in any units; NaN/inf are treated as invalid.
    channels : list of str
        One name per channel.
    valid : ndarray of bool, shape (H, W), or None
        False where there is no data; drawn dark grey and left out of the stretch percentiles.

    Notes
    -----
    One channel: log stretch between the 0.5 and 99.8 percentiles of the valid pixels, then the
    magma colour map. Two channels: false colour R = ch0, G = B = ch1. Three or more: the
    channels named red/green/blue when all three exist, else the first three. Each colour channel
    is stretched linearly between its own 0.5 and 99.5 percentiles. Constant, negative or
    all-invalid input gives a flat picture, never NaN or a warning.
    """
    img = np.asarray(image, dtype=np.float32)
    if img.ndim == 2:
        img = img[:, :, None]
    if img.ndim != 3 or img.shape[2] != len(channels) or img.shape[2] == 0:
        raise ValueError(
            f"image must be H×W×C with one name per channel; got shape {img.shape} "
            f"and channels {list(channels)}"
        )
    ok = np.isfinite(img[:, :, 0])
    for c in range(1, img.shape[2]):  # per plane: a reduction over the last axis is slow
        ok &= np.isfinite(img[:, :, c])
    if valid is not None:
        valid = np.asarray(valid, dtype=bool)
        if valid.shape != img.shape[:2]:
            raise ValueError(f"valid mask shape {valid.shape} != image shape {img.shape[:2]}")
        ok &= valid

    if img.shape[2] == 1:
        t = _stretch(img[:, :, 0], ok, 0.5, 99.8)
        t = np.log1p(LOG_GAIN * t) / np.log1p(LOG_GAIN)
        bgr = cv2.applyColorMap(_to_u8(t), cv2.COLORMAP_MAGMA)
        rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    else:
        if img.shape[2] == 2:
            order = [0, 1, 1]
        else:
            lower = [c.lower() for c in channels]
            named = all(c in lower for c in ("red", "green", "blue"))
            order = [lower.index(c) for c in ("red", "green", "blue")] if named else [0, 1, 2]
        stretched = {i: _to_u8(_stretch(img[:, :, i], ok, 0.5, 99.5)) for i in set(order)}
        rgb = np.dstack([stretched[i] for i in order])
    rgb[~ok] = INVALID_RGB
    return np.ascontiguousarray(rgb)


def _stretch(plane: np.ndarray, ok: np.ndarray, lo_pct: float, hi_pct: float) -> np.ndarray:
    """Map `plane` linearly so its lo/hi percentiles over `ok` become 0/1, clipped; NaN-free."""
    values = plane[ok]
    if values.size == 0:
        return np.zeros(plane.shape, np.float32)
    lo, hi = np.percentile(values.astype(np.float64), [lo_pct, hi_pct], overwrite_input=True)
    if not hi > lo:  # constant (or nearly): a flat picture
        lo, hi = float(values.min()), float(values.max())
    if not hi > lo:
        return np.zeros(plane.shape, np.float32)
    t = plane.astype(np.float64)  # in place from here: each full-frame temporary costs
    np.copyto(t, lo, where=~ok)
    t -= lo
    t /= float(hi) - float(lo)
    return np.clip(t, 0.0, 1.0, out=t).astype(np.float32)


def _to_u8(t: np.ndarray) -> np.ndarray:
    t = t * 255.0
    return np.round(t, out=t).astype(np.uint8)
