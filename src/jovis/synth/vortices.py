"""Vortex sampling in plane degrees: the cyclone polygon, corridor anticyclones, polar vortices,
white ovals and dark spots (sizes, latitudes and contrasts measured on the shared JunoCam products,
`jovis.realism.junocam_vortices`).

North: central cyclone + 8 from the PHYSICS.md §1 table, jittered, the whole polygon rotated.
South: the SPC is displaced toward SIII 219° ± 21° and the 5 CPCs keep their distance from it
(not from the pole); the largest gap is widened or narrowed, and sometimes a transient sixth
cyclone fills it. Winds follow the Grassi (2018) fit v(r) = v_max·x·exp((1 − x^b)/b), x = r/r_max.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from jovis.synth.params import SynthParams


def km_per_deg(p: SynthParams) -> float:
    return 2 * math.pi * p.polar_radius_km / 360.0


def _plane(lat, lon, sign):
    colat = 90.0 - sign * np.asarray(lat, dtype=float)
    lam = np.radians(lon)
    return -sign * np.sin(lam) * colat, np.cos(lam) * colat


def cyclones(rng: np.random.Generator, hemisphere: str, p: SynthParams) -> list[dict[str, Any]]:
    """The polygon: dicts with plane x, y, radius r (deg), winds and roles; central first."""
    north = hemisphere == "north"
    sign = 1.0 if north else -1.0
    table = np.array(p.north_cyclones if north else p.south_cyclones, dtype=float)
    rot = rng.uniform(*p.polygon_rotation_range)
    x, y = _plane(table[:, 0], table[:, 1] + rot, sign)
    if not north:  # SPC offset toward 219° ± 21°; CPCs keep their distance from the SPC
        sx, sy = _plane(rng.uniform(*p.spc_lat_range), rng.uniform(*p.spc_offset_lon), sign)
        x, y = x - x[0] + sx, y - y[0] + sy
    x = x + rng.normal(0, p.cyclone_jitter_deg, len(x))
    y = y + rng.normal(0, p.cyclone_jitter_deg, len(y))
    central, ring = (p.npc_diameter_km, p.north_cpc_diameter_km) if north else (
        p.spc_diameter_km, p.south_cpc_diameter_km)  # fmt: skip
    diam = [rng.uniform(*central)] + [rng.uniform(*ring) for _ in range(len(x) - 1)]
    roles = ["central"] + ["circumpolar"] * (len(x) - 1)
    if not north and len(x) > 2:
        x, y, diam, roles = _south_gap(rng, x, y, diam, roles, p)
    r = np.array(diam) / 2 / km_per_deg(p)
    d = np.hypot(x[:, None] - x[None], y[:, None] - y[None]) + np.eye(len(x)) * 1e9
    r = r * np.minimum(1.0, (d / (r[:, None] + r[None])).min(axis=1))  # touching, never overlapping
    vmax0, rmax0, dmid = (p.npc_vmax_ms, p.npc_rmax_km, np.mean(p.npc_diameter_km)) if north else (
        p.spc_vmax_ms, p.spc_rmax_km, np.mean(p.spc_diameter_km))  # fmt: skip
    ratio = rmax0 / (dmid / 2)  # r_max / radius of the central cyclone, used for every cyclone
    out = []
    for i in range(len(x)):
        vmax = vmax0 if i == 0 else rng.uniform(*p.cpc_vmax_ms)
        out.append(_vortex(rng, x[i], y[i], r[i], "cyclone", roles[i], north, vmax, ratio, p))
    return out


def _south_gap(rng, x, y, diam, roles, p: SynthParams):
    """Widen/narrow the largest gap of the pentagon; sometimes fill it with a sixth cyclone."""
    ang = np.arctan2(y[1:] - y[0], x[1:] - x[0])
    order = np.argsort(ang)
    a = ang[order]
    gaps = np.diff(np.concatenate([a, a[:1] + 2 * np.pi]))
    g = int(np.argmax(gaps))
    i1, i2 = order[g] + 1, order[(g + 1) % len(order)] + 1
    extra = np.radians(rng.uniform(*p.south_gap_extra_deg)) / 2
    for i, turn in ((i1, -extra), (i2, extra)):
        dx, dy = x[i] - x[0], y[i] - y[0]
        c, s = np.cos(turn), np.sin(turn)
        x[i], y[i] = x[0] + c * dx - s * dy, y[0] + s * dx + c * dy
    if rng.uniform() < p.sixth_cyclone_prob:
        mid = a[g] + gaps[g] / 2
        dist = np.mean(np.hypot(x[1:] - x[0], y[1:] - y[0]))
        x = np.append(x, x[0] + dist * np.cos(mid))
        y = np.append(y, y[0] + dist * np.sin(mid))
        diam = [*diam, rng.uniform(*p.sixth_cyclone_diameter_km)]
        roles = [*roles, "circumpolar"]
    return x, y, diam, roles


def _vortex(rng, x, y, r, kind, role, north, vmax, ratio, p: SynthParams) -> dict[str, Any]:
    cyclonic = "counterclockwise" if north else "clockwise"
    anti = "clockwise" if north else "counterclockwise"
    rotation = cyclonic if kind == "cyclone" else anti
    return {
        "x": float(x), "y": float(y), "r": float(r), "kind": kind, "role": role,
        "rotation": rotation, "radius_km": float(r * km_per_deg(p)),
        "vmax": float(vmax), "rmax": float(max(ratio * r, 1e-3)),
        "b": float(rng.uniform(*p.grassi_b)),
        "arms": int(rng.integers(int(p.spiral_arms[0]), int(p.spiral_arms[1]) + 1)),
        "arm_phase": float(rng.uniform(0, 2 * np.pi)),
        "contrast": float(rng.uniform(*p.vortex_contrast)),
        "core": float(rng.choice((-1.0, 1.0)) * rng.uniform(0.1, 0.3)),
    }  # fmt: skip


def _populations(p: SynthParams) -> list[tuple]:
    """(role, kind, count, colatitude range, diameter km, core range or None) per population."""
    corridor = (90.0 - p.anticyclone_lat_range[1], 90.0 - p.anticyclone_lat_range[0])
    return [
        ("small", "anticyclone", p.anticyclone_count, corridor, p.anticyclone_diameter_km, None),
        ("polar_vortex", "either", p.polar_vortex_count, p.polar_vortex_colat_range,
         p.polar_vortex_diameter_km, None),
        ("white_oval", "anticyclone", p.white_oval_count, p.white_oval_colat_range,
         p.white_oval_diameter_km, p.white_oval_core),
        ("dark_spot", "cyclone", p.dark_spot_count, p.dark_spot_colat_range,
         p.dark_spot_diameter_km, p.dark_spot_core),
    ]  # fmt: skip


def small_vortices(rng, hemisphere, p: SynthParams, taken, oval_xy, oval_fwhm, visible,
                   reach: float | None = None):  # fmt: skip
    """Anticyclones in the 85.5–87° corridor, polar vortices among the cyclones, white ovals
    (in a chain at one colatitude with ``white_oval_chain_prob``) and dark spots, clear of the
    cyclones, of the oval ribbon and of the frame edge (`reach`, default ``max_colatitude``: the
    polar grid's edge; perspective views pass 90); `visible(x, y, r)` says a disk is seen."""
    north = hemisphere == "north"
    ox, oy = oval_xy
    kpd = km_per_deg(p)
    reach = p.max_colatitude if reach is None else reach
    out: list[dict[str, Any]] = []
    # centres and radii of the vortices placed so far, as arrays: a scene tries ~2,000 candidates
    near = {k: np.array([v[k] for v in taken], dtype=np.float64) for k in ("x", "y", "r")}
    for role, kind, count, colat, diam, core in _populations(p):
        want = int(rng.integers(int(count[0]), int(count[1]) + 1))
        chain = role == "white_oval" and rng.uniform() < p.white_oval_chain_prob
        c_chain = rng.uniform(*colat)
        placed = 0
        for _ in range(30 * want):
            if placed == want:
                break
            c = np.sqrt(rng.uniform(colat[0] ** 2, colat[1] ** 2))  # uniform in area
            c = c_chain + rng.uniform(-1.5, 1.5) if chain else c
            ang = rng.uniform(0, 2 * np.pi)
            vx, vy = c * np.cos(ang), c * np.sin(ang)
            vr = rng.uniform(*diam) / 2 / kpd
            # a candidate's draws are all above, so its tests stop at the first that fails
            clear = bool(np.all(np.hypot(vx - near["x"], vy - near["y"]) > vr + near["r"] + 0.2))
            clear = clear and np.hypot(ox - vx, oy - vy).min() > vr + oval_fwhm + 0.3
            edge = max(abs(vx), abs(vy)) if reach == p.max_colatitude else np.hypot(vx, vy)
            clear = clear and edge + vr < reach and visible(vx, vy, vr)
            if clear:
                k = kind if kind != "either" else ("cyclone", "anticyclone")[int(rng.integers(2))]
                vmax = rng.uniform(*p.cpc_vmax_ms) * 0.5
                v = _vortex(rng, vx, vy, vr, k, role, north, vmax, 0.5, p)
                if core is not None:  # ovals and spots: a bright or dark core, faint arms
                    v["core"] = float(rng.uniform(*core))
                    v["contrast"] *= 0.3
                out.append(v)
                near = {key: np.append(near[key], v[key]) for key in near}
                placed += 1
    return out
