"""A frame's emission above its local background: the white top-hat by a disk.

The frame less its grey opening by a disk wider than the structure of interest (the main
oval's width, a faint arc), so that the smooth disk glow, diffuse and polar emission wider
than the disk are taken as background. Used by the HST reference labeller, the realism report's
width over the background and `adapt`'s emission test, so all three take the background alike.
"""

from __future__ import annotations

import cv2
import numpy as np


def white_tophat(image: np.ndarray, valid: np.ndarray, disk_px: int) -> np.ndarray:
    """(H, W) float32: `image` less its grey opening by a disk `disk_px` across; 0 off `valid`.
    The image is taken as given (no-data pixels should already hold 0 or a neutral value)."""
    disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (int(disk_px), int(disk_px)))
    out = cv2.morphologyEx(np.asarray(image, np.float32), cv2.MORPH_TOPHAT, disk)
    return np.where(np.asarray(valid, bool), out, 0.0).astype(np.float32)
