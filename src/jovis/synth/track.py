"""One scene seen again minutes later from a spacecraft moving along its track.

The JunoCam products of one pass (PJ44 44C00034-37, 3.5-6 min apart) differ less by noise than
by viewpoint: between consecutive products the views move the sub-spacecraft point 4-6° in
latitude and 7-11° in longitude and the distance by 5-9 % (the north angles once fitted 1-4°
apart are all 0-0.25° through the corrected view, `jovis.geometry.junocam_view`; the step keeps
±4° as a rotation), and each product is zoomed so that its disk fills the frame. `TrackStep`
draws such a move per frame (uniform in ± each bound, so closer pairs are drawn too);
`moved_view` applies it to a `PerspView`; `carry_grid` gives, for every pixel of the moved view,
where its latitude and longitude fall in the first view (a `grid_sample` grid) and whether both
views see it; `render_moved` renders the perspective frames of a batch again from their moved
views (same scenes, same planet-fixed texture, the limb and the composite's stretch of the new
view).
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, replace

import numpy as np
import torch
import torch.nn.functional as F

from jovis.synth.params import SynthParams
from jovis.synth.renderer import SynthBatch, render_scenes
from jovis.synth.scene import plane_to_latlon
from jovis.synth.view import PerspView, plane_coords


@dataclass(frozen=True)
class TrackStep:
    """Bounds of a move between two exposures: each drawn uniform in [−bound, bound] per frame."""

    sub_lat_deg: float = 6.0
    sub_lon_deg: float = 12.0
    distance: float = 0.1  # relative change of the altitude
    north_angle_deg: float = 4.0


def moved_view(view: PerspView, seed: int, step: TrackStep, radius_km: float) -> PerspView:
    """`view` after one drawn move of `step` (a function of `seed` only). The sub-spacecraft point
    stays on the view's hemisphere (a move past the pole goes the other way) and the frame keeps
    the share of the disk it showed, as a product zoomed to the frame does."""
    g = np.random.default_rng([int(seed), 0x7AC])
    d_lat, d_lon, d_alt, d_north = g.uniform(-1.0, 1.0, 4)
    sign = 1.0 if view.sub_lat >= 0 else -1.0
    lat = abs(view.sub_lat) + d_lat * step.sub_lat_deg
    if lat > 90.0:
        lat = abs(view.sub_lat) - d_lat * step.sub_lat_deg
    altitude = view.altitude_km * (1.0 + d_alt * step.distance)
    rad = view.rad_per_px * _disk_tan(altitude, radius_km) / _disk_tan(view.altitude_km, radius_km)
    return replace(
        view,
        sub_lat=sign * lat,
        sub_lon=(view.sub_lon + d_lon * step.sub_lon_deg) % 360.0,
        altitude_km=altitude,
        north_angle_deg=(view.north_angle_deg + d_north * step.north_angle_deg) % 360.0,
        rad_per_px=rad,
        offset_x=view.offset_x * view.rad_per_px / rad,
        offset_y=view.offset_y * view.rad_per_px / rad,
    )


def _disk_tan(altitude_km: float, radius_km: float) -> float:
    """tan of the disk's angular radius seen from `altitude_km`."""
    return math.tan(math.asin(1.0 / (1.0 + altitude_km / radius_km)))


def carry_grid(
    first: list[PerspView], moved: list[PerspView], hemis: list[str], size: int, p: SynthParams
) -> tuple[torch.Tensor, torch.Tensor]:
    """(grid (B,H,W,2), seen (B,H,W)): for each pixel of the moved views, its point's position in
    the first view as `torch.nn.functional.grid_sample` coordinates (align_corners False), and
    whether both views see that point inside their frames (on the CPU)."""
    x, y, seen = plane_coords(moved, hemis, size, p, "cpu")
    x, y = x.double().numpy(), y.double().numpy()
    grids, both = [], []
    for i, (a, h) in enumerate(zip(first, hemis, strict=True)):
        lat, lon = plane_to_latlon(x[i], y[i], h)
        px, py = a.pixel(lat, lon, size, p.polar_radius_km)
        inside = (px >= 0) & (px <= size - 1) & (py >= 0) & (py <= size - 1)
        both.append(seen[i].numpy() & a.visible(lat, lon, p.polar_radius_km) & inside)
        grids.append(np.stack([(2 * px + 1) / size - 1, (2 * py + 1) / size - 1], -1))
    grid = torch.from_numpy(np.stack(grids)).float()
    return grid, torch.from_numpy(np.stack(both))


@dataclass
class MovedFrames:
    """`render_moved`'s frames, on the device they were rendered on."""

    image: torch.Tensor  # (R,C,H,W)
    mask: torch.Tensor  # (R,H,W) their labels
    valid: torch.Tensor  # (R,H,W)
    grid: torch.Tensor  # (R,H,W,2): each pixel's position in its first view (grid_sample units)
    seen: torch.Tensor  # (R,H,W): the point is inside both frames and faces both cameras
    common: torch.Tensor  # (R,H,W): seen, and valid data in both frames (what may be compared)


def render_moved(
    frames: SynthBatch, rows: list[int], step: TrackStep, p: SynthParams, device: torch.device
) -> MovedFrames:
    """The frames `rows` of `frames` (perspective views) rendered again from moved views. The
    noise and texture keys are the frames' own seeds: the texture is fixed to the planet, so it
    moves with the view."""
    seeds = [frames.seeds[i] for i in rows]
    hemis = [frames.hemispheres[i] for i in rows]
    first = [frames.views[i] for i in rows]
    moved = [moved_view(v, s, step, p.polar_radius_km) for v, s in zip(first, seeds, strict=True)]
    scenes = []
    for i, v in zip(rows, moved, strict=True):
        scene = copy.copy(frames.scenes[i])
        scene["observer"] = (v.sub_lat, v.sub_lon)  # the limb as the moved spacecraft sees it
        scenes.append(scene)
    image, mask, valid, _ = render_scenes(
        scenes, seeds, hemis, frames.size, frames.channels, p, views=moved, device=device
    )
    grid, seen = carry_grid(first, moved, hemis, frames.size, p)
    grid, seen = grid.to(device), seen.to(device)
    # every bilinear sample of the first view valid, as the second view of `consistency` asks
    first_valid = frames.valid[rows][:, None].float()
    carried = F.grid_sample(first_valid, grid, "bilinear", "zeros", align_corners=False)[:, 0]
    common = seen & valid & (carried > 1 - 1e-4)
    return MovedFrames(image, mask, valid, grid, seen, common)
