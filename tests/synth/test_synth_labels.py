"""`vortex_label_gap_px`: touching vortices' labels are cut apart by a background lane."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch

from jovis.synth import SynthParams, render_batch
from jovis.synth.labels import vortex_gap

RGB = ["red", "green", "blue"]


def test_the_gap_cuts_both_sides_of_a_shared_edge_and_nothing_else():
    owner = torch.zeros(1, 6, 8, dtype=torch.int64)
    owner[:, :, 4:] = 1  # two disks meeting between columns 3 and 4
    inside = torch.ones(1, 6, 8, dtype=torch.bool)
    inside[:, :, 7] = False  # a column outside every disk: no edge there
    gap = vortex_gap(owner, inside, 1)[0]
    assert gap[:, 3].all() and gap[:, 4].all()
    assert not gap[:, [0, 1, 2, 5, 6, 7]].any()
    wide = vortex_gap(owner, inside, 2)[0]
    assert wide[:, 2:6].all() and not wide[:, [0, 1, 6, 7]].any()


def test_a_lone_vortex_keeps_every_pixel():
    owner = torch.zeros(1, 5, 5, dtype=torch.int64)
    inside = torch.zeros(1, 5, 5, dtype=torch.bool)
    inside[:, 1:4, 1:4] = True  # slot 0 also owns the sky around it: no other vortex near
    assert not vortex_gap(owner, inside, 2).any()


def _merged_instances(mask: np.ndarray, centres: list[tuple[int, int]]) -> int:
    """Vortex centres whose label component holds another centre too."""
    _, comp = cv2.connectedComponents((mask == 2).astype(np.uint8), connectivity=8)
    ids = [comp[y, x] for x, y in centres if 0 <= y < mask.shape[0] and 0 <= x < mask.shape[1]]
    ids = [i for i in ids if i > 0]
    return sum(ids.count(i) for i in set(ids) if ids.count(i) > 1)


def test_rendered_touching_vortices_are_labelled_apart_and_the_image_is_unchanged():
    # recipe-like views; seeds 10000003 and 10000014 hold touching circumpolar cyclones
    params = {"junocam_product_prob": 0.8, "junocam_altitude_km": (30000.0, 280000.0)}
    seeds = [10000003, 10000010, 10000014]
    off = render_batch(seeds, 256, RGB, view="perspective", params=params)
    on = render_batch(seeds, 256, RGB, view="perspective",
                      params=params | {"vortex_label_gap_px": 1})  # fmt: skip
    assert torch.equal(on.image, off.image)
    changed = on.mask != off.mask
    assert changed.any()
    assert ((off.mask[changed] == 2) & (on.mask[changed] != 2)).all()  # only vortex pixels go
    merged_off = merged_on = 0
    for i in range(len(seeds)):
        centres = [(round(v["x"]), round(v["y"])) for v in off.features(i)["vortices"]]
        merged_off += _merged_instances(off.mask[i].numpy(), centres)
        merged_on += _merged_instances(on.mask[i].numpy(), centres)
    assert merged_off >= 2 and merged_on == 0
    assert (on.mask == 2).sum() > 0.9 * (off.mask == 2).sum()  # a lane, not the disks


@pytest.mark.parametrize("bad", [-1, 4, 1.5, True])
def test_a_bad_gap_is_refused_naming_the_param(bad):
    with pytest.raises(ValueError, match="vortex_label_gap_px"):
        SynthParams(vortex_label_gap_px=bad)
