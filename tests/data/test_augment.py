import math

import pytest
import torch
from omegaconf import OmegaConf
from tests.conftest import compose_config

from jovis.data.augment import BatchAugment, build_augment
from jovis.data.augment_spec import SPEC

LABELS = (0, 7, 200)  # far-apart ids: any interpolation between them would show


def batch(b=4, c=3, h=32, w=32, seed=0, dtype=torch.float32):
    """Image in (0.5, 1.5) (never 0, so no pixel is no data) and a mask of LABELS."""
    g = torch.Generator().manual_seed(seed)
    image = (torch.rand(b, c, h, w, generator=g) + 0.5).to(dtype)
    mask = torch.tensor(LABELS)[torch.randint(0, len(LABELS), (b, h, w), generator=g)]
    return image, mask


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


def load(name):
    """A configs/augment choice as plain data, as the trainer passes it (composed, resolved)."""
    return OmegaConf.to_container(
        compose_config("train", [f"augment={name}"]).augment, resolve=True
    )


def every_op(prob=1.0):
    return {op: {"prob": prob} for op in SPEC}


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_rotation_by_90_degrees_is_rot90_anticlockwise_about_the_centre(dtype):
    image, mask = batch(dtype=dtype)
    aug = BatchAugment({"rotate": {"prob": 1.0, "degrees": [90, 90]}})
    got_image, got_mask = aug(image, mask, gen())
    assert got_image.dtype == dtype and got_mask.dtype == torch.int64
    torch.testing.assert_close(got_image, torch.rot90(image, 1, (-2, -1)), atol=1e-5, rtol=0)
    assert torch.equal(got_mask, torch.rot90(mask, 1, (-2, -1)))
    # -90° the other way, and a 90° step quantises any angle to a right angle
    back, _ = BatchAugment({"rotate": {"prob": 1.0, "degrees": [-90, -90]}})(image, mask, gen())
    torch.testing.assert_close(back, torch.rot90(image, -1, (-2, -1)), atol=1e-5, rtol=0)
    dihedral = BatchAugment({"rotate": {"prob": 1.0, "step": 90}})
    for seed in range(3):
        got_image, got_mask = dihedral(image, mask, gen(seed))
        for i in range(len(image)):
            assert any(
                torch.equal(got_mask[i], torch.rot90(mask[i], k, (-2, -1)))
                and torch.allclose(got_image[i], torch.rot90(image[i], k, (-2, -1)), atol=1e-5)
                for k in range(4)
            )


def test_flip_mirrors_columns_and_zoom_samples_about_the_centre():
    image, mask = batch(h=32, w=32)
    got_image, got_mask = BatchAugment({"flip": {"prob": 1.0}})(image, mask, gen())
    torch.testing.assert_close(got_image, image.flip(-1), atol=1e-5, rtol=0)
    assert torch.equal(got_mask, mask.flip(-1))
    # zoom 2: output pixel j shows input pixel (2j + W - 1) / 4, nearest (no ties at W = 32)
    _, zoomed = BatchAugment({"scale": {"prob": 1.0, "range": [2, 2]}})(image, mask, gen())
    src = torch.round((2 * torch.arange(32) + 31) / 4).long()
    assert torch.equal(zoomed, mask[:, src][:, :, src])
    # zoom 0.5: the outer ring comes from outside the frame
    _, shrunk = BatchAugment({"scale": {"prob": 1.0, "range": [0.5, 0.5]}})(image, mask, gen())
    assert (shrunk[:, :7] == 255).all() and (shrunk[:, :, -7:] == 255).all()
    assert (shrunk[:, 9:23, 9:23] != 255).all()


def test_mask_keeps_its_label_set_and_is_never_interpolated():
    image, mask = batch(b=6, h=48, w=40)
    got_image, got_mask = BatchAugment(every_op())(image, mask, gen(3))
    assert set(got_mask.unique().tolist()) <= {*LABELS, 255}
    assert torch.isfinite(got_image).all()
    for name in ("default", "light"):
        _, got_mask = build_augment(load(name))(image, mask, gen(4))
        assert set(got_mask.unique().tolist()) <= {*LABELS, 255}
    # a uint8 mask: an ignore label over real data moves with the frame and keeps its data
    image, mask = batch()
    mask = mask.to(torch.uint8)
    mask[:, :16] = 255
    aug = BatchAugment({"rotate": {"prob": 1.0, "degrees": [90, 90]}})
    got_image, got_mask = aug(image, mask, gen())
    assert got_mask.dtype == torch.uint8 and torch.equal(got_mask, torch.rot90(mask, 1, (-2, -1)))
    assert (got_image > 0).all()


def test_out_of_frame_pixels_after_45_degrees_are_ignored_and_zero():
    n = 64
    image, mask = batch(b=2, h=n, w=n)
    aug = BatchAugment({"rotate": {"prob": 1.0, "degrees": [45, 45]}})
    got_image, got_mask = aug(image, mask, gen())
    # source of each output pixel centre, in pixels from the frame centre
    y, x = torch.meshgrid(
        torch.arange(n) - (n - 1) / 2, torch.arange(n) - (n - 1) / 2, indexing="ij"
    )
    c = math.cos(math.pi / 4)
    sx, sy = c * x - c * y, c * x + c * y
    reach = torch.maximum(sx.abs(), sy.abs())
    outside, inside = reach > n / 2 + 0.5, reach < n / 2 - 1.5
    assert outside.sum() > 0.15 * n * n  # the four corners, about 17% of the frame
    assert (got_mask[:, outside] == 255).all() and (
        got_image.permute(1, 0, 2, 3)[:, :, outside] == 0
    ).all()
    assert (got_mask[:, inside] != 255).all() and (
        got_image.permute(1, 0, 2, 3)[:, :, inside] > 0
    ).all()


def test_seeds_reproduce_and_frames_get_their_own_parameters():
    image, mask = batch(b=4)
    image, mask = image[:1].expand(4, -1, -1, -1), mask[:1].expand(4, -1, -1)  # identical frames
    aug = build_augment(load("default"))
    a, b = aug(image, mask, gen(11)), aug(image, mask, gen(11))
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    c = aug(image, mask, gen(12))
    assert not torch.equal(a[0], c[0])
    for i in range(4):
        for j in range(i):
            assert not torch.equal(a[0][i], a[0][j])
    # each op alone also gives different frames different parameters
    for op in ("rotate", "scale", "gamma", "contrast", "brightness", "blur", "seams", "noise"):
        got, _ = BatchAugment({op: {"prob": 1.0}})(image, mask, gen(5))
        assert not torch.equal(got[0], got[1]), op


def test_missing_strip_is_ignored_exactly_where_the_image_is_zeroed():
    image, mask = batch(b=8, h=64, w=48)
    aug = BatchAugment({"missing": {"prob": 1.0, "width": [0.1, 0.2]}})
    got_image, got_mask = aug(image, mask, gen(2))
    zero = (got_image == 0).all(1)
    assert torch.equal(zero, got_mask == 255)
    assert torch.equal(got_mask[~zero], mask[~zero]) and torch.equal(
        got_image[:, 0][~zero], image[:, 0][~zero]
    )
    for z in zero:  # one full band of rows or of columns, 10-20% of the frame
        rows, cols = z.all(1), z.all(0)
        band = rows if rows.any() else cols
        assert torch.equal(z, rows[:, None] | cols[None, :])
        width = int(band.sum())
        assert 0.1 * len(band) - 1 <= width <= 0.2 * len(band) + 1
        assert int(band.nonzero().max() - band.nonzero().min()) + 1 == width  # contiguous
    # with every op on, no data (image 0 everywhere) is still exactly where the mask is 255
    got_image, got_mask = build_augment(load("default") | {"missing": {"prob": 1.0}})(
        image, mask, gen(3)
    )
    assert torch.equal((got_image == 0).all(1), got_mask == 255) and (got_mask == 255).any()


def test_no_data_stays_zero_and_intensity_ops_do_what_they_say():
    image, mask = batch(b=4, c=2, h=32, w=32)
    image[:, :, :, :5], mask[:, :, :5] = 0, 255  # a limb cut: no data
    ops = {op: {"prob": 1.0} for op in ("gamma", "contrast", "brightness", "blur", "seams")}
    got, got_mask = BatchAugment(ops | {"poisson": {"prob": 1.0}, "noise": {"prob": 1.0}})(
        image, mask, gen()
    )
    assert (got[:, :, :, :5] == 0).all() and torch.equal(got_mask, mask)
    assert (got[:, :, :, 5:] != image[:, :, :, 5:]).all()
    # gamma keeps signs, and the clip holds
    neg = torch.full((2, 1, 8, 8), -0.4)
    out, _ = BatchAugment({"gamma": {"prob": 1.0, "range": [2, 2]}})(
        neg, torch.zeros(2, 8, 8, dtype=torch.long)
    )
    torch.testing.assert_close(out, torch.full_like(neg, -0.16))
    hot, _ = BatchAugment({"brightness": {"prob": 1.0, "range": [2, 2]}})(
        neg + 1, torch.zeros(2, 8, 8, dtype=torch.long)
    )
    assert (hot == 2.0).all()
    # blur keeps a constant, smooths noise; Poisson-like noise grows with the signal
    flat = torch.ones(3, 1, 32, 32)
    zero_mask = torch.zeros(3, 32, 32, dtype=torch.long)
    torch.testing.assert_close(
        BatchAugment({"blur": {"prob": 1.0}})(flat, zero_mask, gen())[0], flat
    )
    rough = torch.rand(3, 1, 32, 32, generator=gen())
    smooth, _ = BatchAugment({"blur": {"prob": 1.0, "sigma": [1.5, 1.5]}})(rough, zero_mask, gen())
    assert smooth.std() < 0.5 * rough.std()
    levels = torch.tensor([0.05, 1.0, 1.9])[:, None, None, None].expand(3, 1, 32, 32)
    noisy, _ = BatchAugment({"poisson": {"prob": 1.0, "peak": [50, 50]}}, clip=None)(
        levels, zero_mask, gen()
    )
    sd = (noisy - levels).std((1, 2, 3))
    assert sd[0] < sd[1] < sd[2] and abs(float(sd[1]) - 50**-0.5) < 0.03
    # seams: rows stay uniform, strips differ and change by rows only
    seams, _ = BatchAugment({"seams": {"prob": 1.0, "height": [0.25, 0.25]}})(
        flat, zero_mask, gen()
    )
    assert torch.equal(seams, seams[..., :1].expand_as(seams))
    assert seams[:, 0, :, 0].unique().numel() >= 4


def test_shading_is_one_smooth_light_field_on_every_channel():
    image, mask = batch(b=4, c=3, h=64, w=64)
    image[:, :, :, :5], mask[:, :, :5] = 0, 255  # no data stays 0
    aug = BatchAugment({"shading": {"prob": 1.0, "amp": [0.5, 0.5], "cells": 3}}, clip=None)
    got, got_mask = aug(image, mask, gen())
    assert torch.equal(got_mask, mask) and (got[:, :, :, :5] == 0).all()
    gain = got[:, :, :, 5:] / image[:, :, :, 5:]
    torch.testing.assert_close(gain, gain[:, :1].expand_as(gain))  # the same on every channel
    log_gain = gain[:, 0].log()
    assert 0.2 < float(log_gain.std()) < 0.8  # amp 0.5 over a unit-normal grid
    # smooth: neighbouring pixels differ far less than the field varies over the frame
    step = (log_gain[:, :, 1:] - log_gain[:, :, :-1]).abs().max()
    assert float(step) < 0.1 * float(log_gain.max() - log_gain.min())
    # frames get their own fields, and the same seed gives the same light
    assert not torch.allclose(log_gain[0], log_gain[1])
    torch.testing.assert_close(aug(image, mask, gen())[0], got)


def test_everything_off_is_identity_and_none_builds_nothing():
    image, mask = batch()
    off = BatchAugment(every_op(prob=0.0))
    got_image, got_mask = off(image, mask, gen())
    assert torch.equal(got_image, image) and torch.equal(got_mask, mask)
    assert build_augment(load("none")) is None
    assert build_augment(None) is None and build_augment({}) is None
    assert build_augment(every_op(prob=0.0)) is None
    assert build_augment(load("default") | {"enabled": False}) is None
    # frames the coin skips are left bit for bit (here rotation hits some frames only)
    image, mask = batch(b=16)
    got_image, _ = BatchAugment({"rotate": {"prob": 0.5}})(image, mask, gen())
    same = [torch.equal(got_image[i], image[i]) for i in range(16)]
    assert 0 < sum(same) < 16


OPT_IN = {"shading"}  # listed in the default config, off: the released recipes were made without


def test_default_config_turns_every_op_on():
    cfg = load("default")
    assert set(cfg) == {"enabled", "clip", *SPEC}
    aug = build_augment(cfg)
    assert set(aug.ops) == set(SPEC)
    assert all((op["prob"] > 0) != (name in OPT_IN) for name, op in aug.ops.items())
    # a DictConfig (the composed train config's `augment` node) works as well
    light = compose_config("train", ["augment=light"]).augment
    assert build_augment(light).ops["rotate"]["step"] == 90


@pytest.mark.parametrize("name", ["default", "light"])
def test_augment_clip_follows_the_normalisation_clip(name):
    cfg = compose_config("train", [f"augment={name}", "normalisation.clip=[-1.0,3.0]"])
    assert OmegaConf.to_container(cfg, resolve=True)["augment"]["clip"] == [-1.0, 3.0]
    assert load(name)["clip"] == [-0.5, 2.0]  # the default normalisation's


@pytest.mark.parametrize(
    ("cfg", "match"),
    [
        ({"rotate": {"prob": 1.5}}, r"augment\.rotate\.prob = 1\.5"),
        ({"blur": {"prob": 0.5, "sigma": [-1, 1]}}, r"augment\.blur\.sigma = -1"),
        ({"scale": {"prob": 0.5, "range": [1.2, 0.8]}}, r"augment\.scale\.range .*low > high"),
        ({"scale": {"prob": 0.5, "range": [0, 1]}}, r"augment\.scale\.range = 0 .* > 0"),
        ({"noise": {"prob": 0.5, "sigma": 0.1}}, r"augment\.noise\.sigma must be \[low, high\]"),
        ({"noise": {"prob": 0.5, "sd": [0, 1]}}, r"augment\.noise: unknown key\(s\) \['sd'\]"),
        ({"rotation": {"prob": 0.5}}, r"unknown key\(s\) \['rotation'\]"),
        ({"flip": {}}, r"augment\.flip\.prob is missing"),
        ({"flip": 0.5}, r"augment\.flip must be a mapping"),
        ({"flip": {"prob": "yes"}}, r"augment\.flip\.prob must be a number"),
        ({"clip": [2, -0.5]}, r"augment\.clip"),
        ({"enabled": "no"}, r"augment\.enabled"),
    ],
)
def test_bad_configs_name_the_key(cfg, match):
    with pytest.raises(ValueError, match=match):
        build_augment(cfg)


def test_bad_batches_are_refused():
    image, mask = batch()
    aug = build_augment(load("default"))
    with pytest.raises(ValueError, match="image must be float"):
        aug(image[0], mask, gen())
    with pytest.raises(ValueError, match="mask must be integer"):
        aug(image, mask.float(), gen())


def test_runs_on_meta_tensors_and_without_a_generator():
    image, mask = batch()
    aug = build_augment(load("default"))
    got_image, got_mask = aug(image.to("meta"), mask.to("meta"), gen())
    assert got_image.device.type == "meta" and got_image.shape == image.shape
    assert got_mask.shape == mask.shape and got_mask.dtype == torch.int64
    got_image, got_mask = aug(image, mask)
    assert got_image.shape == image.shape and set(got_mask.unique().tolist()) <= {*LABELS, 255}


@pytest.mark.gpu
def test_cuda_batch_with_a_cpu_generator_matches_the_cpu():
    image, mask = batch(b=8, c=2, h=64, w=64)
    geometry = BatchAugment(
        {k: {"prob": 0.7} for k in ("flip", "rotate", "scale", "contrast", "missing")}
    )
    cpu = geometry(image, mask, gen(9))
    cuda = geometry(image.cuda(), mask.cuda(), gen(9))
    torch.testing.assert_close(cuda[0].cpu(), cpu[0], atol=1e-4, rtol=0)
    assert (cuda[1].cpu() == cpu[1]).float().mean() > 0.999
    aug = build_augment(load("default"))
    a, b = aug(image.cuda(), mask.cuda(), gen(1)), aug(image.cuda(), mask.cuda(), gen(1))
    assert a[0].is_cuda and torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])
    assert set(a[1].unique().tolist()) <= {*LABELS, 255}
