"""Latitude/longitude lines over an overlay (every 10° of latitude, 30° of longitude)."""

from __future__ import annotations

import cv2
import numpy as np

from jovis.geometry import PolarGrid

LINE_RGB = (200, 200, 210)
FONT = cv2.FONT_HERSHEY_SIMPLEX


def draw_graticule(
    out: np.ndarray,
    grid: PolarGrid,
    shape: tuple[int, int],
    scale: int,
    line: int,
    font_scale: float,
    *,
    lat_step: float = 10.0,
    lon_step: float = 30.0,
    opacity: float = 0.45,
) -> None:
    """Blend the graticule of `grid` (a frame of `shape`) into `out`, upscaled by `scale`.

    Latitude circles are labelled where they cross the image's right half, longitudes near
    their outer end; labels say e.g. "70N" and "180W" (SIII west longitude).
    """
    layer = out.copy()
    labels: list[tuple[str, tuple[int, int]]] = []
    for gl in grid.graticule(shape[0], shape[1], lat_step, lon_step):
        pts = (np.asarray(gl["points"]) + 0.5) * scale - 0.5
        cv2.polylines(layer, [np.round(pts).astype(np.int32)], False, LINE_RGB, line, cv2.LINE_AA)
        value = gl["value"]
        if gl["kind"] == "lat":
            text = f"{abs(value):.0f}{'N' if value > 0 else 'S'}"
            anchor = pts[np.argmax(pts[:, 0])]  # the right-most point of the circle
        else:
            text = f"{value:.0f}W"
            anchor = pts[-1]  # the end away from the pole
        labels.append((text, (int(anchor[0]) + 2, int(anchor[1]) - 2)))
    cv2.addWeighted(layer, opacity, out, 1 - opacity, 0, dst=out)
    h, w = out.shape[:2]
    for text, (x, y) in labels:
        (tw, th), _ = cv2.getTextSize(text, FONT, font_scale, 1)
        x, y = min(max(x, 1), w - tw - 1), min(max(y, th + 1), h - 2)
        cv2.putText(out, text, (x, y), FONT, font_scale, LINE_RGB, 1, cv2.LINE_AA)
