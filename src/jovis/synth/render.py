"""Render a sampled scene into instrument channels: `make_sample()`.

Scene layers (all H×W float32): cloud thickness in [0, 1] with the vortex spirals blended in, the
vortex opacity, the main-oval emission (peak 1) and the diffuse polar emission. Each channel maps
them to its units and adds its own noise from a generator seeded by (seed, channel name), so a
channel is identical whichever other channels are rendered with it.
"""

from __future__ import annotations

import zlib
from typing import Any

import cv2
import numpy as np

from jovis.frame import Frame, Labels
from jovis.synth import scene as sc
from jovis.synth.params import SynthParams

HEMISPHERES = ("north", "south", "random")
CHANNELS = ("L", "M", "uv", "red", "green", "blue")
_TINT = {"red": (1.0, 1.0, 0.25), "green": (0.9, 0.95, 0.1), "blue": (0.75, 0.85, -0.05)}


def _smooth_noise(rng, size: int, cells: int) -> np.ndarray:
    """Zero-mean unit-ish noise with features about size/cells pixels across."""
    cells = max(2, min(cells, size))
    small = rng.standard_normal((cells + 3, cells + 3)).astype(np.float32)
    big = cv2.resize(small, (size + 3 * size // cells,) * 2, interpolation=cv2.INTER_CUBIC)
    off = 3 * size // cells // 2
    return big[off : off + size, off : off + size]


def _clouds(rng, size: int, contrast: float) -> np.ndarray:
    """Turbulent cloud thickness in [0, 1]: warped multi-octave noise with filamentary ridges."""
    field = np.zeros((size, size), np.float32)
    for k, cells in enumerate((4, 8, 16, 32, 64)):
        n = _smooth_noise(rng, size, cells)
        field += (0.6**k) * (n if k < 2 else 1.0 - 2.0 * np.abs(n))
    warp = 0.04 * size
    gx, gy = np.meshgrid(np.arange(size, dtype=np.float32), np.arange(size, dtype=np.float32))
    mx = gx + warp * _smooth_noise(rng, size, 6)
    my = gy + warp * _smooth_noise(rng, size, 6)
    field = cv2.remap(field, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    field = (field - field.mean()) / (field.std() + 1e-6)
    return np.clip(0.5 + 0.18 * contrast * field, 0.0, 1.0)


def _vortices(rng, scene, grid, p: SynthParams, clouds: np.ndarray) -> np.ndarray:
    """Blend each vortex (disk with trailing spiral arms, soft edge) into `clouds`; return alpha."""
    size, dpp, c = clouds.shape[0], 1.0 / grid.px_per_deg, grid.pole_x
    alpha = np.zeros_like(clouds)
    for v in scene["vortices"]:
        cx, cy, rp = v["x"] / dpp + c, v["y"] / dpp + c, v["r"] / dpp
        m = int(rng.integers(p.spiral_arms[0], p.spiral_arms[1] + 1))
        wind, con = rng.uniform(*p.spiral_winding), rng.uniform(*p.vortex_contrast)
        core, phase = rng.choice((-1.0, 1.0)) * rng.uniform(0.1, 0.3), rng.uniform(0, 2 * np.pi)
        x0, x1 = max(int(cx - 1.2 * rp) - 1, 0), min(int(cx + 1.2 * rp) + 2, size)
        y0, y1 = max(int(cy - 1.2 * rp) - 1, 0), min(int(cy + 1.2 * rp) + 2, size)
        if x0 >= x1 or y0 >= y1:
            continue
        dx = np.arange(x0, x1, dtype=np.float32)[None] - cx
        dy = np.arange(y0, y1, dtype=np.float32)[:, None] - cy
        rn = np.hypot(dx, dy) / max(rp, 0.5)
        theta = np.arctan2(-dy, dx)  # counter-clockwise on screen is positive
        spin = 1.0 if v["rotation"] == "counterclockwise" else -1.0
        # trailing arms: along an arm θ = const − spin·wind·ln r, i.e. lagging the rotation outward
        arms = np.cos(m * (theta + spin * wind * np.log(rn + 1e-3)) + phase)
        ramp = np.clip(rn / 0.25, 0.0, 1.0)
        tex = 0.5 + 0.5 * con * arms * ramp + core * np.exp(-((rn / 0.2) ** 2))
        a = np.clip((1.15 - rn) / 0.3, 0.0, 1.0)
        sub = clouds[y0:y1, x0:x1]
        sub[:] = np.clip((1 - a) * sub + a * (tex + 0.35 * (sub - 0.5)), 0.0, 1.0)
        np.maximum(alpha[y0:y1, x0:x1], a, out=alpha[y0:y1, x0:x1])
    return alpha


def _aurora(rng, scene, grid, size: int, p: SynthParams):
    """Main-oval emission (peak ≈ 1), polar emission and exact distance to the centreline (deg)."""
    oval, (xx, yy) = scene["oval"], sc.pixel_plane(size, grid)
    xs, ys = np.broadcast_arrays(xx, yy)
    phi = np.arctan2(ys - oval.cy, xs - oval.cx)
    radial = np.hypot(xs - oval.cx, ys - oval.cy) - oval.radius(phi)
    band = np.abs(radial) < 2.5 * oval.fwhm + 2 / grid.px_per_deg
    dist = np.full((size, size), np.inf, np.float32)
    emis = np.zeros((size, size), np.float32)
    d, foot = oval.distance(xs[band].astype(float), ys[band].astype(float))
    dist[band] = d
    sigma = oval.fwhm / 2.3548
    emis[band] = np.exp(-0.5 * (d / sigma) ** 2) * oval.brightness(foot)
    level = rng.uniform(*p.polar_emission_range)
    inside = 1.0 / (1.0 + np.exp(np.clip(radial / (sigma + 1e-6), -30, 30)))
    patches = np.clip(0.6 + 0.5 * _smooth_noise(rng, size, 6), 0.0, None)
    return emis, (level * inside * patches).astype(np.float32), dist


def _channel(name: str, seed: int, layers: dict[str, np.ndarray], p: SynthParams) -> np.ndarray:
    rng = np.random.default_rng([seed, zlib.crc32(name.encode())])
    clouds, alpha, aur = layers["clouds"], layers["alpha"], layers["aurora"] + layers["polar"]
    size = clouds.shape[0]
    if name == "L":
        scale = rng.uniform(*p.l_peak_radiance)
        img = scale * (aur + p.l_cloud_fraction * (1.0 - clouds))
    elif name == "M":  # 5 µm: thick cloud is cold and dark, log-spaced radiances
        lo, hi = np.log(p.m_radiance_range)
        span = rng.uniform(0.6, 1.0) * (hi - lo)
        scale = np.exp(hi)
        img = np.exp(hi - span * clouds)
    elif name == "uv":
        scale = rng.uniform(*p.uv_peak_kr)
        img = scale * aur + rng.uniform(*p.uv_background_kr)
        gain = rng.uniform(*p.uv_kr_per_count)  # Poisson-like: variance = signal × kR per count
        img = img + np.sqrt(np.maximum(img, 0) * gain) * rng.standard_normal(img.shape)
    elif name in _TINT:  # reflected light: thick cloud bright; cyclones reddish
        gain, contrast, red = _TINT[name]
        scale = p.dn_white
        albedo = 0.25 + 0.5 * (0.5 + contrast * (clouds - 0.5)) + 0.15 * red * alpha
        img = scale * gain * albedo * layers["illum"]
    else:
        raise ValueError(f"unknown synthetic channel {name!r}; known channels are {list(CHANNELS)}")
    img = img + rng.uniform(*p.read_noise_frac) * scale * rng.standard_normal(img.shape)
    n = int(rng.integers(p.spike_count[0], p.spike_count[1] + 1))
    ys, xs = rng.integers(0, size, n), rng.integers(0, size, n)
    img[ys, xs] += scale * rng.uniform(0.5, 2.0, n)
    return img.astype(np.float32)


def make_sample(
    seed: int,
    size: int,
    channels: list[str],
    instrument: str,
    hemisphere: str = "random",
    params: dict | None = None,
) -> tuple[Frame, Labels]:
    """One synthetic polar frame and its truth; the same arguments give bit-identical arrays.

    Parameters
    ----------
    seed : int
        Seeds everything (scene, hemisphere when ``"random"``, noise).
    size : int
        Frame side in pixels (≥ 32); the frame covers colatitudes up to ``max_colatitude``.
    channels : list of str
        Channel names among ``L, M, uv, red, green, blue``, rendered co-registered.
    instrument : str
        Instrument name recorded in the frame.
    hemisphere : {"north", "south", "random"}
    params : dict, optional
        Overrides of `SynthParams` defaults.

    Returns
    -------
    frame : Frame
        ``image`` float32 (size, size, len(channels)) in instrument units, ``valid`` False off-disk.
    labels : Labels
        ``mask`` uint8 (0 background, 1 aurora, 2 vortex, 255 off-disk) and ``features``.
    """
    if hemisphere not in HEMISPHERES:
        raise ValueError(f"hemisphere must be one of {list(HEMISPHERES)}, got {hemisphere!r}")
    if int(size) < 32:
        raise ValueError(f"size must be >= 32 pixels, got {size}")
    if not channels:
        raise ValueError(f"channels must name at least one of {list(CHANNELS)}")
    unknown = [c for c in channels if c not in CHANNELS]
    if unknown:
        raise ValueError(
            f"unknown synthetic channels {unknown}; known channels are {list(CHANNELS)}"
        )
    p = params if isinstance(params, SynthParams) else SynthParams.from_dict(params)
    size, seed = int(size), int(seed)
    rng = np.random.default_rng(seed)
    if hemisphere == "random":
        hemisphere = "north" if rng.uniform() < 0.5 else "south"
    grid = sc.make_grid(size, hemisphere, p.max_colatitude)
    scene = sc.sample_scene(rng, grid, p)

    clouds = _clouds(rng, size, rng.uniform(*p.cloud_contrast))
    alpha = _vortices(rng, scene, grid, p, clouds)
    emis, polar, dist = _aurora(rng, scene, grid, size, p)
    xx, yy = sc.pixel_plane(size, grid)
    ang, tilt = rng.uniform(0, 2 * np.pi), rng.uniform(*p.illumination_tilt)
    illum = 1.0 + tilt * (xx * np.cos(ang) + yy * np.sin(ang)) / p.max_colatitude
    layers = {"clouds": clouds, "alpha": alpha, "aurora": emis, "polar": polar, "illum": illum}

    valid = np.ones((size, size), bool)
    if scene["limb"] is not None:
        ux, uy, off = scene["limb"]
        valid = (xx * ux + yy * uy) < off
    image = np.stack([_channel(name, seed, layers, p) for name in channels], axis=2)
    image[~valid] = 0.0

    frame_id = f"synth-{seed:07d}"
    meta: dict[str, Any] = {
        "id": frame_id,
        "seed": seed,
        "hemisphere": hemisphere,
        "grid": grid.to_dict(),
    }
    frame = Frame(
        image=image,
        channels=list(channels),
        instrument=instrument,
        meta=meta,
        grid=grid,
        valid=valid,
    )
    mask = sc.label_mask(scene, size, grid, dist, valid)
    return frame, Labels(mask=mask, features=sc.features(scene, size, grid, frame_id))
