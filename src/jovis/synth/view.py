"""Perspective frames: the same scene seen from a spacecraft position.

`OrthoView` (``view: random``) sees it as an orthographic disk; `PerspView` (``view:
perspective``) is a pinhole camera at a sampled altitude above a sampled sub-spacecraft point,
its field of view at most JunoCam's (PHYSICS §3), as the shared map-projected polar products are.
With ``junocam_view_size`` larger than the frame, a perspective frame is a window of that many
pixels' view (the disk spans ``junocam_view_size`` px, the frame is cut from it at an offset
whose centre lies on the disk): the pixel scale of a product zoomed to that size, at the cost of
a frame of the window's size.
Both map image pixels to (planetocentric latitude, SIII west longitude) on a sphere of the polar
radius (torch, batched, for rendering) and back (numpy, for the features JSON). Pixels off the
disk, on the other hemisphere or beyond the scene's extent are no data (mask 255).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np
import torch

from jovis.synth.params import SynthParams
from jovis.synth.vortices import km_per_deg

SCENE_REACH = 1.5  # scene drawn out to this many max_colatitude from the pole
PERSPECTIVE_REACH = 90.0  # perspective views: the whole hemisphere (colatitude, deg)
WINDOW_PROBE = 33  # px a side of the coarse view where a window's centre is drawn


@dataclass(frozen=True)
class OrthoView:
    """Sub-spacecraft point (deg, SIII west), north angle (deg clockwise from image up), km/px."""

    sub_lat: float
    sub_lon: float
    north_angle_deg: float
    km_per_px: float

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "orthographic", **asdict(self), "radius_km": None}

    def pixel(self, lat, lon, size: int, radius_km: float):
        """Image (x, y) of lat/lon points (numpy, any shape)."""
        phi, lam = np.radians(lat), np.radians(lon)
        phi0, lam0 = math.radians(self.sub_lat), math.radians(self.sub_lon)
        east = -np.cos(phi) * np.sin(lam - lam0)  # east of the sub-point (west longitude)
        north = np.cos(phi0) * np.sin(phi) - np.sin(phi0) * np.cos(phi) * np.cos(lam - lam0)
        x0, y0 = east * radius_km / self.km_per_px, -north * radius_km / self.km_per_px
        a = math.radians(self.north_angle_deg)
        c = (size - 1) / 2.0
        return c + x0 * math.cos(a) - y0 * math.sin(a), c + x0 * math.sin(a) + y0 * math.cos(a)


@dataclass(frozen=True)
class PerspView:
    """Pinhole camera `altitude_km` above the sub-spacecraft point (deg, SIII west), boresight on
    the planet's centre, north angle (deg clockwise from image up), `rad_per_px` per pixel."""

    sub_lat: float
    sub_lon: float
    north_angle_deg: float
    altitude_km: float
    rad_per_px: float
    offset_x: float = 0.0  # px: the frame's centre right of the boresight (a window of a view)
    offset_y: float = 0.0  # px: ... and below it

    @property
    def km_per_px(self) -> float:
        """Pixel size at the sub-spacecraft point."""
        return self.altitude_km * self.rad_per_px

    def to_dict(self) -> dict[str, Any]:
        return {"kind": "perspective", **asdict(self), "km_per_px": self.km_per_px,
                "radius_km": None}  # fmt: skip

    def pixel(self, lat, lon, size: int, radius_km: float):
        """Image (x, y) of lat/lon points (numpy, any shape); hidden points project too."""
        phi, lam = np.radians(lat), np.radians(lon)
        phi0, lam0 = math.radians(self.sub_lat), math.radians(self.sub_lon)
        east = -np.cos(phi) * np.sin(lam - lam0)
        north = np.cos(phi0) * np.sin(phi) - np.sin(phi0) * np.cos(phi) * np.cos(lam - lam0)
        up = np.sin(phi0) * np.sin(phi) + np.cos(phi0) * np.cos(phi) * np.cos(lam - lam0)
        depth = 1.0 + self.altitude_km / radius_km - up  # in radii, along the boresight
        x0 = east / depth / self.rad_per_px
        y0 = -north / depth / self.rad_per_px
        a = math.radians(self.north_angle_deg)
        cx, cy = (size - 1) / 2.0 - self.offset_x, (size - 1) / 2.0 - self.offset_y
        return cx + x0 * math.cos(a) - y0 * math.sin(a), cy + x0 * math.sin(a) + y0 * math.cos(a)

    def visible(self, lat, lon, radius_km: float):
        """Whether lat/lon points (numpy) face the camera (in front of the limb)."""
        phi, lam = np.radians(lat), np.radians(lon)
        phi0, lam0 = math.radians(self.sub_lat), math.radians(self.sub_lon)
        up = np.sin(phi0) * np.sin(phi) + np.cos(phi0) * np.cos(phi) * np.cos(lam - lam0)
        return up > 1.0 / (1.0 + self.altitude_km / radius_km)

    def limb_radius_px(self, radius_km: float) -> float:
        """Distance of the limb from the image centre (the disk's angular radius), pixels."""
        d = 1.0 + self.altitude_km / radius_km
        return math.tan(math.asin(1.0 / d)) / self.rad_per_px


def sample_perspective(seed: int, hemisphere: str, size: int, p: SynthParams,
                       sun_lon: float = 0.0) -> PerspView:  # fmt: skip
    """A JunoCam-like camera over the frame's pole: sub-spacecraft latitude, altitude (log-
    uniform) and the frame's field: a share of the disk's angular diameter (the map-projected
    products show the whole disk, mosaicked over the spin), at most JunoCam's 58° for the
    frames that are single exposures (1 − ``junocam_mosaic_prob``). The sub-spacecraft point is
    within ``junocam_sun_lon_offset`` of the sub-solar longitude `sun_lon`: JunoCam images the
    day side. ``junocam_view_size`` > `size` makes the frame a `size`-px window of a view of
    that size (`view_window`); otherwise the view is the frame (today's frames, bit for bit)."""
    g = np.random.default_rng([seed, 0x9E5])
    sign = 1.0 if hemisphere == "north" else -1.0
    lo, hi = p.junocam_altitude_km
    alt = float(np.exp(g.uniform(math.log(lo), math.log(hi))))
    disk = math.degrees(math.asin(1.0 / (1.0 + alt / p.polar_radius_km)))  # angular radius
    half = disk * g.uniform(*p.junocam_disk_fill)
    if g.uniform() >= p.junocam_mosaic_prob:  # one exposure; the products mosaic a whole spin
        half = min(half, p.junocam_fov_deg / 2.0)
    view_size = max(size, int(p.junocam_view_size))
    rad = math.tan(math.radians(half)) / (view_size / 2.0)
    lon = (sun_lon + g.uniform(*p.junocam_sun_lon_offset)) % 360.0
    view = PerspView(sign * g.uniform(*p.junocam_sub_lat_range), lon, g.uniform(0, 360.0), alt,
                     rad)  # fmt: skip
    return view_window(view, seed, size, view_size, hemisphere, p, sun_lon)


def view_window(view: PerspView, seed: int, size: int, view_size: int, hemisphere: str,
                p: SynthParams, sun_lon: float = 0.0) -> PerspView:  # fmt: skip
    """`view` cut to a `size`-px window of its `view_size`-px frame, the window's centre drawn
    uniformly over the view's pixels that see the frame's hemisphere on the day side (as the
    tiles of a product zoomed to `view_size` px: limb, terminator and sky included at their
    edges); `view` itself when the window is the whole view."""
    if view_size <= size:
        return view
    n = WINDOW_PROBE
    coarse = replace(view, rad_per_px=view.rad_per_px * view_size / n)
    x, y, seen = plane_coords([coarse], [hemisphere], n, p, "cpu")
    colat = torch.hypot(x[0], y[0]).double().numpy()
    west = np.arctan2(-x[0].double().numpy() * (1 if hemisphere == "north" else -1), y[0].numpy())
    mu_sun = np.sin(np.radians(colat)) * np.cos(west - math.radians(sun_lon))  # sun on the equator
    centre = (np.arange(n) - (n - 1) / 2.0) * view_size / n
    half = (view_size - size) / 2.0
    inside = (np.abs(centre)[None, :] <= half) & (np.abs(centre)[:, None] <= half)
    rows, cols = np.nonzero(seen[0].numpy() & (mu_sun > 0.05) & inside)
    g = np.random.default_rng([seed, 0x0FF5])  # its own stream: the view's draws stay as they were
    if len(rows) == 0:  # nothing lit in the view: its centre
        return view
    k = int(g.integers(len(rows)))
    jitter = g.uniform(-0.5, 0.5, size=2) * view_size / n
    ox = float(np.clip(centre[cols[k]] + jitter[0], -half, half))
    oy = float(np.clip(centre[rows[k]] + jitter[1], -half, half))
    return replace(view, offset_x=ox, offset_y=oy)


def sample_view(seed: int, hemisphere: str, size: int, p: SynthParams) -> OrthoView:
    """A spacecraft high over the frame's pole, the polar cap filling the frame."""
    g = np.random.default_rng([seed, 0x5EE])
    sign = 1.0 if hemisphere == "north" else -1.0
    km = 2 * p.max_colatitude * km_per_deg(p) / size * g.uniform(0.8, 1.2)
    return OrthoView(sign * g.uniform(*p.observer_lat_range), g.uniform(0, 360.0),
                     g.uniform(0, 360.0), km)  # fmt: skip


def _sphere(views, xs, ys, col, p: SynthParams):
    """Unit-sphere (east, north, up) about the sub-point of every pixel's ray hit and the disk."""
    if isinstance(views[0], PerspView):  # ray from the camera, 1 + alt/R radii out, to the sphere
        xi, eta = xs * col(3), -ys * col(3)
        dist = 1.0 + col(4) / p.polar_radius_km
        n2 = 1.0 + xi * xi + eta * eta
        disc = 1.0 - n2 * (1.0 - 1.0 / (dist * dist))
        disk = disc > 0.0
        t = dist * (1.0 - torch.sqrt(disc.clamp(min=0.0))) / n2
        return t * xi, t * eta, dist - t, disk
    scale = col(3) / p.polar_radius_km
    east, north = xs * scale, -ys * scale
    rho2 = east * east + north * north
    return east, north, torch.sqrt((1.0 - rho2).clamp(min=0.0)), rho2 < 1.0


def plane_coords(views: list, hemis: list[str], size: int, p: SynthParams, device):
    """Plane coordinates x, y (B, H, W) of every pixel and where the scene is seen (bool)."""
    persp = isinstance(views[0], PerspView)
    if any(isinstance(v, PerspView) != persp for v in views):
        raise ValueError("a batch's views must all be OrthoView or all PerspView")
    rows = [(v.sub_lat, v.sub_lon, v.north_angle_deg,
             v.rad_per_px if persp else v.km_per_px, v.altitude_km if persp else 0.0,
             v.offset_x if persp else 0.0, v.offset_y if persp else 0.0)
            for v in views]  # fmt: skip
    t = torch.tensor(rows, dtype=torch.float32, device=device)
    sign = torch.tensor([1.0 if h == "north" else -1.0 for h in hemis], device=device)
    col = lambda k: t[:, k, None, None]  # noqa: E731
    ax = torch.arange(size, dtype=torch.float32, device=device) - (size - 1) / 2.0
    xs, ys = ax.view(1, 1, -1), ax.view(1, -1, 1)
    if persp and any(v.offset_x or v.offset_y for v in views):  # windows of larger views
        xs, ys = xs + col(5), ys + col(6)
    a = torch.deg2rad(col(2))
    x0 = xs * torch.cos(a) + ys * torch.sin(a)
    y0 = -xs * torch.sin(a) + ys * torch.cos(a)
    east, north, cosc, disk = _sphere(views, x0, y0, col, p)
    phi0, lam0 = torch.deg2rad(col(0)), torch.deg2rad(col(1))
    sinlat = (cosc * torch.sin(phi0) + north * torch.cos(phi0)).clamp(-1.0, 1.0)
    lat = torch.rad2deg(torch.asin(sinlat))
    lon = torch.rad2deg(lam0 - torch.atan2(east, cosc * torch.cos(phi0) - north * torch.sin(phi0)))
    s = sign[:, None, None]
    colat = 90.0 - s * lat
    lam = torch.deg2rad(lon)
    reach = PERSPECTIVE_REACH if persp else SCENE_REACH * p.max_colatitude
    seen = disk & (colat <= reach)
    colat = torch.where(seen, colat, torch.zeros_like(colat))
    return -s * torch.sin(lam) * colat, torch.cos(lam) * colat, seen
