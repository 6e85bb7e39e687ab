"""The synthetic stream rendered on the device, and its torch normalisation."""

import numpy as np
import pytest
import torch

from jovis.data.datamodule import EpochSeededSynthetic
from jovis.data.normalise import DEFAULT_NORMALISATION, normalise_batch, normalise_frame
from jovis.data.stream import SyntheticStream
from jovis.frame import Frame

CHANNELS = ["L", "M"]


def test_torch_normalisation_matches_numpy_per_frame_and_channel():
    rng = np.random.default_rng(0)
    image = rng.gamma(2.0, 50.0, size=(3, 2, 24, 20)).astype(np.float32)
    image[1, 1] = 7.0  # a constant channel: scale 1
    valid = rng.uniform(size=(3, 24, 20)) > 0.3
    valid[2] = False  # a frame without data: all zeros
    settings = {"kind": "percentile", "low": 2.0, "high": 97.0, "clip": [-0.5, 2.0]}
    got = normalise_batch(torch.from_numpy(image), torch.from_numpy(valid), settings)
    for b in range(3):
        frame = Frame(image=image[b].transpose(1, 2, 0), channels=CHANNELS, valid=valid[b])
        want = normalise_frame(frame, settings)
        torch.testing.assert_close(got[b], torch.from_numpy(want), rtol=1e-5, atol=1e-5)
    assert got[2].abs().sum() == 0


def test_torch_normalisation_rejects_unknown_kinds():
    with pytest.raises(ValueError, match="valid: percentile"):
        normalise_batch(
            torch.zeros(1, 1, 4, 4), torch.ones(1, 4, 4, dtype=torch.bool), {"kind": "z"}
        )


def _stream(**kw):
    args = {"size": 48, "channels": CHANNELS, "seed": 100, "normalisation": DEFAULT_NORMALISATION}
    return SyntheticStream(8, 2, **{**args, **kw})


def test_seeds_depend_on_epoch_batch_and_rank_and_ranks_split_the_global_batch():
    single = SyntheticStream(
        8, 4, size=48, channels=CHANNELS, seed=100, normalisation=DEFAULT_NORMALISATION
    )
    two = _stream()
    two.set_world(2)
    assert len(single) == len(two) == 2
    for epoch in (0, 3):
        for k in range(2):
            assert two.seeds(epoch, k, 0) + two.seeds(epoch, k, 1) == single.seeds(epoch, k, 0)
    assert single.seeds(1, 0, 0) == [108, 109, 110, 111]  # epoch e starts at seed + e·frames
    with pytest.raises(ValueError, match=r"data\.batch_size=2 × 5 processes"):
        two.set_world(5)


def test_device_batches_equal_the_per_frame_cpu_stream():
    stream = _stream()
    got = stream.render(1, 2, 0, torch.device("cpu"))
    assert got["image"].shape == (2, 2, 48, 48) and got["mask"].dtype == torch.int64
    cpu = EpochSeededSynthetic(
        8, seed=100, size=48, channels=CHANNELS, instrument="jiram",
        normalisation=DEFAULT_NORMALISATION,
    )  # fmt: skip
    cpu.set_epoch(1)
    for j in range(2):
        want = cpu[4 + j]  # batch 2 of 2-frame batches
        assert got["id"][j] == want["id"]
        torch.testing.assert_close(got["image"][j], want["image"], rtol=1e-5, atol=1e-5)
        assert torch.equal(got["mask"][j], want["mask"])


def test_scene_workers_draw_the_items_scenes_and_the_render_uses_them(monkeypatch):
    """With scene_workers the loader's item carries its frames' scenes (rank, draws); render
    uses them only for that rank, and the frames are those drawn inline."""
    import jovis.synth.renderer as renderer

    plain, drawing = _stream(), _stream(scene_workers=1)
    item = drawing[1]
    assert "stream_scenes" not in plain[1] and item["stream_scenes"][0] == 0
    calls = []
    real = renderer.draw_scenes
    monkeypatch.setattr(renderer, "draw_scenes", lambda *a: calls.append(a[0]) or real(*a))
    want = plain.render(0, 1, 0, torch.device("cpu"))
    assert len(calls) == 1
    got = drawing.render(0, 1, 0, torch.device("cpu"), item["stream_scenes"])
    assert len(calls) == 1  # nothing drawn again
    assert torch.equal(got["image"], want["image"]) and torch.equal(got["mask"], want["mask"])
    drawing.render(0, 1, 1, torch.device("cpu"), item["stream_scenes"])  # another rank's frames
    assert len(calls) == 2  # drawn inline, not from rank 0's scenes
    with pytest.raises(ValueError, match=r"data\.scene_workers=-1"):
        _stream(scene_workers=-1)
