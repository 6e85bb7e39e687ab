"""labelme JSON: read one file's shapes; write polygons (a ring's hole as a background polygon).

labelme's points are pixel coordinates with the top-left pixel centre at (0, 0), as jovis's.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from jovis.annotations.shapes import Shape
from jovis.io.json_file import load_json

READ_TYPES = ("polygon", "rectangle", "circle", "ellipse")


class AnnotationError(ValueError):
    """An annotation file that cannot be read at all (wrong schema): names the file and fix."""


def load(path: Path) -> dict[str, Any]:
    try:
        doc = load_json(path)
    except (OSError, ValueError) as err:
        raise AnnotationError(f"{path}: not readable JSON ({err})") from err
    if not isinstance(doc, dict) or not isinstance(doc.get("shapes"), list):
        raise AnnotationError(
            f"{path}: not a labelme file (no 'shapes' list); give labelme JSON, or name the "
            "format with format=geojson|cvat|catalogue"
        )
    return doc


def read(path: Path) -> tuple[str, list[Shape], list[dict[str, str]]]:
    """(image name, shapes in file order, skipped) of one labelme file."""
    doc = load(path)
    image = doc.get("imagePath") or Path(path).stem
    shapes, skipped = [], []
    for i, item in enumerate(doc["shapes"]):
        where = f"{Path(path).name} shape {i}"
        kind = item.get("shape_type") or "polygon"
        label = str(item.get("label", ""))
        try:
            pts = np.asarray(item.get("points"), dtype=np.float64).reshape(-1, 2)
        except (TypeError, ValueError):
            skipped.append(
                {"where": where, "label": label, "reason": "points are not [[x, y], ...]"}
            )
            continue
        if kind not in READ_TYPES:
            reason = f"shape_type {kind!r} has no area; use one of {', '.join(READ_TYPES)}"
            skipped.append({"where": where, "label": label, "reason": reason})
            continue
        shapes.append(_shape(kind, label, pts, where))
    return str(image), shapes, skipped


def _shape(kind: str, label: str, pts: np.ndarray, where: str) -> Shape:
    if kind == "rectangle" and len(pts) == 2:
        (x0, y0), (x1, y1) = pts
        return Shape(label, where, rings=[np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])])
    if kind == "circle" and len(pts) == 2:
        r = float(np.hypot(*(pts[1] - pts[0])))
        return Shape(label, where, ellipse=(pts[0][0], pts[0][1], r, r, 0.0))
    if kind == "ellipse" and len(pts) == 2:  # labelme forks: centre and (rx, ry) corner
        rx, ry = np.abs(pts[1] - pts[0])
        a, b, angle = (rx, ry, 0.0) if rx >= ry else (ry, rx, 90.0)
        return Shape(label, where, ellipse=(pts[0][0], pts[0][1], a, b, angle))
    return Shape(label, where, rings=[pts])


def document(image_path: str, size: tuple[int, int], polygons: list[tuple[str, np.ndarray]]):
    """A labelme document of `polygons` ((label, (N, 2) pixels)) drawn in the order given."""
    shapes = [
        {
            "label": label,
            "points": np.round(pts, 3).tolist(),
            "group_id": None,
            "shape_type": "polygon",
            "flags": {},
        }
        for label, pts in polygons
    ]
    return {
        "version": "5.2.1", "flags": {}, "shapes": shapes, "imagePath": image_path,
        "imageData": None, "imageHeight": int(size[0]), "imageWidth": int(size[1]),
    }  # fmt: skip
