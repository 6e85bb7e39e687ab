"""Reproject a frame seen in perspective (a disk image) onto a polar grid."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from jovis.frame import Frame
from jovis.geometry.body import (
    EQUATORIAL_RADIUS_KM,
    POLAR_RADIUS_KM,
    planetocentric,
    planetographic,
    spheroid_radius,
    surface_normal,
    surface_point,
    unit_vector,
)
from jovis.geometry.polar import PolarGrid
from jovis.geometry.remap import remap_mask

# What the image shows: the spheroid itself (a camera's own frame), or a sphere of the
# equatorial radius on which latitude is planetographic (the JunoCam website's rendered
# products: `jovis.geometry.junocam_view`).
GLOBES = ("spheroid", "sphere")


@dataclass(frozen=True)
class PerspectiveView:
    """Where a camera was and how it was pointed, as a user reads it off the frame's geometry.

    Parameters
    ----------
    sub_lat, sub_lon : float
        Planetocentric latitude and SIII west longitude of the sub-spacecraft point, degrees.
    distance_km : float
        Distance from the planet's centre to the camera.
    north_angle_deg : float
        Direction of the projected north pole in the image, clockwise from image up (−row).
    rad_per_px : float
        Angular pixel scale (IFOV), radians per pixel.
    centre_x, centre_y : float or None
        Pixel of the planet's centre (the boresight is assumed to point at it); None = image centre.
    globe : str
        ``"spheroid"``: the image is the oblate planet as a camera sees it. ``"sphere"``: the
        image renders a sphere of the equatorial radius, its latitude planetographic, as the
        JunoCam website's products do; `sub_lat` is then planetographic and `distance_km` is
        the equatorial radius plus the altitude. Positions come out planetocentric either way,
        on the spheroid.
    """

    sub_lat: float
    sub_lon: float
    distance_km: float
    north_angle_deg: float
    rad_per_px: float
    centre_x: float | None = None
    centre_y: float | None = None
    globe: str = "spheroid"

    def __post_init__(self) -> None:
        if self.distance_km <= 0 or self.rad_per_px <= 0:
            raise ValueError("PerspectiveView needs distance_km > 0 and rad_per_px > 0")
        if self.globe not in GLOBES:
            raise ValueError(f"PerspectiveView globe={self.globe!r}: use one of {GLOBES}")

    @property
    def altitude_km(self) -> float:
        """The camera's height above the surface under it (its globe's)."""
        if self.globe == "sphere":
            return self.distance_km - EQUATORIAL_RADIUS_KM
        return self.distance_km - float(spheroid_radius(self.sub_lat))

    def _globe_point(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        """Where planetocentric (lat, lon) lies on the globe the image shows (km)."""
        if self.globe == "sphere":
            return EQUATORIAL_RADIUS_KM * unit_vector(planetographic(lat), lon)
        return surface_point(lat, lon)

    def _camera(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(camera position, boresight w, image up, image right) in the globe's km."""
        if self.globe == "sphere":
            cam = unit_vector(self.sub_lat, self.sub_lon) * self.distance_km
        else:
            cam = surface_point(self.sub_lat, self.sub_lon)
            cam = cam / np.linalg.norm(cam) * self.distance_km
        w = -cam / np.linalg.norm(cam)  # boresight, toward the centre
        north = np.array([0.0, 0.0, 1.0])
        up = north - north.dot(w) * w
        up /= np.linalg.norm(up)
        return cam, w, up, np.cross(w, up)  # east is to the right when north is up

    def _centre(self, shape: tuple[int, int]) -> tuple[float, float]:
        cx = (shape[1] - 1) / 2 if self.centre_x is None else self.centre_x
        cy = (shape[0] - 1) / 2 if self.centre_y is None else self.centre_y
        return cx, cy

    def project(
        self, lat: np.ndarray, lon: np.ndarray, shape: tuple[int, int]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Image (x, y) of surface points and whether each is on the visible hemisphere."""
        cam, w, up, right = self._camera()
        p = self._globe_point(lat, lon)
        v = p - cam
        normal = p if self.globe == "sphere" else surface_normal(p)
        visible = np.einsum("...i,...i->...", normal, v) < 0
        depth = v @ w
        xi, eta = (v @ right) / depth, (v @ up) / depth
        x0, y0 = xi / self.rad_per_px, -eta / self.rad_per_px
        a = np.radians(self.north_angle_deg)  # clockwise on screen (rows grow downward)
        x = x0 * np.cos(a) - y0 * np.sin(a)
        y = x0 * np.sin(a) + y0 * np.cos(a)
        cx, cy = self._centre(shape)
        return x + cx, y + cy, visible & (depth > 0)

    def surface(self, x, y, shape: tuple[int, int]) -> np.ndarray:
        """(..., 3) planet-centred km of the surface each image pixel (x, y) sees: the first
        crossing of its line of sight with the globe, as the point of the spheroid at that
        latitude and longitude; NaN off the disk (`project` inverted)."""
        cam, w, up, right = self._camera()
        cx, cy = self._centre(shape)
        dx, dy = np.asarray(x, float) - cx, np.asarray(y, float) - cy
        a = np.radians(self.north_angle_deg)
        x0, y0 = dx * np.cos(a) + dy * np.sin(a), -dx * np.sin(a) + dy * np.cos(a)
        d = w + (x0 * self.rad_per_px)[..., None] * right - (y0 * self.rad_per_px)[..., None] * up
        squash = EQUATORIAL_RADIUS_KM / POLAR_RADIUS_KM if self.globe == "spheroid" else 1.0
        k = np.array([1.0, 1.0, squash])  # the globe -> a sphere of the equatorial radius
        c, dd = cam * k, d * k
        qa, qb = (dd * dd).sum(-1), 2 * (dd @ c)
        disc = qb * qb - 4 * qa * (c @ c - EQUATORIAL_RADIUS_KM**2)
        t = (-qb - np.sqrt(np.where(disc >= 0, disc, np.nan))) / (2 * qa)
        hit = cam + t[..., None] * d
        if self.globe == "spheroid":
            return hit
        lat = np.degrees(np.arcsin(np.clip(hit[..., 2] / EQUATORIAL_RADIUS_KM, -1.0, 1.0)))
        lon = np.degrees(-np.arctan2(hit[..., 1], hit[..., 0]))
        return surface_point(planetocentric(lat), lon)

    def latlon(self, x, y, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
        """(planetocentric lat, SIII west lon) in degrees of image pixels; NaN off the disk."""
        p = self.surface(x, y, shape)
        lat = np.degrees(np.arctan2(p[..., 2], np.hypot(p[..., 0], p[..., 1])))
        return lat, np.degrees(-np.arctan2(p[..., 1], p[..., 0])) % 360.0

    def pixel_area_km2(self, x, y, shape: tuple[int, int]) -> np.ndarray:
        """Surface area (km²) one image pixel at (x, y) covers: the parallelogram of the surface
        points half a pixel either side in x and in y; NaN where any of them is off the disk."""
        x, y = np.asarray(x, float), np.asarray(y, float)
        ex = self.surface(x + 0.5, y, shape) - self.surface(x - 0.5, y, shape)
        ey = self.surface(x, y + 0.5, shape) - self.surface(x, y - 0.5, shape)
        return np.linalg.norm(np.cross(ex, ey), axis=-1)

    def to_dict(self) -> dict:
        return {"kind": "perspective", **self.__dict__}

    @classmethod
    def from_dict(cls, data: dict) -> PerspectiveView:
        """The view `to_dict` wrote (a located GeoJSON's ``view``) or its bare fields, so a
        recorded view, its north angle corrected, can be given back as ``reproject.view``."""
        fields = {k: v for k, v in data.items() if k != "kind"}
        if data.get("kind", "perspective") != "perspective":
            raise TypeError(f"kind={data['kind']!r}, not a perspective view")
        return cls(**fields)


def reproject_to_polar(
    frame: Frame,
    view: PerspectiveView,
    grid: PolarGrid,
    shape: tuple[int, int],
    *,
    mask: np.ndarray | None = None,
) -> tuple[Frame, np.ndarray | None]:
    """The frame (and optionally a class mask) resampled onto `grid` with output `shape`.

    Bilinear for the image, nearest for the mask and the validity; pixels beyond the limb, off
    the source image or invalid in it become `valid = False` (and 255 in the mask).
    """
    lat, lon = grid.latlon_image(*shape)
    finite = np.isfinite(lat)
    x, y, visible = view.project(
        np.where(finite, lat, 0.0), np.where(finite, lon, 0.0), frame.shape
    )
    map_x, map_y = x.astype(np.float32), y.astype(np.float32)
    h, w = frame.shape
    inside = visible & finite & (x >= 0) & (y >= 0) & (x <= w - 1) & (y <= h - 1)
    source_valid = cv2.remap(
        frame.valid.astype(np.uint8),
        map_x,
        map_y,
        cv2.INTER_NEAREST,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=0,
    ).astype(bool)
    image = np.where(frame.valid[..., None], frame.image, 0.0).astype(np.float32)
    out = cv2.remap(
        image, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0
    )
    if out.ndim == 2:
        out = out[..., None]
    valid = inside & source_valid
    meta = {**frame.meta, "reprojected_from": "perspective", "view": view.__dict__.copy()}
    polar = Frame(out, frame.channels, frame.instrument, frame.source, meta, grid, valid)
    out_mask = None
    if mask is not None:
        out_mask = remap_mask(mask, map_x, map_y)
        out_mask[~valid] = 255
    return polar, out_mask


def polar_from_settings(frame: Frame, settings: dict | None) -> Frame:
    """Reproject `frame` as `settings` say, with per-frame values from ``<file>.view.json``.

    `settings` (the infer config's ``reproject``): ``{"view": {PerspectiveView fields},
    "grid": {PolarGrid fields}, "size": [H, W]}``. A JSON beside the frame file
    (``<name>.view.json``) may hold any of the three and wins. Frames that already have a grid,
    or for which no view is given, are returned unchanged.
    """
    from pathlib import Path

    from jovis.io.json_file import load_json
    from jovis.io.sidecars import VIEW_SIDECAR

    if frame.grid is not None:
        return frame
    merged: dict = dict(settings or {})
    sidecar = Path(f"{frame.source}{VIEW_SIDECAR}") if frame.source else None
    if sidecar is not None and sidecar.is_file():
        declared = load_json(sidecar)
        if not isinstance(declared, dict):
            raise ValueError(f"{sidecar}: must hold a JSON object (view, grid, size)")
        merged.update(declared)
    if not merged.get("view"):
        return frame
    if not merged.get("grid") or not merged.get("size"):
        raise ValueError(
            f"{frame.source}: reprojection needs 'grid' (PolarGrid fields) and 'size' [H, W] "
            "besides 'view'"
        )
    try:
        view = PerspectiveView.from_dict(merged["view"])
    except (TypeError, ValueError) as err:  # unknown fields; a value out of range
        raise ValueError(
            f"{frame.source}: bad reproject.view ({err}); fields: "
            f"{', '.join(PerspectiveView.__dataclass_fields__)}"
        ) from err
    grid = PolarGrid.from_dict(merged["grid"])
    polar, _ = reproject_to_polar(frame, view, grid, tuple(merged["size"]))
    return polar
