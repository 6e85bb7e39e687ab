"""The planet's disk in an image that carries no valid-data mask (PNG/JPEG/TIFF, JunoCam).

Off-disk sky is no data: it is the dark background connected to the image border. The sky level
and noise are measured on the border ring; a pixel (after a light blur) brighter than
``sky + max(6 noise, 4% of the 99.5th percentile)`` is on the planet. Dark regions enclosed by the
planet (dark spots, shadows) stay data; dark regions reaching the border (sky, and the night side
beyond the terminator, where there is nothing to see either) do not. An ellipse fitted to the
outline is recorded as the limb in ``meta["disk"]`` (informative; the mask is the outline itself,
since map-projected JunoCam products are swaths and crescents rather than full disks).
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from jovis.robust import mad_sigma

RING_PX = 3
MIN_SKY_SHARE = 0.01  # less sky than this: the frame is all planet (or all data), no mask made


def find_disk(image: np.ndarray) -> tuple[np.ndarray | None, dict[str, Any]]:
    """(valid mask or None, description) for an (H, W, C) image of a planet against dark sky.

    None means no sky was found (the border is not darker than the planet, or the frame is
    too small): the caller keeps every finite pixel valid.
    """
    h, w = image.shape[:2]
    if min(h, w) < 4 * RING_PX:
        return None, {"method": "none: frame too small to find a sky"}
    grey = np.nan_to_num(image.mean(axis=2, dtype=np.float32))  # no float copy of the image
    top = float(np.percentile(grey, 99.5))
    if not top > 0:
        return None, {"method": "none: image is blank"}
    blur = cv2.GaussianBlur(grey / top, (0, 0), 1.5)
    ring = np.concatenate(
        [
            blur[:RING_PX].ravel(),
            blur[-RING_PX:].ravel(),
            blur[:, :RING_PX].ravel(),
            blur[:, -RING_PX:].ravel(),
        ]
    )
    sky = float(np.median(ring))
    noise = mad_sigma(ring, centre=sky)
    threshold = sky + max(6.0 * noise, 0.04)
    dark = (blur <= threshold).astype(np.uint8)
    _, labels = cv2.connectedComponents(dark, connectivity=4)  # 0 = not dark
    border_labels = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    sky_mask = np.isin(labels, border_labels[border_labels > 0])
    if sky_mask.mean() < MIN_SKY_SHARE or sky_mask.mean() > 0.995:
        return None, {
            "method": f"none: no dark sky around the planet (sky share {sky_mask.mean():.3f})"
        }
    # the blur widens the disk by about one pixel; give that back, and drop specks (stars, noise)
    valid = cv2.erode((~sky_mask).astype(np.uint8), np.ones((3, 3), np.uint8))
    valid = cv2.morphologyEx(valid, cv2.MORPH_OPEN, np.ones((5, 5), np.uint8)).astype(bool)
    info: dict[str, Any] = {
        "method": "sky threshold on the border ring, sky = dark region reaching the border",
        "sky_level": round(sky * top, 4),
        "threshold": round(threshold * top, 4),
        "disk_share": round(float(valid.mean()), 4),
    }
    info.update(_limb(valid))
    return valid, info


def _limb(valid: np.ndarray) -> dict[str, Any]:
    contours, _ = cv2.findContours(valid.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    if not contours:
        return {}
    outline = max(contours, key=cv2.contourArea)
    if len(outline) < 5:
        return {}
    (cx, cy), (d1, d2), angle = cv2.fitEllipse(outline)
    return {
        "limb_ellipse": {
            "centre": [round(cx, 1), round(cy, 1)],
            "axes": [round(d1 / 2, 1), round(d2 / 2, 1)],
            "angle": round(angle, 1),
        }
    }
