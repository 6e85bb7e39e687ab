"""Tracking plots drawn with OpenCV (as the overlays are): tracks on a polar map, a line chart
(longitude vs time per id, the oval's series). Images are RGB uint8."""

from __future__ import annotations

import math

import cv2
import numpy as np

BG, AXIS, TEXT = (24, 24, 28), (120, 120, 130), (230, 230, 230)
UNTRACKED = (170, 170, 170)  # detections no track took
FONT = cv2.FONT_HERSHEY_SIMPLEX


def colour(i: int) -> tuple[int, int, int]:
    """A distinct, bright colour for id `i` (golden-ratio hue steps)."""
    hue = int((i * 0.618034 % 1.0) * 179)
    hsv = np.uint8([[[hue, 200, 255]]])
    return tuple(int(c) for c in cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)[0, 0])


def _text(img, text, org, scale=0.4, col=TEXT):
    cv2.putText(img, str(text), org, FONT, scale, col, 1, cv2.LINE_AA)


def polar_map(tracks: dict[int, np.ndarray], hemisphere: str, max_colat: float,
              size: int = 640, others: np.ndarray | None = None) -> np.ndarray:  # fmt: skip
    """Tracks (id → (n, 2) lat, lon) over an azimuthal equidistant map of the pole, seen from
    above it: SIII 0° down, west longitude clockwise in the north (counter-clockwise south);
    `others` ((n, 2) lat, lon: detections in no track) as grey dots under them."""
    img = np.full((size, size, 3), BG, np.uint8)
    c, scale = size / 2.0, (size / 2.0 - 24) / max_colat
    s = 1.0 if hemisphere == "north" else -1.0

    def xy(lat, lon):
        colat = 90.0 - s * np.asarray(lat, dtype=float)
        lam = np.radians(lon)
        return np.stack([c - s * np.sin(lam) * colat * scale, c + np.cos(lam) * colat * scale], -1)

    step = 5.0 if max_colat <= 30 else 10.0
    for k in np.arange(step, max_colat + 1e-6, step):
        cv2.circle(img, (int(c), int(c)), int(k * scale), AXIS, 1, cv2.LINE_AA)
        _text(img, f"{90 - k:.0f}", (int(c) + 2, int(c - k * scale) - 2), 0.35, AXIS)
    for lon in range(0, 360, 30):
        ((x, y),) = xy([s * (90 - max_colat)], [lon])
        cv2.line(img, (int(c), int(c)), (int(x), int(y)), AXIS, 1, cv2.LINE_AA)
        _text(img, f"{lon}W", (int(x) - 12, int(y) + 4), 0.35, AXIS)
    loose = np.zeros((0, 2)) if others is None else np.asarray(others, float).reshape(-1, 2)
    for q in np.round(xy(loose[:, 0], loose[:, 1])).astype(np.int32):
        cv2.circle(img, (int(q[0]), int(q[1])), 3, UNTRACKED, -1, cv2.LINE_AA)
    for tid, pts in tracks.items():
        p = np.round(xy(pts[:, 0], pts[:, 1])).astype(np.int32)
        col = colour(tid)
        cv2.polylines(img, [p.reshape(-1, 1, 2)], False, col, 2, cv2.LINE_AA)
        for q in p:
            cv2.circle(img, (int(q[0]), int(q[1])), 2, col, -1, cv2.LINE_AA)
        _text(img, str(tid), (int(p[-1][0]) + 4, int(p[-1][1]) - 4), 0.45, col)
    _text(img, f"tracks, {hemisphere} pole (SIII west, planetocentric)", (8, 16), 0.45)
    if len(loose):
        _text(img, f"grey: {len(loose)} detection(s) in no track", (8, 32), 0.4, UNTRACKED)
    return img


def line_chart(
    series: list[tuple[str, np.ndarray, np.ndarray, tuple]],
    title: str,
    xlabel: str,
    ylabel: str,
    size: tuple[int, int] = (720, 300),
) -> np.ndarray:
    """Series (label, x, y, colour) as lines with dots; axes with their ranges."""
    w, h = size
    img = np.full((h, w, 3), BG, np.uint8)
    left, right, top, bottom = 64, 16, 24, 36
    xs = np.concatenate([np.asarray(s[1], float) for s in series]) if series else np.zeros(1)
    ys = np.concatenate([np.asarray(s[2], float) for s in series]) if series else np.zeros(1)
    ok = np.isfinite(ys)
    x0, x1 = (float(xs.min()), float(xs.max())) if xs.size else (0.0, 1.0)
    y0, y1 = (float(ys[ok].min()), float(ys[ok].max())) if ok.any() else (0.0, 1.0)
    x1, y1 = (x1 if x1 > x0 else x0 + 1.0), (y1 if y1 > y0 else y0 + 1.0)

    def px(x, y):
        u = left + (np.asarray(x, float) - x0) / (x1 - x0) * (w - left - right)
        v = h - bottom - (np.asarray(y, float) - y0) / (y1 - y0) * (h - top - bottom)
        return np.stack([u, v], -1)

    cv2.rectangle(img, (left, top), (w - right, h - bottom), AXIS, 1)
    for frac in (0.0, 0.5, 1.0):
        yv, xv = y0 + frac * (y1 - y0), x0 + frac * (x1 - x0)
        _text(img, _fmt(yv), (4, int(h - bottom - frac * (h - top - bottom)) + 4), 0.35)
        _text(img, _fmt(xv), (int(left + frac * (w - left - right)) - 14, h - bottom + 14), 0.35)
    head = f"{title}  [{ylabel}]" if ylabel and ylabel not in title else title
    _text(img, head, (left, 16), 0.45)
    _text(img, f"{xlabel}", (w // 2 - 30, h - 6), 0.4)
    for label, x, y, col in series:
        y = np.asarray(y, float)
        good = np.isfinite(y)
        if not good.any():
            continue
        p = np.round(px(np.asarray(x, float)[good], y[good])).astype(np.int32)
        cv2.polylines(img, [p.reshape(-1, 1, 2)], False, col, 1, cv2.LINE_AA)
        for q in p:
            cv2.circle(img, (int(q[0]), int(q[1])), 2, col, -1, cv2.LINE_AA)
        if label:
            _text(img, label, (int(p[-1][0]) + 3, int(p[-1][1]) + 4), 0.35, col)
    return img


def _fmt(v: float) -> str:
    if v == 0 or 0.01 <= abs(v) < 1e5:
        return f"{v:.4g}"
    return f"{v:.2e}" if math.isfinite(v) else "nan"
