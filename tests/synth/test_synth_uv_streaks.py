"""The limb streaks' profile across the edge (`jovis.synth.uv._streaks`, `uv_streak_power`)."""

from __future__ import annotations

import torch

from jovis.synth import render_batch, uv
from jovis.synth.hash_rng import frame_keys
from jovis.synth.params import SynthParams


def _stripes(power: float) -> torch.Tensor:
    keys = frame_keys(torch.tensor([11], dtype=torch.int64))
    geo = uv.geometry([11], SynthParams())
    geo[:, uv.G["ux"]], geo[:, uv.G["uy"]], geo[:, uv.G["d"]] = 1.0, 0.0, 0.0  # edge along y
    geo[:, uv.G["length"]] = 1e6  # no fade: the profile alone
    y = torch.linspace(-60.0, 60.0, 4001)[None, :, None].expand(1, 4001, 1)
    x = torch.full_like(y, -0.5)
    return uv._streaks(keys, geo, x, y, power)[0, :, 0]


def test_a_larger_power_makes_sparser_brighter_stripes():
    today, sparse = _stripes(3.0), _stripes(8.0)
    # cell values have mean 1; interpolating between cells lowers it, more so at a larger power
    assert 0.7 < float(today.mean()) < 0.9 and 0.45 < float(sparse.mean()) < 0.65
    # the median pixel is darker and the brightest brighter: dark ground under fewer stripes
    assert float(sparse.median()) < 0.5 * float(today.median())
    assert float(sparse.max()) > 1.8 * float(today.max())


def test_power_three_is_the_default_and_only_the_uv_image_changes():
    assert SynthParams().uv_streak_power == 3.0
    base = render_batch([5], 48, ["uv", "L"])
    sparse = render_batch([5], 48, ["uv", "L"], params={"uv_streak_power": 8.0})
    assert torch.equal(base.image[:, 1], sparse.image[:, 1]) and torch.equal(base.mask, sparse.mask)
    assert not torch.equal(base.image[:, 0], sparse.image[:, 0])
