"""An ellipse's outline: one piece of trigonometry for the pixel ellipses (labels, catalogues,
carried references) and the ellipses drawn in km or degrees on the surface (`annotations.geo`)."""

from __future__ import annotations

import math

import numpy as np


def ellipse_offsets(a, b, angle_deg, n: int = 72) -> tuple[np.ndarray, np.ndarray]:
    """(u, v), each (n,): the outline about the centre, semi-axes `a` along the major axis turned
    `angle_deg` from +u toward +v (cv2.fitEllipse's sense in pixels), starting on that axis."""
    t = np.linspace(0, 2 * math.pi, n, endpoint=False)
    th = math.radians(angle_deg)
    u = a * np.cos(t) * math.cos(th) - b * np.sin(t) * math.sin(th)
    v = a * np.cos(t) * math.sin(th) + b * np.sin(t) * math.cos(th)
    return u, v


def ellipse_points(cx, cy, a, b, angle_deg, n: int = 72) -> np.ndarray:
    """(n, 2) outline of a pixel ellipse; angle from +x toward +y (cv2.fitEllipse's sense)."""
    u, v = ellipse_offsets(a, b, angle_deg, n)
    return np.stack([cx + u, cy + v], axis=1)
