"""The UV channel (HST STIS-like FUV brightness, kR), issue 13's realism:

- a field-of-view / limb cut: with probability ``uv_cut_prob`` a straight edge at
  ``uv_cut_offset_deg`` from the pole (positive: beyond it) on the night side (HST looks from
  near the Sun) removes whole sectors of the oval (no data, mask 255);
- limb streaks: along that edge, a thin emitting layer seen at grazing angles is smeared along
  the line of sight, i.e. across the edge: stripes perpendicular to it fading over
  ``uv_streak_length_deg`` inside, brighter where the oval and polar emission meet the edge. They
  are emission only; the labels (drawn from the scene's geometry) stay background there;
- the limb fringe: the projected HST frames read ~0 kR over the last ``uv_limb_fringe_deg``
  before their no-data edge (the limb clip or the field of view), rising to the full level over
  ``uv_limb_fringe_ramp_deg`` inside it (measured on the four v03 frames: median 0 kR up to 0.3°
  from the edge, half by ~0.5°, full by ~1°); the smooth brightness is tapered there, the labels
  (geometry) are not. The streaks cross the fringe: they start at half its width, and within it
  the smooth emission tapered away is smeared into them (the v03 frames' 95th percentile is at
  its full level 0.3° from the edge while their median is still ~0 out to ~0.6°: bright stripes
  on a dark fringe);
- diffuse emission equatorward of the oval (``uv_diffuse_frac`` of the oval peak, textured);
- noise: Poisson counts plus a detector/projection term of ``uv_noise_kr_per_count``, all
  blurred by the point spread / resampling kernel of ``uv_psf_sigma_deg``, so the noise is
  spatially correlated like the HST frames' (power spectrum slope about −3) instead of white.

Per-frame draws come from the ``uv/cut`` stream on the CPU (`geometry`), so the coverage is the
same whatever other channels are rendered.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from jovis.synth import hash_rng as rng
from jovis.synth.params import SynthParams
from jovis.synth.scene import plane_angle

# geometry columns: edge normal (ux, uy), edge offset d (deg; inf when no cut), streak gain,
# streak length (deg), PSF sigma (deg), noise kR per count, diffuse fraction, limb-fringe width
# and ramp (deg)
GCOLS = ("ux", "uy", "d", "streak", "length", "psf", "noise_q", "diffuse", "fringe", "ramp",
         "clutter", "clutter_deg", "wing")  # fmt: skip
G = {n: i for i, n in enumerate(GCOLS)}
STREAK_CELL_DEG = 0.15  # width of one streak cell along the edge
STREAK_FLOOR = 0.02  # streak brightness (of the oval peak) where no emission meets the edge


def geometry(seeds: list[int], p: SynthParams, scenes: list[dict] | None = None) -> torch.Tensor:
    """Per-frame UV draws (B, len(GCOLS)) float32 on the CPU. HST sees Jupiter from near the
    Sun, so the edge faces the night side: its normal points to the anti-solar longitude of
    each scene (± 0.3 rad), leaving noon in view and dawn and dusk running into the edge.
    Without `scenes` the direction is uniform."""
    rows = []
    for i, seed in enumerate(seeds):
        g = np.random.default_rng([seed, rng.stream_id("uv/cut")])
        theta = g.uniform(0, 2 * math.pi)
        if scenes is not None:
            night = plane_angle(scenes[i]["sun"][1] + 180.0, scenes[i]["hemisphere"])
            theta = night + g.normal(0.0, 0.3)
        cut = g.uniform() < p.uv_cut_prob
        d = g.uniform(*p.uv_cut_offset_deg)
        rows.append((math.cos(theta), math.sin(theta), d if cut else 1e4,
                     g.uniform(*p.uv_streak_gain) if cut else 0.0,
                     g.uniform(*p.uv_streak_length_deg), g.uniform(*p.uv_psf_sigma_deg),
                     g.uniform(*p.uv_noise_kr_per_count),
                     g.uniform(*p.uv_diffuse_frac), g.uniform(*p.uv_limb_fringe_deg),
                     g.uniform(*p.uv_limb_fringe_ramp_deg),
                     # drawn last, so the draws above stay as they were
                     g.uniform(*p.uv_clutter_amp), g.uniform(*p.uv_clutter_deg),
                     g.uniform(*p.uv_oval_profile_wing)))  # fmt: skip
    return torch.tensor(rows, dtype=torch.float32)


def _col(geo: torch.Tensor, name: str) -> torch.Tensor:
    return geo[:, G[name], None, None]


def inside_cut(geo: torch.Tensor, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Degrees inside the edge (B, H, W): d − (x, y)·u; negative beyond it (no data)."""
    return _col(geo, "d") - (x * _col(geo, "ux") + y * _col(geo, "uy"))


def coverage(geo: torch.Tensor, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Where the UV frame has data (B, H, W) bool: inside the field-of-view / limb edge."""
    return inside_cut(geo, x, y) >= 0


def _streaks(keys, geo, x, y, power: float = 3.0) -> torch.Tensor:
    """Stripes perpendicular to the edge (B, H, W), ``(power + 1) g^power`` of a uniform g per
    cell interpolated between cells (mean 1 at the cells, 0.81 between them at power 3), fading
    inside it."""
    t = (y * _col(geo, "ux") - x * _col(geo, "uy")) / STREAK_CELL_DEG + 4096.0
    i0 = torch.floor(t)
    frac = t - i0
    u0 = rng.uniform_at(keys, "uv/streak", i0.long().clamp(min=0))
    u1 = rng.uniform_at(keys, "uv/streak", (i0.long() + 1).clamp(min=0))
    g = u0 + (u1 - u0) * frac
    fade = torch.exp(-inside_cut(geo, x, y).clamp(min=0.0) / _col(geo, "length"))
    return (power + 1.0) * g**power * fade


def clutter(keys, geo, shape: tuple[int, int], px_deg: float, max_deg: float) -> torch.Tensor:
    """Multiplicative clutter (B, H, W) ≥ 0, mean ~1: 1 + ``clutter`` × a unit-sd Gaussian
    random field of correlation sigma ``clutter_deg`` (white noise blurred, rescaled by
    2√π σ), clipped at 0; from the ``uv/clutter`` stream. The kernel reaches 3 × `max_deg`
    (the parameter range's top) whatever the batch, so a frame does not depend on its batch."""
    sigma_px = (_col(geo, "clutter_deg")[:, 0, 0] / px_deg).clamp(min=0.5)
    radius = max(1, math.ceil(3 * max(max_deg / px_deg, 0.5)))
    noise = rng.normal(keys, "uv/clutter", shape)
    # one frame at a time: grouped convolutions round differently with the group count
    z = torch.cat([_blur(noise[i : i + 1], sigma_px[i : i + 1], radius) for i in range(len(noise))])
    z = z * (2.0 * math.sqrt(math.pi) * sigma_px)[:, None, None]
    return (1.0 + _col(geo, "clutter") * z).clamp(min=0.0)


def _blur(image: torch.Tensor, sigma_px: torch.Tensor, radius: int | None = None) -> torch.Tensor:
    """Per-frame separable Gaussian blur of (B, H, W) with sigmas (B,) in pixels; the kernel
    reaches `radius` px (default 3 × the batch's largest sigma)."""
    b = image.shape[0]
    r = radius or max(1, math.ceil(3 * float(sigma_px.max())))
    off = torch.arange(-r, r + 1, device=image.device, dtype=image.dtype)
    k = torch.exp(-0.5 * (off[None] / sigma_px[:, None].clamp(min=1e-3)) ** 2)
    k = k / k.sum(1, keepdim=True)
    out = F.pad(image[None], (r, r, r, r), mode="reflect")
    out = F.conv2d(out, k.view(b, 1, 1, -1), groups=b)
    return F.conv2d(out, k.view(b, 1, -1, 1), groups=b)[0]


def edge_deg(geo: torch.Tensor, mu_obs: torch.Tensor, x, y, p: SynthParams) -> torch.Tensor:
    """Degrees (B, H, W) to the nearest no-data edge: the field-of-view / limb cut, or the
    emission-angle cut, whose distance in degrees of arc is about the emission angle's margin."""
    margin = p.limb_emission_cut_deg - torch.rad2deg(torch.acos(mu_obs.clamp(-1.0, 1.0)))
    return torch.minimum(inside_cut(geo, x, y), margin)


def limb_fringe(edge: torch.Tensor, geo: torch.Tensor) -> torch.Tensor:
    """Brightness factor (B, H, W) in [0, 1] of the smooth emission: 0 within the frame's fringe
    width of the nearest no-data edge (`edge_deg`), rising linearly over its ramp."""
    return ((edge - _col(geo, "fringe")) / _col(geo, "ramp")).clamp(0.0, 1.0)


def streak_reach(edge: torch.Tensor, geo: torch.Tensor) -> torch.Tensor:
    """Factor (B, H, W) of the limb streaks: 0 over the inner half of the fringe, 1 from the
    fringe width on (v03 frames: the 95th percentile is 0 within 0.15° of the edge and at its
    full level from 0.3°, while the median stays ~0 to 0.6°: the streaks cross the fringe)."""
    half = 0.5 * _col(geo, "fringe")
    return ((edge - half) / half).clamp(0.0, 1.0)


def oval_profile(layers, geo: torch.Tensor) -> torch.Tensor:
    """The oval's emission (B, H, W) with a Moffat cross-section of the same FWHM and peak:
    ``(1 + (2^w − 1) u²)^(−1/w)``, u the distance in half-widths, w the frame's ``wing``
    (1/β; w → 0 is the Gaussian ``2^(−u²)``, kept where w = 0). The v03 frames' cross-sections
    are peakier with wider wings than a Gaussian: width at 25 % over width at 75 % of the
    prominence 2.66 against 2.20 for the Gaussian synthetic oval (the realism `oval_shape`
    row; docs/notes/uv.md "The oval's cross-section"). The labels stay the FWHM band."""
    u2 = layers["oval_u2"]
    w = _col(geo, "wing")
    gauss = torch.exp(-math.log(2.0) * u2)
    moffat = torch.exp(-torch.log1p((torch.exp2(w) - 1) * u2) / w.clamp(min=1e-6))
    return layers["oval_peak"] * torch.where(w > 0, moffat, gauss)


def render_uv(layers, keys, s, geo, x, y, p: SynthParams) -> torch.Tensor:
    """FUV brightness, kR: ((oval + polar + footprints + diffuse) × limb brightening (1/μ up to
    a cap) + background) × the limb fringe + limb streaks (with the emission the fringe took,
    from half the fringe width on), as counts with Poisson noise for the
    sampled exposure plus the detector/projection noise, blurred by the PSF (B, H, W)."""
    peak, bg = s[:, 0, None, None], s[:, 1, None, None]
    kr_per_count = s[:, 2, None, None] * (p.uv_reference_exposure_s / s[:, 3, None, None])
    limb = 1.0 / layers["mu_obs"].clamp(min=1.0 / p.uv_limb_brightening_max)
    px_deg = 2.0 * p.max_colatitude / x.shape[-1]
    aurora = layers["aurora"]
    if max(p.uv_oval_profile_wing) > 0:  # off by default: Gaussian cross-sections, as before
        aurora = oval_profile(layers, geo)
    emission = aurora + layers["polar"] + layers["footprints"]
    emission = emission + _col(geo, "diffuse") * layers["equator"]
    background = bg
    if max(p.uv_clutter_amp) > 0:  # off by default (see `uv_clutter_amp`): frames as before
        # the smooth emission beside the oval (disk, diffuse; the polar cap, whose large-scale
        # texture already matched, at ``uv_clutter_polar_share`` of the amplitude) is cluttered
        field = clutter(keys, geo, tuple(x.shape[-2:]), px_deg, p.uv_clutter_deg[1])
        share = p.uv_clutter_polar_share
        emission = aurora + layers["footprints"] + layers["polar"] * (1 - share + share * field)
        emission = emission + _col(geo, "diffuse") * layers["equator"] * field
        background = bg * field
    edge = edge_deg(geo, layers["mu_obs"], x, y, p)
    fringe = limb_fringe(edge, geo)
    stripes = _streaks(keys, geo, x, y, p.uv_streak_power)
    # the streaks, and within the fringe the smooth emission smeared into them, reach the edge
    streak = stripes * (
        _col(geo, "streak") * (STREAK_FLOOR + emission) + (1 - fringe) * emission * limb
    )
    kr = (peak * emission * limb + background) * fringe + peak * streak * streak_reach(edge, geo)
    counts = poisson(kr / kr_per_count, keys, "uv")
    z = rng.normal(keys, "uv/noise", tuple(kr.shape[1:]))
    noisy = counts * kr_per_count + torch.sqrt(kr.clamp(min=0.0) * _col(geo, "noise_q")) * z
    return _blur(noisy, geo[:, G["psf"]] / px_deg)


POISSON_SMALL = 10.0  # below this mean count: exact inversion; above: normal approximation
POISSON_STEPS = 28


def poisson(lam: torch.Tensor, keys: torch.Tensor, stream: str) -> torch.Tensor:
    """Poisson draws (float32, same shape as `lam` (B, H, W)) from the counter-based generator:
    inversion for small means, a rounded normal approximation for large ones."""
    _, h, w = lam.shape
    u = rng.uniform(keys, f"{stream}/poisson_u", (h, w))
    small = lam.clamp(max=POISSON_SMALL)
    term = torch.exp(-small)
    cdf, k = term.clone(), torch.zeros_like(lam)
    for i in range(1, POISSON_STEPS + 1):
        k = k + (u > cdf).to(lam.dtype)
        term = term * small / i
        cdf = cdf + term
    z = rng.normal(keys, f"{stream}/poisson_z", (h, w))
    big = torch.round(lam + torch.sqrt(lam.clamp(min=0.0)) * z).clamp(min=0.0)
    return torch.where(lam < POISSON_SMALL, k, big)
