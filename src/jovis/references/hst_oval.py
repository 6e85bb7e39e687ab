"""Semi-automatic main-oval labels for polar-projected HST STIS frames.

Procedure (all numbers in `OvalParams`):
1. background subtraction: Gaussian smoothing, then a white top-hat (image minus its grey opening
   with a disk much wider than the oval) removes the disk glow and the diffuse emission;
2. seed: the Nichols et al. (2017) reference oval, mapped into the frame's pixels through its grid,
   then registered to the frame: a colatitude scale and a longitude rotation about the pole,
   chosen on a grid to maximise the background-subtracted brightness along the curve (the
   grid-mapped reference alone lies far from the observed ridge, see README), one pair for all
   frames of a visit, scored by the median brightness along the curve (robust to limb streaks);
3. ridge: along the registered curve, cross-sections normal to it; in each, the peak of the
   brightness times a Gaussian prior centred on the curve (so faint sectors follow the curve
   instead of jumping to noise); the offsets are median- and Gaussian-smoothed along the arc;
4. width: full width at half maximum of each cross-section about the ridge, clipped and smoothed;
5. band: quadrilaterals between consecutive vertices (ridge ± width/2) are filled as class 1;
   no-data pixels are 255; vertices in no data carry sector 0 and draw nothing;
6. sectors: a vertex is "bright" (1) when its ridge brightness is at or above the median over the
   vertices with data, else "faint" (2), majority-smoothed along the arc.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from scipy.ndimage import gaussian_filter1d, map_coordinates, median_filter

from jovis.background import white_tophat
from jovis.frame import IGNORE_INDEX, Frame

BRIGHT, FAINT, NO_DATA = 1, 2, 0
SECTOR_NAMES = {NO_DATA: "no_data", BRIGHT: "bright", FAINT: "faint"}


@dataclass(frozen=True)
class OvalParams:
    """Every number of the procedure (written next to the labels)."""

    reference: str = "nichols2017_ref_main_oval_north_refmon.npz"
    n_vertices: int = 360
    presmooth_px: float = 1.5
    tophat_px: int = 61
    scales: tuple[float, float, int] = (0.45, 1.05, 61)  # colatitude scale: start, stop, steps
    rotations_deg: tuple[float, float, int] = (-30.0, 30.0, 61)
    search_half_px: float = 30.0
    prior_sigma_px: float = 15.0
    offset_median_vertices: int = 15
    offset_smooth_vertices: float = 4.0
    width_min_px: float = 6.0
    width_max_px: float = 40.0
    width_median_vertices: int = 21
    width_smooth_vertices: float = 6.0
    sector_smooth_vertices: int = 15

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def background_subtracted(frame: Frame, p: OvalParams) -> np.ndarray:
    """kR above the local background (0 on no-data pixels)."""
    img = np.where(frame.valid, frame.image[..., 0], 0.0).astype(np.float32)
    img = cv2.GaussianBlur(img, (0, 0), p.presmooth_px)
    return white_tophat(img, frame.valid, p.tophat_px)


def reference_oval(path: str | Path, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(lat, west lon) of the reference oval resampled to `n` vertices evenly in angle about its
    centroid on a polar plane (the file's `hilat`, `hilon`; negative longitudes wrap)."""
    data = np.load(path)
    try:
        lat, lon = np.asarray(data["hilat"], float), np.mod(np.asarray(data["hilon"], float), 360)
    except KeyError as err:
        raise ValueError(f"{path}: reference oval needs arrays 'hilat' and 'hilon'") from err
    colat = 90.0 - np.abs(lat)
    x, y = colat * np.cos(np.radians(lon)), colat * np.sin(np.radians(lon))
    seg = np.hypot(np.diff(x, append=x[:1]), np.diff(y, append=y[:1]))
    s = np.concatenate([[0.0], np.cumsum(seg)])
    t = np.linspace(0.0, s[-1], n, endpoint=False)
    xs = np.interp(t, s, np.append(x, x[0]))
    ys = np.interp(t, s, np.append(y, y[0]))
    return 90.0 - np.hypot(xs, ys), np.mod(np.degrees(np.arctan2(ys, xs)), 360.0)


def _inside(x: np.ndarray, y: np.ndarray, valid: np.ndarray) -> np.ndarray:
    h, w = valid.shape
    xi, yi = np.round(x).astype(int), np.round(y).astype(int)
    ok = (xi >= 0) & (xi < w) & (yi >= 0) & (yi < h)
    ok[ok] = valid[yi[ok], xi[ok]]
    return ok


def normals(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unit normals of a closed curve (central differences)."""
    dx, dy = np.roll(x, -1) - np.roll(x, 1), np.roll(y, -1) - np.roll(y, 1)
    norm = np.maximum(np.hypot(dx, dy), 1e-9)
    return dy / norm, -dx / norm


def _circular_smooth(values: np.ndarray, median: int, sigma: float) -> np.ndarray:
    out = median_filter(values, size=median, mode="wrap")
    return gaussian_filter1d(out, sigma, mode="wrap")


def trace(seed_x, seed_y, bsub, valid, p: OvalParams) -> dict[str, np.ndarray]:
    """Ridge, FWHM width, peak brightness and data flag per vertex of the seed curve."""
    nx, ny = normals(seed_x, seed_y)
    t = np.arange(-p.search_half_px, p.search_half_px + 0.5, 0.5)
    px = seed_x[:, None] + nx[:, None] * t[None, :]
    py = seed_y[:, None] + ny[:, None] * t[None, :]
    prof = map_coordinates(bsub, [py, px], order=1, cval=0.0)
    prior = np.exp(-0.5 * (t / p.prior_sigma_px) ** 2)
    has = _inside(seed_x, seed_y, valid)
    raw = t[np.argmax(prof * prior[None, :], axis=1)]
    raw = np.where(has, raw, 0.0)
    off = _circular_smooth(raw, p.offset_median_vertices, p.offset_smooth_vertices)
    k = np.clip(np.searchsorted(t, off), 0, t.size - 1)
    peak = prof[np.arange(len(k)), k]
    width = np.array([_fwhm(prof[i], k[i], peak[i]) for i in range(len(k))]) * 0.5
    width = np.clip(np.where(has, width, np.nan), p.width_min_px, p.width_max_px)
    fill = np.nanmedian(width) if np.isfinite(width).any() else p.width_min_px
    width = np.where(np.isfinite(width), width, fill)
    width = _circular_smooth(width, p.width_median_vertices, p.width_smooth_vertices)
    x, y = seed_x + nx * off, seed_y + ny * off
    has = has & _inside(x, y, valid)
    nx, ny = normals(x, y)  # the band is drawn across the ridge (as band_from_features does)
    return {"x": x, "y": y, "nx": nx, "ny": ny, "width": width, "peak": peak, "has": has}


def _fwhm(profile: np.ndarray, k: int, peak: float) -> float:
    """Samples between the half-maximum crossings on either side of index `k` (NaN if none)."""
    if not peak > 0:
        return np.nan
    below = profile < peak / 2
    left = np.nonzero(below[:k])[0]
    right = np.nonzero(below[k:])[0]
    if not left.size or not right.size:
        return np.nan
    return float(k + right[0] - left[-1])


def sectors(peak: np.ndarray, has: np.ndarray, p: OvalParams) -> np.ndarray:
    """Per vertex: 1 bright (ridge ≥ median), 2 faint, 0 no data; majority-smoothed."""
    if not has.any():
        return np.zeros(peak.shape, np.uint8)
    bright = (peak >= np.median(peak[has])).astype(float)
    bright = median_filter(bright, size=p.sector_smooth_vertices, mode="wrap") > 0.5
    return np.where(has, np.where(bright, BRIGHT, FAINT), NO_DATA).astype(np.uint8)


def rasterise(tr: dict[str, np.ndarray], sector: np.ndarray, valid: np.ndarray):
    """(class mask: 0/1/255, sector mask: 0/1/2/255) from the traced band."""
    h, w = valid.shape
    sec = np.zeros((h, w), np.uint8)
    half = tr["width"] / 2
    lx, ly = tr["x"] - tr["nx"] * half, tr["y"] - tr["ny"] * half
    rx, ry = tr["x"] + tr["nx"] * half, tr["y"] + tr["ny"] * half
    n = len(sector)
    for i in range(n):
        j = (i + 1) % n
        if not (tr["has"][i] and tr["has"][j]):
            continue
        quad = np.array([[lx[i], ly[i]], [lx[j], ly[j]], [rx[j], ry[j]], [rx[i], ry[i]]])
        cv2.fillPoly(sec, [np.round(quad * 16).astype(np.int32)], int(sector[i]), shift=4)
    sec[~valid] = IGNORE_INDEX
    mask = np.where(sec == IGNORE_INDEX, IGNORE_INDEX, (sec > 0).astype(np.uint8))
    return mask.astype(np.uint8), sec


def register_frames(frames: list[Frame], bsubs: list[np.ndarray], lat, lon, p: OvalParams):
    """One (scale, rotation) for all frames of a visit (the oval is fixed in System III over
    the visit): the grid cell with the best summed per-frame score."""
    best = (1.0, 0.0, -np.inf)
    for scale in np.linspace(*p.scales[:2], int(p.scales[2])):
        for rot in np.linspace(*p.rotations_deg[:2], int(p.rotations_deg[2])):
            total = 0.0
            for frame, bsub in zip(frames, bsubs, strict=True):
                x, y = frame.grid.pixel(90.0 - scale * (90.0 - lat), lon + rot)
                ok = _inside(x, y, frame.valid)
                if ok.mean() < 0.25:
                    total = -np.inf
                    break
                total += float(np.median(map_coordinates(bsub, [y[ok], x[ok]], order=1)))
            if total > best[2]:
                best = (float(scale), float(rot), total)
    return best


def label_frames(frames: list[Frame], reference: str | Path, p: OvalParams) -> list[dict]:
    """Labels of each frame: ``{"mask", "sectors", "features"}`` (see the module docstring)."""
    for frame in frames:
        if frame.grid is None:
            raise ValueError(f"{frame.source}: HST oval labels need a frame with a grid")
    lat, lon = reference_oval(reference, p.n_vertices)
    bsubs = [background_subtracted(f, p) for f in frames]
    smooth = [cv2.GaussianBlur(b, (0, 0), 4.0) for b in bsubs]
    scale, rot, _ = register_frames(frames, smooth, lat, lon, p)
    out = []
    for frame, bsub in zip(frames, bsubs, strict=True):
        sx, sy = frame.grid.pixel(90.0 - scale * (90.0 - lat), lon + rot)
        tr = trace(sx, sy, bsub, frame.valid, p)
        sector = sectors(tr["peak"], tr["has"], p)
        mask, sector_mask = rasterise(tr, sector, frame.valid)
        out.append({"mask": mask, "sectors": sector_mask,
                    "features": _features(frame, tr, sector, sx, sy, scale, rot)})  # fmt: skip
    return out


def _features(frame: Frame, tr, sector, sx, sy, scale: float, rot: float) -> dict[str, Any]:
    grid = frame.grid
    olat, olon = grid.latlon(tr["x"], tr["y"])
    r = lambda a: np.round(np.asarray(a, float), 3).tolist()  # noqa: E731
    return {
        "id": frame.id,
        "hemisphere": grid.hemisphere,
        "grid": grid.to_dict(),
        "vortices": [],
        "oval": {
            "polyline_px": r(np.stack([tr["x"], tr["y"]], 1)),
            "polyline_latlon": r(np.stack([olat, olon], 1)),
            "width_px_along": r(tr["width"]),
            "width_deg_along": r(tr["width"] / grid.px_per_deg),
            "ridge_kr_along": r(tr["peak"]),
            "sector_along": [int(s) for s in sector],
            "sector_names": {str(k): v for k, v in SECTOR_NAMES.items()},
            "seed_px": r(np.stack([sx, sy], 1)),
            "registration": {"colatitude_scale": round(scale, 4), "rotation_deg": round(rot, 3)},
        },
    }


def band_from_features(features: dict[str, Any], valid: np.ndarray, offset_deg: float = 0.0):
    """Re-draw a stored oval band (class mask 0/1/255) from its polyline, widths and sectors,
    with the ridge moved `offset_deg` along the outward normal (for scoring tests)."""
    oval = features["oval"]
    xy = np.asarray(oval["polyline_px"], float)
    sector = np.asarray(oval["sector_along"], np.uint8)
    nx, ny = normals(xy[:, 0], xy[:, 1])
    px_per_deg = float(features["grid"]["px_per_deg"])
    off = offset_deg * px_per_deg
    tr = {"x": xy[:, 0] + nx * off, "y": xy[:, 1] + ny * off, "nx": nx, "ny": ny,
          "width": np.asarray(oval["width_px_along"], float), "has": sector > 0}  # fmt: skip
    return rasterise(tr, sector, valid)[0]
