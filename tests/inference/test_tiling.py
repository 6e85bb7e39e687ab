"""Tiled prediction equals whole-frame prediction where the network's context fits in a tile."""

import itertools
import math

import numpy as np
import pytest
import torch
from torch import nn

from jovis.checkpoint import load_checkpoint
from jovis.inference.predictor import Predictor
from jovis.inference.tiling import (
    DEFAULT_OVERLAP,
    check_overlap,
    gaussian_weights,
    tile_boxes,
    tile_layout,
    tile_starts,
)


def local_net(in_channels: int, num_classes: int) -> nn.Module:
    """Random 4-layer CNN: receptive field 9 px, output strongly dependent on local input."""
    torch.manual_seed(0)
    layers, c = [], in_channels
    for _ in range(3):
        layers += [nn.Conv2d(c, 8, 3, padding=1), nn.Tanh()]
        c = 8
    layers.append(nn.Conv2d(c, num_classes, 3, padding=1))
    return nn.Sequential(*layers).eval()


@pytest.fixture(scope="module")
def info(tiny_run):
    return load_checkpoint(tiny_run["checkpoint"])[1]


def test_half_overlap_keeps_nnunet_layout_and_gaussian():
    assert tile_starts(100, 128) == [0]
    assert tile_starts(2048, 1024, 0.5) == [0, 512, 1024]
    assert tile_starts(2048, 512, 0.5) == [0, 256, 512, 768, 1024, 1280, 1536]
    assert len(tile_boxes((4096, 4096), 1024, 0.5)) == 49  # the layout before tile_overlap
    w = gaussian_weights(512, 512)
    assert w.max() == 1 and w[0, 0] < 1e-6 * 2 and w[0, 256] < 5e-4


@pytest.mark.parametrize("overlap", [0.0, 0.0625, 0.125, 0.25, 0.5, 0.75])
@pytest.mark.parametrize("tile", [64, 256, 1000, 1024])
def test_windows_cover_the_frame_with_the_overlap_and_no_window_to_spare(tile, overlap):
    margin = round(overlap * tile)
    for length in [33, tile - 1, tile, tile + 1, tile + 2, 1000, 1537, 2048, 3001, 4096]:
        side, starts = tile_layout(length, tile, overlap)
        n = len(starts)
        assert starts[0] == 0 and starts[-1] + side == length  # covered, edge to edge
        assert starts == [length - side - s for s in reversed(starts)]  # symmetric layout
        if n == 1:
            assert side == length <= tile
            continue
        assert side <= tile and (side % 32 == 0 or side == tile)
        # neighbours share `overlap` × the window's side
        assert all(a + side - b >= round(overlap * side) for a, b in itertools.pairwise(starts))
        # the fewest windows (one fewer of the full tile side could not keep the overlap); an
        # odd side may take more (an odd count has no symmetric middle start, and integer
        # starts can miss the overlap by a pixel); the side within one multiple of 32 of the
        # smallest whose windows cover the frame sharing `overlap` × that side
        fewest = max(2, -(-(length - margin) // (tile - margin)))
        assert n == fewest if length % 2 == 0 else fewest <= n <= 1.1 * fewest + 2
        smaller = side - 64
        assert side == tile or fewest * smaller - (fewest - 1) * overlap * smaller < length


def test_overlap_is_a_fraction_of_the_window_so_2048_frames_predict_fewer_pixels():
    """Three 832-px windows sharing 224 px (≥ 0.25 × 832) cover a 2048² frame with 1.49× its
    pixels; a margin of 0.25 × 1024 px took 864-px windows (1.6×). A 4096² frame's full tiles
    share exactly 0.25 × 1024: that layout is the same either way."""

    def work(shape, overlap=DEFAULT_OVERLAP):
        return sum(h * w for _, _, h, w in tile_boxes(shape, 1024, overlap)) / np.prod(shape)

    assert tile_layout(2048, 1024) == (832, [0, 608, 1216])
    assert 1.48 < work((2048, 2048)) < 1.49
    assert tile_layout(4096, 1024) == (1024, [0, 768, 1536, 2304, 3072])
    assert tile_layout(3000, 1024) == (928, [0, 690, 1382, 2072])  # was 960 px
    margin = round(DEFAULT_OVERLAP * 1024)
    for length in range(1026, 8193, 38):  # never more work than a margin of 256 px took
        side, starts = tile_layout(length, 1024)
        n = max(2, -(-(length - margin) // (1024 - margin)))
        then = min(1024, math.ceil((length + (n - 1) * margin) / n / 32) * 32)
        assert len(starts) == n and side <= then


def test_small_overlap_predicts_far_fewer_pixels_than_half_overlap():
    def work(shape, overlap):
        return sum(h * w for _, _, h, w in tile_boxes(shape, 1024, overlap)) / np.prod(shape)

    assert work((2048, 2048), 0.5) == 2.25 and work((4096, 4096), 0.5) == pytest.approx(3.06, 0.01)
    assert tile_layout(2048, 1024, 0.125) == (768, [0, 640, 1280])
    assert tile_layout(4096, 1024, 0.125) == (928, [0, 792, 1584, 2376, 3168])
    for shape in [(2048, 2048), (4096, 4096), (3000, 1500), (1100, 1100)]:
        assert work(shape, 0.125) < 1.45
    assert tile_boxes((700, 300), 256, 0.125, multiple=64)[0][2:] == (256, 192)


def test_overlap_out_of_range_names_the_key_and_the_range():
    for bad in [-0.1, 0.8, "half", True]:
        with pytest.raises(ValueError, match=r"tile_overlap=.*(between 0 and 0\.75|number)"):
            check_overlap(bad)


@pytest.mark.parametrize("overlap", [0.5, DEFAULT_OVERLAP])
def test_tiled_2048_frame_equals_whole_frame_and_has_no_seams(info, overlap):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 2048, 2048)).astype(np.float32)
    model = local_net(2, 3)
    whole = Predictor(model, info, device="cpu", precision="fp32", tile_size=4096).predict_frames(
        [x]
    )[0]
    tiled = Predictor(model, info, device="cpu", precision="fp32", tile_size=512, batch_size=6,
                      tile_overlap=overlap)  # fmt: skip
    side, starts = tile_layout(2048, 512, overlap)
    assert len(tile_boxes((2048, 2048), 512, overlap)) == len(starts) ** 2
    assert len(starts) == (7 if overlap == 0.5 else 5)
    got = tiled.predict_frames([x])[0]
    m = 8  # the frame edge: zero padding differs only there for an 11-px receptive field
    diff = np.abs(got - whole)[:, m:-m, m:-m]
    assert diff.max() < 1e-3
    # no seams: the change across tile edges is like anywhere else
    jump = np.abs(np.diff(got, axis=2))[:, m:-m, :]
    edges = sorted({s + side - 1 for s in starts[:-1]} | {s - 1 for s in starts[1:]})
    assert jump[:, :, edges].mean() < 1.5 * jump.mean()


def test_frames_of_mixed_sizes_share_batches_and_keep_their_order(info):
    rng = np.random.default_rng(2)
    frames = [
        rng.normal(size=(2, h, w)).astype(np.float32)
        for h, w in [(64, 64), (700, 300), (64, 64), (96, 128)]
    ]
    predictor = Predictor(
        local_net(2, 3), info, device="cpu", precision="fp32", tile_size=256, batch_size=3
    )
    together = predictor.predict_frames(frames)
    for frame, probs in zip(frames, together, strict=True):
        alone = predictor.predict_frames([frame])[0]
        assert probs.shape == (3, *frame.shape[1:])
        np.testing.assert_allclose(probs, alone, atol=1e-5)


def test_tta_with_tiles_is_rotation_equivariant(info):
    x = np.random.default_rng(3).normal(size=(2, 600, 600)).astype(np.float32)
    predictor = Predictor(
        local_net(2, 3), info, device="cpu", precision="fp32", tta=True, tile_size=256
    )
    rotated = predictor.predict_frames([np.ascontiguousarray(np.rot90(x, 1, (1, 2)))])[0]
    np.testing.assert_allclose(
        rotated, np.rot90(predictor.predict_frames([x])[0], 1, (1, 2)), atol=1e-5
    )


def test_default_overlap_keeps_the_masks_of_half_overlap_on_a_released_model():
    """jiram_m on a 1024² synthetic frame at twice its training scale, 512-px tiles (9 either
    way; the default's are 448 px): vortex IoU against the truth within 0.005 of 50% overlap's,
    and the masks agree (IoU ≥ 0.99; 50%-overlap tiles of 960 px instead of 1024 agree less
    with 1024 px ones on 2048² frames: ~0.97)."""
    from jovis.released import find_release
    from jovis.scoring.confusion import confusion_matrix, iou_dice, mask_from_probs
    from jovis.synth.sample import make_sample

    ckpt = find_release("jiram_m").weights
    frame, labels = make_sample(3, 1024, ["M"], "jiram_m", params={"max_colatitude": 24.0})
    masks, scores = {}, {}
    for overlap in (0.5, DEFAULT_OVERLAP):
        p = Predictor.from_checkpoint(ckpt, device="cpu", precision="fp32", tile_size=512,
                                      tile_overlap=overlap, backend="torch")  # fmt: skip
        assert len(tile_boxes((1024, 1024), 512, overlap, p.tile_multiple)) == 9
        m = mask_from_probs(p.predict_frames([p.prepare(frame)])[0], frame.valid, p.info.labels)
        cm = confusion_matrix(torch.as_tensor(m), torch.as_tensor(labels.mask), 3)
        masks[overlap], scores[overlap] = m, iou_dice(cm)[0][2]  # vortex
    assert scores[0.5] > 0.5  # the model finds the vortices: the comparison means something
    assert abs(scores[DEFAULT_OVERLAP] - scores[0.5]) <= 0.005
    a, b = masks[DEFAULT_OVERLAP] == 2, masks[0.5] == 2
    assert (a & b).sum() / (a | b).sum() >= 0.99


def test_cpu_batches_of_tiles_hold_at_most_cpu_tile_pixels_and_give_the_same_bits(
    info, monkeypatch
):
    """Big tiles go one or two at a time on a CPU (faster per pixel there); whole frames keep
    `batch_size`; the probabilities do not change by a bit."""
    from jovis.inference import predictor as predictor_module

    rng = np.random.default_rng(4)
    frames = [rng.normal(size=(2, s, s)).astype(np.float32) for s in (200, 64, 64, 64, 200)]
    predictor = Predictor(
        local_net(2, 3), info, device="cpu", precision="fp32", tile_size=96, batch_size=5
    )
    seen = []
    predict = predictor.predict
    monkeypatch.setattr(predictor, "predict", lambda b: seen.append(b.shape) or predict(b))
    together = predictor.predict_frames(frames)
    side = tile_layout(200, 96)[0]
    assert (5, 2, side, side) in seen and (3, 2, 64, 64) in seen  # no cap: batch_size
    seen.clear()
    monkeypatch.setattr(predictor_module, "CPU_TILE_PIXELS", 2 * side * side + 1)
    capped = predictor.predict_frames(frames)
    assert {s[0] for s in seen if s[-1] == side} == {2} and (3, 2, 64, 64) in seen
    for a, b in zip(together, capped, strict=True):
        np.testing.assert_array_equal(a, b)
