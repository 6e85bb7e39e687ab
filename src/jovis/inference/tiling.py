"""Sliding-window tiles with 50% overlap and a Gaussian weight map (the nnU-Net recipe)."""

from __future__ import annotations

import functools

import numpy as np
import torch


def tile_starts(length: int, tile: int) -> list[int]:
    """Start offsets of windows of `tile` covering `length`, overlapping by at least half.

    The layout is symmetric (start + mirrored start = length − tile), so a rotated or flipped
    frame gets the rotated layout and test-time augmentation stays exact with tiles.
    """
    if length <= tile:
        return [0]
    span = length - tile
    n = -(-span // max(1, tile // 2)) + 1  # ceil(span / step) + 1 windows
    first_half = [i * span // (n - 1) for i in range((n + 1) // 2)]
    return sorted({*first_half, *(span - s for s in first_half)})


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


def tile_boxes(shape: tuple[int, int], tile: int) -> list[tuple[int, int, int, int]]:
    """(y, x, h, w) of every window over a frame of `shape`."""
    h, w = shape
    th, tw = min(tile, h), min(tile, w)
    return [(y, x, th, tw) for y in tile_starts(h, tile) for x in tile_starts(w, tile)]


def blend(
    tiles: list[tuple[tuple[int, int, int, int], np.ndarray]],
    shape: tuple[int, int],
    num_classes: int,
) -> np.ndarray:
    """Weighted average of tile probabilities (each (K, h, w)) into a (K, H, W) map."""
    acc = np.zeros((num_classes, *shape), np.float32)
    norm = np.zeros(shape, np.float32)
    for (y, x, h, w), probs in tiles:
        weight = gaussian_weights(h, w).numpy()
        acc[:, y : y + h, x : x + w] += probs * weight
        norm[y : y + h, x : x + w] += weight
    return acc / norm
