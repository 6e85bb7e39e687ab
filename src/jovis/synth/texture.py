"""Procedural textures in torch: multi-octave lattice noise, the same function of plane position
at every frame size, built as a pyramid (each octave upsampled bicubically into the next).

Lattice values come from the counter-based hash of `jovis.synth.hash_rng`, so frame i's texture
does not depend on the batch it is rendered in. No reductions over pixels: the scalings are fixed
constants, so no statistic couples one frame (or one pixel) to another.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from jovis.synth import hash_rng as rng

BASE_CELLS = 4


def octave_sizes(n: int, base: int = BASE_CELLS) -> list[int]:
    """Lattice sizes 4, 8, 16, ... up to `n` (at least one)."""
    sizes = [base]
    while sizes[-1] * 2 <= n:
        sizes.append(sizes[-1] * 2)
    return sizes


def fbm(
    keys: torch.Tensor,
    stream: str,
    channels: int,
    n: int,
    *,
    persistence: float = 0.55,
    ridged_from: int = 2,
    max_cells: int | None = None,
    coarse_octaves: int | None = None,
):
    """Fractal noise (B, channels, n, n), roughly zero-mean with unit-order amplitude.

    Octave k has ``4·2**k`` cells across the lattice; octaves from `ridged_from` on are ridged
    (``1 − 2|v|``) for filamentary structure. `max_cells` stops at a coarse octave (smooth fields).
    With `coarse_octaves` (an int) also returns the sum of the first that many octaves alone,
    upsampled along the same path: (noise, coarse), noise − coarse being the finer octaves.
    """
    # the finest octave has half the lattice resolution: pixel-scale white noise is left to
    # the instruments' own noise
    sizes = octave_sizes(max(n // 2, 4) if max_cells is None else min(n, max_cells))
    acc = coarse = None
    up = lambda t, c: F.interpolate(t, size=(c, c), mode="bicubic", align_corners=False)  # noqa: E731
    for k, cells in enumerate(sizes):
        v = rng.uniform(keys, f"{stream}/{k}", (channels, cells, cells)) * 2.0 - 1.0
        if k >= ridged_from:
            v = 1.0 - 2.0 * v.abs()
        v = v * persistence**k
        if acc is None:
            acc = v
        else:
            acc = up(acc, cells) + v
        if coarse_octaves is not None:
            coarse = acc if k < coarse_octaves else up(coarse, cells)
    if acc.shape[-1] != n:
        acc = up(acc, n)
        coarse = None if coarse is None else up(coarse, n)
    return acc if coarse_octaves is None else (acc, coarse)


def sample(texture: torch.Tensor, x: torch.Tensor, y: torch.Tensor, extent: float) -> torch.Tensor:
    """Bilinear samples (B, C, H, W) of a lattice covering plane [−extent, extent]² at plane
    points x, y (B, H, W) in degrees; outside the lattice it reflects."""
    grid = torch.stack((x, y), dim=-1) * (1.0 / extent)
    return F.grid_sample(
        texture, grid, mode="bilinear", padding_mode="reflection", align_corners=False
    )
