"""Scene sampling and exact labels: polar grid, cyclone polygon, small vortices, oval, limb cut.

Everything is sampled in degrees on the projection plane (so a seed gives the same scene at every
size) and converted to pixels with the grid. Pixel (x=col, y=row) centres sit at integer
coordinates; the pole is the frame centre.

Grid convention (a `PolarGrid`: ``Frame.grid``, its plain form in ``meta["grid"]``): azimuthal
equidistant, colatitude = distance from the pole pixel / ``px_per_deg``; the image is the view
from above the pole, row 0 at the top; System III (1965) west longitude 0° points along +row
(down) and increases clockwise on screen in the north, counter-clockwise in the south.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from jovis.geometry import PolarGrid
from jovis.synth.params import SynthParams

N_CURVE = 720  # analytic-curve samples for distance checks
N_POLYLINE = 180  # points in the stored oval polyline


def make_grid(size: int, hemisphere: str, max_colatitude: float) -> PolarGrid:
    """Azimuthal equidistant, pole at the centre, SIII 0° toward +row (down); longitude grows
    clockwise on screen in the north and counter-clockwise in the south (view from above)."""
    c = (size - 1) / 2.0
    north = hemisphere == "north"
    return PolarGrid(
        hemisphere,
        c,
        c,
        px_per_deg=(size / 2.0) / max_colatitude,
        lon_at_x=270.0 if north else 90.0,
        lon_sense="clockwise" if north else "counterclockwise",
        projection="equidistant",
        approximate=False,
        source="synthetic",
    )


def _sign(grid: PolarGrid) -> float:
    return 1.0 if grid.hemisphere == "north" else -1.0


def latlon_to_plane(lat, lon, grid):
    """(lat, lon) in degrees → plane offsets from the pole in degrees (dx right, dy down)."""
    s = _sign(grid)
    colat = 90.0 - s * np.asarray(lat, dtype=float)
    lam = np.radians(lon)
    return -s * np.sin(lam) * colat, np.cos(lam) * colat


def plane_to_latlon(dx, dy, grid):
    s = _sign(grid)
    colat = np.hypot(dx, dy)
    lon = np.degrees(np.arctan2(-s * np.asarray(dx), dy)) % 360.0
    return s * (90.0 - colat), lon


@dataclass
class Oval:
    """Centreline r(φ) = r0·(1 + Σ aₙ cos(nφ + pₙ)), n = 2, 3, about centre (cx, cy); degrees."""

    cx: float
    cy: float
    r0: float
    amps: np.ndarray
    phases: np.ndarray
    fwhm: float
    bright_amps: np.ndarray
    bright_phases: np.ndarray

    def radius(self, phi, deriv: int = 0):
        out = self.r0 if deriv == 0 else 0.0
        for n, a, p in zip((2, 3), self.amps, self.phases, strict=True):
            d = (np.cos, lambda t: -np.sin(t), lambda t: -np.cos(t))[deriv]
            out = out + self.r0 * a * n**deriv * d(n * phi + p)
        return out

    def points(self, phi):
        r = self.radius(phi)
        return self.cx + r * np.cos(phi), self.cy + r * np.sin(phi)

    def brightness(self, phi):
        b = 1.0
        for n, (a, p) in enumerate(zip(self.bright_amps, self.bright_phases, strict=True), 1):
            b = b + a * np.cos(n * phi + p)
        return np.clip(b, 0.15, None)

    def distance(self, x, y, iters: int = 4):
        """Exact distance from points (x, y) to the centreline and the curve angle of the foot."""
        phi = np.arctan2(y - self.cy, x - self.cx)
        for _ in range(iters):  # Newton on f(φ) = (P(φ) − p)·P'(φ) = 0
            r, r1, r2 = self.radius(phi), self.radius(phi, 1), self.radius(phi, 2)
            c, s = np.cos(phi), np.sin(phi)
            ex, ey = self.cx + r * c - x, self.cy + r * s - y
            px, py = r1 * c - r * s, r1 * s + r * c
            qx, qy = (r2 - r) * c - 2 * r1 * s, (r2 - r) * s + 2 * r1 * c
            f, df = ex * px + ey * py, px * px + py * py + ex * qx + ey * qy
            phi = phi - np.clip(f / np.maximum(df, 1e-6), -0.3, 0.3)
        cx, cy = self.points(phi)
        return np.hypot(cx - x, cy - y), phi


def _u(rng, rng_pair):
    return float(rng.uniform(*rng_pair))


def sample_oval(rng, p: SynthParams) -> Oval:
    ang = rng.uniform(0, 2 * np.pi)
    off = _u(rng, p.oval_offset_range)
    var = p.oval_brightness_var
    return Oval(
        cx=off * np.cos(ang),
        cy=off * np.sin(ang),
        r0=_u(rng, p.oval_colat_range),
        amps=rng.uniform(0, p.oval_harmonic_amp, 2),
        phases=rng.uniform(0, 2 * np.pi, 2),
        fwhm=_u(rng, p.oval_fwhm_range),
        bright_amps=rng.uniform(0, var / 2, 3),
        bright_phases=rng.uniform(0, 2 * np.pi, 3),
    )


def sample_scene(rng, grid: PolarGrid, p: SynthParams) -> dict[str, Any]:
    """Draw cyclones, the oval (clear of the cyclones), the limb cut and the small vortices."""
    north = grid.hemisphere == "north"
    table = np.array(p.north_cyclones if north else p.south_cyclones, dtype=float)
    rot = _u(rng, p.polygon_rotation_range)
    x, y = latlon_to_plane(table[:, 0], table[:, 1] + rot, grid)
    x = x + rng.normal(0, p.cyclone_jitter_deg, len(x))
    y = y + rng.normal(0, p.cyclone_jitter_deg, len(y))
    km_per_deg = 2 * np.pi * p.polar_radius_km / 360.0
    central, ring = (p.npc_diameter_km, p.north_cpc_diameter_km) if north else (
        p.spc_diameter_km, p.south_cpc_diameter_km)  # fmt: skip
    diam = np.array([_u(rng, central)] + [_u(rng, ring) for _ in range(len(x) - 1)])
    r = diam / 2 / km_per_deg
    d = np.hypot(x[:, None] - x[None], y[:, None] - y[None]) + np.eye(len(x)) * 1e9
    r = r * np.minimum(1.0, (d / (r[:, None] + r[None])).min(axis=1))  # touching, never overlapping
    cyclonic = "counterclockwise" if north else "clockwise"
    vort = [dict(x=x[i], y=y[i], r=r[i], kind="cyclone", rotation=cyclonic,
                 role="central" if i == 0 else "circumpolar") for i in range(len(x))]  # fmt: skip

    tcurve = np.linspace(0, 2 * np.pi, N_CURVE, endpoint=False)
    for _ in range(20):  # keep the ribbon clear of the cyclone disks
        oval = sample_oval(rng, p)
        ox, oy = oval.points(tcurve)
        gap = np.hypot(ox[:, None] - x, oy[:, None] - y).min(axis=0) - r
        if gap.min() > oval.fwhm:
            break

    limb = None
    if rng.uniform() < p.limb_prob:
        ang = rng.uniform(0, 2 * np.pi)
        limb = (np.cos(ang), np.sin(ang), _u(rng, p.limb_offset_range) * p.max_colatitude)

    anti = "clockwise" if north else "counterclockwise"
    want = int(rng.integers(p.small_vortex_count[0], p.small_vortex_count[1] + 1))
    placed = 0
    for _ in range(30 * want):
        if placed == want:
            break
        lo, hi = p.small_vortex_colat_range
        colat = np.sqrt(rng.uniform(lo**2, hi**2))  # uniform in area
        ang = rng.uniform(0, 2 * np.pi)
        vx, vy, vr = colat * np.cos(ang), colat * np.sin(ang), _u(rng, p.small_vortex_diameter_km)
        vr = vr / 2 / km_per_deg
        clear = all(np.hypot(vx - v["x"], vy - v["y"]) > vr + v["r"] + 0.2 for v in vort)
        clear &= np.hypot(ox - vx, oy - vy).min() > vr + oval.fwhm / 2 + 0.3
        clear &= max(abs(vx), abs(vy)) + vr < p.max_colatitude
        clear &= limb is None or vx * limb[0] + vy * limb[1] < limb[2] - vr
        if clear:
            vort.append(dict(x=vx, y=vy, r=vr, kind="anticyclone", rotation=anti, role="small"))
            placed += 1
    for v in vort:
        v["radius_km"] = v["r"] * km_per_deg
    return {"vortices": vort, "oval": oval, "limb": limb}


def pixel_plane(size: int, grid: PolarGrid):
    """Plane coordinates (degrees from the pole) of every pixel centre, float32 (1×W, H×1)."""
    c, dpp = grid.pole_x, 1.0 / grid.px_per_deg
    ax = ((np.arange(size, dtype=np.float32) - c) * dpp).astype(np.float32)
    return ax[None, :], ax[:, None]


def label_mask(scene, size, grid, oval_dist, valid) -> np.ndarray:
    """Class ids: 1 within FWHM/2 of the oval centreline, 2 in vortex disks (wins), 255 off-disk."""
    mask = np.where(oval_dist <= scene["oval"].fwhm / 2, 1, 0).astype(np.uint8)
    dpp, c = 1.0 / grid.px_per_deg, grid.pole_x
    for v in scene["vortices"]:
        cx, cy, rp = v["x"] / dpp + c, v["y"] / dpp + c, v["r"] / dpp
        x0, x1 = max(int(np.floor(cx - rp)), 0), min(int(np.ceil(cx + rp)) + 1, size)
        y0, y1 = max(int(np.floor(cy - rp)), 0), min(int(np.ceil(cy + rp)) + 1, size)
        if x0 < x1 and y0 < y1:
            xs, ys = np.arange(x0, x1) - cx, np.arange(y0, y1)[:, None] - cy
            mask[y0:y1, x0:x1][np.hypot(xs, ys) <= rp] = 2
        ix, iy = round(cx), round(cy)
        if 0 <= ix < size and 0 <= iy < size:
            mask[iy, ix] = 2  # the pixel holding the centre, even for sub-pixel vortices
    mask[~valid] = 255
    return mask


def features(scene, size, grid, frame_id) -> dict[str, Any]:
    """Plain-data truth: vortex instances and the oval polyline, in pixels and lat/lon."""
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
        })  # fmt: skip
    oval = scene["oval"]
    ox, oy = oval.points(np.linspace(0, 2 * np.pi, N_POLYLINE, endpoint=False))
    lat, lon = plane_to_latlon(ox, oy, grid)
    return {
        "id": frame_id,
        "hemisphere": grid.hemisphere,
        "size": size,
        "grid": grid.to_dict(),
        "vortices": vortices,
        "oval": {
            "polyline_px": np.round(np.stack([ox / dpp + c, oy / dpp + c], 1), 4).tolist(),
            "polyline_latlon": np.round(np.stack([lat, lon], 1), 4).tolist(),
            "fwhm_deg": round(float(oval.fwhm), 4),
            "width_px": round(float(oval.fwhm / dpp), 4),
        },
        "limb_cut": scene["limb"] is not None,
    }
