"""Datasets, samplers and loaders for training from the `data` config group.

The training order is a function of (seed, epoch, rank) alone (`EpochSampler`); torch's
RandomSampler draws from the global RNG and DistributedSampler pads and interleaves, and either
would make a resumed or multi-process run see other frames than one uninterrupted process.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import lightning as L
import torch
from torch.utils.data import DataLoader, Dataset, Sampler

from jovis.data.datasets import FolderDataset, SyntheticDataset, check_batch_fits, follow_epoch
from jovis.data.rescale import folder_scale
from jovis.data.stream import SyntheticStream, frame_seed

DATA_KINDS = ("synthetic", "folder", "mixed")


def build_datasets(
    data: dict[str, Any],
    channels: list[str],
    instrument: str,
    normalisation: dict[str, Any],
    seed: int,
    geometry: Any = None,
) -> tuple[Dataset, Dataset | None]:
    """(train, val) datasets; raises naming the fix for a wrong `data` config. Labelled folder
    frames are resampled to the training `geometry` (a `TrainingGeometry`) unless their
    ``resample`` is off (`jovis.data.rescale`)."""
    kind = data.get("kind")
    if kind == "synthetic":
        common = {
            "size": int(data["size"]),
            "channels": channels,
            "instrument": instrument,
            "hemisphere": data.get("hemisphere", "random"),
            "params": data.get("params") or None,
            "view": data.get("view", "polar"),
            "supersample": data.get("supersample", 1),
            "normalisation": normalisation,
        }
        train = EpochSeededSynthetic(
            int(data["train_frames"]), seed=seed + int(data["seed"]), **common
        )
        val = SyntheticDataset(int(data["val_frames"]), seed=int(data["val_seed"]), **common)
        return train, val
    if kind == "folder":
        if not data.get("train"):
            raise ValueError("data=folder needs data.train=<folder with manifest.jsonl>")
        scale = folder_scale(data, "data", geometry)
        train = FolderDataset(
            data["train"],
            channels,
            split=data.get("train_split"),
            normalisation=normalisation,
            **scale,
        )
        val = None
        if data.get("val"):
            val = FolderDataset(data["val"], channels, split=data.get("val_split"),
                                normalisation=normalisation, **scale)  # fmt: skip
        return train, val
    if kind == "mixed":
        from jovis.data.mixed import build_mixed

        return build_mixed(data, channels, instrument, normalisation, seed, geometry)
    raise ValueError(f"data.kind={kind!r}; valid choices: {', '.join(DATA_KINDS)}")


class EpochSeededSynthetic(SyntheticDataset):
    """A synthetic stream whose frames are new every epoch: item i of epoch e has the seed
    `frame_seed` gives it, so training never repeats a frame and seeds stay reproducible."""

    def __init__(self, length: int, *, seed: int, **kwargs: Any) -> None:
        super().__init__(length, seed=seed, **kwargs)
        self.base_seed, self.epoch = seed, 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch
        self.seed = frame_seed(self.base_seed, epoch, self.length, 0)

    def __getitem__(self, index: int) -> dict[str, Any]:
        return super().__getitem__(follow_epoch(self, index))


def as_drawn(item: Any) -> Any:
    """The loader's item as its dataset made it (the synthetic stream's scenes stay numpy)."""
    return item


class EpochSampler(Sampler[int]):
    """Training order: one permutation per epoch from ``(seed, epoch)``, shared by all ranks.

    Global batch k is positions ``[k·G, (k+1)·G)`` of the permutation, with ``G = batch_size ×
    world``; rank r takes its slice ``r·batch_size …`` of it, so the ranks' batches at one step
    together are exactly the batch a single process with batch ``G`` would see. Incomplete global
    batches are dropped. `skip_batches` makes the next pass over `epoch` start after the batches a
    resumed run already trained on. With `with_epoch`, each index is ``epoch · length + i``: the
    dataset reads its epoch from the index (`MixedBatches`), so loader workers that outlive the
    epoch need not be told it.
    """

    def __init__(
        self, length: int, batch_size: int, *, seed: int, rank: int = 0, world: int = 1,
        with_epoch: bool = False,
    ) -> None:  # fmt: skip
        check_batch_fits(batch_size, length, world)  # the world Lightning launched
        self.length, self.batch_size, self.seed = length, batch_size, seed
        self.rank, self.world = rank, world
        self.epoch, self._skip = 0, (None, 0)
        self.with_epoch = with_epoch

    @property
    def num_batches(self) -> int:
        return self.length // (self.batch_size * self.world)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def skip_batches(self, epoch: int, batches: int) -> None:
        self._skip = (int(epoch), int(batches))

    def __len__(self) -> int:
        return self.num_batches * self.batch_size

    def __iter__(self) -> Iterator[int]:
        gen = torch.Generator().manual_seed(self.seed * 1_000_003 + self.epoch)
        order = torch.randperm(self.length, generator=gen).tolist()
        skip_epoch, skip = self._skip
        first = skip if skip_epoch == self.epoch else 0
        self._skip = (None, 0)  # only the first pass after a resume is shortened
        step = self.batch_size * self.world
        base = self.epoch * self.length if self.with_epoch else 0
        for k in range(first, self.num_batches):
            start = k * step + self.rank * self.batch_size
            yield from (base + i for i in order[start : start + self.batch_size])


class ShardSampler(Sampler[int]):
    """Validation order: frames ``rank, rank + world, …`` — every frame exactly once over all
    ranks (no padding, so a confusion matrix summed across ranks counts each frame once)."""

    def __init__(self, length: int, *, rank: int = 0, world: int = 1) -> None:
        self.indices = list(range(rank, length, world))

    def __len__(self) -> int:
        return len(self.indices)

    def __iter__(self) -> Iterator[int]:
        return iter(self.indices)


def collate(samples: list[dict[str, Any]]) -> dict[str, Any]:
    """Stack ``image`` (B,C,H,W) and ``mask`` (B,H,W); every other key (``id``, truth
    ``features``, ``grid``) stays a list with one entry per frame."""
    batch: dict[str, Any] = {
        "image": torch.stack([s["image"] for s in samples]),
        "mask": torch.stack([s["mask"] for s in samples]),
    }
    for key in samples[0]:
        if key not in batch:
            batch[key] = [s.get(key) for s in samples]
    return batch


class FrameDataModule(L.LightningDataModule):
    """Loaders over the (train, val) datasets, sharded by the trainer's rank and world size.

    ``data.batch_size`` is per process: under DDP the global batch is ``batch_size × world``.
    """

    def __init__(
        self,
        train: Dataset,
        val: Dataset | None,
        *,
        batch_size: int,
        num_workers: int,
        seed: int = 0,
    ) -> None:
        super().__init__()
        self.train_set, self.val_set = train, val
        self.batch_size, self.num_workers, self.seed = batch_size, num_workers, seed
        self.train_sampler: EpochSampler | None = None

    def _world(self) -> tuple[int, int]:
        trainer = self.trainer
        return (0, 1) if trainer is None else (trainer.global_rank, trainer.world_size)

    def _loader(self, dataset: Dataset, sampler: Sampler) -> DataLoader:
        # workers outlive the epoch, and with them FolderDataset's cache of loaded (and
        # resampled) frames: without, each epoch re-read every frame in fresh workers; a dataset
        # told its epoch reads it from the sampler's index (`follow_epoch`)
        return DataLoader(
            dataset,
            batch_size=self.batch_size,
            sampler=sampler,
            num_workers=self.num_workers,
            collate_fn=collate,
            pin_memory=False,
            persistent_workers=self.num_workers > 0,
            # worker seeds come from this generator, not from the global RNG
            generator=torch.Generator().manual_seed(self.seed),
        )

    def train_dataloader(self) -> DataLoader:
        rank, world = self._world()
        if isinstance(self.train_set, SyntheticStream):
            # one item = one batch index; the module renders the batch on its device, and
            # scene_workers processes draw the coming batches' scenes meanwhile (passed as drawn:
            # no collation, which would turn their numpy arrays into tensors)
            self.train_set.set_world(world, rank)
            self.train_sampler = EpochSampler(len(self.train_set), 1, seed=self.seed)
            return DataLoader(
                self.train_set, batch_size=None, sampler=self.train_sampler,
                num_workers=self.train_set.scene_workers, collate_fn=as_drawn,
            )  # fmt: skip
        told = hasattr(self.train_set, "set_epoch")  # its index then carries the epoch
        if getattr(self.train_set, "batched", False):  # data=mixed: one item is one batch
            self.train_sampler = EpochSampler(
                len(self.train_set), 1, seed=self.seed, rank=rank, world=world, with_epoch=told
            )
            return DataLoader(
                self.train_set, batch_size=None, sampler=self.train_sampler,
                num_workers=self.num_workers, generator=torch.Generator().manual_seed(self.seed),
                persistent_workers=self.num_workers > 0,
            )  # fmt: skip
        self.train_sampler = EpochSampler(
            len(self.train_set), self.batch_size, seed=self.seed, rank=rank, world=world,
            with_epoch=told,
        )  # fmt: skip
        return self._loader(self.train_set, self.train_sampler)

    def val_dataloader(self) -> DataLoader | list:
        if self.val_set is None:
            return []
        rank, world = self._world()
        return self._loader(self.val_set, ShardSampler(len(self.val_set), rank=rank, world=world))
