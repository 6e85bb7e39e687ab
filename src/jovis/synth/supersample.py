"""Supersampled polar frames: rendered at k × the pixels, shrunk as `infer` shrinks a real frame.

A detector sees a real far-UV frame after `infer` has shrunk it to the training scale (an HST
projection at 17.6 px/deg fed to a model trained at 4.27 px/deg is antialiased and resampled,
`jovis.geometry.resample`), which removes most of the frame's fine structure and noise. A frame
rendered straight at the training scale keeps it: the scene's fine structure and the per-pixel
noise alias into the coarse pixels (docs/notes/uv.md "The far-UV frames at the detector's
scale": high-frequency share 0.25 against 0.03 for the real frames as fed). With
``data.supersample: k`` a polar training frame is rendered at k × its size (k × the px/deg, the
same field) and shrunk by 1/k with `shrink`, the torch twin of infer's rule for that zoom:
Gaussian antialiasing σ = (k − 1)/2 fine pixels over valid pixels, bilinear sampling at
((x + ½)k − ½), validity and labels by nearest neighbour. A test holds the two rules together.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import torch
import torch.nn.functional as F

MAX_SUPERSAMPLE = 8
# frames rendered together at k × size: the renderer's per-pixel layers grow past the caches
# beyond a few megapixels (8 frames at 1024 px take 1.8 × as long as 4 × 2 frames)
CHUNK_PIXELS = 2 * 1024 * 1024


def check_supersample(value: Any, view: Any = None, where: str = "data.supersample") -> int:
    """`value` as an int k (1 = off), or an error naming the setting and the fix."""
    whole = isinstance(value, int | float) and math.isfinite(value) and value == int(value)
    if isinstance(value, bool) or not whole:
        raise ValueError(f"{where}={value!r}: give a whole number of render pixels per frame "
                         f"pixel, 1 (off) to {MAX_SUPERSAMPLE}")  # fmt: skip
    k = int(value)
    if not 1 <= k <= MAX_SUPERSAMPLE:
        raise ValueError(f"{where}={k}: give 1 (off) to {MAX_SUPERSAMPLE}")
    if k > 1 and not _polar_only(view):
        named = view if isinstance(view, str | Mapping) else type(view).__name__
        raise ValueError(
            f"{where}={k} supersamples frames on the polar grid (what infer shrinks from an "
            f"instrument's projection), not spacecraft views (view {named!r}): set {where}=1 "
            "or data.view=polar"
        )
    return k


def _polar_only(view: Any) -> bool:
    """Whether `view` (``data.view``: a name, a mix of shares, or a view object) renders every
    frame on the polar grid."""
    # viewmix imports the renderer, which imports this module: read the mix its own way, here
    from jovis.synth.viewmix import is_view_mix, parse_view_mix

    if view is None or isinstance(view, str) or is_view_mix(view):
        return parse_view_mix(view) == {"polar": 1.0}
    return False  # one view's fields, or a view object


def chunk_frames(size: int, k: int) -> int:
    """Frames rendered together at ``size·k`` px a side (at least one)."""
    return max(1, CHUNK_PIXELS // (size * k) ** 2)


def gaussian_taps(sigma: float) -> torch.Tensor:
    """OpenCV's Gaussian kernel for a float image and ``ksize=(0, 0)``: 8σ + 1 taps (odd)."""
    n = round(sigma * 8 + 1) | 1
    x = torch.arange(n, dtype=torch.float64) - (n - 1) / 2
    taps = torch.exp(-(x**2) / (2 * sigma**2))
    return (taps / taps.sum()).float()


def _blur(planes: torch.Tensor, sigma: float) -> torch.Tensor:
    """(N, C, H, W) smoothed by a separable Gaussian, borders mirrored as OpenCV's default."""
    taps = gaussian_taps(sigma).to(planes.device)
    n, c = planes.shape[:2]
    r = (len(taps) - 1) // 2
    flat = planes.reshape(n * c, 1, *planes.shape[2:])
    flat = F.conv2d(F.pad(flat, (r, r, 0, 0), mode="reflect"), taps.view(1, 1, 1, -1))
    flat = F.conv2d(F.pad(flat, (0, 0, r, r), mode="reflect"), taps.view(1, 1, -1, 1))
    return flat.reshape(planes.shape)


def _nearest_rows(fine: int, coarse: int, device: torch.device) -> torch.Tensor:
    """Fine-pixel index of each coarse pixel's centre, rounded half to even as OpenCV's
    nearest-neighbour remap does."""
    scale = fine / coarse
    centre = (torch.arange(coarse, dtype=torch.float64) + 0.5) * scale - 0.5
    return torch.round(centre).long().clamp(0, fine - 1).to(device)


def shrink(
    image: torch.Tensor, mask: torch.Tensor, valid: torch.Tensor, k: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(image (B,C,H/k,W/k), mask, valid) of frames rendered at k × the pixels; see the module
    docstring. Image zero where not valid, as the renderer's."""
    if k == 1:
        return image, mask, valid
    h, w = image.shape[-2:]
    if h % k or w % k:
        raise ValueError(f"shrink: {h}x{w} px is not a multiple of k={k}")
    weight = valid.float()[:, None]
    sigma = (k - 1) / 2.0
    smooth_w = _blur(weight, sigma)
    smooth = _blur(image * weight, sigma)
    smooth = torch.where(smooth_w > 1e-6, smooth / smooth_w.clamp_min(1e-6), 0.0)
    size = (h // k, w // k)
    linear_w = F.interpolate(weight, size=size, mode="bilinear", align_corners=False)
    linear = F.interpolate(smooth * weight, size=size, mode="bilinear", align_corners=False)
    rows = _nearest_rows(h, size[0], image.device)
    cols = _nearest_rows(w, size[1], image.device)
    near_valid = valid[:, rows][:, :, cols]
    out_valid = near_valid & (linear_w[:, 0] > 1e-6)
    out = torch.where(out_valid[:, None], linear / linear_w.clamp_min(1e-6), 0.0)
    out_mask = mask[:, rows][:, :, cols].clone()
    out_mask[~out_valid] = 255
    return out, out_mask, out_valid
