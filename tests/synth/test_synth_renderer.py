"""render_batch: batch composition, determinism, instruments' documented channels and ranges,
companding, label schemas."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from omegaconf import OmegaConf

from jovis.config import CONFIG_DIR
from jovis.io.instrument import instrument_names
from jovis.synth import CHANNEL_INFO, SynthBatch, compand, decompand, make_sample, render_batch

ALL = ["L", "M", "uv", "red", "green", "blue", "ch4"]


def test_frame_is_bit_identical_whatever_the_batch():
    seeds = [3, 17, 40000001]
    batch = render_batch(torch.tensor(seeds), 77, ALL)  # odd size: no lucky alignment
    assert isinstance(batch, SynthBatch) and batch.seeds == seeds
    assert batch.image.shape == (3, 7, 77, 77) and batch.image.dtype == torch.float32
    assert batch.mask.dtype == torch.uint8 and batch.valid.dtype == torch.bool
    for i, seed in enumerate(seeds):
        one = render_batch([seed], 77, ALL)
        assert torch.equal(one.image[0], batch.image[i])
        assert torch.equal(one.mask[0], batch.mask[i])
        assert torch.equal(one.valid[0], batch.valid[i])
        assert one.features(0) == batch.features(i)
    again = render_batch(seeds[::-1], 77, ALL)
    assert torch.equal(again.image[0], batch.image[2])


def test_same_seed_same_frame_and_seeds_differ():
    a = render_batch([5, 6], 64, ["L", "uv"])
    b = render_batch([5, 6], 64, ["L", "uv"])
    assert torch.equal(a.image, b.image) and torch.equal(a.mask, b.mask)
    assert not torch.equal(a.image[0], a.image[1])
    assert a.features(0) != a.features(1)
    assert json.loads(json.dumps(a.features(0))) == a.features(0)


def test_make_sample_is_frame_zero_of_render_batch():
    frame, labels = make_sample(9, 64, ["M", "red"], "x", "south")
    batch = render_batch([9], 64, ["M", "red"], hemisphere="south")
    assert np.array_equal(frame.image, batch.image[0].permute(1, 2, 0).numpy())
    assert np.array_equal(labels.mask, batch.mask[0].numpy())
    assert np.array_equal(frame.valid, batch.valid[0].numpy())


def _instruments():
    out = []
    for name in instrument_names():
        cfg = OmegaConf.to_container(OmegaConf.load(CONFIG_DIR / "instrument" / f"{name}.yaml"))
        if set(cfg["channels"]) <= set(CHANNEL_INFO):
            out.append((name, cfg))
    return out


@pytest.mark.parametrize(
    ("name", "cfg"), _instruments(), ids=lambda v: v if isinstance(v, str) else ""
)
def test_every_instrument_gives_its_documented_channels_dtype_and_range(name, cfg):
    assert cfg["dtype"] == "float32"
    assert list(cfg["value_range"]) == cfg["channels"]
    for ch in cfg["channels"]:
        assert cfg["units"] == CHANNEL_INFO[ch][1]
        assert tuple(cfg["value_range"][ch]) == CHANNEL_INFO[ch][2]
    batch = render_batch(range(6), 64, cfg["channels"], params={"limb_prob": 0.5})
    assert batch.channels == cfg["channels"] and batch.image.dtype == torch.float32
    assert torch.isfinite(batch.image).all()
    for c, ch in enumerate(cfg["channels"]):
        lo, hi = cfg["value_range"][ch]
        vals = batch.image[:, c][batch.valid]
        assert lo <= vals.min() and vals.max() <= hi, (name, ch, vals.min(), vals.max())
        assert vals.max() > vals.min()
    assert (batch.image.permute(1, 0, 2, 3)[:, ~batch.valid] == 0).all()
    assert set(batch.mask.unique().tolist()) <= {0, 1, 2, 255}
    assert torch.equal(batch.mask == 255, ~batch.valid)


def test_compand_then_decompand_within_one_step():
    linear = torch.linspace(0.0, 2879.0, 20001)
    codes = compand(linear)
    assert codes.dtype == torch.uint8
    back = decompand(codes)
    table = decompand(torch.arange(256))
    step = torch.diff(table)[(torch.bucketize(linear, table) - 1).clamp(0, 254)]
    assert ((back - linear).abs() <= step).all()
    assert torch.equal(decompand(compand(table)), table)  # table values survive exactly
    assert table[-1] == 2879.0 and table[23] == 23.0 and table[43] == 63.0  # PHYSICS §3 knots


def test_junocam_values_carry_the_companding_quantisation():
    p = {
        "read_noise_frac": [0.0, 0.0],
        "spike_count": [0, 0],
        "junocam_compression_step": 1.0,
        "junocam_product_prob": 0.0,
    }  # RDR-like frames (composites are re-quantised: 8-bit stretch)
    batch = render_batch([2], 64, ["green"], params=p)
    dn = batch.image[0, 0][batch.valid[0]]
    rdr_table = decompand(torch.arange(256)) * (10000.0 / 2000.0)
    assert torch.isin(dn, rdr_table).all()  # every value is a decompanded 8-bit code


def test_fine_label_schema_adds_classes():
    p = {"label_schema": "fine", "limb_prob": 0.0}
    batch = render_batch(range(4), 96, ["uv"], params=p)
    found = set(batch.mask.unique().tolist())
    assert {0, 1, 2, 3, 4} <= found and found <= {0, 1, 2, 3, 4, 5, 255}
    default = render_batch(range(4), 96, ["uv"], params={"limb_prob": 0.0})
    footprint = batch.mask == 5  # footprints are drawn over the oval
    assert torch.equal((batch.mask == 1) | (footprint & (default.mask == 1)), default.mask == 1)
    assert torch.equal((batch.mask == 2) | (batch.mask == 3), default.mask == 2)


def test_bad_arguments_fail_naming_them():
    with pytest.raises(ValueError, match="known channels"):
        render_batch([0], 64, ["K"])
    with pytest.raises(ValueError, match="size"):
        render_batch([0], 16, ["L"])
    with pytest.raises(ValueError, match="seeds"):
        render_batch([], 64, ["L"])
    with pytest.raises(ValueError, match="hemisphere"):
        render_batch([0], 64, ["L"], hemisphere="up")


def test_public_names_resolve_and_synth_does_not_load_the_realism_report():
    import subprocess
    import sys

    code = (
        "import sys, jovis.synth as s\n"
        "missing = [n for n in s.__all__ if not hasattr(s, n)]\n"
        "assert not missing, missing\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('jovis.realism'))\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
