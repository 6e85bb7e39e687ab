"""JunoCam raw framelets assembled in the camera's spin frame, so that the filters co-register.

A raw product stores each exposure as one 128-row framelet per filter; the filter strips sit at
different rows of the CCD, so at one instant the blue, green and red framelets see different
parts of the planet, and stacking each filter's framelets in time order (`split_framelets`)
gives channels that do not line up. Between exposures the spacecraft turns about an axis along
the CCD's rows (2 rpm), so every pixel of every framelet has a direction in a frame that spins
with Juno: elevation from the spin plane, and azimuth along the spin. `assemble_spin` resamples
each framelet onto one (azimuth, elevation) grid through the camera model of PHYSICS.md §3
(juno_junocam_v03.ti: focal length, per-filter distortion centre, radial distortion), so a
point of the planet lands on the same pixel in every filter. No SPICE is needed: the grid is
the camera's own, not the planet's (no latitude/longitude), and looks like a perspective view
near the boresight.

The one free number is the turn between exposures. `fit_spin_step` finds it per product by how
well the filters register (the correlation of their band-passed images against green, the
middle strip); the nominal step (2 rpm × (INTERFRAME_DELAY + 1 ms), or 0.371 s without
metadata) starts the search. A single-filter product has nothing to register against and keeps
the nominal step.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from jovis.geometry.body import EQUATORIAL_RADIUS_KM
from jovis.io.disk import limb_circle
from jovis.io.generic import sky_mask
from jovis.io.junocam_raw import FRAMELET_ROWS, metadata_number

RAW_LAYOUTS = ("spin", "framelets")  # how `lay_out_raw` lays out a raw product's framelets
CCD_SAMPLES = 1648  # LINE_SAMPLES of every raw framelet; the camera model is in these columns
FOCAL_PX = 10.95637 / 0.0074  # focal length over pixel pitch (juno_junocam_v03.ti)
CENTRE_X = 814.21
# distortion centre's row in each filter's framelet (the optical axis, in that framelet's rows)
CENTRE_Y = {"blue": 158.48, "green": 3.48, "red": -151.52, "methane": 315.48}
K1, K2 = -5.9624e-8, 2.7382e-14
PHOTOACTIVE = (24, 1630)  # columns outside are not photoactive (cosmas-heiss)
SPIN_RPM = 2.0
FRAME_DELAY_PAD_S = 0.001  # framelet time = START + bias + n·(INTERFRAME_DELAY + 1 ms)
DEFAULT_DELAY_S = (
    0.371  # INTERFRAME_DELAY when no metadata says it (the shared products: 0.37-0.372)
)
STEP_SEARCH = 0.06  # the turn per exposure is searched within ±6% of the nominal one
STEP_GRID = 9  # steps tried (1.5 % apart; the registration peak is ~±3 % wide), then a parabola
FIT_SCALE = 0.25  # the registration is scored on a quarter-scale assembly
EDGE_FEATHER_ROWS = 8.0  # overlapping framelets blend over this many rows at their edges
_METHANE_Y = re.compile(r"INS-61504_DISTORTION_Y\D{0,20}?(-?\d+(?:\.\d+)?)")


@dataclass(frozen=True)
class SpinAssembly:
    """A raw product's filters on one spin-frame grid."""

    image: np.ndarray  # (H, W, C) float32: rows along the spin (time), columns along the CCD rows
    coverage: np.ndarray  # (H, W) bool: every filter has a framelet there
    info: dict[str, Any]  # plain data for Frame.meta


def distortion_centres(meta: dict[str, Any] | None) -> dict[str, float]:
    """Per-filter distortion centre rows; a methane product may override its own in
    RATIONALE_DESC (``INS-61504_DISTORTION_Y = 405.48``)."""
    centres = dict(CENTRE_Y)
    match = _METHANE_Y.search(str((meta or {}).get("RATIONALE_DESC", "")))
    if match:
        centres["methane"] = float(match.group(1))
    return centres


def nominal_step(meta: dict[str, Any] | None) -> tuple[float, bool]:
    """(turn between exposures in radians, whether the interframe delay was assumed)."""
    delay = metadata_number(meta or {}, "INTERFRAME_DELAY")
    assumed = delay is None or not 0.05 < delay < 5.0
    seconds = (DEFAULT_DELAY_S if assumed else delay) + FRAME_DELAY_PAD_S
    return 2 * np.pi * SPIN_RPM / 60.0 * seconds, assumed


def limb_radius_px(altitude_km: float) -> float:
    """The planet's limb radius in spin-frame pixels seen from `altitude_km` (its angular radius
    times the focal length: the grid is linear in angle)."""
    return float(FOCAL_PX * np.arcsin(EQUATORIAL_RADIUS_KM / (EQUATORIAL_RADIUS_KM + altitude_km)))


def _distort(xu: np.ndarray, yu: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r2 = xu * xu + yu * yu
    factor = 1.0 + K1 * r2 + K2 * r2 * r2
    return xu * factor, yu * factor


def assemble_spin(
    stack: np.ndarray,
    channels: list[str],
    step_rad: float,
    *,
    scale: float = 1.0,
    framelet_valid: np.ndarray | None = None,
    centres: dict[str, float] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Resample per-filter framelet stacks onto one spin-frame grid.

    Parameters
    ----------
    stack : ndarray (T·128, W, C)
        Each channel is its filter's framelets in time order (`split_framelets`).
    channels : list of str
        The filter of each channel (red, green, blue, methane).
    step_rad : float
        The spacecraft's turn between exposures.
    scale : float
        Output pixels per camera pixel at the boresight (1: one IFOV per pixel).
    framelet_valid : ndarray (T·128, W, C) of bool, optional
        Pixels that hold data (e.g. a PDS3 product's non-fill pixels); all when None.

    Returns
    -------
    image : (H, W, C) float32, the weighted mean of the framelets that see each pixel;
    coverage : (H, W, C) float32, their summed weight (0 where no framelet of that filter looks).
    """
    centres = centres or CENTRE_Y
    n_frames = stack.shape[0] // FRAMELET_ROWS
    rows_y = np.array([centres[c] for c in channels])
    turns = np.arange(n_frames) * step_rad
    px_per_rad = FOCAL_PX * scale
    az_lo = np.arctan(-rows_y.max() / FOCAL_PX) + min(0.0, turns[-1])
    az_hi = np.arctan((FRAMELET_ROWS - rows_y.min()) / FOCAL_PX) + max(0.0, turns[-1])
    el_lo = np.arctan((PHOTOACTIVE[0] - CENTRE_X) / FOCAL_PX)
    el_hi = np.arctan((PHOTOACTIVE[1] - CENTRE_X) / FOCAL_PX)
    height = int(np.ceil((az_hi - az_lo) * px_per_rad))
    width = int(np.ceil((el_hi - el_lo) * px_per_rad))
    az = az_lo + (np.arange(height) + 0.5) / px_per_rad
    el = el_lo + (np.arange(width) + 0.5) / px_per_rad
    # a direction (azimuth a, elevation e) is the camera pixel F·(tan e · sec a, tan a) before
    # distortion: outer products of 1-D terms, in float32
    tan_el = (FOCAL_PX * np.tan(el)).astype(np.float32)[None, :]
    total = np.zeros((len(channels), height, width), np.float32)  # channel first: row slices
    weight = np.zeros_like(total)
    for k, name in enumerate(channels):
        row0 = centres[name]
        lo, hi = (
            np.arctan((-2.0 - row0) / FOCAL_PX),
            np.arctan((FRAMELET_ROWS + 1 - row0) / FOCAL_PX),
        )
        for t in range(n_frames):
            local = az - turns[t]
            seen = np.flatnonzero((local > lo) & (local < hi))  # one run of rows (az rises)
            if seen.size == 0:
                continue
            rows = slice(int(seen[0]), int(seen[-1]) + 1)
            a = local[rows]
            xu = tan_el * (1.0 / np.cos(a)).astype(np.float32)[:, None]
            yu = np.broadcast_to((FOCAL_PX * np.tan(a)).astype(np.float32)[:, None], xu.shape)
            xd, yd = _distort(xu, yu)
            map_x = (xd + CENTRE_X).astype(np.float32)
            map_y = (yd + row0).astype(np.float32)
            framelet = stack[t * FRAMELET_ROWS : (t + 1) * FRAMELET_ROWS, :, k]
            values = cv2.remap(np.ascontiguousarray(framelet, np.float32), map_x, map_y,
                               cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)  # fmt: skip
            # weight: 0 outside the framelet's photoactive pixels, rising over its edge rows
            edge = np.minimum(map_y, FRAMELET_ROWS - 1 - map_y) * np.float32(1 / EDGE_FEATHER_ROWS)
            w = np.clip(edge + np.float32(0.05), 0.0, 1.0)
            w[(edge < 0) | (map_x < PHOTOACTIVE[0]) | (map_x > PHOTOACTIVE[1])] = 0.0
            if framelet_valid is not None:
                ok = framelet_valid[t * FRAMELET_ROWS : (t + 1) * FRAMELET_ROWS, :, k]
                w = w * cv2.remap(ok.astype(np.float32), map_x, map_y, cv2.INTER_NEAREST,
                                  borderMode=cv2.BORDER_CONSTANT, borderValue=0)  # fmt: skip
            total[k, rows] += values * w
            weight[k, rows] += w
    image = total / np.maximum(weight, np.float32(1e-6))
    return np.ascontiguousarray(image.transpose(1, 2, 0)), weight.transpose(1, 2, 0)


def registration(image: np.ndarray, weight: np.ndarray, channels: list[str]) -> dict[str, float]:
    """Correlation of each filter's band-passed image with green's where both have data (1:
    the same structures in the same places; ~0: misregistered)."""
    if "green" not in channels or len(channels) < 2:
        return {}
    both = (weight > 0.05).all(axis=2)
    if both.sum() < 64:
        return {}

    def band(plane: np.ndarray) -> np.ndarray:
        return cv2.Laplacian(cv2.GaussianBlur(plane, (0, 0), 1.0), cv2.CV_32F)[both]

    reference = band(image[:, :, channels.index("green")])
    scores = {}
    for k, name in enumerate(channels):
        if name != "green":
            r = np.corrcoef(reference, band(image[:, :, k]))[0, 1]
            scores[name] = float(r) if np.isfinite(r) else 0.0
    return scores


def fit_spin_step(
    stack: np.ndarray,
    channels: list[str],
    nominal: float,
    *,
    framelet_valid: np.ndarray | None = None,
    centres: dict[str, float] | None = None,
) -> tuple[float, dict[str, float]]:
    """The turn between exposures that registers the filters best (`STEP_GRID` steps over
    ±`STEP_SEARCH` of `nominal`, then a parabola through the best and its neighbours) and the
    registration scores at it. Single-filter stacks keep `nominal` (nothing to register against)."""
    if len(channels) < 2 or "green" not in channels:
        return nominal, {}

    def score(step: float) -> float:
        image, weight = assemble_spin(stack, channels, step, scale=FIT_SCALE,
                                      framelet_valid=framelet_valid, centres=centres)  # fmt: skip
        values = registration(image, weight, channels)
        return float(np.mean(list(values.values()))) if values else -1.0

    steps = nominal * (1.0 + np.linspace(-STEP_SEARCH, STEP_SEARCH, STEP_GRID))
    scores = np.array([score(s) for s in steps])
    best = int(np.argmax(scores))
    step = float(steps[best])
    if 0 < best < len(steps) - 1:
        left, mid, right = scores[best - 1 : best + 2]
        curvature = left - 2 * mid + right
        if curvature < 0:
            step += float(0.5 * (left - right) / curvature) * float(steps[1] - steps[0])
    return step, {"fit_score": round(float(scores[best]), 4)}


def spin_frame(
    stack: np.ndarray,
    channels: list[str],
    meta: dict[str, Any] | None,
    *,
    framelet_valid: np.ndarray | None = None,
) -> SpinAssembly:
    """Assemble a raw product's per-filter framelet stacks (`raw_channels`) in the spin frame,
    the turn per exposure fitted on the filters' registration, cropped to where every filter
    has data."""
    centres = distortion_centres(meta)
    nominal, assumed = nominal_step(meta)
    step, fit = fit_spin_step(stack, channels, nominal, framelet_valid=framelet_valid,
                              centres=centres)  # fmt: skip
    image, weight = assemble_spin(stack, channels, step, framelet_valid=framelet_valid,
                                  centres=centres)  # fmt: skip
    coverage = (weight > 0.05).all(axis=2)
    rows, cols = np.flatnonzero(coverage.any(axis=1)), np.flatnonzero(coverage.any(axis=0))
    if rows.size and cols.size:
        box = np.s_[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
        image, coverage, weight = image[box], coverage[box], weight[box]
    scores = registration(image, weight, channels)
    info = {
        "raw_layout": "spin",
        "layout": (
            "raw framelets assembled in the spin frame (jovis.io.junocam_spin): rows along the "
            "spin (time), columns along the CCD rows, 1 px = 1 IFOV at the boresight; filters "
            "co-registered through the PHYSICS.md camera model; no latitude/longitude"
        ),
        "spin_step_deg": round(float(np.degrees(step)), 4),
        "spin_step_nominal_deg": round(float(np.degrees(nominal)), 4),
        "spin_step_px": round(float(step * FOCAL_PX), 2),
        "interframe_delay_assumed": assumed,
        "registration": {k: round(v, 4) for k, v in scores.items()},
        **fit,
    }
    return SpinAssembly(image, coverage, info)


def lay_out_raw(
    stack: np.ndarray,
    channels: list[str],
    meta: dict[str, Any],
    layout: str = "spin",
    *,
    framelet_valid: np.ndarray | None = None,
    altitude_km: float | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """(image, valid or None) of a raw product's per-filter framelet stacks in `layout`; what was
    done goes into `meta` (``raw_layout``, the spin fit, the disk, the limb radius).

    ``spin``: assembled in the spin frame (`spin_frame`), valid where every filter has a
    framelet and on the planet's disk; the limb radius (from `altitude_km`, else a circle fitted
    to the disk) lets infer zoom the frame as it zooms the map-projected products. A raw that is
    not the camera's 1648 samples wide cannot be assembled and keeps the framelet layout (the
    reason in ``meta["raw_layout_reason"]``). ``framelets``: the stacks as they are; valid is
    `framelet_valid` (all channels), or None for the reader's own disk finder."""
    if layout not in RAW_LAYOUTS:
        raise ValueError(f"raw_layout={layout!r}: valid choices are {', '.join(RAW_LAYOUTS)}")
    meta["raw_layout"] = layout
    if layout == "spin" and stack.shape[1] != CCD_SAMPLES:
        meta["raw_layout"] = "framelets"
        meta["raw_layout_reason"] = (
            f"the spin-frame assembly needs the camera's {CCD_SAMPLES}-sample framelets; this "
            f"raw is {stack.shape[1]} wide, so its filters are not co-registered"
        )
    if meta["raw_layout"] == "framelets":
        return stack, None if framelet_valid is None else framelet_valid.all(axis=2)
    assembly = spin_frame(stack, channels, meta, framelet_valid=framelet_valid)
    meta.update(assembly.info)
    disk = sky_mask(assembly.image, meta)
    valid = assembly.coverage if disk is None else assembly.coverage & disk
    meta["valid_source"] += ", where every filter has a framelet"
    meta.update(_limb(valid, altitude_km))
    return assembly.image, valid


def _limb(valid: np.ndarray, altitude_km: float | None) -> dict[str, Any]:
    """The limb radius of a spin frame: from the altitude, else a circle fitted to the disk's
    outline, else unknown (infer then zooms the frame's longer side, as for any view)."""
    if altitude_km is not None and altitude_km > 0:
        return {"limb_radius_px": round(limb_radius_px(altitude_km), 1),
                "limb_radius_source": "SPACECRAFT_ALTITUDE"}  # fmt: skip
    circle = limb_circle(valid)
    if circle is None:
        return {"limb_radius_source": "unknown: no altitude, no circle fits the disk outline"}
    return {"limb_radius_px": circle["radius"], "limb_circle": circle,
            "limb_radius_source": "circle fitted to the disk outline"}  # fmt: skip
