"""`data.view`: per-frame views drawn from the seed, mixed batches, labels that follow the view."""

import numpy as np
import pytest
import torch

from jovis.data.datamodule import build_datasets
from jovis.data.normalise import DEFAULT_NORMALISATION
from jovis.data.stream import SyntheticStream, build_stream
from jovis.frame import IGNORE_INDEX
from jovis.synth import render_batch
from jovis.synth.viewmix import parse_view_mix, pick_view, polar_share, render_mixed

RGB = ["red", "green", "blue"]
MIX = {"polar": 0.3, "perspective": 0.7}


def test_parse_view_mix_normalises_and_names_the_key_on_errors():
    assert parse_view_mix(None) == parse_view_mix("polar") == {"polar": 1.0}
    assert parse_view_mix({"polar": 1, "perspective": 3}) == {"polar": 0.25, "perspective": 0.75}
    assert parse_view_mix({"polar": 0, "random": 2}) == {"random": 1.0}
    assert polar_share(MIX) == pytest.approx(0.3) and polar_share("perspective") == 0.0
    for bad in ("fisheye", {"sideways": 1.0}, {"polar": -1.0, "random": 2.0}, {"polar": 0}, 3):
        with pytest.raises(ValueError, match=r"data\.view"):
            parse_view_mix(bad)


def test_pick_view_is_a_function_of_the_seed_and_follows_the_mix():
    mix = parse_view_mix(MIX)
    kinds = [pick_view(s, mix) for s in range(600)]
    assert kinds == [pick_view(s, mix) for s in range(600)]
    share = kinds.count("perspective") / len(kinds)
    assert 0.63 < share < 0.77 and set(kinds) == {"polar", "perspective"}
    assert {pick_view(s, parse_view_mix("random")) for s in range(20)} == {"random"}


def test_mixed_batch_frames_equal_each_seed_rendered_alone_in_its_view():
    seeds = list(range(40, 46))
    batch = render_mixed(seeds, 64, RGB, view=MIX)
    kinds = [pick_view(s, parse_view_mix(MIX)) for s in seeds]
    assert set(kinds) == {"polar", "perspective"}  # these seeds do mix
    for i, (seed, kind) in enumerate(zip(seeds, kinds, strict=True)):
        alone = render_batch([seed], 64, RGB, view=None if kind == "polar" else kind)
        assert torch.equal(batch.image[i], alone.image[0])
        assert torch.equal(batch.mask[i], alone.mask[0])
        assert torch.equal(batch.valid[i], alone.valid[0])
        assert batch.seeds[i] == seed and batch.limb_cut[i] == alone.limb_cut[0]
        assert (batch.grids[i] is None) == (kind != "polar")
        feats = batch.features(i)
        assert feats == alone.features(0)
        assert (feats.get("view") or {}).get("kind") == (None if kind == "polar" else kind)


def _stream(view, **kw):
    return SyntheticStream(8, 4, size=64, channels=RGB, seed=7, view=view,
                           normalisation=DEFAULT_NORMALISATION, **kw)  # fmt: skip


def test_stream_default_is_the_polar_grid_and_off_disk_pixels_are_ignored():
    polar = _stream("polar").render(0, 0, 0, torch.device("cpu"))
    plain = SyntheticStream(8, 4, size=64, channels=RGB, seed=7,
                            normalisation=DEFAULT_NORMALISATION).render(0, 0, 0, "cpu")  # fmt: skip
    assert torch.equal(polar["image"], plain["image"]) and torch.equal(polar["mask"], plain["mask"])
    direct = render_batch(_stream("polar").seeds(0, 0, 0), 64, RGB)
    want = torch.where(direct.valid, direct.mask.long(), IGNORE_INDEX)
    assert torch.equal(plain["mask"], want)  # today's frames, unchanged
    persp = _stream("perspective").render(0, 0, 0, torch.device("cpu"))
    sky = persp["mask"] == IGNORE_INDEX
    assert sky.any() and (~sky).any()  # sky and no-data are ignored, the disk is trained on
    assert (persp["image"].abs().sum(1)[sky] == 0).all()  # sky is 0, as at inference
    assert not torch.equal(persp["image"], polar["image"])


def test_datasets_and_device_stream_follow_data_view():
    data = {"kind": "synthetic", "size": 64, "train_frames": 8, "val_frames": 4, "seed": 0,
            "val_seed": 500, "batch_size": 4, "view": MIX}  # fmt: skip
    train, val = build_datasets(data, RGB, "junocam_rgb", DEFAULT_NORMALISATION, seed=3)
    stream = build_stream(data, RGB, DEFAULT_NORMALISATION, seed=3)
    got = stream.render(0, 0, 0, torch.device("cpu"))
    for j in range(4):
        want = train[j]  # the per-frame CPU loader of the same seeds
        assert got["id"][j] == want["id"]
        torch.testing.assert_close(got["image"][j], want["image"], rtol=1e-5, atol=1e-5)
        assert torch.equal(got["mask"][j], want["mask"])
    kinds = [pick_view(500 + i, parse_view_mix(MIX)) for i in range(4)]
    for i, kind in enumerate(kinds):
        sample = val[i]
        assert (sample["grid"] is None) == (kind != "polar")
        assert ("view" in sample["features"]) == (kind != "polar")
    with pytest.raises(ValueError, match=r"data\.view"):
        build_stream({**data, "view": "fisheye"}, RGB, DEFAULT_NORMALISATION, seed=3)
    assert np.isclose(sum(parse_view_mix(MIX).values()), 1.0)


def test_synth_writes_a_view_mix_as_data_view_draws_it(tmp_path):
    """`jovis synth view={polar: .., perspective: ..}`: each frame in its seed's view (a held-out
    set rendered as a view-trained recipe's frames)."""
    import json

    from jovis.synth import write_frame_set

    write_frame_set(tmp_path, n=4, size=64, channels=RGB, instrument="junocam_rgb", seed=43,
                    view=MIX)  # fmt: skip
    rows = [json.loads(x) for x in (tmp_path / "manifest.jsonl").read_text().splitlines()]
    kinds = [pick_view(43 + i, parse_view_mix(MIX)) for i in range(4)]
    assert [r["grid"] is None for r in rows] == [k != "polar" for k in kinds]
    assert set(kinds) == {"polar", "perspective"}  # both views in these seeds


def test_scenes_drawn_apart_render_the_same_frames():
    """`draw_batch` / `draw_mixed` draw a batch's scenes where the device is not (a loader
    worker); rendered from them, the frames equal those drawn inline, and scenes drawn for other
    seeds or settings are refused."""
    from jovis.synth.renderer import draw_batch
    from jovis.synth.viewmix import draw_mixed

    seeds = list(range(40, 46))
    for view in (None, "perspective"):
        inline = render_batch(seeds, 48, RGB, view=view)
        apart = render_batch(seeds, 48, RGB, view=view, drawn=draw_batch(seeds, 48, view=view))
        assert torch.equal(inline.image, apart.image) and torch.equal(inline.mask, apart.mask)
    kinds = {pick_view(s, parse_view_mix(MIX)) for s in seeds}
    assert kinds == {"polar", "perspective"}  # the mixed batch below has both
    drawn = draw_mixed(seeds, 48, view=MIX)
    inline = render_mixed(seeds, 48, RGB, view=MIX)
    apart = render_mixed(seeds, 48, RGB, view=MIX, drawn=drawn)
    assert torch.equal(inline.image, apart.image) and torch.equal(inline.valid, apart.valid)
    other = draw_batch([*seeds[:-1], 99], 48)
    with pytest.raises(ValueError, match="drawn for other seeds"):
        render_batch(seeds, 48, RGB, drawn=other)
    with pytest.raises(ValueError, match="drawn for other seeds"):
        render_batch(seeds, 48, RGB, drawn=draw_batch(seeds, 48, params={"limb_prob": 0.0}))
