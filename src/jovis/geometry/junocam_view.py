"""Where each pixel of a JunoCam website product lies on the planet, from its metadata.

Measured on the shared products (docs/notes/junocam.md, "The products are a sphere rendered
from the metadata"): a ``-mapprojected.png`` composite, and the ``-red/-green/-blue.png`` set it
is made of, renders a sphere of the equatorial radius whose latitudes are planetographic, seen
from the metadata's altitude over its sub-spacecraft point, centred on the square image and
scaled so that the limb is the circle of 797/1600 of the side about its centre, north up. The
metadata's sub-spacecraft latitude is planetographic and its altitude is above the spheroid
along the normal: so read, the PJ44 approach's positions lie on one Juno orbit within 7 km rms
(read as planetocentric and radial: 340 km). With this view the four PJ44 composites' terminators
are each cut at one incidence (cos i 0.0073-0.0080, PJ43's as well; interquartile range under
0.001 at north angle 0-0.25 degrees), consecutive products carried onto one polar grid agree
within ~100 km, and the tracked white oval stays within 170 km of one place with the north angle 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import cv2
import numpy as np

from jovis.frame import Frame
from jovis.geometry.body import EQUATORIAL_RADIUS_KM, distance_km, surface_normal, unit_vector
from jovis.geometry.reproject import PerspectiveView
from jovis.geometry.sun import sun_over_frame
from jovis.io.junocam import PER_FILTER, metadata_number

LIMB_FRACTION = 797.0 / 1600.0
# the assumed 0 against the angle at which each product's terminator is cut at one incidence
# (0 to 0.25 degrees on the six PJ43/PJ44 composites, scanned in steps of 0.25)
NORTH_ANGLE_SPREAD_DEG = 0.5
# what is left with the angle 0: the white oval tracked through 44C00034-37 stays within 167 km
# (~4 px) of one place; consecutive composites carried onto one grid agree within ~90-130 km
VIEW_RESIDUAL_SHARE = 4.0 / 1600.0
VIEW_KEYS = ("SUB_SPACECRAFT_LATITUDE", "SUB_SPACECRAFT_LONGITUDE", "SPACECRAFT_ALTITUDE")
# the products in the planet's perspective view; raw framelets are in the spin frame
VIEW_KINDS = ("mapprojected", *PER_FILTER)


def product_view(meta: Mapping[str, Any], shape: tuple[int, int], north_angle_deg: float = 0.0,
                 *, where: str = "metadata",
                 limb_radius_px: float | None = None) -> PerspectiveView:  # fmt: skip
    """The `PerspectiveView` of a product of `shape` (H, W) from its metadata fields; the limb
    at `limb_radius_px` (default: `LIMB_FRACTION` of the side). Raises naming `where` and the
    field when one is missing or not a number."""
    values = []
    for key in VIEW_KEYS:
        if key not in meta:
            raise KeyError(f"{where}: metadata lacks {key}; the view model needs it")
        value = metadata_number(meta, key)
        if value is None or not np.isfinite(value):
            raise ValueError(f"{where}: metadata {key} = {meta[key]!r} is not a number")
        values.append(float(value))
    lat, lon, altitude = values
    if abs(lat) > 90.0:
        raise ValueError(f"{where}: metadata SUB_SPACECRAFT_LATITUDE = {lat} is outside -90..90")
    if altitude <= 0:
        raise ValueError(f"{where}: metadata SPACECRAFT_ALTITUDE = {altitude} must be > 0 km")
    radius = LIMB_FRACTION * min(shape) if limb_radius_px is None else float(limb_radius_px)
    distance = EQUATORIAL_RADIUS_KM + altitude  # over the rendered sphere
    half_angle = np.arcsin(EQUATORIAL_RADIUS_KM / distance)  # the limb's angular radius
    scale = float(np.tan(half_angle)) / radius
    return PerspectiveView(lat, lon, distance, north_angle_deg, scale, globe="sphere")


def frame_view(frame: Frame, north_angle_deg: float = 0.0) -> PerspectiveView | None:
    """The view of a JunoCam composite or per-filter set read with its metadata (square, no
    polar grid); None for any other frame, which then keeps pixel positions only."""
    meta = frame.meta or {}
    h, w = frame.shape
    if (frame.instrument != "junocam" or frame.grid is not None or h != w
            or meta.get("product_kind") not in VIEW_KINDS
            or not all(key in meta for key in VIEW_KEYS)):  # fmt: skip
        return None
    return product_view(meta, frame.shape, north_angle_deg, where=frame.source or "frame")


def why_not_located(frame: Frame) -> str | None:
    """Why a JunoCam product has no view: raw framelets laid out in the camera's frame (the
    spin frame has no latitude/longitude without the pointing SPICE gives), or a product in the
    planet's perspective view read without its ``<product id>-metadata.json`` (no time either),
    or with one that lacks a field the view needs. None for a product with its view, and for
    any other frame."""
    meta = frame.meta or {}
    if frame.instrument == "junocam" and meta.get("raw_layout") and frame.grid is None:
        layout = "spin frame" if meta["raw_layout"] == "spin" else "framelet stacks"
        return (
            f"not located: raw framelets in the camera's {layout}, whose pixels have no "
            "latitude/longitude without the spacecraft's pointing (SPICE); a map-projected "
            "composite of the observation (the JunoCam website's, with its -metadata.json) "
            "is located"
        )
    in_view = frame.instrument == "junocam" and meta.get("product_kind") in VIEW_KINDS
    lacks = [key for key in VIEW_KEYS if key not in meta]
    if not in_view or frame.grid is not None or not lacks:
        return None
    if meta.get("metadata_file"):
        return f"not located: {meta['metadata_file']} lacks {', '.join(lacks)}"
    return (
        f"not located: no {meta.get('product_id', '<product id>')}-metadata.json beside it "
        "(the JunoCam website serves it with the images; it gives the view and the time)"
    )


def north_angle_uncertainty_km(
    view: PerspectiveView, x, y, shape: tuple[int, int], spread_deg: float = NORTH_ANGLE_SPREAD_DEG
) -> np.ndarray:
    """How far (km over the surface, `body.distance_km` as the located sizes are) the point seen
    at pixel (x, y) moves when `view`'s north angle is off by ±`spread_deg`: the larger of the
    two moves. The metadata do not give the angle, so this is the position error of a located
    feature (0 at the sub-spacecraft point, the image's centre, growing towards the limb); NaN
    off the disk."""
    lat0, lon0 = view.latlon(x, y, shape)
    out = np.zeros(np.shape(lat0))
    for turn in (-spread_deg, spread_deg):
        lat, lon = replace(view, north_angle_deg=view.north_angle_deg + turn).latlon(x, y, shape)
        out = np.maximum(out, distance_km(lat0, lon0, lat, lon))
    return out


def view_residual_km(
    view: PerspectiveView, x, y, shape: tuple[int, int], share: float = VIEW_RESIDUAL_SHARE
) -> np.ndarray:
    """How far (km over the surface) the point seen at pixel (x, y) lies from those seen
    `share` of the image side away along either axis: the larger move, for the view model's
    error beyond the north angle (what the tracked white oval still wanders). Shifts that leave the
    disk are passed over; NaN where (x, y) itself is off the disk."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    lat0, lon0 = view.latlon(x, y, shape)
    step = share * min(shape)
    out = np.full(np.shape(lat0), np.nan)
    for dx, dy in ((step, 0.0), (-step, 0.0), (0.0, step), (0.0, -step)):
        lat, lon = view.latlon(x + dx, y + dy, shape)
        out = np.fmax(out, distance_km(lat0, lon0, lat, lon))
    return np.where(np.isfinite(lat0), out, np.nan)


def position_uncertainty_km(view: PerspectiveView, x, y, shape: tuple[int, int]) -> np.ndarray:
    """A located JunoCam feature's position error (km): the north-angle term
    (`north_angle_uncertainty_km`, 0 at the image's centre) and the view model's residual
    (`view_residual_km`) added in quadrature. NaN where either is undefined (the very limb)."""
    return np.hypot(
        north_angle_uncertainty_km(view, x, y, shape), view_residual_km(view, x, y, shape)
    )


# A product with this much of its data on the night side of its view, beyond the twilight, is
# not of that view: the other shared products read 0 % (the methane products 0.2 and 0.7 %),
# 43C00079's composite 45 % (docs/notes/junocam.md "The products' lit side ...", through the view
# corrected on 2026-12-07; before it 0-1.0 %)
NIGHT_SHARE_MAX = 0.05
# How far past the terminator data may still be lit: haze up to ~350 km above the clouds sees
# the Sun 6° beyond it (a methane product shows it; colour composites are cut at the terminator)
TWILIGHT_DEG = 6.0


def sun_direction(frame: Frame, sun_at: tuple[float, float] | None = None) -> np.ndarray | None:
    """Body-fixed unit vector towards the Sun over the product: `sun_at`, the sub-solar point
    when the caller has it, else `sun_over_frame` of the frame's metadata; None without a time."""
    sun_at = sun_at or sun_over_frame(frame.meta or {})
    return None if sun_at is None else unit_vector(*sun_at)


def cos_incidence(view: PerspectiveView, x, y, shape: tuple[int, int], sun: np.ndarray):
    """cos of the Sun's incidence on the surface seen at pixels (x, y); NaN off the disk."""
    return surface_normal(view.surface(x, y, shape)) @ sun


def night_share(frame: Frame, view: PerspectiveView, step: int = 8,
                sun_at: tuple[float, float] | None = None) -> float | None:  # fmt: skip
    """The share of the product's data on the disk (its valid pixels, every `step`-th row and
    column) that `view` places more than `TWILIGHT_DEG` past the terminator at the product's
    time (`sun_direction`): about 0 for a product its metadata place rightly, since JunoCam
    sees nothing of the night side. None when the product has no time, or no data on the
    disk."""
    sun = sun_direction(frame, sun_at)
    if sun is None or frame.valid is None:
        return None
    ys, xs = np.mgrid[0 : frame.shape[0] : step, 0 : frame.shape[1] : step].astype(float)
    cos_i = cos_incidence(view, xs, ys, frame.shape, sun)
    data = np.asarray(frame.valid, bool)[::step, ::step] & np.isfinite(cos_i)
    if not data.any():
        return None
    night = cos_i < -np.sin(np.radians(TWILIGHT_DEG))
    return float(np.count_nonzero(data & night) / np.count_nonzero(data))


# Where the composites stop at the terminator, through their views: cos i 0.0073-0.0080 on the
# six PJ43/PJ44 composites, each over 1600-2000 edge pixels with an interquartile range of
# 0.0007-0.0027 (a view turned by 0.25° reads ~0.0035; docs/notes/junocam.md "The products
# are a sphere rendered from the metadata")
TERMINATOR_BAND = 0.05  # |cos i| of the edge pixels taken for the terminator (the limb's are not)
# at least this many terminator pixels per pixel of the limb's radius (the six composites: 2.1-2.5;
# PJ32's data meet the terminator only at two tips, 0.48: too short a stretch to say anything)
TERMINATOR_MIN_PER_RADIUS = 0.75


def terminator_cut(
    frame: Frame, view: PerspectiveView, sun_at: tuple[float, float] | None = None
) -> dict[str, float] | None:
    """How the product's data end at the terminator, read through `view`: the median and the
    interquartile range of cos i (the Sun's incidence at the product's time, `sun_direction`)
    over the pixels
    just past its data that lie within `TERMINATOR_BAND` of the terminator and inside the limb.
    The composites are cut at one incidence, so a small spread says the view fits the image to a
    fraction of a degree. None without a time, without a valid-data mask, or without
    `TERMINATOR_MIN_PER_RADIUS` such pixels per pixel of the limb's radius (no terminator in
    the frame, or data that stop short of it)."""
    sun = sun_direction(frame, sun_at)
    if sun is None or frame.valid is None:
        return None
    valid = np.asarray(frame.valid, np.uint8)
    ys, xs = np.nonzero(cv2.dilate(valid, np.ones((3, 3), np.uint8)) > valid)
    h, w = frame.shape
    limb = LIMB_FRACTION * min(h, w)
    inside = np.hypot(xs - (w - 1) / 2, ys - (h - 1) / 2) < 0.98 * limb
    xs, ys = xs[inside].astype(float), ys[inside].astype(float)
    cos_i = cos_incidence(view, xs, ys, frame.shape, sun)
    cos_i = cos_i[np.isfinite(cos_i) & (np.abs(cos_i) < TERMINATOR_BAND)]
    if len(cos_i) == 0 or len(cos_i) < TERMINATOR_MIN_PER_RADIUS * limb:
        return None
    q1, median, q3 = np.percentile(cos_i, [25, 50, 75])
    return {"cos_i": round(float(median), 5), "spread": round(float(q3 - q1), 5),
            "pixels": len(cos_i)}  # fmt: skip
