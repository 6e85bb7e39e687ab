"""JIRAM imager channels (PHYSICS.md §4): L band (H3+ aurora on a nearly dark disk) and M band
(5-µm thermal emission, thick cloud cold and dark), with the band geometry of the instrument.

The polar mosaic is made of tiles of one band each: ``jiram_band_lines`` (128) lines by
``jiram_band_samples`` (432) samples at a sampled km per pixel, in a random orientation. Each tile
has its own gain; some are missing (no data); detector columns carry a fixed-pattern stripe.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from jovis.synth import hash_rng as rng
from jovis.synth.params import SynthParams
from jovis.synth.vortices import km_per_deg

C1 = 1.191042e8  # 2hc², W µm⁴ m⁻² sr⁻¹
C2 = 14387.77  # hc/k, µm K


def band_radiance(tb: torch.Tensor, lo_um: float, hi_um: float, nodes: int = 5) -> torch.Tensor:
    """Planck radiance integrated over [lo, hi] µm (Simpson), W m⁻² sr⁻¹, of temperatures K."""
    lam = np.linspace(lo_um, hi_um, nodes)
    wts = np.ones(nodes)
    wts[1:-1:2], wts[2:-1:2] = 4, 2
    wts *= (hi_um - lo_um) / (nodes - 1) / 3
    out = torch.zeros_like(tb)
    for lm, wt in zip(lam, wts, strict=True):
        out = out + (wt * C1 / lm**5) / torch.expm1(C2 / (lm * tb))
    return out


def tile_geometry(seeds: list[int], p: SynthParams) -> torch.Tensor:
    """Per-frame tile layout (B, 5): angle, tile height and width (deg), offsets (tiles)."""
    rows = []
    for seed in seeds:
        g = np.random.default_rng([seed, 0x4A1])
        kmpx = g.uniform(*p.jiram_km_per_px)
        deg = kmpx / km_per_deg(p)
        rows.append((g.uniform(0, math.pi), p.jiram_band_lines * deg, p.jiram_band_samples * deg,
                     g.uniform(), g.uniform()))  # fmt: skip
    return torch.tensor(rows, dtype=torch.float32)


def _tiles(geo: torch.Tensor, x: torch.Tensor, y: torch.Tensor):
    a = geo[:, 0, None, None]
    u = (x * torch.cos(a) + y * torch.sin(a)) / geo[:, 1, None, None] + geo[:, 3, None, None]
    v = (-x * torch.sin(a) + y * torch.cos(a)) / geo[:, 2, None, None] + geo[:, 4, None, None]
    iu, iv = torch.floor(u), torch.floor(v)
    tile = ((iu + 4096) * 8192 + (iv + 4096)).to(torch.int64)
    return tile, v - iv


def coverage(keys, geo, x, y, p: SynthParams) -> torch.Tensor:
    """False on missing tiles (B, H, W)."""
    tile, _ = _tiles(geo, x, y)
    return rng.uniform_at(keys, "jiram/gap", tile) >= p.jiram_gap_prob


def instrument_effects(name, img, scale, keys, geo, x, y, p: SynthParams, spikes, noise_frac):
    """Tile gain, column stripes, radiation spikes and read noise, all in the band's units."""
    tile, frac = _tiles(geo, x, y)
    u1 = rng.uniform_at(keys, f"{name}/tile", tile) * 2 - 1
    img = img * (1 + p.jiram_tile_gain_sd * 1.732 * u1)
    column = (frac * p.jiram_band_samples).to(torch.int64)
    u2 = rng.uniform_at(keys, f"{name}/stripe", column) * 2 - 1
    img = img * (1 + p.jiram_stripe_sd * 1.732 * u2)
    return add_noise(name, img, scale, keys, spikes, noise_frac)


def add_noise(name, img, scale, keys, spikes, noise_frac):
    """Gaussian read noise (sd = noise_frac·scale) and radiation spikes (mean count per frame)."""
    _, h, w = img.shape
    sc = scale[:, None, None]
    img = img + noise_frac[:, None, None] * sc * rng.normal(keys, f"{name}/read", (h, w))
    u = rng.uniform(keys, f"{name}/spike", (h, w))
    hit = u < spikes[:, None, None] / (h * w)
    amp = 0.5 + 1.5 * u * (h * w) / spikes[:, None, None].clamp(min=1e-6)  # reuse u: 0.5–2
    return torch.where(hit, img + sc * amp, img)


def render_l(layers, keys, s, geo, x, y, p: SynthParams) -> torch.Tensor:
    """L band radiance, W m⁻² sr⁻¹: aurora + polar emission + footprints, faint clouds."""
    scale = s[:, 0]
    aur = layers["aurora"] + layers["polar"] + layers["footprints"]
    img = scale[:, None, None] * (aur + p.l_cloud_fraction * (1.0 - layers["clouds"]))
    return instrument_effects("L", img, scale, keys, geo, x, y, p, s[:, 1], s[:, 2])


def render_m(layers, keys, s, geo, x, y, p: SynthParams) -> torch.Tensor:
    """M band radiance, W m⁻² sr⁻¹, from a brightness temperature Tb ∈ [tb_lo, tb_hi] K."""
    tb_lo, tb_hi = s[:, 3, None, None], s[:, 4, None, None]
    tb = tb_hi - (tb_hi - tb_lo) * layers["clouds"]
    img = band_radiance(tb, p.m_band_um_low, p.m_band_um_high)
    scale = band_radiance(s[:, 4], p.m_band_um_low, p.m_band_um_high)
    return instrument_effects("M", img, scale, keys, geo, x, y, p, s[:, 1], s[:, 2])


def scalars(name: str, seeds: list[int], p: SynthParams) -> torch.Tensor:
    """Per-frame draws (B, 5): scale, spike count, read-noise fraction, Tb low, Tb high."""
    rows = []
    lo, hi = p.m_tb_range_k
    for seed in seeds:
        g = np.random.default_rng([seed, rng.stream_id(name)])
        rows.append((g.uniform(*p.l_peak_radiance), g.uniform(*p.spike_count),
                     g.uniform(*p.read_noise_frac), g.uniform(lo, lo + 0.25 * (hi - lo)),
                     g.uniform(hi - 0.25 * (hi - lo), hi)))  # fmt: skip
    return torch.tensor(rows, dtype=torch.float32)
