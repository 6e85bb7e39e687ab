"""Resampling a source image onto a polar grid given, for every output pixel, its source pixel."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from jovis.geometry.polar import PolarGrid


def remap_mask(mask: np.ndarray, map_x: np.ndarray, map_y: np.ndarray) -> np.ndarray:
    """Class ids at the source pixels (`map_x`, `map_y`) of every output pixel, by nearest
    neighbour; off the source, or where the map is not finite: 255 (ignore)."""
    bad = ~(np.isfinite(map_x) & np.isfinite(map_y))
    map_x = np.where(bad, -10.0, map_x).astype(np.float32)
    map_y = np.where(bad, -10.0, map_y).astype(np.float32)
    out = cv2.remap(np.ascontiguousarray(mask, np.uint8), map_x, map_y, cv2.INTER_NEAREST,
                    borderMode=cv2.BORDER_CONSTANT, borderValue=255)  # fmt: skip
    out[bad] = 255
    return out


def square_polar_grid(hemisphere: str, settings: dict[str, Any], source: str) -> PolarGrid:
    """An exact square azimuthal-equidistant grid with the pole at the image centre.

    `settings`: ``size`` (px), ``max_colatitude`` (deg at the image edge), ``lon_down`` (SIII
    longitude pointing down from the pole, seen from above it; default 180).
    """
    size = int(settings["size"])
    max_colat = float(settings["max_colatitude"])
    sense = 1.0 if hemisphere == "north" else -1.0  # west longitude runs clockwise seen from above
    return PolarGrid(
        hemisphere,
        (size - 1) / 2,
        (size - 1) / 2,
        size / 2 / max_colat,
        lon_at_x=float((float(settings.get("lon_down", 180.0)) - sense * 90.0) % 360.0),
        lon_sense="clockwise" if sense > 0 else "counterclockwise",
        projection="equidistant",
        approximate=False,
        source=source,
    )


def remap_valid(
    image: np.ndarray,
    valid: np.ndarray,
    map_x: np.ndarray,
    map_y: np.ndarray,
    interpolation: int = cv2.INTER_LINEAR,
) -> tuple[np.ndarray, np.ndarray]:
    """Resampling over valid source pixels only (bilinear unless `interpolation` says otherwise).

    Parameters
    ----------
    image : ndarray (H, W, C)
    valid : ndarray of bool (H, W)
    map_x, map_y : ndarray (h, w)
        Source column / row (0-based, float) of every output pixel; NaN = nothing there.
    interpolation : cv2 flag
        Of the image and its validity weight: bilinear, or bicubic when enlarging.

    Returns
    -------
    image : ndarray float32 (h, w, C), normalised by the interpolated validity; NaN where invalid.
    valid : ndarray of bool (h, w): the source validity by nearest neighbour (and weight > 0).
    """
    bad = ~(np.isfinite(map_x) & np.isfinite(map_y))
    map_x = np.where(bad, -10.0, map_x).astype(np.float32)
    map_y = np.where(bad, -10.0, map_y).astype(np.float32)

    def remap(array: np.ndarray, interpolation: int) -> np.ndarray:
        return cv2.remap(
            array, map_x, map_y, interpolation, borderMode=cv2.BORDER_CONSTANT, borderValue=0
        )

    weight = remap(valid.astype(np.float32), interpolation)
    out_valid = remap(valid.astype(np.uint8), cv2.INTER_NEAREST).astype(bool) & (weight > 1e-6)
    out_valid &= ~bad
    out = np.full((*map_x.shape, image.shape[2]), np.nan, np.float32)
    for c in range(image.shape[2]):
        filled = np.where(valid, image[:, :, c], 0.0).astype(np.float32)
        out[:, :, c][out_valid] = remap(filled, interpolation)[out_valid] / weight[out_valid]
    return out, out_valid
