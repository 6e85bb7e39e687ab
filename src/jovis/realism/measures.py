"""Realism measurements of UV polar frames, one code path for real and synthetic frames.

Three measurements, none of which needs labels:

- `brightness_percentiles` over an `analysis_region` (valid pixels in a latitude band);
- `oval_width`: the main oval's cross-section FWHM in degrees, the median over many cuts across
  the oval along its local normal;
- `noise_spectrum`: the radially averaged power spectrum of a high-pass residual, with a log-log
  slope and a high-frequency power ratio as scalars.

Widths are in degrees on the polar grid's projection plane at its pole scale (``px_per_deg``),
which for the equidistant grids used here is degrees of latitude along a meridian.
"""

from __future__ import annotations

import math
from typing import Any

import cv2
import numpy as np

from jovis.geometry import PolarGrid
from jovis.realism.oval_width import FWHM_PER_SIGMA, masked_blur, oval_width

__all__ = [
    "FWHM_PER_SIGMA", "analysis_region", "brightness_percentiles", "noise_spectrum", "oval_width",
]  # fmt: skip


def analysis_region(
    valid: np.ndarray, grid: PolarGrid, lat_range: tuple[float, float]
) -> np.ndarray:
    """Valid pixels whose |latitude| lies in `lat_range` (degrees), as a bool (H, W) mask.

    The same definition is used for real and synthetic frames, so their statistics compare like
    with like; |latitude| makes it hemisphere-agnostic.
    """
    lo, hi = (float(v) for v in lat_range)
    if not 0.0 <= lo < hi <= 90.0:
        raise ValueError(f"lat_range must satisfy 0 <= low < high <= 90 degrees, got {lat_range}")
    valid = np.asarray(valid, dtype=bool)
    lat, _ = grid.latlon_image(*valid.shape)
    with np.errstate(invalid="ignore"):
        band = (np.abs(lat) >= lo) & (np.abs(lat) <= hi)
    return valid & band


def brightness_percentiles(
    image: np.ndarray, region: np.ndarray, q: tuple[float, ...] = (50.0, 90.0, 99.0)
) -> dict[str, float]:
    """Percentiles of `image` (H, W) over the finite pixels of `region` (H, W bool).

    Returns ``{"p50": ..., "p90": ..., "p99": ...}`` (keys from `q`), in the image's units.
    """
    image, region = np.asarray(image), np.asarray(region, dtype=bool)
    if image.shape != region.shape:
        raise ValueError(f"image shape {image.shape} != region shape {region.shape}")
    values = image[region & np.isfinite(image)].astype(np.float64)
    if values.size == 0:
        raise ValueError("the analysis region holds no finite pixels; widen lat_range")
    pct = np.percentile(values, q)
    return {f"p{q_:g}": float(v) for q_, v in zip(q, pct, strict=True)}


def noise_spectrum(
    image: np.ndarray,
    region: np.ndarray,
    *,
    highpass_sigma: float = 2.0,
    n_bins: int = 24,
    fit_band: tuple[float, float] = (0.2, 0.5),
) -> dict[str, Any]:
    """Radially averaged power spectrum of the high-pass residual of `image` inside `region`.

    Parameters
    ----------
    image : ndarray, shape (H, W)
    region : ndarray of bool, shape (H, W)
        Pixels analysed; everything else is zeroed (the residual is zero-mean, so the hard edge
        leaks little power).
    highpass_sigma : float
        Residual = image − Gaussian blur of this sigma in px (normalised to the region, which is
        then eroded by 3 sigma); 0 analyses ``image − mean`` as it is.
    n_bins : int
        Frequency bins evenly spaced over (0, 0.5] cycles/px.
    fit_band : (float, float)
        Band (cycles/px) of the log-log slope fit; above ~0.2 a 2-px high-pass passes > 90% of
        the power, so white noise reads flat there.

    Returns
    -------
    dict
        ``freq`` (n_bins,) bin centres in cycles/px, ``power`` (n_bins,) in image units² (white
        noise of sd σ gives σ² in every bin), ``slope`` (d log P / d log f over `fit_band`),
        ``hf_ratio`` (mean power at 0.4–0.5 over 0.2–0.3 cycles/px; 1 for white noise, < 1 for
        smoothed or interpolated noise) and ``rms`` (sd of the residual).
    """
    image = np.asarray(image, dtype=np.float32)
    region = np.asarray(region, dtype=bool) & np.isfinite(image)
    if image.shape != region.shape or image.ndim != 2:
        raise ValueError(f"image {image.shape} and region {region.shape} must both be (H, W)")
    if highpass_sigma > 0:
        resid = image - masked_blur(image, region, highpass_sigma)
        r = math.ceil(3 * highpass_sigma)
        region = cv2.erode(region.astype(np.uint8), np.ones((2 * r + 1,) * 2, np.uint8)) > 0
    else:
        resid = image.copy()
    if region.sum() < 64:
        raise ValueError("fewer than 64 pixels left for the noise spectrum; widen the region")
    resid = np.where(region, resid - resid[region].mean(), 0.0)
    ys, xs = np.nonzero(region)
    crop = resid[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1].astype(np.float64)
    power = np.abs(np.fft.fft2(crop)) ** 2 / region.sum()
    fy = np.fft.fftfreq(crop.shape[0])[:, None]
    fx = np.fft.fftfreq(crop.shape[1])[None, :]
    f = np.hypot(fy, fx)
    edges = np.linspace(0.0, 0.5, int(n_bins) + 1)
    which = np.digitize(f, edges) - 1
    inside = (which >= 0) & (which < n_bins) & (f > 0)
    sums = np.bincount(which[inside], power[inside], minlength=n_bins)
    counts = np.bincount(which[inside], minlength=n_bins)
    spec = sums / np.maximum(counts, 1)
    centres = 0.5 * (edges[:-1] + edges[1:])

    def band(lo: float, hi: float) -> float:
        sel = inside & (f >= lo) & (f <= hi)
        return float(power[sel].mean())

    sel = inside & (f >= fit_band[0]) & (f <= fit_band[1]) & (power > 0)
    slope = float(np.polyfit(np.log10(f[sel]), np.log10(power[sel]), 1)[0])
    return {
        "freq": centres.tolist(),
        "power": spec.tolist(),
        "slope": slope,
        "hf_ratio": band(0.4, 0.5) / max(band(0.2, 0.3), 1e-30),
        "rms": float(resid[region].std()),
    }
