"""The realism report's side-by-side figure, drawn with OpenCV (no plotting library needed).

Top row: real | synthetic frames with one display stretch (log between the real frames' pooled
0.5 and 99.8 percentiles, magma colour map) and the measured oval ridge in green. Bottom row:
median brightness percentiles (log kR bars), oval FWHM and limb-fringe bars, the median noise
spectra, and the median brightness against distance from the no-data edge (with the legend).
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import cv2
import numpy as np

PANEL = 300
REAL_RGB, SYNTH_RGB = (90, 160, 255), (255, 150, 60)
LOG_GAIN = 10.0
FONT = cv2.FONT_HERSHEY_SIMPLEX


def _stretch(frames: list[Any]) -> tuple[float, float]:
    values = np.concatenate([f.image[f.valid & np.isfinite(f.image)] for f in frames])
    lo, hi = np.percentile(values, [0.5, 99.8]) if values.size else (0.0, 1.0)
    return float(lo), float(hi if hi > lo else lo + 1.0)


def _frame_panel(frame: Any, ridge: list, lo: float, hi: float, title: str) -> np.ndarray:
    t = np.clip((np.nan_to_num(frame.image) - lo) / (hi - lo), 0.0, 1.0)
    t = np.log1p(LOG_GAIN * t) / np.log1p(LOG_GAIN)
    rgb = cv2.cvtColor(
        cv2.applyColorMap(np.round(t * 255).astype(np.uint8), cv2.COLORMAP_MAGMA),
        cv2.COLOR_BGR2RGB,
    )
    rgb[~frame.valid] = (45, 45, 45)
    scale = PANEL / max(rgb.shape[:2])
    for x, y in ridge:
        cv2.circle(rgb, (int(x), int(y)), max(1, int(1.5 / scale)), (0, 255, 0), -1)
    h, w = rgb.shape[:2]
    small = cv2.resize(rgb, (int(w * scale), int(h * scale)), interpolation=cv2.INTER_AREA)
    panel = np.zeros((PANEL, PANEL, 3), np.uint8)
    panel[: small.shape[0], : small.shape[1]] = small
    _text(panel, title, (6, 18))
    return panel


def _text(img: np.ndarray, text: str, org: tuple[int, int], color=(255, 255, 255), s=0.45):
    cv2.putText(img, text, org, FONT, s, (0, 0, 0), 3, cv2.LINE_AA)
    cv2.putText(img, text, org, FONT, s, color, 1, cv2.LINE_AA)


def _bars(table: list[dict], keys: list[str], log: bool, title: str) -> np.ndarray:
    """Grouped bars (real, synthetic) for `keys` of the comparison table, with pass/fail."""
    img = np.full((PANEL, PANEL, 3), 255, np.uint8)
    rows = {r["metric"]: r for r in table if r["metric"] in keys}

    def val(v):
        if v is None or not math.isfinite(v):
            return 0.0
        return math.log10(max(v, 1.0)) if log else v

    top = max([val(rows[k][s]) for k in keys for s in ("real", "synthetic")] + [1e-6]) * 1.15
    base, height = PANEL - 40, PANEL - 80
    width = (PANEL - 20) // len(keys)
    for i, key in enumerate(keys):
        x0 = 10 + i * width
        for j, (src, color) in enumerate((("real", REAL_RGB), ("synthetic", SYNTH_RGB))):
            h = int(height * val(rows[key][src]) / top)
            xa = x0 + 8 + j * (width // 2 - 6)
            cv2.rectangle(img, (xa, base - h), (xa + width // 2 - 14, base), color, -1)
            v = rows[key][src]
            _text(
                img,
                "-" if v is None else (f"{v:.3g}" if abs(v) < 1000 else f"{v:.0f}"),
                (xa - 2, base - h - 4),
                color,
                0.35,
            )
        ok = rows[key].get("pass")
        label = key.replace("_kr", "").replace("oval_", "").replace("edge_", "").replace("_deg", "")
        mark = "" if ok is None else (" ok" if ok else " FAIL")
        cv2.putText(img, label + mark, (x0 + 4, base + 16), FONT, 0.38, (0, 0, 0), 1, cv2.LINE_AA)
    cv2.line(img, (8, base), (PANEL - 8, base), (0, 0, 0), 1)
    cv2.putText(img, title, (8, 18), FONT, 0.45, (0, 0, 0), 1, cv2.LINE_AA)
    return img


def _median_spectrum(rows: list[dict]) -> tuple[np.ndarray, np.ndarray]:
    freq = np.asarray(rows[0]["spectrum"]["freq"])
    power = np.median([np.asarray(r["spectrum"]["power"]) for r in rows], axis=0)
    return freq, power


def _spectra(real_rows: list[dict], synth_rows: list[dict]) -> np.ndarray:
    """log10 power vs frequency (cycles/px), median over frames, real and synthetic."""
    img = np.full((PANEL, PANEL, 3), 255, np.uint8)
    curves = [
        (*_median_spectrum(r), c) for r, c in ((real_rows, REAL_RGB), (synth_rows, SYNTH_RGB))
    ]
    logs = [np.log10(np.maximum(p, 1e-12)) for _, p, _ in curves]
    lo, hi = min(v.min() for v in logs), max(v.max() for v in logs)
    hi = hi if hi > lo else lo + 1.0
    x0, x1, y0, y1 = 40, PANEL - 10, 30, PANEL - 40
    for (f, _, color), lp in zip(curves, logs, strict=True):
        pts = np.stack([x0 + (x1 - x0) * f / 0.5, y1 - (y1 - y0) * (lp - lo) / (hi - lo)], 1)
        cv2.polylines(img, [pts.round().astype(np.int32)], False, color, 2, cv2.LINE_AA)
    cv2.rectangle(img, (x0, y0), (x1, y1), (0, 0, 0), 1)
    for text, org in ((f"{hi:.1f}", (4, y0 + 10)), (f"{lo:.1f}", (4, y1)), ("0", (x0 - 4, y1 + 16)),
                      ("0.5 cyc/px", (x1 - 70, y1 + 16))):  # fmt: skip
        cv2.putText(img, text, org, FONT, 0.35, (0, 0, 0), 1, cv2.LINE_AA)
    cv2.putText(img, "log10 noise power (kR^2)", (8, 18), FONT, 0.45, (0, 0, 0), 1, cv2.LINE_AA)
    return img


def _edge_panel(profile: dict[str, Any] | None, legend: list[tuple[str, tuple]]) -> np.ndarray:
    """The median brightness over its level 1–2° inside against distance from the no-data edge
    (0–1°), real and synthetic (the `edge_fringe_deg` row's curves), a dashed line at half the
    level; the figure's legend under it."""
    img = np.full((PANEL, PANEL, 3), 255, np.uint8)
    x0, x1, y0, y1 = 40, PANEL - 10, 30, 190
    top = 1.5  # the curves are clipped at 1.5x the level
    if profile:
        deg = np.asarray(profile["deg"], dtype=np.float64)
        for source, color in (("real", REAL_RGB), ("synthetic", SYNTH_RGB)):
            v = np.array([np.nan if c is None else c for c in profile[source]], np.float64)
            pts = np.stack([x0 + (x1 - x0) * deg, y1 - (y1 - y0) * np.clip(v, 0, top) / top], 1)
            for a, b in itertools.pairwise(pts):
                if np.isfinite(a).all() and np.isfinite(b).all():
                    cv2.line(img, tuple(a.round().astype(int)), tuple(b.round().astype(int)),
                             color, 2, cv2.LINE_AA)  # fmt: skip
    yh = round(y1 - (y1 - y0) * 0.5 / top)
    for xs in range(x0, x1, 8):
        cv2.line(img, (xs, yh), (min(xs + 4, x1), yh), (120, 120, 120), 1)
    cv2.rectangle(img, (x0, y0), (x1, y1), (0, 0, 0), 1)
    for text, org in (("1.5", (8, y0 + 10)), ("0", (20, y1)), ("0", (x0 - 4, y1 + 14)),
                      ("1 deg from edge", (x1 - 100, y1 + 14))):  # fmt: skip
        cv2.putText(img, text, org, FONT, 0.35, (0, 0, 0), 1, cv2.LINE_AA)
    cv2.putText(img, "median / level vs edge distance", (8, 18), FONT, 0.45, (0, 0, 0), 1,
                cv2.LINE_AA)  # fmt: skip
    for i, (text, color) in enumerate(legend):
        cv2.putText(img, text, (10, 228 + 20 * i), FONT, 0.42, color, 1, cv2.LINE_AA)
    return img


def realism_figure(
    real: list[Any],
    synthetic: list[Any],
    real_rows: list[dict],
    synth_rows: list[dict],
    table: list[dict],
    edge_profile: dict[str, Any] | None = None,
) -> np.ndarray:
    """The figure as an RGB uint8 image (2·300 rows, 4·300 columns). `edge_profile`: the
    report's ``{"deg", "real", "synthetic"}`` median edge profiles (none drawn without it)."""
    lo, hi = _stretch(real)
    frames = [(f, r, f"real {f.id[:22]}") for f, r in zip(real, real_rows, strict=False)]
    frames += [(f, r, f"synthetic {f.id}") for f, r in zip(synthetic, synth_rows, strict=False)]
    top = [_frame_panel(f, r["ridge_px"], lo, hi, t) for f, r, t in frames[:4]]
    top += [np.zeros((PANEL, PANEL, 3), np.uint8)] * (4 - len(top))
    lines = [("real (HST STIS)", REAL_RGB), ("synthetic", SYNTH_RGB)]
    lines += [
        (f"stretch: log, {lo:.0f}..{hi:.0f} kR", (0, 0, 0)),
        ("green: oval ridge cuts", (0, 150, 0)),
    ]
    bottom = [
        _bars(table, ["p50_kr", "p90_kr", "p99_kr"], True, "brightness percentiles (log kR)"),
        _bars(table, ["oval_fwhm_deg", "edge_fringe_deg"], False, "oval FWHM, limb fringe (deg)"),
        _spectra(real_rows, synth_rows),
        _edge_panel(edge_profile, lines),
    ]
    return np.concatenate([np.concatenate(top, 1), np.concatenate(bottom, 1)], 0)
