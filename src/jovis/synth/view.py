"""Perspective frames: the same scene seen as an orthographic disk from a spacecraft position.

`OrthoView` maps image pixels to (planetocentric latitude, SIII west longitude) on a sphere of
the polar radius (torch, batched, for rendering) and back (numpy, for the features JSON). Pixels
off the disk, on the other hemisphere or beyond the scene's extent are no data (mask 255).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch

from jovis.synth.params import SynthParams
from jovis.synth.vortices import km_per_deg

SCENE_REACH = 1.5  # scene drawn out to this many max_colatitude from the pole


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


def sample_view(seed: int, hemisphere: str, size: int, p: SynthParams) -> OrthoView:
    """A spacecraft high over the frame's pole, the polar cap filling the frame."""
    g = np.random.default_rng([seed, 0x5EE])
    sign = 1.0 if hemisphere == "north" else -1.0
    km = 2 * p.max_colatitude * km_per_deg(p) / size * g.uniform(0.8, 1.2)
    return OrthoView(sign * g.uniform(*p.observer_lat_range), g.uniform(0, 360.0),
                     g.uniform(0, 360.0), km)  # fmt: skip


def plane_coords(views: list[OrthoView], hemis: list[str], size: int, p: SynthParams, device):
    """Plane coordinates x, y (B, H, W) of every pixel and where the scene is seen (bool)."""
    t = torch.tensor(
        [(v.sub_lat, v.sub_lon, v.north_angle_deg, v.km_per_px) for v in views],
        dtype=torch.float32, device=device,
    )  # fmt: skip
    sign = torch.tensor([1.0 if h == "north" else -1.0 for h in hemis], device=device)
    col = lambda k: t[:, k, None, None]  # noqa: E731
    ax = torch.arange(size, dtype=torch.float32, device=device) - (size - 1) / 2.0
    xs, ys = ax.view(1, 1, -1), ax.view(1, -1, 1)
    a = torch.deg2rad(col(2))
    x0 = xs * torch.cos(a) + ys * torch.sin(a)
    y0 = -xs * torch.sin(a) + ys * torch.cos(a)
    scale = col(3) / p.polar_radius_km
    east, north = x0 * scale, -y0 * scale
    rho2 = east * east + north * north
    disk = rho2 < 1.0
    cosc = torch.sqrt((1.0 - rho2).clamp(min=0.0))
    phi0, lam0 = torch.deg2rad(col(0)), torch.deg2rad(col(1))
    sinlat = (cosc * torch.sin(phi0) + north * torch.cos(phi0)).clamp(-1.0, 1.0)
    lat = torch.rad2deg(torch.asin(sinlat))
    lon = torch.rad2deg(lam0 - torch.atan2(east, cosc * torch.cos(phi0) - north * torch.sin(phi0)))
    s = sign[:, None, None]
    colat = 90.0 - s * lat
    lam = torch.deg2rad(lon)
    seen = disk & (colat <= SCENE_REACH * p.max_colatitude)
    colat = torch.where(seen, colat, torch.zeros_like(colat))
    return -s * torch.sin(lam) * colat, torch.cos(lam) * colat, seen
