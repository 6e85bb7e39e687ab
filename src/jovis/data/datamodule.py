"""Datasets and loaders for training from the `data` config group."""

from __future__ import annotations

from typing import Any

import lightning as L
from torch.utils.data import DataLoader, Dataset

from jovis.data.datasets import FolderDataset, SyntheticDataset

DATA_KINDS = ("synthetic", "folder")


def build_datasets(
    data: dict[str, Any],
    channels: list[str],
    instrument: str,
    normalisation: dict[str, Any],
    seed: int,
) -> tuple[Dataset, Dataset | None]:
    """(train, val) datasets; raises naming the fix for a wrong `data` config."""
    kind = data.get("kind")
    if kind == "synthetic":
        common = {
            "size": int(data["size"]),
            "channels": channels,
            "instrument": instrument,
            "hemisphere": data.get("hemisphere", "random"),
            "params": data.get("params") or None,
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
        train = FolderDataset(
            data["train"],
            channels,
            split=data.get("train_split"),
            normalisation=normalisation,
            augment=bool(data.get("augment")),
            seed=seed,
        )
        val = None
        if data.get("val"):
            val = FolderDataset(
                data["val"], channels, split=data.get("val_split"), normalisation=normalisation
            )
        return train, val
    raise ValueError(f"data.kind={kind!r}; valid choices: {', '.join(DATA_KINDS)}")


class EpochSeededSynthetic(SyntheticDataset):
    """A synthetic stream whose frames are new every epoch: item i of epoch e has seed
    `seed + e·length + i`, so training never repeats a frame and seeds stay reproducible."""

    def __init__(self, length: int, *, seed: int, **kwargs: Any) -> None:
        super().__init__(length, seed=seed, **kwargs)
        self.base_seed, self.epoch = seed, 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch
        self.seed = self.base_seed + epoch * self.length


class FrameDataModule(L.LightningDataModule):
    def __init__(
        self, train: Dataset, val: Dataset | None, *, batch_size: int, num_workers: int
    ) -> None:
        super().__init__()
        self.train_set, self.val_set = train, val
        self.batch_size, self.num_workers = batch_size, num_workers

    def _loader(self, dataset: Dataset, shuffle: bool) -> DataLoader:
        return DataLoader(
            dataset,
            batch_size=self.batch_size,
            shuffle=shuffle,
            num_workers=self.num_workers,
            pin_memory=False,
            drop_last=shuffle and len(dataset) > self.batch_size,
            persistent_workers=False,
        )

    def train_dataloader(self) -> DataLoader:
        return self._loader(self.train_set, shuffle=True)

    def val_dataloader(self) -> DataLoader | list:
        return [] if self.val_set is None else self._loader(self.val_set, shuffle=False)
