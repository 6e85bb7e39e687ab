"""Vortex labels only where the frame shows them (`jovis.synth.vortex_seen`): white ovals and dark
spots whose fill the JunoCam frame does not show become no data; nothing else changes."""

from __future__ import annotations

import pytest
import torch

from jovis.synth import render_batch
from jovis.synth.params import SynthParams
from jovis.synth.vortex_seen import fill_vortex_cnr, unseen_vortex_pixels

RGB = ["red", "green", "blue"]
MANY = {"white_oval_count": (4, 6), "dark_spot_count": (2, 3), "junocam_product_prob": 1.0}


def _layers(lum_in: float, noise: float, size: int = 48):
    """One frame with two vortex slots: slot 0 a fill vortex of radius 6 px at the centre,
    slot 1 an armed one far away; the luminance is 1 ± noise with `lum_in` inside slot 0."""
    yy, xx = torch.meshgrid(torch.arange(size), torch.arange(size), indexing="ij")
    rn = torch.hypot(xx - 24.0, yy - 24.0)[None] / 6.0
    owner = torch.zeros(1, size, size, dtype=torch.int64)
    inside = rn <= 1.0
    g = torch.Generator().manual_seed(0)
    lum = 1.0 + noise * torch.randn(1, size, size, generator=g)
    lum = torch.where(inside, lum + lum_in, lum)
    layers = {"vortex_owner": owner, "vortex_rn": rn, "vortex_mask": inside,
              "vortex_fill_slots": torch.tensor([[True, False]])}  # fmt: skip
    return lum, layers, torch.ones(1, size, size, dtype=torch.bool)


def test_cnr_is_the_fill_over_the_ring_scatter():
    cnr, ring = fill_vortex_cnr(*_layers(0.5, 0.05))
    assert ring[0, 0] > 50 and ring[0, 1] == 0
    assert 5 < cnr[0, 0] < 15  # 0.5 over sd 0.05 (and the display floor of the bright end)
    faint, _ = fill_vortex_cnr(*_layers(0.0, 0.05))
    assert faint[0, 0] < 0.5


def test_the_gate_turns_unseen_fill_vortices_to_no_data_and_changes_nothing_else():
    seeds = [11, 12, 13, 14]
    off = render_batch(seeds, 96, RGB, view="perspective", params=MANY)
    on = render_batch(
        seeds, 96, RGB, view="perspective", params=MANY | {"vortex_label_min_cnr": 0.3}
    )
    huge = render_batch(
        seeds, 96, RGB, view="perspective", params=MANY | {"vortex_label_min_cnr": 1e9}
    )
    assert torch.equal(on.image, off.image) and torch.equal(huge.image, off.image)
    changed = on.mask != off.mask
    assert ((off.mask[changed] == 2) & (on.mask[changed] == 255)).all()
    gone = huge.mask != off.mask
    assert ((off.mask[gone] == 2) & (huge.mask[gone] == 255)).all()
    assert changed.sum() < gone.sum()  # some fill vortices are seen, none at an absurd gate
    assert (huge.mask == 2).any()  # cyclones and other armed vortices keep their labels


def test_frames_without_junocam_channels_keep_every_label():
    params = MANY | {"vortex_label_min_cnr": 1e9}
    on = render_batch([3, 4], 64, ["M"], params=params)
    off = render_batch([3, 4], 64, ["M"], params=MANY)
    assert torch.equal(on.mask, off.mask)


def test_a_negative_gate_is_refused_naming_the_param():
    with pytest.raises(ValueError, match="vortex_label_min_cnr"):
        SynthParams(vortex_label_min_cnr=-1.0)


def test_armed_vortices_in_the_dark_become_no_data_and_lit_ones_keep_their_labels():
    lum, layers, valid = _layers(0.5, 0.05)
    layers["vortex_fill_slots"] = torch.tensor([[False, False]])  # slot 0 armed, lit, textured
    image = lum[:, None].expand(1, 3, *lum.shape[1:]).clone()
    keep = unseen_vortex_pixels(image, RGB, layers, valid, 0.0, 0.02)
    assert not keep.any()  # sd 0.05 of a bright end ~1.6: structure is shown
    image[:, :, layers["vortex_mask"][0]] *= 0.001  # the same vortex on the night side
    gone = unseen_vortex_pixels(image, RGB, layers, valid, 0.0, 0.02)
    assert torch.equal(gone, layers["vortex_mask"])
    # a fill vortex is judged by its fill's contrast, not by this rule
    layers["vortex_fill_slots"] = torch.tensor([[True, False]])
    assert not unseen_vortex_pixels(image, RGB, layers, valid, 0.0, 0.02).any()


def test_the_structure_gate_changes_only_armed_vortex_labels_to_no_data():
    # recipe-like views (release/visible_rgb); seeds 3 and 14 hold cyclones in the dark
    params = {"junocam_product_prob": 0.8, "junocam_altitude_km": (30000.0, 280000.0),
              "vortex_label_min_cnr": 0.3}  # fmt: skip
    seeds = [1, 3, 12, 14]
    off = render_batch(seeds, 96, RGB, view="perspective", params=params)
    on = render_batch(seeds, 96, RGB, view="perspective",
                      params=params | {"vortex_label_min_structure": 0.02})  # fmt: skip
    assert torch.equal(on.image, off.image)
    changed = on.mask != off.mask
    assert ((off.mask[changed] == 2) & (on.mask[changed] == 255)).all()
    assert changed[1].sum() > 50 and changed[3].sum() > 50  # the dark cyclones
    assert not changed[2].any()  # a frame whose vortices are all lit keeps them
    assert (on.mask == 2).sum() > 0.5 * (off.mask == 2).sum()


def test_a_negative_structure_gate_is_refused_naming_the_param():
    with pytest.raises(ValueError, match="vortex_label_min_structure"):
        SynthParams(vortex_label_min_structure=-0.1)
