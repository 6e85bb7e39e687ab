"""Latitude/longitude lines over an overlay (every 10° of latitude, 30° of longitude)."""

from __future__ import annotations

import functools

import cv2
import numpy as np

from jovis.geometry import PolarGrid
from jovis.geometry.locate import ViewLocator

LINE_RGB = (200, 200, 210)
NOON_RGB = (255, 205, 60)  # the Sun's meridian
FONT = cv2.FONT_HERSHEY_SIMPLEX


def draw_graticule(
    out: np.ndarray,
    grid: PolarGrid | ViewLocator,
    shape: tuple[int, int],
    scale: int,
    line: int,
    font_scale: float,
    *,
    lat_step: float = 10.0,
    lon_step: float = 30.0,
    opacity: float = 0.45,
    noon_lon_west: float | None = None,
) -> None:
    """Blend the graticule of `grid` (a frame of `shape`: its polar grid, or the view of a
    frame seen in perspective) into `out`, upscaled by `scale`.

    Latitude circles are labelled where they cross the image's right half, longitudes near
    their outer end; labels say e.g. "70N" and "180W" (SIII west longitude). With
    `noon_lon_west` (the sub-solar longitude, `jovis.geometry.sun`) the meridian under the Sun
    is drawn over it, labelled "noon" at its outer end (a graticule label in its way is left
    out): dawn and dusk at a glance.
    """
    layer = out.copy()
    polylines, labels = _graticule_lines(grid, shape[0], shape[1], scale, lat_step, lon_step)
    for pts in polylines:
        cv2.polylines(layer, [pts], False, LINE_RGB, line, cv2.LINE_AA)
    cv2.addWeighted(layer, opacity, out, 1 - opacity, 0, dst=out)
    noon: tuple = ()
    if noon_lon_west is not None:
        noon_lines = [(np.asarray(gl["points"]) + 0.5) * scale - 0.5
                      for gl in grid.meridian(noon_lon_west, *shape)]  # fmt: skip
        for pts in noon_lines:
            cv2.polylines(out, [np.round(pts).astype(np.int32)], False, NOON_RGB, line,
                          cv2.LINE_AA)  # fmt: skip
        if noon_lines:
            x, y = noon_lines[-1][-1]
            noon = (("noon", (int(x) + 2, int(y) - 2)),)
    for text, (x, y) in placed_labels(noon + labels, out.shape[:2], font_scale):
        colour = NOON_RGB if noon and text == "noon" else LINE_RGB
        cv2.putText(out, text, (x, y), FONT, font_scale, colour, 1, cv2.LINE_AA)


def placed_labels(
    labels: tuple[tuple[str, tuple[int, int]], ...], shape: tuple[int, int], font_scale: float
) -> list[tuple[str, tuple[int, int]]]:
    """Each label's text origin, moved inside the picture; a label whose box would overlap one
    already placed is left out (the longitudes that leave the frame beside the pole end
    together at its edge, where their labels were drawn over each other)."""
    h, w = shape
    placed: list[tuple[str, tuple[int, int]]] = []
    boxes: list[tuple[int, int, int, int]] = []
    for text, (x, y) in labels:
        (tw, th), base = cv2.getTextSize(text, FONT, font_scale, 1)
        x, y = min(max(x, 1), w - tw - 1), min(max(y, th + 1), h - 2)
        box = (x - 1, y - th - 1, x + tw + 1, y + base + 1)
        if any(overlap(box, other) for other in boxes):
            continue
        boxes.append(box)
        placed.append((text, (x, y)))
    return placed


def overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    """Whether two boxes (x0, y0, x1, y1), ends excluded, share a pixel."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@functools.lru_cache(maxsize=32)
def _graticule_lines(
    grid: PolarGrid | ViewLocator,
    height: int,
    width: int,
    scale: int,
    lat_step: float,
    lon_step: float,
) -> tuple[tuple[np.ndarray, ...], tuple[tuple[str, tuple[int, int]], ...]]:
    """The graticule's polylines in the upscaled picture and its labels with their anchors.

    Cached: the frames of a flyby share a few grids, and tracing the lines (Python loops over
    ~7000 points) was 11 ms of a 512² overlay's 20, holding the GIL the other writers need."""
    polylines, labels = [], []
    for gl in grid.graticule(height, width, lat_step, lon_step):
        pts = (np.asarray(gl["points"]) + 0.5) * scale - 0.5
        line = np.round(pts).astype(np.int32)
        line.flags.writeable = False
        polylines.append(line)
        value = gl["value"]
        if gl["kind"] == "lat":
            text = f"{abs(value):.0f}{'N' if value > 0 else 'S'}"
            anchor = pts[np.argmax(pts[:, 0])]  # the right-most point of the circle
        else:
            text = f"{value:.0f}W"
            anchor = pts[-1]  # the end away from the pole
        labels.append((text, (int(anchor[0]) + 2, int(anchor[1]) - 2)))
    return tuple(polylines), tuple(labels)
