"""Fine-scale texture statistics of visible (JunoCam) frames, label-free: at the product scale
(below) or at the model's scale (`model_scale_window`: the whole product zoomed to 256 px a
side, as the released 256 px detectors see it, beside 256 px synthetic views).

Measured the same way on real composites (zoomed so the disk spans ``view_size`` px, as infer's
resample=auto feeds them, then cut into `WINDOW` px windows) and on synthetic perspective frames
(`WINDOW` px windows of a ``junocam_view_size`` view). Each window is normalised as the model sees
it (`normalise_frame`) and its luminance (mean of red, green, blue) measured on the valid pixels
eroded 4 px off the limb and the no-data edge:

- ``psd_slope``: β of a power spectrum P(k) ∝ k^−β, from the slope of the log variance of
  difference-of-Gaussian bands (σ 1, 2, 4, 8, 16 px) against log σ (an octave band's variance
  goes as k^(2−β)); smaller β = more fine-scale power;
- ``blobs_bright``, ``blobs_dark``: scale-normalised Laplacian-of-Gaussian peaks (σ 1.7–4.8 px:
  blobs ~5–15 px across; finer peaks are pixel noise) above `BLOB_T` that are local extrema
  over the 3×3×(scale) neighbourhood, per 100² valid px (small bright cloud tops, dark spots);
- ``contrast15``: median local sd of the luminance in 15 px boxes (local contrast);
- ``blob_spacing``: Clark–Evans ratio of the bright and dark blob centres together (mean
  nearest-neighbour distance over a random pattern's: ~1 random, > 1 a regular lattice);
- ``large_sd``, ``small_sd`` (`scale_split`): how much the luminance varies on the scale of the
  disk (belts, the polar region, illumination left after the product's flattening) and on the
  scale of the clouds (robust sd of what a blur of a fiftieth of the disk leaves).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable

import cv2
import numpy as np
from scipy.spatial import cKDTree

from jovis.data.normalise import normalise_frame
from jovis.frame import Frame
from jovis.realism.oval_width import masked_blur

WINDOW = 256
MIN_VALID = 0.5  # a window counts when this share of it is valid
BANDS = (1.0, 2.0, 4.0, 8.0, 16.0)
BLOB_SIGMAS = (1.7, 2.4, 3.4, 4.8)
BLOB_T = 0.04  # LoG response (normalised luminance units) a blob must exceed (a choice)
KEYS = ("psd_slope", "blobs_bright", "blobs_dark", "contrast15", "blob_spacing", "large_sd",
        "small_sd")  # fmt: skip
SPLIT_LARGE, SPLIT_SMALL = 0.1, 0.02  # blur sigmas of `scale_split`, × sqrt(valid pixels)


def luminance(image: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Normalised luminance (H, W) of an (H, W, 3) red-green-blue window, mean-filled off data."""
    norm = normalise_frame(Frame(image[:, :, :3].astype(np.float32), ["red", "green", "blue"],
                                 valid=valid))  # fmt: skip
    lum = norm.mean(0).astype(np.float32)
    return np.where(valid, lum, lum[valid].mean()).astype(np.float32)


def inner_mask(valid: np.ndarray, margin: int = 4) -> np.ndarray:
    k = np.ones((2 * margin + 1, 2 * margin + 1), np.uint8)
    return cv2.erode(valid.astype(np.uint8), k).astype(bool)


def psd_slope(lum: np.ndarray, inner: np.ndarray) -> float:
    """β of P(k) ∝ k^−β from the DoG band variances over `inner` (see the module doc)."""
    blurs = [lum] + [cv2.GaussianBlur(lum, (0, 0), s) for s in BANDS]
    var = [float((a - b)[inner].var()) for a, b in itertools.pairwise(blurs)]
    scale = np.log(np.array((0.5, *BANDS[:-1])) * np.array(BANDS)) / 2  # geometric band centre
    slope = np.polyfit(scale, np.log(np.maximum(var, 1e-12)), 1)[0]
    return float(slope + 2.0)


def blob_centres(
    lum: np.ndarray, inner: np.ndarray, t: float = BLOB_T
) -> tuple[np.ndarray, np.ndarray]:
    """(y, x) centres (N, 2) of the bright and the dark LoG blobs (σ in `BLOB_SIGMAS`) in
    `inner`."""
    stack = np.stack([-(s * s) * cv2.Laplacian(cv2.GaussianBlur(lum, (0, 0), s), cv2.CV_32F)
                      for s in BLOB_SIGMAS])  # fmt: skip  # > 0 on bright blobs
    out = []
    for r in (stack, -stack):
        dil = np.stack([cv2.dilate(a, np.ones((3, 3), np.uint8)) for a in r])
        best = np.maximum.reduce([dil, np.roll(dil, 1, 0), np.roll(dil, -1, 0)])
        best[0], best[-1] = np.maximum(dil[0], dil[1]), np.maximum(dil[-1], dil[-2])
        peak = (r >= best) & (r > t)
        out.append(np.argwhere(peak.any(0) & inner))
    return out[0], out[1]


def blob_counts(lum: np.ndarray, inner: np.ndarray, t: float = BLOB_T) -> tuple[int, int]:
    """Bright and dark LoG blobs (σ in `BLOB_SIGMAS`) with centres in `inner`."""
    bright, dark = blob_centres(lum, inner, t)
    return len(bright), len(dark)


def blob_spacing(points: np.ndarray, area: float) -> float:
    """Clark–Evans ratio of the blob centres: their mean nearest-neighbour distance over a
    random (Poisson) pattern's of the same density, 0.5 / sqrt(density): ~1 random, > 1 more
    regular (a lattice: up to 2.15), < 1 clustered. NaN under 5 points."""
    if len(points) < 5:
        return float("nan")
    nearest = cKDTree(points).query(points, k=2)[0][:, 1]  # [:, 0] is the point itself
    return float(nearest.mean() / (0.5 / np.sqrt(len(points) / area)))


def local_contrast(lum: np.ndarray, inner: np.ndarray, box: int = 15) -> float:
    m = cv2.blur(lum, (box, box))
    sd = np.sqrt(np.maximum(cv2.blur(lum * lum, (box, box)) - m * m, 0.0))
    return float(np.median(sd[inner]))


def scale_split(lum: np.ndarray, valid: np.ndarray, inner: np.ndarray) -> tuple[float, float]:
    """(large-scale sd, small-scale sd) of `lum` over `inner`: the sd of its blur over the valid
    pixels alone (`masked_blur`: the sky and night do not darken the edge of the disk) at sigma
    `SPLIT_LARGE` × sqrt(valid pixels) (20 px on a 256 px disk), and the robust sd
    (1.4826 × MAD) of what a blur at `SPLIT_SMALL` × sqrt(valid pixels) leaves. Scaled by the
    valid area, so a window and a whole zoomed product are split at the same share of what
    they show."""
    root = float(np.sqrt(valid.sum()))
    large = masked_blur(lum, valid, SPLIT_LARGE * root)[inner]
    fine = (lum - masked_blur(lum, valid, SPLIT_SMALL * root))[inner]
    return float(large.std()), float(1.4826 * np.median(np.abs(fine - np.median(fine))))


def window_stats(image: np.ndarray, valid: np.ndarray) -> dict[str, float] | None:
    """The statistics of one window (None when under 2000 px stay after erosion)."""
    if valid.sum() < 100:
        return None
    lum = luminance(image, valid)
    inner = inner_mask(valid)
    n = int(inner.sum())
    if n < 2000:
        return None
    bright, dark = blob_centres(lum, inner)
    large, small = scale_split(lum, valid, inner)
    return {"psd_slope": psd_slope(lum, inner), "blobs_bright": len(bright) * 1e4 / n,
            "blobs_dark": len(dark) * 1e4 / n, "contrast15": local_contrast(lum, inner),
            "blob_spacing": blob_spacing(np.concatenate([bright, dark]), n),
            "large_sd": large, "small_sd": small}  # fmt: skip


def product_windows(frame: Frame, view_size: int, window: int = WINDOW):
    """(image, valid) windows of a whole-disk product zoomed to `view_size` px, on a grid, kept
    where at least `MIN_VALID` of the window is valid."""
    img = cv2.resize(np.nan_to_num(frame.image[:, :, :3].astype(np.float32)),
                     (view_size, view_size), interpolation=cv2.INTER_AREA)  # fmt: skip
    val = cv2.resize(frame.valid.astype(np.uint8), (view_size, view_size),
                     interpolation=cv2.INTER_NEAREST).astype(bool)  # fmt: skip
    for y0 in range(0, view_size - window + 1, window // 2):
        for x0 in range(0, view_size - window + 1, window // 2):
            v = val[y0 : y0 + window, x0 : x0 + window]
            if v.mean() >= MIN_VALID:
                yield img[y0 : y0 + window, x0 : x0 + window], v


def model_scale_window(image: np.ndarray, valid: np.ndarray, size: int = WINDOW):
    """The whole frame zoomed (area average) so that its longer side is `size` px, as infer's
    resample=auto feeds a product without a grid to a detector trained on `size` px views."""
    s = size / max(image.shape[:2])
    img = cv2.resize(np.nan_to_num(image[:, :, :3].astype(np.float32)), None, fx=s, fy=s,
                     interpolation=cv2.INTER_AREA)  # fmt: skip
    val = cv2.resize(valid.astype(np.uint8), (img.shape[1], img.shape[0]),
                     interpolation=cv2.INTER_NEAREST).astype(bool)  # fmt: skip
    yield img, val


def frame_windows(image: np.ndarray, valid: np.ndarray):
    """The frame itself as one window when at least `MIN_VALID` of it is valid (synthetic frames
    that already are windows of a view), else nothing."""
    if valid.mean() >= MIN_VALID:
        yield image, valid


def set_texture(windows: Iterable[tuple[np.ndarray, np.ndarray]]) -> dict[str, float]:
    """Median of each statistic over the windows (``n``: windows measured)."""
    rows = [r for r in (window_stats(i, v) for i, v in windows) if r is not None]
    if not rows:
        raise ValueError("visible texture: no window has 2000 valid inner pixels")
    return {k: float(np.nanmedian([r[k] for r in rows])) for k in KEYS} | {"n": len(rows)}
