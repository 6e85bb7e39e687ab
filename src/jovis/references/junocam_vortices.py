"""JunoCam vortex references: ellipses placed by eye on the map-projected composites.

The ellipses live in ``real_v2/junocam_ellipses.json`` (procedure: README, "Reference labels for
the real frames"): per product, the image path relative to the real-data root and a list of
``{x, y, a, b, angle, kind, confidence}`` in pixels of the ``-mapprojected.png`` (a, b: semi-axes;
angle: degrees, OpenCV's ``cv2.ellipse`` convention). They are the only JunoCam labels stored:
this module turns them, with the product's valid-data mask as `read_frame` finds it (the disk,
`jovis.io.disk`), into the labelled frame set's mask (vortex class inside each ellipse,
background elsewhere on the disk, ignore on the sky) and features (vortex instances with
``radius_px`` = √(ab) for instance matching) whenever a frame set is made from them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np

from jovis.frame import IGNORE_INDEX
from jovis.io import read_frame

VORTEX = 2  # class id in configs/labels/default.yaml
KINDS = (
    "circumpolar_cyclone",
    "polar_cyclone",
    "white_oval",
    "dark_spot",
    "spiral_storm",
    "vortex",
)


def check_ellipse(v: dict[str, Any], where: str) -> None:
    missing = {"x", "y", "a", "b", "angle", "kind", "confidence"} - set(v)
    if missing:
        raise ValueError(f"{where}: ellipse lacks {sorted(missing)}")
    if v["kind"] not in KINDS:
        raise ValueError(f"{where}: kind {v['kind']!r} is not one of {KINDS}")
    if not (v["a"] > 0 and v["b"] > 0 and 0 <= v["confidence"] <= 1):
        raise ValueError(f"{where}: need a, b > 0 and 0 <= confidence <= 1, got {v}")
    if "cpc" in v and v["kind"] not in ("circumpolar_cyclone", "polar_cyclone"):
        raise ValueError(f"{where}: cpc id {v['cpc']!r} on kind {v['kind']!r}; use a cyclone kind")


def vortex_labels(disk: np.ndarray, product: dict[str, Any], fid: str):
    """(mask uint8, features dict) of one product's ellipses; `disk` (H, W) bool is its
    valid-data mask (the planet's disk)."""
    mask = np.zeros(disk.shape, np.uint8)
    vortices = []
    for i, v in enumerate(product["vortices"]):
        check_ellipse(v, f"{fid} ellipse {i}")
        centre = (float(v["x"]), float(v["y"]))
        cv2.ellipse(mask, (centre, (2 * v["a"], 2 * v["b"]), float(v["angle"])), VORTEX, -1)
        vortices.append({
            "id": i, "kind": v["kind"], "x": v["x"], "y": v["y"],
            "radius_px": round(float(np.sqrt(v["a"] * v["b"])), 2), "a": v["a"], "b": v["b"],
            "angle": v["angle"], "confidence": v["confidence"], "note": v.get("note", ""),
            "cpc": v.get("cpc"),
        })  # fmt: skip
    mask[~disk] = IGNORE_INDEX
    features = {"id": fid, "hemisphere": product["hemisphere"], "vortices": vortices,
                "disk_fraction": round(float(disk.mean()), 4)}  # fmt: skip
    return mask, features


def product_labels(real_root: Path, fid: str, product: dict[str, Any]):
    """(frame, mask, features) of one product: read as inference reads it, labelled from its
    ellipses."""
    frame = read_frame(Path(real_root) / product["image"])
    mask, features = vortex_labels(frame.valid, product, fid)
    return frame, mask, features
