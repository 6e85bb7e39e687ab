"""Sliding-window tiles fitted to the frame, blended with a Gaussian weight map (nnU-Net's recipe).

Along each side, the fewest windows of at most `tile` pixels whose neighbours share at least
`overlap` × their side (of `tile` pixels: as many windows as full tiles would need); the
windows then shrink to the smallest multiple of the network's stride whose windows still share
`overlap` × that side, and are spread evenly. With overlap 0.5 the window count is nnU-Net's
(stride tile/2); a smaller overlap predicts fewer pixels twice: with 1024-px tiles, a 2048²
frame predicts 2.25× its pixels at 0.5 and 1.49× at 0.25 (the default; three 832-px windows
sharing 224 px), a 4096² frame 3.06× and 1.56×. The overlap is a fraction of the window, not
of `tile`: a margin of 0.25 × 1024 px made 2048² frames take 864-px windows (1.6× the pixels)
for masks within 0.0011 IoU of these (README, "Masks of the new layout"). What a tile sees
near its edges is less reliable (the network's context is cut), so small tiles (≤ 512 px)
want more overlap.
"""

from __future__ import annotations

import functools
import itertools
import math

import torch

DEFAULT_OVERLAP = 0.25
MAX_OVERLAP = 0.75


def check_overlap(overlap: float) -> float:
    """`overlap` as a float, or ValueError naming the key and its range."""
    if isinstance(overlap, bool) or not isinstance(overlap, int | float):
        raise ValueError(f"tile_overlap={overlap!r}: must be a number (fraction of a tile's side)")
    if not 0 <= overlap <= MAX_OVERLAP:
        raise ValueError(
            f"tile_overlap={overlap!r}: must be between 0 and {MAX_OVERLAP} (the fraction of "
            f"its side a tile shares with its neighbours; {DEFAULT_OVERLAP} is the default, 0.5 "
            "nnU-Net's)"
        )
    return float(overlap)


def tile_layout(
    length: int, tile: int, overlap: float = DEFAULT_OVERLAP, multiple: int = 32
) -> tuple[int, list[int]]:
    """(window side, start offsets) of windows covering `length` (see the module docstring).

    The layout is symmetric (start + mirrored start = length − side), so a rotated or flipped
    frame gets the rotated layout and test-time augmentation stays exact with tiles.
    """
    if length <= tile:
        return length, [0]
    n = max(2, -(-(length - round(overlap * tile)) // max(1, tile - round(overlap * tile))))
    # the smallest side whose n windows cover `length` sharing `overlap` × side with neighbours
    side = min(tile, -(-math.ceil(length / (n - (n - 1) * overlap)) // multiple) * multiple)
    while True:  # integer starts can miss the margin by a pixel: then widen (or add) windows
        starts = _spread(length - side, n)
        if min(a + side - b for a, b in itertools.pairwise(starts)) >= round(overlap * side):
            return side, starts
        side, n = (min(tile, side + multiple), n) if side < tile else (side, n + 1)


def _spread(span: int, n: int) -> list[int]:
    """`n` symmetric starts from 0 to `span` (n + 1 where an odd n has no integer middle)."""
    n += n % 2 * span % 2
    first_half = [i * span // (n - 1) for i in range((n + 1) // 2)]
    return sorted({*first_half, *(span - s for s in first_half)})


def tile_starts(length: int, tile: int, overlap: float = DEFAULT_OVERLAP) -> list[int]:
    """Start offsets of `tile_layout`."""
    return tile_layout(length, tile, overlap)[1]


@functools.lru_cache(maxsize=8)
def gaussian_weights(height: int, width: int, sigma_scale: float = 0.125) -> torch.Tensor:
    """(H, W) weights, 1 at the centre, σ = `sigma_scale` × side; tile edges count ~e⁻⁸.

    Blending tiles with these hides the border effects of each tile (no seams).
    """
    ys = torch.arange(height, dtype=torch.float32) - (height - 1) / 2
    xs = torch.arange(width, dtype=torch.float32) - (width - 1) / 2
    gy = torch.exp(-0.5 * (ys / (sigma_scale * height)) ** 2)
    gx = torch.exp(-0.5 * (xs / (sigma_scale * width)) ** 2)
    weights = gy[:, None] * gx[None, :]
    return (weights / weights.max()).clamp_min(1e-6)


def tile_boxes(
    shape: tuple[int, int], tile: int, overlap: float = DEFAULT_OVERLAP, multiple: int = 32
) -> list[tuple[int, int, int, int]]:
    """(y, x, h, w) of every window over a frame of `shape`."""
    th, ys = tile_layout(shape[0], tile, overlap, multiple)
    tw, xs = tile_layout(shape[1], tile, overlap, multiple)
    return [(y, x, th, tw) for y in ys for x in xs]
