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
the limb, the terminator or the frame) cannot be told from its surroundings either.

Vortices with arms (cyclones, polar vortices, the small anticyclones) show through the structure
of their arms, not a fill: with ``vortex_label_min_structure`` > 0 an armed vortex whose
luminance sd inside its disk is under that share of the frame's bright end (sat on the night
side or deep in the terminator's shade, where the frame shows nothing: 12 % of the labelled
vortices of training-like views have a mean luminance under 5 % of it) becomes no data as well;
otherwise armed vortices keep their labels. Frames without a JunoCam channel keep every label.
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


def slot_stats(
    lum: torch.Tensor, layers: dict[str, torch.Tensor], valid: torch.Tensor
) -> dict[str, torch.Tensor]:
    """Per vortex slot of `layers`, each (B, V), on luminance `lum` (B, H, W): ``n_in``,
    ``mean_in``, ``sd_in`` (valid pixels inside the disk), ``n_ring``, ``mean_ring``, ``sd_ring``
    (the ring `RING` radii out that no vortex covers) and, (B, 1), ``bright`` (the 99th
    percentile of the frame's valid luminance)."""
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

    out = {}
    for name, sel in (("in", inside & valid), ("ring", ring)):
        n, total, squares = sums(sel)
        mean = total / n.clamp(min=1)
        out[f"n_{name}"], out[f"mean_{name}"] = n, mean
        out[f"sd_{name}"] = (squares / n.clamp(min=1) - mean**2).clamp(min=0).sqrt()
    lit = torch.where(valid, lum.double(), torch.full((), float("nan"), device=lum.device))
    out["bright"] = lit.flatten(1)[:, ::7].nanquantile(0.99, dim=1).nan_to_num(0.0)[:, None]
    return out


def fill_vortex_cnr(
    lum: torch.Tensor, layers: dict[str, torch.Tensor], valid: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """(cnr, ring pixel count), each (B, V) for the vortex slots of `layers`, on luminance `lum`
    (B, H, W). Slots with no pixel inside read cnr 0."""
    st = slot_stats(lum, layers, valid)
    return _cnr(st), st["n_ring"]


def _cnr(st: dict[str, torch.Tensor]) -> torch.Tensor:
    noise = torch.hypot(st["sd_ring"], DISPLAY_FLOOR * st["bright"]).clamp(min=1e-9)
    cnr = (st["mean_in"] - st["mean_ring"]).abs() / noise
    return torch.where(st["n_in"] > 0, cnr, torch.zeros_like(cnr))


def armed_vortex_structure(
    lum: torch.Tensor, layers: dict[str, torch.Tensor], valid: torch.Tensor
) -> torch.Tensor:
    """(B, V): each slot's luminance sd inside its disk over the frame's bright end (how much
    structure the frame shows there); 0 for slots with no valid pixel inside."""
    return _structure(slot_stats(lum, layers, valid))


def _structure(st: dict[str, torch.Tensor]) -> torch.Tensor:
    ratio = st["sd_in"] / st["bright"].clamp(min=1e-9)
    return torch.where(st["n_in"] > 0, ratio, torch.zeros_like(ratio))


def unseen_vortex_pixels(
    image: torch.Tensor,
    channels: Sequence[str],
    layers: dict[str, torch.Tensor],
    valid: torch.Tensor,
    min_cnr: float,
    min_structure: float = 0.0,
) -> torch.Tensor:
    """(B, H, W) bool: the pixels of white ovals and dark spots whose contrast-to-noise ratio in
    the rendered `image` (B, C, H, W) is under `min_cnr` (> 0), or whose ring is cut, and of
    armed vortices whose `armed_vortex_structure` is under `min_structure` (> 0); all False when
    both are 0 or no channel is a JunoCam filter."""
    from jovis.synth.junocam import FILTERS

    idx = [i for i, c in enumerate(channels) if c in FILTERS]
    fill = layers["vortex_fill_slots"]
    unseen = torch.zeros_like(fill)
    if (min_cnr <= 0 and min_structure <= 0) or not idx:
        return torch.zeros_like(valid)
    st = slot_stats(image[:, idx].mean(1), layers, valid)
    if min_cnr > 0:
        unseen |= fill & ((_cnr(st) < min_cnr) | (st["n_ring"] < MIN_RING_PX))
    if min_structure > 0:
        unseen |= ~fill & (_structure(st) < min_structure)
    owner = layers["vortex_owner"]
    per_pixel = torch.gather(unseen, 1, owner.flatten(1)).view_as(owner)
    return per_pixel & layers["vortex_mask"]
