"""The main oval's cross-section width (FWHM, degrees) from a frame alone, without labels.

Used by the realism report (`jovis.realism.measures`) on real and synthetic frames alike.

Method (`oval_width`): pass 1 finds the ridge (the brightest smoothed sample) along rays from the
pole and keeps rays consistent with their neighbours; a circle fitted to those points gives the
oval centre. Pass 2 repeats the ridge search along rays from that centre, smooths the ridge
radius along the arc, and samples each cut along the ridge's local normal, so an off-centre,
non-circular oval is not measured obliquely. On each side of the peak the half level is halfway
between the peak and that side's minimum (polar emission makes the inside brighter than the
outside). With ``baseline="tophat"`` the cuts are taken on the frame less its grey opening with
a disk much wider than the oval (a white top-hat, as the HST reference labeller's background,
`jovis.references.hst_oval`) and the half level is half the peak above 0: the FWHM over the
background as that labeller takes it (wings wider than the disk are partly background to it).
"""

from __future__ import annotations

import math
from typing import Any

import cv2
import numpy as np

from jovis.background import white_tophat
from jovis.geometry import PolarGrid
from jovis.geometry.circle import fit_circle
from jovis.robust import mad_sigma

FWHM_PER_SIGMA = 2.0 * math.sqrt(2.0 * math.log(2.0))


def masked_blur(image: np.ndarray, ok: np.ndarray, sigma: float) -> np.ndarray:
    """Gaussian blur that ignores pixels outside `ok` (normalised convolution); 0 where no data."""
    w = ok.astype(np.float32)
    num = cv2.GaussianBlur(np.where(ok, image, 0.0).astype(np.float32), (0, 0), sigma)
    den = cv2.GaussianBlur(w, (0, 0), sigma)
    return np.where(den > 1e-3, num / np.maximum(den, 1e-3), 0.0).astype(np.float32)


def sample_at(plane: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Bilinear samples of `plane` at float pixel coordinates (any 2-D shape); 0 outside."""
    return cv2.remap(
        plane.astype(np.float32), xs.astype(np.float32), ys.astype(np.float32),
        cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0.0,
    )  # fmt: skip


def ray_ridge(sm, ok, cx, cy, angles, r_lo, r_hi, step):
    """Per ray from (cx, cy): radius px of the brightest valid sample, its value, the median."""
    radii = np.arange(r_lo, r_hi, step)
    xs = cx + np.cos(angles)[:, None] * radii[None]
    ys = cy + np.sin(angles)[:, None] * radii[None]
    prof = sample_at(sm, xs, ys)
    good = sample_at(ok.astype(np.float32), xs, ys) > 0.999
    prof = np.where(good, prof, -np.inf)
    idx = np.argmax(prof, axis=1)
    peak = prof[np.arange(len(angles)), idx]
    enough = good.mean(axis=1) > 0.25
    med = np.array(
        [np.median(p[np.isfinite(p)]) if e else np.nan for p, e in zip(prof, enough, strict=False)]
    )
    r = np.where(enough & np.isfinite(peak), radii[idx], np.nan)
    return r, np.where(np.isfinite(r), peak, np.nan), med


def consistent_rays(r: np.ndarray, tol: float, half: int = 4) -> np.ndarray:
    """Rays whose ridge radius is within `tol` of the running median of its angular neighbours."""
    n = len(r)
    out = np.zeros(n, bool)
    for i in range(n):
        nb = r[[(i + k) % n for k in range(-half, half + 1)]]
        nb = nb[np.isfinite(nb)]
        out[i] = np.isfinite(r[i]) and nb.size >= 3 and abs(r[i] - np.median(nb)) <= tol
    return out


def _crossing(prof: np.ndarray, start: int, level: float, direction: int) -> float | None:
    """Fractional index where `prof` first falls below `level` walking from `start`."""
    i = start
    while 0 <= i + direction < len(prof):
        j = i + direction
        if prof[j] < level:
            return i + direction * (prof[i] - level) / (prof[i] - prof[j])
        i = j
    return None


def _no_oval() -> dict[str, Any]:
    """oval_width's result when no oval is found (a fresh dict each time)."""
    return {"fwhm_deg": float("nan"), "fwhm_iqr_deg": [float("nan")] * 2, "n_cuts": 0,
            "centre_px": None, "radius_deg": float("nan"), "ridge_px": [],
            "shape_w25_w75": float("nan")}  # fmt: skip


def oval_width(
    image: np.ndarray,
    valid: np.ndarray,
    grid: PolarGrid,
    *,
    colat_range: tuple[float, float] = (4.0, 30.0),
    n_cuts: int = 180,
    window_deg: float = 4.0,
    smooth_deg: float = 0.15,
    min_cuts: int = 8,
    min_prominence: float = 0.15,
    min_snr: float = 6.0,
    baseline: str = "side_min",
    tophat_deg: float = 3.5,
) -> dict[str, Any]:
    """Cross-section FWHM (degrees) of the main oval, the median over cuts along its normal.

    Parameters
    ----------
    image : ndarray, shape (H, W)
        Brightness (any units; kR for UV).
    valid : ndarray of bool, shape (H, W)
        False where there is no data; cuts touching it are dropped.
    grid : PolarGrid
        The frame's polar grid (pole pixel and ``px_per_deg``).
    colat_range : (float, float)
        Colatitudes (deg) searched for the oval ridge along rays from the pole.
    n_cuts : int
        Number of rays, evenly spread in angle.
    window_deg : float
        Half-length of each cut (deg); the background on each side is the minimum within it.
    smooth_deg : float
        Gaussian smoothing sigma (deg) before measuring, removed again from the FWHM in
        quadrature (exact for a Gaussian cross-section).
    min_cuts : int
        Fewer accepted cuts than this gives ``fwhm_deg = NaN``.
    min_prominence : float
        Cuts whose peak rises above their background by less than this fraction of the 90th
        percentile over all cuts are dropped (faint arcs and noise are not the main oval).
    min_snr : float
        Cuts whose prominence is below this many robust sds of the smoothed image's high-pass
        residual are dropped, so a frame of noise has no oval.
    baseline : {"side_min", "tophat"}
        The base of the half level: each side's minimum within the cut, or 0 on the smoothed
        frame less its grey opening by a disk `tophat_deg` across (the background).
    tophat_deg : float
        That disk's diameter (deg); 3.5 is the HST reference labeller's 61 px at 17.6 px/deg.

    Returns
    -------
    dict
        ``fwhm_deg`` (median), ``fwhm_iqr_deg`` ([25th, 75th] percentile), ``n_cuts`` accepted,
        ``centre_px`` [x, y] and ``radius_deg`` of the circle fitted to the ridge, and
        ``ridge_px``: the midpoint [x, y] of each accepted cut (for drawing), and
        ``shape_w25_w75``: the median over cuts of the width at 25 % over that at 75 % of the
        prominence (2.2 for a Gaussian cross-section; not deconvolved).

    """
    image = np.asarray(image, dtype=np.float32)
    ok = np.asarray(valid, dtype=bool) & np.isfinite(image)
    if image.ndim != 2 or ok.shape != image.shape:
        raise ValueError(f"image must be (H, W) with a matching valid mask, got {image.shape}")
    if baseline not in ("side_min", "tophat"):
        raise ValueError(f"oval_width baseline {baseline!r}: use 'side_min' or 'tophat'")
    k = float(grid.px_per_deg)
    sigma_px = max(smooth_deg * k, 0.5)
    sm = masked_blur(image, ok, sigma_px)
    angles = np.linspace(0.0, 2 * np.pi, int(n_cuts), endpoint=False)
    r_lo, r_hi, step = colat_range[0] * k, colat_range[1] * k, 0.5
    nan = _no_oval()

    circle = _centre(sm, ok, grid, angles, (r_lo, r_hi, step), max(min_cuts, 5))
    if circle is None:
        return nan
    cx, cy, rad = circle
    # pass 2: the ridge along rays from that centre, then cuts along its local normal
    r, peak, med = ray_ridge(sm, ok, cx, cy, angles, max(rad - 6 * k, step), rad + 6 * k, step)
    keep = consistent_rays(r, 1.0 * k) & (peak > med)
    if keep.sum() < min_cuts:
        return nan
    plane = sm
    if baseline == "tophat":
        plane = white_tophat(np.where(ok, sm, 0.0), ok, max(3, round(tophat_deg * k) | 1))
    cut = _normal_cuts(plane, ok, (cx, cy, rad), r, keep, angles, window_deg * k, step)
    cuts = _half_widths(cut, keep, round(1.0 * k / step), zero_base=baseline == "tophat")
    cuts = _prominent(cuts, sm, ok, sigma_px, min_prominence, min_snr)
    widths = [(b - a) * step / k for _, a, b, _, _ in cuts]
    if len(widths) < min_cuts:
        return {**nan, "n_cuts": len(widths)}
    w = np.sqrt(np.maximum(np.square(widths) - (FWHM_PER_SIGMA * sigma_px / k) ** 2, 0.0))
    ridge = [_midpoint(cut, i, a, b) for i, a, b, _, _ in cuts]
    shapes = [c[4] for c in cuts if math.isfinite(c[4])]
    shape = float(np.median(shapes)) if shapes else float("nan")
    return {**_summary(w, (cx, cy, rad), k, ridge), "shape_w25_w75": shape}


def _summary(w: np.ndarray, circle: tuple[float, float, float], k: float, ridge: list) -> dict:
    """oval_width's result from the deconvolved widths `w` (deg) of the accepted cuts."""
    cx, cy, rad = circle
    return {
        "fwhm_deg": float(np.median(w)),
        "fwhm_iqr_deg": [float(v) for v in np.percentile(w, [25, 75])],
        "n_cuts": len(w),
        "centre_px": [round(cx, 2), round(cy, 2)],
        "radius_deg": float(rad / k),
        "ridge_px": ridge,
    }


def _centre(sm, ok, grid, angles, search, min_cuts):
    """Pass 1: the ridge along rays from the pole, rays consistent with their neighbours, and the
    circle (centre x, y, radius px) through their ridge points; None with under `min_cuts` rays.
    `search` is (first radius, last radius, step) in pixels."""
    r_lo, r_hi, step = search
    k = float(grid.px_per_deg)
    r, _, _ = ray_ridge(sm, ok, grid.pole_x, grid.pole_y, angles, r_lo, r_hi, step)
    keep = consistent_rays(r, 1.5 * k)
    if keep.sum() < min_cuts:
        return None
    px = grid.pole_x + np.cos(angles[keep]) * r[keep]
    py = grid.pole_y + np.sin(angles[keep]) * r[keep]
    cx, cy, rad = fit_circle(px, py) or (grid.pole_x, grid.pole_y, 0.0)
    if not (0.5 * r_lo < rad < 1.5 * r_hi):  # a degenerate fit: stay with the pole
        cx, cy, rad = grid.pole_x, grid.pole_y, float(np.median(r[keep]))
    return cx, cy, rad


def high_pass(sm: np.ndarray, ok: np.ndarray, sigma_px: float) -> np.ndarray:
    """The smoothed image's high-pass residual (less its blur at 4 × `sigma_px`)."""
    return sm - masked_blur(sm, ok, 4 * sigma_px)


def noise_sd(sm: np.ndarray, ok: np.ndarray, sigma_px: float) -> float:
    """Robust sd of the smoothed image's high-pass residual (the ridge's noise floor)."""
    return mad_sigma(high_pass(sm, ok, sigma_px)[ok])


def _prominent(cuts, sm, ok, sigma_px, min_prominence, min_snr) -> list[tuple]:
    """The cuts whose prominence is at least `min_prominence` of the bright cuts' (the 90th
    percentile) and `min_snr` robust sds of the smoothed image's high-pass residual."""
    # faint ridges (noise, weak polar arcs) are not the main oval: keep cuts at least
    # `min_prominence` of the bright cuts' prominence
    top = np.percentile([c[3] for c in cuts], 90) if cuts else 0.0
    # and a ridge must stand out of the noise of the smoothed image (robust sd of its high-pass)
    noise = noise_sd(sm, ok, sigma_px)
    return [c for c in cuts if not c[3] < max(min_prominence * top, min_snr * noise)]


def _normal_cuts(sm, ok, circle, r, keep, angles, half_px, step) -> dict[str, np.ndarray]:
    """Profiles of the smoothed image `sm` across the ridge radius `r` (per ray from the circle's
    centre), along the normal of the ridge smoothed along the arc; ``good`` marks valid samples,
    ``xs``/``ys`` the sample pixels, ``nx``/``ny`` the normals, ``s`` the offsets along them."""
    cx, cy, rad = circle
    # smooth the ridge radius along the arc (circular running mean) before taking normals
    win = (np.arange(len(angles))[:, None] + np.arange(-3, 4)[None]) % len(angles)
    wsum = np.where(keep, np.nan_to_num(r), 0.0)[win].sum(1)
    rs = np.where(keep[win].any(1), wsum / np.maximum(keep[win].sum(1), 1), rad)
    dr = (np.roll(rs, -1) - np.roll(rs, 1)) / (2 * (angles[1] - angles[0]))
    tx = dr * np.cos(angles) - rs * np.sin(angles)  # tangent of the curve (r(φ)cosφ, r(φ)sinφ)
    ty = dr * np.sin(angles) + rs * np.cos(angles)
    norm = np.hypot(tx, ty) + 1e-9
    nx, ny = ty / norm, -tx / norm
    s = np.arange(-half_px, half_px + 1e-6, step)
    x0, y0 = cx + np.cos(angles) * r, cy + np.sin(angles) * r
    xs = np.nan_to_num(x0)[:, None] + nx[:, None] * s[None]
    ys = np.nan_to_num(y0)[:, None] + ny[:, None] * s[None]
    prof = sample_at(sm, xs, ys)
    good = sample_at(ok.astype(np.float32), xs, ys) > 0.999
    return {"prof": prof, "good": good, "xs": xs, "ys": ys, "nx": nx, "ny": ny, "s": s,
            "step": step}  # fmt: skip


def _half_widths(
    cut: dict[str, np.ndarray], keep: np.ndarray, near: int, zero_base: bool = False
) -> list[tuple]:
    """Per kept cut whose half-level crossings lie on valid samples: (cut index, inner and outer
    crossing as fractional sample indices, prominence above the brighter side's minimum, shape:
    the width at 25 % over that at 75 % of the prominence, NaN when those crossings are not on
    valid samples). The peak is searched within `near` samples of the cut's centre; on each side
    a level f is the fraction f of the way from that side's minimum to the peak (from 0 with
    `zero_base`: the cuts are taken above the background)."""
    prof, good = cut["prof"], cut["good"]
    centre = len(cut["s"]) // 2
    cuts = []
    for i in np.flatnonzero(keep):
        p = prof[i]
        j = centre - near + int(np.argmax(p[centre - near : centre + near + 1]))
        lows = (0.0, 0.0) if zero_base else (p[: j + 1].min(), p[j:].min())
        half = _span(p, good[i], j, lows, 0.5)
        if half is None:
            continue
        wide, narrow = _span(p, good[i], j, lows, 0.25), _span(p, good[i], j, lows, 0.75)
        shape = (
            (wide[1] - wide[0]) / (narrow[1] - narrow[0])
            if wide is not None and narrow is not None and narrow[1] > narrow[0]
            else float("nan")
        )
        cuts.append((i, *half, p[j] - max(lows), shape))
    return cuts


def _span(p: np.ndarray, good: np.ndarray, j: int, lows, f: float) -> tuple[float, float] | None:
    """Inner and outer crossings (fractional indices) of the level a fraction `f` of the way
    from each side's minimum (`lows`: inner, outer) to the peak at `j`; None when either falls
    off the cut or a sample between them has no data."""
    a = _crossing(p, j, lows[0] + f * (p[j] - lows[0]), -1)
    b = _crossing(p, j, lows[1] + f * (p[j] - lows[1]), +1)
    if a is None or b is None or not good[int(a) : math.ceil(b) + 1].all():
        return None
    return a, b


def _midpoint(cut: dict[str, np.ndarray], i: int, a: float, b: float) -> list[float]:
    """Pixel [x, y] of the midpoint between a cut's two crossings (for drawing)."""
    centre, step = len(cut["s"]) // 2, cut["step"]
    off = (a + b) / 2.0 - centre
    return [round(float(cut["xs"][i, centre] + cut["nx"][i] * off * step), 1),
            round(float(cut["ys"][i, centre] + cut["ny"][i] * off * step), 1)]  # fmt: skip
