"""data=mixed: batches in set proportions from the synthetic stream and labelled folders, ignore
pixels out of the loss, per-source validation scores."""

import pytest
import torch
from tests.conftest import compose_config

from jovis.checkpoint import load_checkpoint
from jovis.data.mixed import batch_counts, build_mixed
from jovis.synth import write_frame_set
from jovis.training.fit import train
from jovis.training.losses import SegmentationLoss


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """A labelled folder of 80 px frames (cropped to 64 in the batches)."""
    out = tmp_path_factory.mktemp("mixed") / "real"
    write_frame_set(out, n=3, size=80, channels=["L", "M"], instrument="jiram", seed=500)
    return out


def test_batch_counts_follow_the_weights():
    assert batch_counts([0.5, 0.5], 8, ["s", "a"]) == [4, 4]
    assert batch_counts([0.25, 0.5, 0.25], 8, ["s", "a", "b"]) == [2, 4, 2]
    assert batch_counts([0.0, 1.0], 4, ["s", "a"]) == [0, 4]
    with pytest.raises(ValueError, match=r"raise data\.batch_size"):
        batch_counts([0.05, 0.95], 4, ["s", "a"])


def test_every_batch_has_its_share_of_each_source(folder):
    data = {"kind": "mixed", "folders": [{"path": str(folder), "weight": 1, "val_split": "train",
            "name": "real"}], "synthetic_weight": 3, "size": 64, "train_frames": 16,
            "val_frames": 2, "val_seed": 10**7, "seed": 0, "batch_size": 4}  # fmt: skip
    norm = {"kind": "percentile", "low": 1.0, "high": 99.5, "clip": [-0.5, 2.0]}
    train_set, val = build_mixed(data, ["L", "M"], "jiram", norm, seed=0)
    assert len(train_set) == 4
    for k in range(len(train_set)):
        batch = train_set[k]
        assert batch["image"].shape == (4, 2, 64, 64) and batch["mask"].shape == (4, 64, 64)
        assert batch["source"] == ["synthetic"] * 3 + ["real"]
    again = train_set[1]
    assert torch.equal(again["image"], train_set[1]["image"])  # a function of (seed, epoch, k)
    assert [val[i]["source"] for i in range(len(val))] == ["synthetic"] * 2 + ["real"] * 3


def test_ignored_pixels_do_not_count_in_the_loss():
    loss = SegmentationLoss(1.0, 255)
    logits = torch.randn(1, 3, 8, 8)
    mask = torch.zeros(1, 8, 8, dtype=torch.long)
    mask[:, 4:] = 255
    other = logits.clone()
    other[:, :, 4:] = torch.randn(1, 3, 4, 8) * 10  # anything where the label is ignore
    assert torch.allclose(loss(logits, mask), loss(other, mask))
    assert not torch.allclose(
        loss(logits, torch.zeros_like(mask)), loss(other, torch.zeros_like(mask))
    )


def test_mixed_training_logs_scores_per_source(folder, tmp_path):
    overrides = ["experiment=tiny", f"out={tmp_path}", "data=mixed", "data.size=64",
                 f"data.folders=[{{path: '{folder}', weight: 1, val_split: train, name: real}}]",
                 "data.train_frames=8", "data.val_frames=2", "data.batch_size=4",
                 "data.num_workers=0", "trainer.max_steps=2"]  # fmt: skip
    result = train(compose_config("train", overrides))
    assert result["steps"] == 2
    for source in ("synthetic", "real"):
        assert f"val_{source}/mean_iou" in result
    # the synthetic frames' scale is the one infer/evaluate resample real frames to
    _, info = load_checkpoint(result["checkpoint"])
    assert info.extra["geometry"]["size"] == 64


def test_workers_kept_between_epochs_follow_the_epoch_in_the_index(folder):
    # the loader's workers outlive the epoch (and keep the folder frames they loaded); the
    # epoch reaches them in the sampler's indices, not by set_epoch in this process
    import copy

    from jovis.data.datamodule import FrameDataModule

    data = {"kind": "mixed", "folders": [{"path": str(folder), "weight": 1, "name": "real"}],
            "synthetic_weight": 1, "size": 64, "train_frames": 8, "val_frames": 2,
            "val_seed": 10**7, "seed": 0, "batch_size": 4}  # fmt: skip
    norm = {"kind": "percentile", "low": 1.0, "high": 99.5, "clip": [-0.5, 2.0]}
    train_set, _ = build_mixed(data, ["L", "M"], "jiram", norm, seed=0)
    reference = copy.deepcopy(train_set)
    module = FrameDataModule(train_set, None, batch_size=4, num_workers=1)
    loader = module.train_dataloader()
    assert loader.persistent_workers
    seen = []
    for epoch in range(2):
        module.train_sampler.set_epoch(epoch)
        order = [i % len(train_set) for i in module.train_sampler]
        batches = list(loader)
        reference.set_epoch(epoch)
        for k, batch in zip(order, batches, strict=True):
            assert torch.equal(batch["image"], reference[k]["image"])
        seen.append(batches[0]["image"][0])  # a synthetic frame of each epoch
    assert not torch.equal(seen[0], seen[1])
