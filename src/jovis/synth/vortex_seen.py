"""Vortex labels only where the frame shows the vortex: white ovals and dark spots too faint to
see become no data.

A white oval or a dark spot (`jovis.synth.layers.FILL_ROLES`) shows only through its fill, a disk
brighter or darker than the clouds around it: its arms are faint (`small_vortices`). Where the
limb, the terminator, the product's stretch and the cloud texture leave the fill under the
texture's own scatter, nothing in the frame marks the vortex, and a vortex label there teaches
the detector that ordinary cloud is a vortex at random (about a fifth of the labelled white ovals
and dark spots of training-like frames read under 0.5). This alone did not teach the CPU-sized
detector to see white ovals (README, "Why the JunoCam detector ignores white ovals").

With ``vortex_label_min_cnr`` > 0 the pixels of such a vortex become no data (255): neither
vortex nor background in training or scoring. A vortex's contrast-to-noise ratio is
|mean inside − mean of its ring| / noise, the ring being the valid pixels 1.3–1.8 radii from its
centre that no vortex covers and the noise the ring's sd and `DISPLAY_FLOOR` of the frame's
bright end added in quadrature, on the mean of the frame's JunoCam channels as rendered (stretch,
noise and texture included). A vortex with fewer than `MIN_RING_PX` ring pixels (cut by
the limb, the terminator or the frame) cannot be told from its surroundings either. Vortices
with arms (cyclones, polar vortices, the small anticyclones) and frames without a JunoCam
channel keep their labels.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

RING = (1.3, 1.8)  # radii: the surroundings a vortex is compared with (as realism measures)
MIN_RING_PX = 8
# a difference under this share of the frame's bright end (99th percentile of its valid
# luminance) is not seen on a display whatever the noise: it keeps the night side of RDR-like
# frames, dark but noiseless, from reading as contrast (a choice)
DISPLAY_FLOOR = 0.02


def fill_vortex_cnr(
    lum: torch.Tensor, layers: dict[str, torch.Tensor], valid: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """(cnr, ring pixel count), each (B, V) for the vortex slots of `layers`, on luminance `lum`
    (B, H, W). Slots with no pixel inside read cnr 0."""
    owner, rn, inside = layers["vortex_owner"], layers["vortex_rn"], layers["vortex_mask"]
    b, v = layers["vortex_fill_slots"].shape
    slot = (owner + torch.arange(b, device=owner.device)[:, None, None] * v).flatten()
    ring = (rn >= RING[0]) & (rn <= RING[1]) & valid & ~inside
    x = lum.double().flatten()

    def sums(sel: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        w = sel.flatten().double()
        acc = [torch.zeros(b * v, dtype=torch.float64, device=lum.device) for _ in range(3)]
        for a, val in zip(acc, (w, w * x, w * x * x), strict=True):
            a.index_add_(0, slot, val)
        return tuple(a.view(b, v) for a in acc)

    n_in, s_in, _ = sums(inside & valid)
    n_ring, s_ring, q_ring = sums(ring)
    mean_in, mean_ring = s_in / n_in.clamp(min=1), s_ring / n_ring.clamp(min=1)
    sd_ring = (q_ring / n_ring.clamp(min=1) - mean_ring**2).clamp(min=0).sqrt()
    lit = torch.where(valid, lum.double(), torch.full((), float("nan"), device=lum.device))
    bright = lit.flatten(1)[:, ::7].nanquantile(0.99, dim=1).nan_to_num(0.0)[:, None]  # (B, 1)
    noise = torch.hypot(sd_ring, DISPLAY_FLOOR * bright).clamp(min=1e-9)
    cnr = (mean_in - mean_ring).abs() / noise
    return torch.where(n_in > 0, cnr, torch.zeros_like(cnr)), n_ring


def unseen_vortex_pixels(
    image: torch.Tensor,
    channels: Sequence[str],
    layers: dict[str, torch.Tensor],
    valid: torch.Tensor,
    min_cnr: float,
) -> torch.Tensor:
    """(B, H, W) bool: the pixels of white ovals and dark spots whose contrast-to-noise ratio in
    the rendered `image` (B, C, H, W) is under `min_cnr`, or whose ring is cut; all False when
    `min_cnr` is 0 or no channel is a JunoCam filter."""
    from jovis.synth.junocam import FILTERS

    idx = [i for i, c in enumerate(channels) if c in FILTERS]
    none = torch.zeros_like(valid)
    if min_cnr <= 0 or not idx:
        return none
    cnr, n_ring = fill_vortex_cnr(image[:, idx].mean(1), layers, valid)
    unseen = layers["vortex_fill_slots"] & ((cnr < min_cnr) | (n_ring < MIN_RING_PX))
    owner = layers["vortex_owner"]
    per_pixel = torch.gather(unseen, 1, owner.flatten(1)).view_as(owner)
    return per_pixel & layers["vortex_mask"]
