"""Annotation shapes in a frame's pixels, and their rasterisation into a class mask + instances.

Pixel coordinates everywhere here are jovis's: ``[x, y]`` = ``[column, row]``, the top-left pixel
centre at ``(0, 0)`` (labelme's convention too; CVAT's corner convention is converted on reading).
Shapes are drawn in order, a later one over an earlier one; a polygon's holes are drawn as
background (what a labelme "background" polygon drawn over a ring does too).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from jovis.frame import LabelSchema
from jovis.geometry.ellipse import ellipse_points

EPS = 1e-3  # px: a centre this close to an outline is on it (lat/lon round trips)
UNLABELLED = ("ignore", "background")
# a shape reaching farther than this many frame sides from the frame's centre is skipped: its
# coordinates are not this frame's pixels (1e30 stopped the whole import with NumPy's "Maximum
# allowed size exceeded"; 1e9 asked for gigabytes; OpenCV's ellipse fit did not converge)
FAR_OUTSIDE = 10
DEFAULT_ALIASES = {
    "aurora_oval": "aurora",
    "oval": "aurora",
    "cyclone": "vortex",
    "_background_": "background",
}
INSTANCE_CLASSES = ("vortex", "anticyclone")


@dataclass
class Shape:
    """One annotated shape: a polygon (outer ring, then holes) or a pixel ellipse."""

    label: str
    where: str  # file and item, for the report of what could not be placed
    rings: list[np.ndarray] = field(default_factory=list)  # each (N, 2) float pixels
    ellipse: tuple[float, float, float, float, float] | None = None  # cx, cy, a, b, angle (cv2)
    extra: dict[str, Any] = field(default_factory=dict)  # lat, lon, sigma, confidence, ...

    def outline(self) -> np.ndarray:
        if self.ellipse is None:
            return self.rings[0]
        return ellipse_points(*self.ellipse)


def labelme_polygons(polygons: list[dict[str, Any]]) -> list[tuple[str, np.ndarray]]:
    """labelme's drawing order (DS9's too): each outer ring, then its holes as background
    polygons drawn over it."""
    out = []
    for p in polygons:
        out.append((p["label"], p["rings"][0]))
        out += [("background", hole) for hole in p["rings"][1:]]
    return out


def polygon_mask(ring: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Bool (H, W): the pixels whose centre is inside `ring` or on its outline.

    Centre-based (as labelme's and CVAT's own mask exports): a CVAT box from corner 10 to 21
    covers 11 pixels, not 12; and a ring through boundary pixel centres (what `export` writes)
    gives back exactly its pixels.
    """
    h, w = shape
    ring = np.asarray(ring, np.float64).reshape(-1, 2)
    p0, p1 = ring, np.roll(ring, -1, axis=0)
    ys = np.arange(h, dtype=np.float64)[:, None]
    lo, hi = np.minimum(p0[:, 1], p1[:, 1]), np.maximum(p0[:, 1], p1[:, 1])
    crosses = (ys >= lo) & (ys < hi)  # half-open: a vertex is counted once
    dy = np.where(p1[:, 1] != p0[:, 1], p1[:, 1] - p0[:, 1], 1.0)
    xc = p0[:, 0] + (ys - p0[:, 1]) * (p1[:, 0] - p0[:, 0]) / dy
    xc = np.where(crosses, xc, np.inf)
    xc.sort(axis=1)
    out = np.zeros((h, w), bool)
    xs = np.arange(w, dtype=np.float64)
    for y in np.nonzero(crosses.sum(axis=1) >= 2)[0]:
        row = xc[y][np.isfinite(xc[y])]
        for left, right in zip(row[0::2], row[1::2], strict=False):
            out[y] |= (xs >= left - EPS) & (xs <= right + EPS)
    out |= _outline_pixels(p0, p1, shape)
    return out


def _outline_pixels(p0: np.ndarray, p1: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Pixels whose centre lies on one of the segments p0[i] → p1[i] (to `EPS` px)."""
    h, w = shape
    out = np.zeros((h, w), bool)
    for a, b in zip(p0, p1, strict=True):
        major = int(np.argmax(np.abs(b - a)))  # step along the longer axis, one pixel at a time
        lo, hi = sorted((a[major], b[major]))
        u = np.arange(np.ceil(lo - EPS), np.floor(hi + EPS) + 1)
        span = b[major] - a[major]
        t = (u - a[major]) / span if abs(span) > EPS else np.zeros(1)
        pts = a + np.clip(t, 0, 1)[:, None] * (b - a)
        ok = (np.abs(pts - np.round(pts)) < EPS).all(axis=1)
        xy = np.round(pts[ok]).astype(int)
        xy = xy[(xy[:, 0] >= 0) & (xy[:, 0] < w) & (xy[:, 1] >= 0) & (xy[:, 1] < h)]
        out[xy[:, 1], xy[:, 0]] = True
    return out


def fill(rings: list[np.ndarray], shape: tuple[int, int]) -> np.ndarray:
    """Bool (H, W): inside the outer ring and outside every hole (centre rule, outlines in)."""
    out = polygon_mask(rings[0], shape)
    for hole in rings[1:]:
        out &= ~polygon_mask(hole, shape)
    return out


def class_lookup(schema: LabelSchema, aliases: dict[str, str] | None) -> dict[str, int]:
    """Lower-case label → class id (255 for 'ignore'): the schema's names, then `aliases`."""
    table = {c.name.lower(): c.id for c in schema.classes}
    table["ignore"] = schema.ignore_index
    for src, dst in {**DEFAULT_ALIASES, **(aliases or {})}.items():
        if str(dst).lower() in table:
            table[str(src).lower()] = table[str(dst).lower()]
    return table


def rasterise(
    shapes: list[Shape],
    size: tuple[int, int],
    schema: LabelSchema,
    *,
    aliases: dict[str, str] | None = None,
    unlabelled: str = "background",
) -> tuple[np.ndarray, list[dict[str, Any]], list[dict[str, str]]]:
    """(mask uint8 H×W, vortex instances, skipped) for one frame's shapes.

    `unlabelled`: what pixels no shape covers become: ``background`` (0) or ``ignore`` (255, for
    partial annotations: they do not count in the loss). A shape whose class is unknown, whose
    outline is degenerate, or that covers no pixel of the frame is skipped, with the reason.
    """
    if unlabelled not in UNLABELLED:
        raise ValueError(f"unlabelled={unlabelled!r}; valid choices: {', '.join(UNLABELLED)}")
    h, w = size
    mask = np.full((h, w), schema.ignore_index if unlabelled == "ignore" else 0, np.uint8)
    table = class_lookup(schema, aliases)
    instances: list[dict[str, Any]] = []
    skipped: list[dict[str, str]] = []
    for shape in shapes:
        cls = table.get(shape.label.strip().lower())
        if cls is None:
            known = ", ".join(sorted(table))
            skipped.append(_skip(shape, f"unknown class {shape.label!r} (known: {known}; map "
                                        f"it with classes.{shape.label}=<class>)"))  # fmt: skip
            continue
        if shape.ellipse is not None and not _proper_ellipse(shape.ellipse):
            skipped.append(
                _skip(
                    shape, "degenerate ellipse (its centre and axes must be finite, its axes > 0)"
                )
            )
            continue
        rings = [shape.outline()] if shape.ellipse is not None else shape.rings
        if not rings or len(rings[0]) < 3 or not np.isfinite(np.concatenate(rings)).all():
            skipped.append(_skip(shape, "degenerate outline (fewer than 3 finite points)"))
            continue
        reach = float(np.abs(np.concatenate(rings) - [w / 2, h / 2]).max())
        if reach > FAR_OUTSIDE * max(h, w):
            why = (f"reaches {reach:.3g} px from the frame's centre, over {FAR_OUTSIDE}x its "
                   "side: coordinates in another unit or of another frame?")  # fmt: skip
            skipped.append(_skip(shape, why))
            continue
        region = fill(rings, (h, w))
        if not region.any():
            skipped.append(_skip(shape, "outside the frame (covers no pixel)"))
            continue
        mask[region] = cls
        if len(rings) > 1:
            mask[fill(rings[:1], (h, w)) & ~region] = 0  # holes are labelled background
        name = schema.classes[cls].name if cls < len(schema.classes) else ""
        if name in INSTANCE_CLASSES:
            instances.append(_instance(shape, len(instances), name, region))
    return mask, instances, skipped


def _proper_ellipse(ellipse: tuple[float, float, float, float, float]) -> bool:
    """Finite, with both axes > 0 (a CVAT or DS9 file may say rx=-3: its instance's radius,
    sqrt(a·b), stopped the import with "math domain error")."""
    cx, cy, a, b, _ = (float(v) for v in ellipse)  # (Python floats: inf without a warning)
    reach = max(abs(cx), abs(cy)) + max(a, b)  # past the float range: an outline of inf
    return all(math.isfinite(v) for v in ellipse) and min(a, b) > 0 and math.isfinite(reach)


def _skip(shape: Shape, reason: str) -> dict[str, str]:
    return {"where": shape.where, "label": shape.label, "reason": reason}


def _instance(shape: Shape, index: int, kind: str, region: np.ndarray) -> dict[str, Any]:
    """A vortex instance as the frame-set features JSON holds it (pixels; lat/lon if known)."""
    if shape.ellipse is not None:
        cx, cy, a, b, angle = shape.ellipse
    else:
        pts = np.asarray(shape.rings[0], np.float32)
        if len(pts) >= 5:
            (cx, cy), (d1, d2), angle = cv2.fitEllipse(pts)
            a, b = max(d1, d2) / 2, min(d1, d2) / 2
            angle = angle if d1 >= d2 else angle + 90.0
        else:
            ys, xs = np.nonzero(region)
            cx, cy, a, b, angle = xs.mean(), ys.mean(), 0.0, 0.0, 0.0
            a = b = math.sqrt(region.sum() / math.pi)
    inst = {
        "id": index, "kind": kind, "x": round(float(cx), 4), "y": round(float(cy), 4),
        "radius_px": round(math.sqrt(a * b), 4), "semi_major_px": round(float(a), 4),
        "semi_minor_px": round(float(b), 4), "angle_deg": round(float(angle) % 180.0, 3),
        "area_px": int(region.sum()), "source": shape.where,
    }  # fmt: skip
    inst.update(shape.extra)
    return inst
