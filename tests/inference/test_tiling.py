"""Tiled prediction equals whole-frame prediction where the network's context fits in a tile."""

import itertools

import numpy as np
import pytest
import torch
from torch import nn

from jovis.checkpoint import load_checkpoint
from jovis.inference.predictor import Predictor
from jovis.inference.tiling import gaussian_weights, tile_boxes, tile_starts


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


def test_tile_starts_cover_with_half_overlap():
    assert tile_starts(100, 128) == [0]
    assert tile_starts(2048, 1024) == [0, 512, 1024]
    assert tile_starts(2048, 512) == [0, 256, 512, 768, 1024, 1280, 1536]
    starts = tile_starts(1000, 256)
    assert starts[0] == 0 and starts[-1] == 1000 - 256
    assert all(b - a <= 128 for a, b in itertools.pairwise(starts))
    assert starts == [1000 - 256 - s for s in reversed(starts)]  # symmetric layout
    w = gaussian_weights(512, 512)
    assert w.max() == 1 and w[0, 0] < 1e-6 * 2 and w[0, 256] < 5e-4


def test_tiled_2048_frame_equals_whole_frame_and_has_no_seams(info):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 2048, 2048)).astype(np.float32)
    model = local_net(2, 3)
    whole = Predictor(model, info, device="cpu", precision="fp32", tile_size=4096).predict_frames(
        [x]
    )[0]
    tiled = Predictor(model, info, device="cpu", precision="fp32", tile_size=512, batch_size=6)
    assert len(tile_boxes((2048, 2048), 512)) == 49
    got = tiled.predict_frames([x])[0]
    m = 8  # the frame edge: zero padding differs only there for an 11-px receptive field
    diff = np.abs(got - whole)[:, m:-m, m:-m]
    assert diff.max() < 1e-3
    # no seams: the change across tile boundaries (every 256 px) is like anywhere else
    jump = np.abs(np.diff(got, axis=2))[:, m:-m, :]
    at_seams = jump[:, :, [255, 511, 767, 1023, 1279]].mean()
    assert at_seams < 1.5 * jump.mean()


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
