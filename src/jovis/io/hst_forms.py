"""Two more HST STIS FUV product forms, read onto a polar grid.

* **Sky-plane crops** (JARVIS ``*_raw_100_NNNN.fits``): the planet as HST saw it, north up,
  with the limb geometry in the header (``CML``, ``DECE``, ``PCX``, ``PCY``, ``RPPX``, ``RPKM``,
  ``RPPLKM``, ``DELRPKM``; PHYSICS.md §5) and a uint8 valid mask in the next extension. Every
  polar-grid pixel is put on Jupiter's spheroid raised by the emission altitude, seen in
  orthographic projection from the sub-Earth point (``DECE``, ``CML``) and looked up in the crop.
* **"flatproj" products**: a 1-D array of the valid pixels of a 0.25° colatitude × longitude
  grid, rebuilt with ``expaurarr_{north,south}_iinx_jinx.npz`` found beside the file (``iinx`` =
  longitude index, west longitude ``360 − 0.25·iinx``; ``jinx`` = colatitude index, ``0.25·jinx``).
  Where the header gives the view (``CML``, ``DECE``), pixels beyond the limb seen from there are
  no data: the 2014 ``v01`` products hold values there (13 % of their pixels: a ring at the map's
  edge and wings either side of the pole), which no observation can have seen.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from jovis.geometry.body import (
    EQUATORIAL_RADIUS_KM,
    POLAR_RADIUS_KM,
    spheroid_radius,
    unit_vector,
)
from jovis.geometry.polar import PolarGrid
from jovis.geometry.remap import remap_valid, square_polar_grid
from jovis.io.errors import FrameReadError
from jovis.io.sidecars import flatproj_index

SKYPLANE_KEYS = ("CML", "DECE", "PCX", "PCY", "RPPX")
# Defaults of the instrument config's ``skyplane_to_polar`` / ``flatproj_to_polar`` blocks.
SKYPLANE_DEFAULTS = {
    "size": 640,
    "max_colatitude": 40.0,
    "lon_down": 180.0,
    # Emission altitude above the 1-bar level when the header has no DELRPKM: the 240 km of the
    # BU/Leicester pipeline (PHYSICS.md §2; the FUV peak is nearer 400 km).
    "altitude_km": 240.0,
    "max_emission_deg": 88.0,  # JARVIS clips beyond 88° emission angle (PHYSICS.md §5)
}
# projected products (flatproj, lat-lon): pixels seen at a larger emission angle from the header's
# view (CML / DECE, at the emission altitude) are no data; 90°: the limb itself (the 2022 v03
# flatproj's edge lies at 90–92°, the 2014 v01 ones hold values far beyond it)
LIMB_DEFAULTS = {"max_emission_deg": 90.0, "altitude_km": SKYPLANE_DEFAULTS["altitude_km"]}
FLATPROJ_DEFAULTS = {
    "size": 400,
    "max_colatitude": 50.0,
    "lon_down": 180.0,
    "step_deg": 0.25,
    **LIMB_DEFAULTS,
}
# flatproj files hold fill values down to −1e17 kR; FUV aurora stays below ~3e5 kR and background-
# subtracted noise above about −1e3 kR (PHYSICS.md §2)
KR_RANGE = (-1e4, 1e7)


def is_skyplane(meta: dict[str, Any], shape: tuple[int, ...]) -> bool:
    """A sky-plane crop: every limb key present as a number (and no other grid applies)."""
    return len(shape) == 2 and all(isinstance(meta.get(k), int | float) for k in SKYPLANE_KEYS)


def hemisphere_of(path: Path, meta: dict[str, Any]) -> str:
    hemisphere = str(meta.get("HEMISPH", "north") or "north").strip().lower()
    if hemisphere not in ("north", "south"):
        raise FrameReadError(path, f"HEMISPH = {hemisphere!r}; expected 'north' or 'south'")
    return hemisphere


def sky_pixels(
    meta: dict[str, Any], lat: np.ndarray, lon: np.ndarray, settings: dict[str, Any]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Crop (x, y) of planetocentric lat / SIII west lon at the emission altitude, and visibility.

    Orthographic view from the sub-Earth point (DECE, CML); x = PCX + RPPX/RPKM · (P·east),
    y = PCY + RPPX/RPKM · (P·north), array row 0 = FITS row 1 (north is +row).
    """
    view, north, right, scale = _sky_frame(meta)
    p, visible = _seen(meta, lat, lon, settings, view)
    x = float(meta["PCX"]) + scale * (p @ right)
    y = float(meta["PCY"]) + scale * (p @ north)
    return x, y, visible


def limb_visible(
    meta: dict[str, Any], lat: np.ndarray, lon: np.ndarray, settings: dict[str, Any]
) -> np.ndarray:
    """Whether each lat / SIII west lon at the emission altitude is seen from the sub-Earth
    point (DECE, CML) at an emission angle of at most ``settings["max_emission_deg"]``."""
    return _seen(meta, lat, lon, settings, _view(meta)[0])[1]


def _sky_frame(meta: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """(towards the observer, sky north, sky right, crop pixels per km) of `sky_pixels` and
    `skyplane_latlon`: right × north = view, a right-handed sky frame."""
    view, north = _view(meta)
    scale = float(meta["RPPX"]) / float(meta.get("RPKM") or EQUATORIAL_RADIUS_KM)
    return view, north, np.cross(north, view), scale


def _view(meta: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors (towards the observer, sky north) in the body frame of `_seen`."""
    view = unit_vector(float(meta["DECE"]), float(meta["CML"]))
    north = np.array([0.0, 0.0, 1.0]) - view[2] * view
    return view, north / np.linalg.norm(north)


def _seen(
    meta: dict[str, Any],
    lat: np.ndarray,
    lon: np.ndarray,
    settings: dict[str, Any],
    view: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """(points (..., 3) km on the spheroid raised by the emission altitude, visibility from
    `view`, the unit vector towards the observer)."""
    a, b = _raised_radii(meta, settings)
    p = spheroid_radius(lat, a, b)[..., None] * unit_vector(lat, lon)
    normal = p / np.array([a * a, a * a, b * b])
    normal /= np.linalg.norm(normal, axis=-1, keepdims=True)
    return p, normal @ view >= np.cos(np.radians(float(settings["max_emission_deg"])))


def _raised_radii(meta: dict[str, Any], settings: dict[str, Any]) -> tuple[float, float]:
    """Equatorial and polar radii (km) of the spheroid raised by the emission altitude."""
    a0 = float(meta.get("RPKM") or EQUATORIAL_RADIUS_KM)
    b0 = float(meta.get("RPPLKM") or POLAR_RADIUS_KM)
    alt = meta.get("DELRPKM")
    alt = float(alt) if isinstance(alt, int | float) else float(settings["altitude_km"])
    return a0 + alt, b0 + alt


def skyplane_latlon(
    meta: dict[str, Any], x: np.ndarray, y: np.ndarray, settings: dict[str, Any] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Planetocentric lat / SIII west lon of crop pixels (x, y): `sky_pixels` inverted, the line
    of sight through each pixel meeting the raised spheroid on the observer's side; NaN where
    it misses the planet."""
    cfg = {**SKYPLANE_DEFAULTS, **(settings or {})}
    view, north, right, scale = _sky_frame(meta)
    a, b = _raised_radii(meta, cfg)
    u = (np.asarray(x, np.float64) - float(meta["PCX"])) / scale
    v = (np.asarray(y, np.float64) - float(meta["PCY"])) / scale
    base = u[..., None] * right + v[..., None] * north  # on the sky plane through the centre
    inverse = np.array([1 / a**2, 1 / a**2, 1 / b**2])
    qa = float(view**2 @ inverse)
    qb = 2 * (base * view) @ inverse
    qc = base**2 @ inverse - 1
    disc = qb**2 - 4 * qa * qc
    with np.errstate(invalid="ignore"):
        t = (-qb + np.sqrt(np.where(disc >= 0, disc, np.nan))) / (2 * qa)  # the near side
    p = base + t[..., None] * view
    lat = np.degrees(np.arctan2(p[..., 2], np.hypot(p[..., 0], p[..., 1])))
    lon = np.mod(-np.degrees(np.arctan2(p[..., 1], p[..., 0])), 360.0)
    return lat, lon


def skyplane_to_polar(
    image: np.ndarray,
    valid: np.ndarray,
    meta: dict[str, Any],
    hemisphere: str,
    settings: dict[str, Any] | None = None,
) -> tuple[np.ndarray, np.ndarray, PolarGrid, dict[str, Any]]:
    """Project a sky-plane crop (H, W, C) onto a square polar grid; returns image, valid, grid
    and the meta entries that say how."""
    cfg = {**SKYPLANE_DEFAULTS, **(settings or {})}
    grid = square_polar_grid(
        hemisphere,
        cfg,
        f"sky-plane crop projected from its header limb geometry (CML {float(meta['CML']):.2f}, "
        f"DECE {float(meta['DECE']):.2f}, RPPX {float(meta['RPPX']):.1f})",
    )
    size = int(cfg["size"])
    lat, lon = grid.latlon_image(size, size)
    x, y, visible = sky_pixels(meta, lat, lon, cfg)
    x, y = np.where(visible, x, np.nan), np.where(visible, y, np.nan)
    out, out_valid = remap_valid(image, valid, x, y)
    alt = meta.get("DELRPKM", cfg["altitude_km"])
    note = {
        "reprojected_from": f"sky plane {image.shape[0]}x{image.shape[1]}",
        "emission_altitude_km": float(alt),
    }
    return out, out_valid, grid, note


def read_flatproj(
    path: Path, values: np.ndarray, meta: dict[str, Any], settings: dict[str, Any] | None = None
) -> tuple[np.ndarray, np.ndarray, PolarGrid, dict[str, Any]]:
    """Rebuild a 1-D flatproj array with its index file and project it onto a polar grid."""
    cfg = {**FLATPROJ_DEFAULTS, **(settings or {})}
    hemisphere = hemisphere_of(path, meta)
    index_path = flatproj_index(path, hemisphere)
    if not index_path.is_file():
        raise FrameReadError(
            path,
            f"1-D image: expected a 2-D image, or a 1-D 'flatproj' product with its index "
            f"file {index_path.name} (iinx, jinx, shape) beside it; not found in {path.parent}",
        )
    try:
        with np.load(index_path, allow_pickle=False) as npz:
            iinx, jinx = np.asarray(npz["iinx"]), np.asarray(npz["jinx"])
            rows, cols = (int(v) for v in np.asarray(npz["shape"]).reshape(-1)[:2])
    except (OSError, ValueError, KeyError, EOFError) as err:
        raise FrameReadError(path, f"index file {index_path.name} unreadable ({err})") from err
    ok_index = (
        iinx.shape == jinx.shape == values.shape
        and 0 < rows <= 720
        and 0 < cols <= 1440
        and iinx.size > 0
        and iinx.min() >= 0
        and iinx.max() < cols
        and jinx.min() >= 0
        and jinx.max() < rows
    )
    if not ok_index:
        raise FrameReadError(
            path,
            f"{values.size} values do not fit index file {index_path.name} "
            f"({iinx.size} indices, grid {rows}x{cols}): use the index file of this hemisphere",
        )
    flat = np.full((rows, cols), np.nan, np.float32)
    with np.errstate(invalid="ignore"):
        keep = np.isfinite(values) & (values > KR_RANGE[0]) & (values < KR_RANGE[1])
    flat[jinx[keep], iinx[keep]] = values[keep]
    grid = square_polar_grid(
        hemisphere, cfg, f"flatproj 0.25° colatitude-longitude grid rebuilt with {index_path.name}"
    )
    size = int(cfg["size"])
    lat, lon = grid.latlon_image(size, size)
    step = float(cfg["step_deg"])
    map_y = (90.0 - np.abs(lat)) / step
    map_x = np.mod(360.0 - lon, 360.0) / step
    # wrap in longitude: pad one column on each side
    padded = np.concatenate([flat[:, -1:], flat, flat[:, :1]], axis=1)[:, :, None]
    out, out_valid = remap_valid(padded, np.isfinite(padded[:, :, 0]), map_x + 1.0, map_y)
    out_valid, beyond = cut_beyond_limb(out, out_valid, meta, grid, cfg)
    note = {"reprojected_from": f"flatproj {rows}x{cols} via {index_path.name}",
            "beyond_limb_px": beyond}  # fmt: skip
    return out, out_valid, grid, note


def cut_beyond_limb(
    image: np.ndarray,
    valid: np.ndarray,
    meta: dict[str, Any],
    grid: PolarGrid,
    settings: dict[str, Any],
) -> tuple[np.ndarray, int | None]:
    """(`valid` on `grid` without the pixels its header's view (``CML``, ``DECE``) cannot see
    beyond ``max_emission_deg``, how many of those held a value other than 0, the products'
    "hidden"); with no view in the header `valid` as it is and None (nothing computed)."""
    if not all(isinstance(meta.get(k), int | float) for k in ("CML", "DECE")):
        return valid, None
    lat, lon = grid.latlon_image(*valid.shape)
    visible = limb_visible(meta, lat, lon, {**LIMB_DEFAULTS, **settings})
    beyond = int((valid & ~visible & (image[:, :, 0] != 0)).sum())
    return valid & visible, beyond
