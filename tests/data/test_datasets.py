import numpy as np
import pytest
import torch

from jovis.data.datamodule import EpochSeededSynthetic, build_datasets
from jovis.data.datasets import FolderDataset
from jovis.data.normalise import DEFAULT_NORMALISATION, normalise_frame
from jovis.frame import Frame
from jovis.synth import write_frame_set


def test_folder_dataset_reads_what_synth_wrote(tmp_path):
    write_frame_set(tmp_path, n=2, size=64, channels=["L", "M"], instrument="jiram", seed=3)
    ds = FolderDataset(tmp_path, ["L", "M"])
    sample = ds[0]
    assert sample["image"].shape == (2, 64, 64) and sample["image"].dtype == torch.float32
    assert sample["mask"].shape == (64, 64) and set(sample["mask"].unique().tolist()) <= {
        0,
        1,
        2,
        255,
    }
    with pytest.raises(ValueError, match="pick the matching instrument"):
        FolderDataset(tmp_path, ["L"])
    with pytest.raises(ValueError, match="no frames with split='val'"):
        FolderDataset(tmp_path, ["L", "M"], split="val")
    with pytest.raises(FileNotFoundError, match=r"scripts/synth\.py"):
        FolderDataset(tmp_path / "nothing", ["L"])


def test_augmented_folder_batch_moves_image_and_mask_together(tmp_path):
    # folder frames are augmented like every training batch: by BatchAugment on the device
    from jovis.data.augment import build_augment

    write_frame_set(tmp_path, n=1, size=64, channels=["L", "M"], instrument="jiram", seed=3)
    plain = FolderDataset(tmp_path, ["L", "M"])[0]
    augment = build_augment({"flip": {"prob": 0.5}, "rotate": {"prob": 1.0, "step": 90}})
    for seed in range(4):
        image, mask = augment(
            plain["image"][None], plain["mask"][None], torch.Generator().manual_seed(seed)
        )
        got = {"image": image[0], "mask": mask[0]}
        # some dihedral transform maps the plain pair onto the augmented pair, for both at once
        matches = []
        for k in range(4):
            for flip in (False, True):
                img, msk = torch.rot90(plain["image"], k, (-2, -1)), torch.rot90(plain["mask"], k)
                if flip:
                    img, msk = torch.flip(img, (-1,)), torch.flip(msk, (-1,))
                matches.append(
                    torch.allclose(img, got["image"], atol=1e-5) and torch.equal(msk, got["mask"])
                )
        assert any(matches)


def test_synthetic_stream_is_new_each_epoch_and_val_is_disjoint():
    data = {
        "kind": "synthetic",
        "size": 32,
        "train_frames": 2,
        "val_frames": 2,
        "seed": 0,
        "val_seed": 10_000_000,
        "hemisphere": "north",
        "params": {},
    }
    train, val = build_datasets(data, ["L", "M"], "jiram", DEFAULT_NORMALISATION, seed=0)
    assert isinstance(train, EpochSeededSynthetic)
    first = train[0]["image"]
    train.set_epoch(1)
    assert not torch.equal(first, train[0]["image"])
    train.set_epoch(0)
    assert torch.equal(first, train[0]["image"])
    assert val.seed >= 10_000_000
    with pytest.raises(ValueError, match="valid choices: synthetic, folder"):
        build_datasets({"kind": "hdf5"}, ["L"], "x", DEFAULT_NORMALISATION, 0)


def test_normalisation_ignores_invalid_pixels_and_is_unit_free():
    rng = np.random.default_rng(0)
    image = rng.random((16, 16, 1)).astype(np.float32)
    valid = np.ones((16, 16), bool)
    valid[:4] = False
    a = normalise_frame(Frame(image, ["L"], valid=valid))
    b = normalise_frame(Frame(image * 1000 + 5, ["L"], valid=valid))  # other units
    np.testing.assert_allclose(a, b, atol=1e-5)
    assert (a[0, :4] == 0).all()


class CountingFolder(FolderDataset):
    """Writes a line per frame it loads (from whichever worker process loads it)."""

    def __init__(self, *args, log_path, **kwargs):
        super().__init__(*args, **kwargs)
        self.log_path = log_path

    def load(self, index):
        with open(self.log_path, "a") as fh:
            fh.write(f"{index}\n")
        return super().load(index)


def test_a_cached_folder_is_loaded_once_over_epochs_with_workers(tmp_path):
    # the loader's workers outlive the epoch, and with them the dataset's cache: a 1600 px
    # product takes seconds to read and resample, and was read again in every epoch's workers
    from jovis.data.datamodule import FrameDataModule

    write_frame_set(tmp_path / "set", n=4, size=32, channels=["L", "M"], instrument="jiram", seed=3)
    reads = tmp_path / "reads.txt"
    ds = CountingFolder(tmp_path / "set", ["L", "M"], cache=True, log_path=reads)
    module = FrameDataModule(ds, None, batch_size=2, num_workers=1)
    loader = module.train_dataloader()
    for epoch in range(3):
        module.train_sampler.set_epoch(epoch)
        assert sum(len(batch["id"]) for batch in loader) == 4
    assert sorted(reads.read_text().split()) == ["0", "1", "2", "3"]


def test_a_synthetic_stream_told_its_epoch_renders_new_frames_with_workers():
    # its epoch is set in this process; workers kept from the last epoch would not see it
    from jovis.data.datamodule import EpochSeededSynthetic, FrameDataModule

    ds = EpochSeededSynthetic(4, seed=0, size=32, channels=["L", "M"], instrument="jiram")
    module = FrameDataModule(ds, None, batch_size=2, num_workers=1)
    loader = module.train_dataloader()
    seen = []
    for epoch in range(2):
        ds.set_epoch(epoch)
        module.train_sampler.set_epoch(epoch)
        seen.append(sorted(i for batch in loader for i in batch["id"]))
    assert not set(seen[0]) & set(seen[1])


def test_an_infer_output_given_as_a_labelled_set_is_refused_by_name(tmp_path):
    """`jovis evaluate data=<infer out>`: its manifest's rows name outputs, not an image and a
    mask (before: KeyError 'image' from deep in the scoring loop)."""
    (tmp_path / "manifest.jsonl").write_text(
        '{"id": "f1", "source": "/x/f1.fits", "outputs": {"mask": "masks/f1.png"}}\n'
    )
    with pytest.raises(ValueError, match=r"not a labelled frame set's: its row 'f1' names no"):
        FolderDataset(tmp_path, ["uv"])


def test_a_manifest_saved_with_a_byte_order_mark_is_read(tmp_path):
    """A frame set's manifest.jsonl edited in Notepad ("UTF-8 with BOM"): its first row was
    "not valid JSON"."""
    from jovis.io.json_file import read_jsonl

    path = tmp_path / "manifest.jsonl"
    path.write_text('{"id": "a", "image": "images/a.npy"}\n{"id": "b"}\n', encoding="utf-8-sig")
    assert [row["id"] for row in read_jsonl(path)] == ["a", "b"]
