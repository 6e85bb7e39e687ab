"""The scaling plot: seconds per megapixel against frame size (log2), drawn with OpenCV."""

from __future__ import annotations

import itertools
import math
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from jovis.io.atomic import atomic_path

W, H, MARGIN = 520, 300, 60
COLOURS = {"infer": (200, 90, 30), "train": (40, 140, 40)}  # BGR


def plot_scaling(result: dict[str, Any], path: str | Path) -> Path:
    """Seconds per megapixel per size: inference (the batch-size rows at the base batch) and
    training steps; a flat line is linear growth. Written atomically as a PNG."""
    batch = result["base"]["batch_size"]
    series = {
        "infer": [(r["size"], r["s_per_megapixel"]) for r in result["infer"]
                  if r["batch_size"] == batch],
        "train": [(r["size"], r["s_per_megapixel"]) for r in result["train"]],
    }  # fmt: skip
    points = [p for s in series.values() for p in s]
    if not points:
        raise ValueError("scaling result has no rows to plot")
    xs = [math.log2(s) for s, _ in points]
    x0, x1 = min(xs) - 0.3, max(xs) + 0.3
    y1 = max(v for _, v in points) * 1.15
    img = np.full((H, W, 3), 255, np.uint8)

    def at(size: float, value: float) -> tuple[int, int]:
        x = MARGIN + (math.log2(size) - x0) / (x1 - x0) * (W - MARGIN - 20)
        y = H - MARGIN + 20 - value / y1 * (H - MARGIN - 10)
        return round(x), round(y)

    font, grey = cv2.FONT_HERSHEY_SIMPLEX, (120, 120, 120)
    cv2.line(img, at(2**x0, 0), at(2**x1, 0), grey, 1, cv2.LINE_AA)
    for size in sorted({s for s, _ in points}):
        x, y = at(size, 0)
        cv2.putText(img, str(size), (x - 14, y + 16), font, 0.4, grey, 1, cv2.LINE_AA)
    for k in range(5):
        v = y1 * k / 4
        x, y = at(2**x0, v)
        cv2.putText(img, f"{v:.2g}", (4, y + 4), font, 0.4, grey, 1, cv2.LINE_AA)
        cv2.line(img, (x, y), (W - 20, y), (235, 235, 235), 1)
    for i, (name, pts) in enumerate(series.items()):
        pts = sorted(pts)
        for a, b in itertools.pairwise(pts):
            cv2.line(img, at(*a), at(*b), COLOURS[name], 2, cv2.LINE_AA)
        for p in pts:
            cv2.circle(img, at(*p), 4, COLOURS[name], -1, cv2.LINE_AA)
        label = f"{name} (batch {batch})" if name == "infer" else "train step"
        cv2.putText(img, label, (W - 170, 36 + 18 * i), font, 0.45, COLOURS[name], 1, cv2.LINE_AA)
    cv2.putText(img, "seconds per megapixel vs frame side (px)", (MARGIN, 16), font, 0.45,
                (40, 40, 40), 1, cv2.LINE_AA)  # fmt: skip
    path = Path(path)
    ok, data = cv2.imencode(".png", img)
    if not ok:
        raise OSError(f"could not encode the plot for {path}")
    with atomic_path(path) as tmp:
        tmp.write_bytes(data.tobytes())
    return path
