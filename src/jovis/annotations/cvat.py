"""CVAT for images 1.1 XML: polygons, boxes, ellipses and circles of each image.

CVAT's coordinates put the top-left pixel's corner at (0, 0), so a pixel centre is at +0.5:
every coordinate is shifted by −0.5 to jovis's pixel centres. An ellipse's ``rotation`` is in
degrees clockwise on screen (+x toward +y), as cv2's angle. Shapes are drawn by ``z_order``,
then in file order.
"""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree as ET

import numpy as np

from jovis.annotations.labelme import AnnotationError
from jovis.annotations.shapes import Shape

CORNER = 0.5


def read(path: Path) -> list[tuple[str, list[Shape], list[dict[str, str]]]]:
    """[(image name, shapes, skipped)] for every <image> of a CVAT XML file."""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as err:
        raise AnnotationError(f"{path}: not readable XML ({err})") from err
    images = root.findall("image")
    if root.tag != "annotations" or not images:
        raise AnnotationError(
            f"{path}: not a CVAT for images 1.1 file (<annotations> with <image> elements); "
            "export from CVAT as 'CVAT for images 1.1'"
        )
    out = []
    for image in images:
        shapes, skipped = [], []
        items = sorted(enumerate(image), key=lambda t: (int(t[1].get("z_order", 0)), t[0]))
        for i, el in items:
            where = f"{Path(path).name} image {image.get('name')} {el.tag} {i}"
            label = el.get("label", "")
            try:
                shape = _shape(el, label, where)
            except (TypeError, ValueError) as err:
                skipped.append(
                    {"where": where, "label": label, "reason": f"bad coordinates ({err})"}
                )
                continue
            if shape is None:
                reason = f"<{el.tag}> has no area; use polygon, box, ellipse"
                skipped.append({"where": where, "label": label, "reason": reason})
            else:
                shapes.append(shape)
        out.append((image.get("name", ""), shapes, skipped))
    return out


def _shape(el: ET.Element, label: str, where: str) -> Shape | None:
    if el.tag == "polygon":
        pts = [[float(v) for v in p.split(",")] for p in el.get("points", "").split(";") if p]
        return Shape(label, where, rings=[np.asarray(pts, np.float64).reshape(-1, 2) - CORNER])
    if el.tag == "box":
        x0, y0, x1, y1 = (float(el.get(k)) - CORNER for k in ("xtl", "ytl", "xbr", "ybr"))
        return Shape(label, where, rings=[np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])])
    if el.tag == "ellipse":
        cx, cy = float(el.get("cx")) - CORNER, float(el.get("cy")) - CORNER
        rx, ry = float(el.get("rx")), float(el.get("ry"))
        rot = float(el.get("rotation", 0.0))
        a, b, angle = (rx, ry, rot) if rx >= ry else (ry, rx, rot + 90.0)
        return Shape(label, where, ellipse=(cx, cy, a, b, angle))
    return None
