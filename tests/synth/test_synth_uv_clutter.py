"""The far-UV clutter field beside the oval (`jovis.synth.uv.clutter`) on tiny frames."""

from __future__ import annotations

import torch

from jovis.synth import render_batch, uv
from jovis.synth.hash_rng import frame_keys
from jovis.synth.params import SynthParams


def _geo(amp: float, deg: float, n: int = 2) -> torch.Tensor:
    geo = uv.geometry(list(range(n)), SynthParams())
    geo[:, uv.G["clutter"]] = amp
    geo[:, uv.G["clutter_deg"]] = deg
    return geo


def test_clutter_is_one_without_amplitude_and_unit_sd_with_it():
    keys = frame_keys(torch.tensor([3, 4], dtype=torch.int64))
    flat = uv.clutter(keys, _geo(0.0, 0.5), (96, 96), px_deg=0.25, max_deg=0.5)
    assert torch.equal(flat, torch.ones_like(flat))
    field = uv.clutter(
        keys, _geo(0.3, 0.5), (96, 96), px_deg=0.25, max_deg=0.5
    )  # sigma 2 px, little clipping
    assert field.min() >= 0.0
    assert abs(float(field.mean()) - 1.0) < 0.05
    assert 0.2 < float(field.std()) < 0.4  # ~ the amplitude: the blurred field has unit sd
    assert not torch.equal(field[0], field[1])  # each frame its own field
    again = uv.clutter(keys, _geo(0.3, 0.5), (96, 96), px_deg=0.25, max_deg=0.5)
    assert torch.equal(field, again)  # counter-based: the same keys give the same field


def test_clutter_parameters_are_drawn_last_and_only_change_uv():
    p = SynthParams()
    base = uv.geometry([0, 1], p)
    assert base.shape[1] == len(uv.GCOLS)
    c = base[:, uv.G["clutter"]]
    assert ((c >= p.uv_clutter_amp[0]) & (c <= p.uv_clutter_amp[1])).all()
    on_ = {"uv_clutter_amp": [1.0, 2.5]}  # off by default; the kernel must not depend on the batch
    alone = render_batch([7], 64, ["uv"], params=on_)
    assert torch.equal(alone.image[0], render_batch([3, 7], 64, ["uv"], params=on_).image[1])
    off = render_batch([5], 48, ["uv", "L"], params={"uv_clutter_amp": [0.0, 0.0]})
    on = render_batch([5], 48, ["uv", "L"], params={"uv_clutter_amp": [2.0, 2.0]})
    assert torch.equal(off.image[:, 1], on.image[:, 1])  # L untouched
    assert torch.equal(off.mask, on.mask)  # labels come from the geometry
    assert not torch.equal(off.image[:, 0], on.image[:, 0])
