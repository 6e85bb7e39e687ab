"""Tiles blended as they come, on a pool beside the forward: the bits of one loop at the end."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from tests.inference.test_tiling import local_net

from jovis.checkpoint import load_checkpoint
from jovis.inference import blending
from jovis.inference.blending import Blender, blend
from jovis.inference.predictor import Predictor
from jovis.inference.tiling import gaussian_weights, tile_boxes


def _reference(tiles, shape, k):
    """The blend of main before this change: every tile held, one loop at the end."""
    acc, norm = np.zeros((k, *shape), np.float32), np.zeros(shape, np.float32)
    for (y, x, h, w), p in tiles:
        weight = gaussian_weights(h, w).numpy()
        acc[:, y : y + h, x : x + w] += p * weight
        norm[y : y + h, x : x + w] += weight
    return acc / norm


def _tiles(shape=(150, 110), tile=64, k=3, seed=0):
    rng = np.random.default_rng(seed)
    boxes = tile_boxes(shape, tile, 0.25)
    return [(b, rng.random((k, *b[2:]), np.float32)) for b in boxes]


@pytest.mark.parametrize("threads", [None, 1, 2])
def test_blender_gives_the_bits_of_one_loop_at_the_end(threads):
    tiles = _tiles()
    assert len(tiles) >= 6
    want = _reference(tiles, (150, 110), 3)
    if threads is None:
        got = blend(tiles, (150, 110), 3)
    else:
        with ThreadPoolExecutor(threads) as pool:
            blender = Blender((150, 110), 3, pool)
            for box, p in tiles:
                blender.add(box, p)
            got = blender.result()
    assert got.tobytes() == want.tobytes()


def test_an_error_on_the_lane_is_raised_by_result(monkeypatch):
    calls = []

    def failing(self, box, probs):
        calls.append(box)
        raise MemoryError(f"no room for tile {box}")

    monkeypatch.setattr(Blender, "_blend", failing)
    with ThreadPoolExecutor(2) as pool:
        blender = Blender((150, 110), 3, pool)
        for box, p in _tiles():
            blender.add(box, p)
        with pytest.raises(MemoryError, match="no room for tile"):
            blender.result()
    assert len(calls) == 1  # the tiles after it were dropped, not blended into a broken map


def test_predict_frames_with_a_pool_gives_the_same_bits(tiny_run):
    """Frames tiled and whole in one call, tiles of two frames sharing batches: probabilities
    blended beside the forward on 1 or 2 threads equal those blended in the caller's thread."""
    info = load_checkpoint(tiny_run["checkpoint"])[1]
    rng = np.random.default_rng(3)
    frames = [rng.normal(size=(2, h, w)).astype(np.float32)
              for h, w in [(150, 110), (64, 64), (150, 110), (200, 96)]]  # fmt: skip
    predictor = Predictor(local_net(2, 3), info, device="cpu", precision="fp32", tile_size=64,
                          batch_size=3)  # fmt: skip
    alone = predictor.predict_frames(frames)
    for threads in (1, 2):
        with ThreadPoolExecutor(threads) as pool:
            beside = predictor.predict_frames(frames, pool)
        for a, b in zip(alone, beside, strict=True):
            assert a.tobytes() == b.tobytes()
    assert blending.Blender is Blender  # (the predictor blends through this class)
