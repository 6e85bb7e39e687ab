"""Scene sampling: one frame's physical parameters, drawn on the CPU from its seed.

Everything is sampled in degrees on the projection plane (so a seed gives the same scene at every
size) and converted to pixels with the grid. Pixel (x=col, y=row) centres sit at integer
coordinates; the pole is the frame centre.

Grid convention (a `PolarGrid`: ``Frame.grid``, its plain form in ``meta["grid"]``): azimuthal
equidistant, colatitude = distance from the pole pixel / ``px_per_deg``; the image is the view
from above the pole, row 0 at the top; System III (1965) west longitude 0° points along +row
(down) and increases clockwise on screen in the north, counter-clockwise in the south.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from jovis.geometry import PolarGrid
from jovis.synth import oval as ov
from jovis.synth.footprints import sample_footprints
from jovis.synth.params import SynthParams
from jovis.synth.vortices import cyclones, small_vortices

N_CURVE = 720  # analytic-curve samples for clearance checks


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


def _sign(grid_or_hemisphere) -> float:
    h = grid_or_hemisphere if isinstance(grid_or_hemisphere, str) else grid_or_hemisphere.hemisphere
    return 1.0 if h == "north" else -1.0


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


def plane_angle(lon: float, hemisphere: str) -> float:
    """Screen angle atan2(dy, dx) of the direction from the pole toward SIII longitude `lon`."""
    x, y = latlon_to_plane(80.0, lon, hemisphere)
    return float(np.arctan2(y, x))


def observer_mu(x, y, hemisphere, sub_lat, sub_lon):
    """Cosine of the emission angle toward an observer above (sub_lat, sub_lon); plane points."""
    lat, lon = plane_to_latlon(x, y, hemisphere)
    phi, d = np.radians(lat), np.radians(sub_lat)
    return np.sin(phi) * np.sin(d) + np.cos(phi) * np.cos(d) * np.cos(np.radians(lon - sub_lon))


def sample_oval_params(rng, hemisphere: str, sun_lon: float, p: SynthParams) -> np.ndarray:
    """The packed oval parameters (len(oval.COLS),) of one frame."""
    north = hemisphere == "north"
    e_lon = rng.uniform(*(p.oval_excursion_lon_north if north else p.oval_excursion_lon_south))
    q_lon = rng.uniform(*(p.oval_poleward_lon_north if north else p.oval_poleward_lon_south))
    e_phi = plane_angle(e_lon, hemisphere)
    off_dir = e_phi + rng.normal(0, 0.5)  # the kidney is shifted toward its excursion
    off = rng.uniform(*p.oval_offset_range)
    var = p.oval_brightness_var
    storm = rng.uniform() < p.dawn_storm_prob
    vals = {
        "cx": off * np.cos(off_dir), "cy": off * np.sin(off_dir),
        "r0": rng.uniform(*p.oval_colat_range),
        "a2": rng.uniform(0, p.oval_harmonic_amp), "p2": rng.uniform(0, 2 * np.pi),
        "a3": rng.uniform(0, p.oval_harmonic_amp), "p3": rng.uniform(0, 2 * np.pi),
        "e_amp": rng.uniform(*p.oval_excursion_amp), "e_phi": e_phi,
        "e_w": np.radians(rng.uniform(*p.oval_excursion_width_deg)),
        "q_amp": -rng.uniform(*p.oval_poleward_amp), "q_phi": plane_angle(q_lon, hemisphere),
        "q_w": np.radians(20.0),
        "k_amp": -rng.uniform(*p.oval_kink_amp) if north else 0.0,
        "k_phi": plane_angle(rng.uniform(*p.oval_kink_lon_north), hemisphere),
        "k_w": np.radians(rng.uniform(*p.oval_kink_width_deg)),
        "fwhm": rng.uniform(*p.oval_fwhm_range),
        "w_amp": rng.uniform(0, p.oval_width_var), "w_phase": rng.uniform(0, 2 * np.pi),
        "dawn_phi": plane_angle(sun_lon + 90.0, hemisphere),  # local time 6 h
        "dawn_gain": rng.uniform(*(p.dawn_storm_gain if storm else p.dawn_arc_gain)),
        "dawn_w": 0.6,  # ~35° of arc; shape choice (not found)
        "dawn_broad": rng.uniform(*p.dawn_storm_broadening) if storm else 1.0,
        "fade_phi": 0.0, "fade_depth": 0.0, "fade_w": 1.0,  # set by `_fade` from its own stream
    }  # fmt: skip
    for n in (1, 2, 3):
        vals[f"b{n}"] = rng.uniform(0, var / 2)
        vals[f"q{n}"] = rng.uniform(0, 2 * np.pi)
    return np.array([vals[c] for c in ov.COLS], dtype=np.float64), storm


def _fade(oval_params: np.ndarray, seed: int, sun_lon: float, hemisphere: str, p: SynthParams):
    """The oval's faint sector (about local time ``uv_arc_fade_local_time_h``, towards dusk: the
    HST frames' dusk-side arcs sit near the noise where they run into the limb), from a stream of
    its own so the other draws of the scene do not move. `oval_params` gets the far-UV depth;
    returns the depth per channel that draws the oval (``{"uv": …, "L": …}``; `fade_params`)."""
    g = np.random.default_rng([int(seed), 13])
    i = ov.IDX
    oval_params[i["fade_phi"]] = plane_angle(
        sun_lon - 15.0 * (p.uv_arc_fade_local_time_h - 12.0), hemisphere
    ) + g.normal(0, 0.4)
    oval_params[i["fade_depth"]] = g.uniform(*p.uv_arc_fade_depth)
    oval_params[i["fade_w"]] = math.radians(g.uniform(*p.uv_arc_fade_width_deg))
    # drawn last, so the far-UV draws above stay as they were
    depth_l = g.uniform(*p.jiram_l_arc_fade_depth)
    return {"uv": float(oval_params[i["fade_depth"]]), "L": float(depth_l)}


FADE_CHANNELS = ("uv", "L")  # the channels that draw the oval, each with its faint-sector depth


def fade_params(scene: dict[str, Any], channel: str) -> np.ndarray:
    """The scene's packed oval parameters with the faint-sector depth of `channel` (one of
    `FADE_CHANNELS`; far-UV frames: ``scene["oval"]`` itself)."""
    if channel not in FADE_CHANNELS:
        raise ValueError(f"no faint-sector depth for channel {channel!r}; use {FADE_CHANNELS}")
    params = np.array(scene["oval"], dtype=np.float64)
    params[ov.IDX["fade_depth"]] = scene["fade_depth"][channel]
    return params


def sample_scene(seed: int, hemisphere: str, p: SynthParams,
                 reach: float | None = None) -> dict[str, Any]:  # fmt: skip
    """All per-frame physical parameters of one frame (plain Python/numpy, CPU); small vortices
    lie within `reach` degrees of the pole (default: the polar grid's edge)."""
    rng = np.random.default_rng([int(seed), 7])
    sun_lon = rng.uniform(0, 360.0)
    sun = (rng.uniform(*p.subsolar_lat_range), sun_lon)
    limb = rng.uniform() < p.limb_prob
    s = _sign(hemisphere)
    obs_lat = s * rng.uniform(*(p.limb_observer_lat_range if limb else p.observer_lat_range))
    observer = (float(obs_lat), float(rng.uniform(0, 360.0)))
    cut = math.cos(math.radians(p.limb_emission_cut_deg))

    def visible(x, y, r):
        ring = np.linspace(0, 2 * np.pi, 16, endpoint=False)
        xs, ys = x + r * np.cos(ring), y + r * np.sin(ring)
        return bool((observer_mu(xs, ys, hemisphere, *observer) > cut).all())

    vort = cyclones(rng, hemisphere, p)
    x = np.array([v["x"] for v in vort])
    y = np.array([v["y"] for v in vort])
    r = np.array([v["r"] for v in vort])
    oval_params, storm = None, False
    for _ in range(20):  # keep the ribbon clear of the cyclone disks
        oval_params, storm = sample_oval_params(rng, hemisphere, sun_lon, p)
        phi = np.linspace(0, 2 * math.pi, N_CURVE + 1)[None, :-1]
        ox, oy = (a[0] for a in ov.points(oval_params[None], phi))
        gap = np.hypot(ox[:, None] - x, oy[:, None] - y).min(axis=0) - r
        if gap.min() > oval_params[ov.IDX["fwhm"]] * 1.5:
            break
    fade_depth = _fade(oval_params, seed, sun_lon, hemisphere, p)
    fwhm = oval_params[ov.IDX["fwhm"]] * (1 + oval_params[ov.IDX["w_amp"]])
    vort += small_vortices(rng, hemisphere, p, vort, (ox, oy), fwhm, visible, reach)
    return {
        "seed": int(seed),
        "hemisphere": hemisphere,
        "vortices": vort,
        "oval": oval_params,  # far-UV faint sector; other channels: `fade_params`
        "fade_depth": fade_depth,
        "dawn_storm": bool(storm),
        "footprints": sample_footprints(rng, hemisphere, p),
        "polar_fraction": float(rng.uniform(*p.polar_power_fraction)),
        "observer": observer,
        "limb": bool(limb),
        "sun": (float(sun[0]), float(sun[1])),
        "winding_s": float(rng.uniform(*p.winding_hours) * 3600.0),
        "cloud_contrast": float(rng.uniform(*p.cloud_contrast)),
    }
