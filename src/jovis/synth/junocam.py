"""JunoCam channels (PHYSICS.md §3): red, green, blue and ch4 (889 nm methane band) in reflected
sunlight, through the camera's framelets and 8-bit square-root companding, scaled like an RDR.

Reflectance: cloud albedo per filter (reddish cyclones, the bluish polar haze, bright haze in the
methane band) under Minnaert limb darkening ``μ0^k·μ^(k−1)`` with the terminator from the sampled
sub-solar point. Camera: framelet strips of ``junocam_framelet_rows`` rows at a sampled km per
pixel, each with its own gain and a seam at its edge, some missing (no data); raw linear DN
(white = ``junocam_white_raw``) → read noise → SQROOT companding to 8 bits → 8×8-block compression
(block means kept, detail quantised) → decompanding → RDR DN (white = ``dn_white``).
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from jovis.io.junocam_raw import decompand_table
from jovis.synth import hash_rng as rng
from jovis.synth.fine_texture import fine_albedo
from jovis.synth.params import SynthParams
from jovis.synth.vortices import km_per_deg

FILTERS = ("red", "green", "blue", "ch4")
# base albedo, cloud contrast, cyclone reddening, polar-haze factor (design choices; not found)
_COLOUR = {
    "red": (0.55, 0.9, 0.15, -0.10),
    "green": (0.50, 0.95, 0.0, 0.0),
    "blue": (0.42, 0.85, -0.10, 0.30),
    "ch4": (0.12, 0.5, 0.0, 1.5),
}
_BAND_TINT = {
    "red": 0.9,
    "green": 1.0,
    "blue": 1.15,
    "ch4": 0.5,
}  # belts: brown, darker in blue (a choice)
_FILTER_SHIFT = {"red": 0.0, "green": 0.25, "blue": 0.5, "ch4": 0.75}  # strips sit apart on the CCD


def _table(device) -> torch.Tensor:
    return torch.from_numpy(np.array(decompand_table("SQROOT"))).to(device)


def decompand(codes: torch.Tensor) -> torch.Tensor:
    """Linear DN (float32) of 8-bit SQROOT codes (any integer or float tensor of whole codes)."""
    table = _table(codes.device)
    return table[codes.to(torch.int64).clamp(0, 255)]


def compand(linear: torch.Tensor) -> torch.Tensor:
    """8-bit SQROOT codes (uint8) of linear DN: the code whose decompanded value is nearest."""
    table = _table(linear.device)
    mids = 0.5 * (table[1:] + table[:-1])
    return torch.bucketize(linear.contiguous(), mids).to(torch.uint8)


def scalars(name: str, seeds: list[int], p: SynthParams) -> torch.Tensor:
    """Per-frame draws (B, 4): exposure gain, Minnaert k, spike count, read-noise fraction."""
    rows = []
    for seed in seeds:
        g = np.random.default_rng([seed, rng.stream_id(name)])
        # exposure gain: polar scenes at low sun are exposed long (TDI stages, §3); bright limbs
        # then saturate at the companding maximum
        rows.append((g.uniform(0.8, 4.0), g.uniform(*p.minnaert_k), g.uniform(*p.spike_count),
                     g.uniform(*p.read_noise_frac)))  # fmt: skip
    return torch.tensor(rows, dtype=torch.float32)


def strip_geometry(seeds: list[int], p: SynthParams) -> torch.Tensor:
    """Per-frame framelet layout (B, 3): strip direction, strip height (deg), offset (strips)."""
    rows = []
    for seed in seeds:
        g = np.random.default_rng([seed, 0x7C4])
        deg = p.junocam_framelet_rows * g.uniform(*p.junocam_km_per_px) / km_per_deg(p)
        rows.append((g.uniform(0, math.pi), deg, g.uniform()))
    return torch.tensor(rows, dtype=torch.float32)


def _strips(geo, x, y, shift: float = 0.0):
    a = geo[:, 0, None, None]
    u = (x * torch.cos(a) + y * torch.sin(a)) / geo[:, 1, None, None] + geo[:, 2, None, None]
    u = u + shift
    iu = torch.floor(u)
    return (iu + 65536).to(torch.int64), u - iu


def product_on(keys, p: SynthParams) -> torch.Tensor:
    """(B,) bool: the frame is a composite product (a `junocam_product_prob` share)."""
    return rng.uniform(keys, "junocam/product", (1,))[:, 0] < p.junocam_product_prob


def product_noise_share(p: SynthParams, view_px: int) -> float:
    """Share of the read noise and framelet seams (pixel-scale detail) a composite keeps when
    its view spans `view_px` px: the products are mosaics of ``junocam_product_px`` px, and one
    zoomed out z× keeps 1/z of its pixel noise (`view_px` / ``junocam_product_px``, at most all),
    never under `junocam_product_camera` (the share measured at the model's scale; 0 px: always
    that share). The strip gains (many pixels wide) keep `junocam_product_camera` at any size."""
    if p.junocam_product_px <= 0:
        return p.junocam_product_camera
    return min(1.0, max(p.junocam_product_camera, view_px / p.junocam_product_px))


def coverage(keys, geo, x, y, p: SynthParams) -> torch.Tensor:
    """False on missing framelets (B, H, W); composite products have none (the shared ones
    show none: the pipeline fills them from neighbouring exposures)."""
    idx, _ = _strips(geo, x, y)
    return (rng.uniform_at(keys, "junocam/gap", idx) >= p.junocam_gap_prob) | product_on(keys, p)[
        :, None, None
    ]


def render(name, layers, keys, s, geo, x, y, p: SynthParams) -> torch.Tensor:
    """One JunoCam filter in RDR DN (float32, 0 … 2879·dn_white/junocam_white_raw)."""
    base, con, red, haze = _COLOUR[name]
    # the vortices' spiral arms toned down to `junocam_vortex_arm_gain` of the shared layer's;
    # white ovals and dark spots: `junocam_oval_fill` of their interior turned into a smooth
    # deck at 0.5 + their core value (bright ovals, dark spots)
    clouds = layers["clouds"] - (1.0 - p.junocam_vortex_arm_gain) * layers["vortex_arms"]
    tex_albedo = layers["albedo"]
    if p.junocam_cloud_detail != 1.0:  # the cloud texture's fine octaves toned down
        clouds = clouds - (1.0 - p.junocam_cloud_detail) * layers["cloud_detail"]
        tex_albedo = tex_albedo - (1.0 - p.junocam_cloud_detail) * layers["albedo_detail"]
    if p.junocam_oval_fill > 0:
        deck = layers["vortex_fill_w"] * (0.5 - clouds) + layers["vortex_fill"]
        clouds = clouds + p.junocam_oval_fill * deck
    clouds, alpha = clouds.clamp(0.0, 1.0), layers["alpha"] * layers["cyclone"]
    hz = torch.sigmoid((20.0 - layers["colat"]) / 3.0)  # polar haze poleward of ~70°
    if tuple(p.junocam_cyclone_redden) != (1.0, 1.0):  # per frame; the default draws nothing
        lo, hi = p.junocam_cyclone_redden
        f = lo + (hi - lo) * rng.uniform(keys, "junocam/redden", (1,))[:, 0]
        alpha = alpha * f.to(alpha)[:, None, None]
    albedo = base * (1 + con * (clouds - 0.5) + 0.3 * tex_albedo) * (1 + red * alpha)
    albedo = albedo * (1 + haze * hz) * (1 + _BAND_TINT[name] * bands(keys, layers["colat"], p))
    if "junocam_fine" not in layers:  # shared by the filters of one render (layers is per render)
        layers["junocam_fine"] = fine_albedo(keys, x, y, layers["alpha"], p)
    albedo = albedo * (1 + con * layers["junocam_fine"]).clamp(min=0.05)
    k = s[:, 1, None, None]
    # haze scatters light past the terminator: a soft floor under μ0 (scale 0.05, a choice)
    m0 = layers["mu_sun"]
    mu0 = 0.5 * (m0 + torch.sqrt(m0 * m0 + 0.0025))
    mu = layers["mu_obs"].clamp(min=0.05)
    refl = albedo * mu0.pow(k) * mu.pow(k - 1)
    idx, frac = _strips(geo, x, y, _FILTER_SHIFT[name])
    gain = 1 + p.junocam_strip_gain_sd * 1.732 * (
        rng.uniform_at(keys, f"{name}/strip", idx) * 2 - 1
    )
    seam = (
        1 - 0.08 * torch.exp(-((frac / 0.03) ** 2)) - 0.08 * torch.exp(-(((1 - frac) / 0.03) ** 2))
    )
    # composites (JunoCam-only frames, `product_on`) keep `junocam_product_camera` of the strip
    # gains, seams and read noise (the seams' and read noise's share grows in views larger than
    # the model's, `product_noise_share`); frames with other instruments' channels are never
    # composites
    noise = s[:, 3]
    if p.junocam_product_camera != 1.0 and layers.get("junocam_only", False):
        on = product_on(keys, p)
        share = torch.where(on, p.junocam_product_camera, 1.0).to(x.dtype)
        gain = 1 + share[:, None, None] * (gain - 1)
        view_px = max(x.shape[-1], p.junocam_view_size)
        fine = torch.where(on, product_noise_share(p, view_px), 1.0).to(x.dtype)
        seam = 1 + fine[:, None, None] * (seam - 1)
        noise = noise * fine
    white = p.junocam_white_raw
    raw = white * s[:, 0, None, None] * refl * gain * seam
    from jovis.synth.jiram import add_noise

    scale = torch.full_like(s[:, 0], white)
    raw = add_noise(name, raw, scale, keys, s[:, 2], noise)
    codes = compand(raw.clamp(0.0, float(decompand_table("SQROOT")[-1]))).to(torch.float32)
    codes = block_compress(codes, p.junocam_compression_step)
    return decompand(codes) * (p.dn_white / white)


def bands(keys, colat, p: SynthParams) -> torch.Tensor:
    """Zonal belts and zones equatorward of the polar region (relative albedo, about 0): two
    cosines of colatitude (periods 3–8° and 6–14°, a choice) of per-frame amplitude
    ``junocam_band_contrast``, fading in over 2° at a per-frame ``junocam_band_colat``."""
    u = rng.uniform(keys, "junocam/bands", (6,))[:, :, None, None]
    lo, hi = p.junocam_band_contrast
    c0, c1 = p.junocam_band_colat
    amp = lo + (hi - lo) * u[:, 4]
    start = c0 + (c1 - c0) * u[:, 5]
    w1 = 2 * math.pi / (3.0 + 5.0 * u[:, 0])
    w2 = 2 * math.pi / (6.0 + 8.0 * u[:, 1])
    wave = 0.6 * torch.cos(w1 * colat + 6.283 * u[:, 2]) + 0.4 * torch.cos(
        w2 * colat + 6.283 * u[:, 3]
    )
    return amp * wave * torch.sigmoid((colat - start) / 2.0)


def block_compress(codes: torch.Tensor, step: float, block: int = 8) -> torch.Tensor:
    """Lossy 8×8-block coding of 8-bit codes (B, H, W): the block mean is kept, the detail about it
    is quantised to `step` codes — blocky like a DCT coder's dropped high frequencies."""
    _, h, w = codes.shape
    ph, pw = (-h) % block, (-w) % block
    padded = F.pad(codes[:, None], (0, pw, 0, ph), mode="replicate")
    mean = F.avg_pool2d(padded, block)
    mean = mean.repeat_interleave(block, 2).repeat_interleave(block, 3)[:, 0, :h, :w]
    detail = torch.round((codes - mean) / step) * step
    return torch.round(mean + detail).clamp(0, 255)


def product_draws(seeds: list[int], p: SynthParams) -> torch.Tensor:
    """Per-frame product-style draws (B, 10): unused, low and high percentile, gamma, 4 channel
    gains, flattening exponent, saturation."""
    rows = []
    for seed in seeds:
        g = np.random.default_rng([seed, rng.stream_id("junocam/product")])
        rows.append((0.0,
                     g.uniform(*p.junocam_stretch_low_pct) / 100.0,
                     g.uniform(*p.junocam_stretch_high_pct) / 100.0,
                     g.uniform(*p.junocam_gamma),
                     *g.uniform(*p.junocam_colour_gain, size=4),
                     g.uniform(*p.junocam_flatten), g.uniform(*p.junocam_saturation)))  # fmt: skip
    return torch.tensor(rows, dtype=torch.float32)


def product_style(image, channels, valid, mu_sun, keys, seeds: list[int], p: SynthParams):
    """(image, valid) with the look of the public composites on a `junocam_product_prob` share of
    the frames: the illumination flattened (÷ μ0^f, f = ``junocam_flatten``, as the composites'
    pipeline does), the night side (μ0 < ``junocam_night_mu``) black and no data as in the
    products, then per channel the valid pixels' low…high percentiles mapped to 0…1, saturation
    ``junocam_saturation``, a gamma, a colour gain, 8-bit quantisation, back to DN
    (1 → ``dn_white``). Frames with other instruments' channels and the
    other frames are unchanged, and the class of every pixel that stays valid too."""
    idx = [i for i, c in enumerate(channels) if c in FILTERS]
    if len(idx) < len(channels) or p.junocam_product_prob == 0:  # JunoCam-only frames
        return image, valid
    d = product_draws(seeds, p).to(image.device)
    on = product_on(keys, p)[:, None, None]
    valid = valid & ~(on & (mu_sun < p.junocam_night_mu))
    flat = mu_sun.clamp(min=p.junocam_night_mu).pow(d[:, 8, None, None])
    sub = image[:, idx] / flat[:, None]
    b = sub.shape[0]
    flat = torch.where(valid[:, None], sub, torch.full((), float("nan"), device=image.device))
    flat = flat.flatten(2)[:, :, ::3]  # every third pixel: the percentiles of a large sample
    q = torch.stack((d[:, 1], d[:, 2]), 1)  # (B, 2)
    lo = torch.stack([torch.nanquantile(flat[i], q[i], dim=-1) for i in range(b)])  # (B, 2, C)
    low, high = lo[:, 0, :, None, None], lo[:, 1, :, None, None]
    x = ((sub - low) / (high - low).clamp(min=1e-6)).clamp(0.0, 1.0)
    lum = x.mean(1, keepdim=True)  # the composites' low saturation: channels pulled to the grey
    x = lum + d[:, 9, None, None, None] * (x - lum)
    gains = d[:, 4:][:, [FILTERS.index(channels[i]) for i in idx], None, None]
    x = (x.pow(d[:, 3, None, None, None]) * gains).clamp(0.0, 1.0)
    x = torch.round(x * 255.0) * (p.dn_white / 255.0)
    out = image.clone()
    out[:, idx] = torch.where(on[:, None] & valid[:, None], x, image[:, idx])
    out = torch.where(valid[:, None], out, torch.zeros((), device=image.device))
    return out, valid
