"""Channels: which instrument family draws each, its units and value range, and the UV channel.

Families share a footprint on the sky: JIRAM (L, M: band tiles), JunoCam (red, green, blue, ch4:
framelet strips) and UV (`jovis.synth.uv`: field-of-view edge, streaks, correlated noise).
A frame's ``valid`` is the scene's visible disk and, for each family
among its channels, that family's coverage, so a channel is identical whatever other channels of
any family are rendered with it.
"""

from __future__ import annotations

import numpy as np
import torch

from jovis.synth import hash_rng as rng
from jovis.synth import jiram, junocam, uv
from jovis.synth.params import SynthParams

# name: (family, units, documented value range); ranges are checked by tests/synth
CHANNEL_INFO = {
    "L": ("jiram", "W m-2 sr-1", (-0.05, 2.0)),
    "M": ("jiram", "W m-2 sr-1", (0.0, 0.6)),
    "uv": ("uv", "kR", (-5000.0, 3.0e5)),  # correlated noise goes below 0 (issue 13)
    "red": ("junocam", "DN", (0.0, 14395.0)),
    "green": ("junocam", "DN", (0.0, 14395.0)),
    "blue": ("junocam", "DN", (0.0, 14395.0)),
    "ch4": ("junocam", "DN", (0.0, 14395.0)),
}
CHANNELS = tuple(CHANNEL_INFO)


def check_channels(channels) -> list[str]:
    """The channel list, or ``ValueError`` naming the unknown ones and the valid ones."""
    channels = list(channels)
    if not channels:
        raise ValueError(f"channels must name at least one of {list(CHANNELS)}")
    unknown = [c for c in channels if c not in CHANNEL_INFO]
    if unknown:
        raise ValueError(
            f"unknown synthetic channels {unknown}; known channels are {list(CHANNELS)}"
        )
    return channels


def families(channels) -> list[str]:
    return sorted({CHANNEL_INFO[c][0] for c in channels})


def family_geometry(family: str, seeds: list[int], p: SynthParams, scenes=None):
    if family == "jiram":
        return jiram.tile_geometry(seeds, p)
    if family == "junocam":
        return junocam.strip_geometry(seeds, p)
    return uv.geometry(seeds, p, scenes)


def family_coverage(family, keys, geo, x, y, p: SynthParams):
    """Where a family has data (B, H, W) bool (UV: its field-of-view edge, `jovis.synth.uv`)."""
    if family == "jiram":
        return jiram.coverage(keys, geo, x, y, p)
    if family == "junocam":
        return junocam.coverage(keys, geo, x, y, p)
    return uv.coverage(geo, x, y)


def channel_scalars(name: str, seeds: list[int], p: SynthParams) -> torch.Tensor:
    """Per-frame random draws of one channel (on the CPU; a channel's own stream)."""
    family = CHANNEL_INFO[name][0]
    if family == "jiram":
        return jiram.scalars(name, seeds, p)
    if family == "junocam":
        return junocam.scalars(name, seeds, p)
    rows = []
    for seed in seeds:
        g = np.random.default_rng([seed, rng.stream_id(name)])
        rows.append((g.uniform(*p.uv_peak_kr), g.uniform(*p.uv_background_kr),
                     g.uniform(*p.uv_kr_per_count), g.uniform(*p.uv_exposure_s)))  # fmt: skip
    return torch.tensor(rows, dtype=torch.float32)


def render_channel(name, layers, keys, scal, geo, x, y, p: SynthParams) -> torch.Tensor:
    """One channel (B, H, W) float32 in its units."""
    if name == "L":
        return jiram.render_l(layers, keys, scal, geo, x, y, p)
    if name == "M":
        return jiram.render_m(layers, keys, scal, geo, x, y, p)
    if name == "uv":
        return uv.render_uv(layers, keys, scal, geo, x, y, p)
    return junocam.render(name, layers, keys, scal, geo, x, y, p)
