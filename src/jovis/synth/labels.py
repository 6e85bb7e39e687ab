"""Exact labels of a rendered batch (class masks on the device) and each frame's features JSON
(plain data, computed on the CPU from the sampled scene).

Default schema: 0 background, 1 aurora (within half the local FWHM of the main-oval centreline),
2 vortex (every vortex disk; wins over aurora), 255 no data. ``label_schema: fine`` adds
3 anticyclone (instead of 2 for anticyclones), 4 polar emission (inside the oval), 5 satellite
footprint (within half the spot's FWHM).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from jovis.geometry import PolarGrid
from jovis.synth import oval as ov
from jovis.synth.scene import plane_to_latlon

N_POLYLINE = 180  # points in the stored oval polyline
FINE_CLASSES = ("background", "aurora", "vortex", "anticyclone", "polar_emission", "footprint")


def class_mask(
    layers: dict[str, torch.Tensor], valid: torch.Tensor, schema: str, vortex_gap_px: int = 0
) -> torch.Tensor:
    """(B, H, W) uint8 class ids. With `vortex_gap_px` g > 0 the pixels of a vortex disk within g
    px of another vortex's disk keep the class they would have without vortices (`vortex_gap`)."""
    if vortex_gap_px > 0:
        gap = vortex_gap(layers["vortex_owner"], layers["vortex_mask"], vortex_gap_px)
        layers = {**layers, "vortex_mask": layers["vortex_mask"] & ~gap,
                  "anticyclone_mask": layers["anticyclone_mask"] & ~gap}  # fmt: skip
    mask = torch.zeros_like(valid, dtype=torch.uint8)
    if schema == "fine":
        mask[layers["polar_mask"]] = 4
    mask[layers["aurora_mask"]] = 1
    if schema == "fine":
        mask[layers["footprint_mask"]] = 5
    mask[layers["vortex_mask"]] = 2
    if schema == "fine":
        mask[layers["anticyclone_mask"]] = 3
    mask[~valid] = 255
    return mask


def vortex_gap(owner: torch.Tensor, inside: torch.Tensor, px: int) -> torch.Tensor:
    """(B, H, W) bool: pixels of a vortex disk (`inside`) within `px` px (Chebyshev) of a pixel
    of another vortex's disk (`owner`: each pixel's vortex slot).

    Touching vortices labelled as one blob teach a network to paint them as one, and an
    instance taken from such a blob matches neither. Cutting both sides leaves a lane 2·px
    wide between them, as U-Net's separation borders (Ronneberger et al. 2015)."""
    h, w = owner.shape[1:]
    own = torch.nn.functional.pad(owner.float(), (px, px, px, px), value=-1.0)
    ins = torch.nn.functional.pad(inside, (px, px, px, px), value=False)
    near_other = torch.zeros_like(inside)
    for dy in range(2 * px + 1):
        for dx in range(2 * px + 1):
            o, i = own[:, dy : dy + h, dx : dx + w], ins[:, dy : dy + h, dx : dx + w]
            near_other |= i & (o != owner)
    return near_other & inside


def features(scene: dict[str, Any], size: int, grid: PolarGrid, frame_id: str) -> dict[str, Any]:
    """Plain-data truth: vortex instances, the oval polyline with its width, the footprints."""
    dpp, c = 1.0 / grid.px_per_deg, grid.pole_x
    vortices = []
    for i, v in enumerate(scene["vortices"]):
        lat, lon = plane_to_latlon(v["x"], v["y"], grid)
        vortices.append({
            "id": i, "kind": v["kind"], "role": v["role"],
            "x": round(float(v["x"] / dpp + c), 4), "y": round(float(v["y"] / dpp + c), 4),
            "radius_px": round(float(v["r"] / dpp), 4),
            "lat": round(float(lat), 4), "lon": round(float(lon), 4),
            "radius_km": round(float(v["radius_km"]), 1), "rotation": v["rotation"],
            "vmax_ms": round(float(v["vmax"]), 2),
            "rmax_km": round(float(v["rmax"] * v["radius_km"] / max(v["r"], 1e-9)), 1),
        })  # fmt: skip
    ox, oy, fw = (a[0] for a in ov.polyline(np.asarray(scene["oval"])[None], N_POLYLINE))
    lat, lon = plane_to_latlon(ox, oy, grid)
    feet = []
    for f in scene["footprints"]:
        x, y = grid.pixel(f["lat"], f["lon"])
        feet.append({
            "moon": f["moon"], "tail": f["tail"], "lat": round(f["lat"], 4),
            "lon": round(f["lon"], 4), "x": round(float(x), 4), "y": round(float(y), 4),
            "moon_lon": round(f["moon_lon"], 4), "fwhm_deg": round(f["fwhm"], 4),
        })  # fmt: skip
    return {
        "id": frame_id,
        "hemisphere": grid.hemisphere,
        "size": size,
        "grid": grid.to_dict(),
        "vortices": vortices,
        "oval": {
            "polyline_px": np.round(np.stack([ox / dpp + c, oy / dpp + c], 1), 4).tolist(),
            "polyline_latlon": np.round(np.stack([lat, lon], 1), 4).tolist(),
            "fwhm_deg": round(float(scene["oval"][ov.IDX["fwhm"]]), 4),
            "width_px": round(float(fw.max() / dpp), 4),
            "width_deg_along": np.round(fw, 4).tolist(),
            "width_px_along": np.round(fw / dpp, 4).tolist(),
            "dawn_storm": scene["dawn_storm"],
        },
        "footprints": feet,
        "limb_cut": scene["limb_cut"],
        "observer": {"lat": round(scene["observer"][0], 4), "lon": round(scene["observer"][1], 4)},
        "sun": {"lat": round(scene["sun"][0], 4), "lon": round(scene["sun"][1], 4)},
    }


def view_features(scene: dict[str, Any], size: int, view, radius_km: float, frame_id: str):
    """`features` of a perspective frame: pixels through the view (radii at the nadir scale)."""
    hemisphere = scene["hemisphere"]
    vortices = []
    for i, v in enumerate(scene["vortices"]):
        lat, lon = plane_to_latlon(v["x"], v["y"], hemisphere)
        x, y = view.pixel(lat, lon, size, radius_km)
        vortices.append({
            "id": i, "kind": v["kind"], "role": v["role"],
            "x": round(float(x), 4), "y": round(float(y), 4),
            "radius_px": round(float(v["radius_km"] / view.km_per_px), 4),
            "lat": round(float(lat), 4), "lon": round(float(lon), 4),
            "radius_km": round(float(v["radius_km"]), 1), "rotation": v["rotation"],
        })  # fmt: skip
    ox, oy, fw = (a[0] for a in ov.polyline(np.asarray(scene["oval"])[None], N_POLYLINE))
    lat, lon = plane_to_latlon(ox, oy, hemisphere)
    px, py = view.pixel(lat, lon, size, radius_km)
    km_per_deg = radius_km * np.pi / 180.0
    return {
        "id": frame_id,
        "hemisphere": hemisphere,
        "size": size,
        "grid": None,
        "view": view.to_dict() | {"radius_km": radius_km},
        "vortices": vortices,
        "oval": {
            "polyline_px": np.round(np.stack([px, py], 1), 4).tolist(),
            "polyline_latlon": np.round(np.stack([lat, lon], 1), 4).tolist(),
            "fwhm_deg": round(float(scene["oval"][ov.IDX["fwhm"]]), 4),
            "width_px": round(float(fw.max() * km_per_deg / view.km_per_px), 4),
            "width_deg_along": np.round(fw, 4).tolist(),
            "dawn_storm": scene["dawn_storm"],
        },
        "footprints": [
            {k: f[k] for k in ("moon", "tail", "lat", "lon", "moon_lon")}
            for f in scene["footprints"]
        ],
        "limb_cut": scene["limb_cut"],
        "observer": {"lat": round(scene["observer"][0], 4), "lon": round(scene["observer"][1], 4)},
        "sun": {"lat": round(scene["sun"][0], 4), "lon": round(scene["sun"][1], 4)},
    }
