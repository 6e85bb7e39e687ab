"""Overlays of reference labels over their frames (for looking at them)."""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from jovis.frame import Frame

SECTOR_COLOURS = {1: (255, 80, 40), 2: (40, 200, 255)}  # RGB: bright sectors red, faint blue


def uv_display(frame: Frame, stretch_kr: float = 3000.0) -> np.ndarray:
    """Square-root stretched grey RGB of a UV frame; no-data pixels dark blue."""
    img = np.clip(np.nan_to_num(frame.image[..., 0]), 0, None)
    grey = (np.clip(np.sqrt(img / stretch_kr), 0, 1) * 255).astype(np.uint8)
    rgb = np.repeat(grey[..., None], 3, axis=2)
    rgb[~frame.valid] = (0, 0, 70)
    return rgb


def oval_overlay(frame: Frame, sector_mask: np.ndarray, features: dict[str, Any]) -> np.ndarray:
    """The band outline coloured by sector, the ridge polyline, and the registered seed."""
    rgb = uv_display(frame)
    kernel = np.ones((3, 3), np.uint8)
    for sid, colour in SECTOR_COLOURS.items():
        region = (sector_mask == sid).astype(np.uint8)
        rgb[region.astype(bool) & ~cv2.erode(region, kernel).astype(bool)] = colour
    oval = features["oval"]
    seed = np.asarray(oval["seed_px"], float)
    cv2.polylines(rgb, [np.round(seed * 4).astype(np.int32)], True, (0, 160, 0), 1,
                  cv2.LINE_AA, shift=2)  # fmt: skip
    for (x, y), s in zip(oval["polyline_px"], oval["sector_along"], strict=True):
        if s:
            cv2.circle(rgb, (round(x), round(y)), 1, SECTOR_COLOURS[s], -1)
    return rgb


def ellipse_overlay(rgb: np.ndarray, vortices: list[dict[str, Any]], scale: float = 1.0):
    """Ellipses (yellow: confident, orange: less sure) with their index, on a copy of `rgb`."""
    out = rgb.copy()
    for i, v in enumerate(vortices):
        colour = (255, 255, 0) if v.get("confidence", 1.0) >= 0.8 else (255, 140, 0)
        centre = (round(v["x"] * scale), round(v["y"] * scale))
        axes = (max(1, round(v["a"] * scale)), max(1, round(v["b"] * scale)))
        cv2.ellipse(out, centre, axes, float(v["angle"]), 0, 360, colour, 2, cv2.LINE_AA)
        cv2.putText(out, str(i), (centre[0] + 3, centre[1] - 3), cv2.FONT_HERSHEY_SIMPLEX, 0.5,
                    colour, 1, cv2.LINE_AA)  # fmt: skip
    return out
