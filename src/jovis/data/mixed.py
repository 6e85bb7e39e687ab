"""``data=mixed``: every training batch drawn from the synthetic stream and labelled folders in
set proportions, and a validation set whose frames say which source they came from.

A batch of ``batch_size`` frames holds ``n_i`` frames of source i (the weights, rounded by the
largest remainder, each source with a weight > 0 getting at least one). Its frames are a function
of (seed, epoch, batch index): synthetic item ``k·n + j`` of the epoch's seeds, and for a folder
position ``k·n + j`` of that epoch's permutation of its frames (cycled when the folder is
smaller than an epoch needs). Folder frames are first resampled to the training scale (the
synthetic frames' px/deg; a product without a grid, for a model trained on views, to ``size`` a
side: `jovis.data.rescale`, the rule of ``infer resample=auto``; ``resample: off`` per folder
keeps them as they are), then cropped (at a position drawn from the same seed) or padded with
ignore (255) to ``size``, so they stack with the synthetic ones.
A real frame's unlabelled pixels (255, e.g. ``labels import unlabelled=ignore``) do not count.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset

from jovis.data.datasets import SyntheticDataset, follow_epoch
from jovis.data.rescale import check_resample, folder_scale
from jovis.frame import IGNORE_INDEX
from jovis.geometry.training import geometry_of_config


def batch_counts(weights: list[float], batch_size: int, names: list[str]) -> list[int]:
    """Frames per source in one batch: the weights' shares of `batch_size` (largest remainder)."""
    w = np.asarray(weights, np.float64)
    if (w < 0).any() or w.sum() <= 0:
        raise ValueError(f"data.sources weights must be >= 0 with a positive sum, got {list(w)}")
    share = w / w.sum() * batch_size
    counts = np.floor(share).astype(int)
    for i in np.argsort(-(share - counts))[: batch_size - counts.sum()]:
        counts[i] += 1
    short = [n for n, c, x in zip(names, counts, w, strict=True) if x > 0 and c == 0]
    if short:
        raise ValueError(
            f"data.batch_size={batch_size} leaves no frame of source(s) {short} in a batch; "
            "raise data.batch_size or their weight"
        )
    return counts.tolist()


def fit_size(sample: dict[str, Any], size: int, rng: np.random.Generator) -> dict[str, Any]:
    """Crop (at a position from `rng`) or pad (image 0, mask ignore) a sample to size × size."""
    image, mask = sample["image"], sample["mask"]
    h, w = mask.shape
    if (h, w) == (size, size):
        return sample
    y0 = int(rng.integers(0, h - size + 1)) if h > size else 0
    x0 = int(rng.integers(0, w - size + 1)) if w > size else 0
    image, mask = image[:, y0 : y0 + size, x0 : x0 + size], mask[y0 : y0 + size, x0 : x0 + size]
    out_img = torch.zeros((image.shape[0], size, size), dtype=image.dtype)
    out_mask = torch.full((size, size), IGNORE_INDEX, dtype=mask.dtype)
    out_img[:, : image.shape[1], : image.shape[2]] = image
    out_mask[: mask.shape[0], : mask.shape[1]] = mask
    return {**sample, "image": out_img, "mask": out_mask}


class MixedBatches(Dataset):
    """Item k = the whole batch k of the current epoch (collated), ``source`` naming each frame;
    an index past the epoch's batches, ``epoch · len + k``, is batch k of that epoch (the loader's
    sampler gives those, so workers kept between epochs follow them)."""

    batched = True  # FrameDataModule: one item is one batch

    def __init__(
        self,
        sources: list[tuple[str, Dataset, float]],
        *,
        batch_size: int,
        frames_per_epoch: int,
        size: int,
        seed: int,
    ) -> None:
        names = [n for n, _, _ in sources]
        self.names, self.sets = names, [d for _, d, _ in sources]
        self.counts = batch_counts([w for _, _, w in sources], int(batch_size), names)
        self.batch_size, self.size, self.seed = int(batch_size), int(size), int(seed)
        self.frames = int(frames_per_epoch)
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)
        for ds in self.sets:
            if hasattr(ds, "set_epoch"):
                ds.set_epoch(epoch)

    def __len__(self) -> int:
        return self.frames // self.batch_size

    def _order(self, i: int) -> list[int]:
        gen = torch.Generator().manual_seed(self.seed * 1_000_003 + self.epoch * 101 + i)
        return torch.randperm(len(self.sets[i]), generator=gen).tolist()

    def __getitem__(self, k: int) -> dict[str, Any]:
        from jovis.data.datamodule import collate

        k = follow_epoch(self, k)
        samples = []
        for i, (name, ds, n) in enumerate(zip(self.names, self.sets, self.counts, strict=True)):
            order = None if isinstance(ds, SyntheticDataset) else self._order(i)
            for j in range(n):
                item = k * n + j
                s = ds[item] if order is None else ds[order[item % len(order)]]
                rng = np.random.default_rng([self.seed, self.epoch, k, i, j])
                samples.append({**fit_size(s, self.size, rng), "source": name})
        return collate(samples)


class SourcedDataset(Dataset):
    """Validation frames of several sources in turn, each sample carrying its ``source``."""

    def __init__(self, sources: list[tuple[str, Dataset]], size: int) -> None:
        self.names = [n for n, _ in sources]
        self.sets = [d for _, d in sources]
        self.starts = np.cumsum([0] + [len(d) for d in self.sets])
        self.size = int(size)

    def __len__(self) -> int:
        return int(self.starts[-1])

    def __getitem__(self, index: int) -> dict[str, Any]:
        i = int(np.searchsorted(self.starts, index, side="right") - 1)
        s = self.sets[i][index - int(self.starts[i])]
        s = fit_size(s, self.size, np.random.default_rng([index]))
        return {"features": None, "grid": None, **s, "source": self.names[i]}


def source_name(entry: Mapping[str, Any], index: int) -> str:
    return str(entry.get("name") or Path(str(entry["path"])).name or f"folder{index}")


def folder_entries(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """``data.folders`` as dicts: a plain path is ``{path: PATH, weight: 1}``."""
    raw = data.get("folders") or []
    if isinstance(raw, str | Path):
        raw = [raw]
    entries = [{"path": e, "weight": 1.0} if isinstance(e, str | Path) else dict(e) for e in raw]
    if not entries or any(not e.get("path") for e in entries):
        raise ValueError(
            "data=mixed needs data.folders=[DIR, ...] or [{path: DIR, weight: 0.5}, ...]: "
            "labelled frame sets (e.g. from jovis labels import)"
        )
    for i, e in enumerate(entries):
        check_resample(e.get("resample", "auto"), f"data.folders[{i}].resample")
    return entries


def build_mixed(data, channels, instrument, normalisation, seed, geometry=None):
    """(MixedBatches, SourcedDataset or None) for ``data=mixed``; folder frames resampled to
    `geometry` (default: the synthetic frames', which the run records)."""
    from jovis.data.datamodule import EpochSeededSynthetic
    from jovis.data.datasets import FolderDataset

    size, batch = int(data["size"]), int(data["batch_size"])
    synth = {"size": size, "channels": channels, "instrument": instrument,
             "hemisphere": data.get("hemisphere", "random"), "view": data.get("view", "polar"),
             "params": data.get("params") or None, "normalisation": normalisation,
             "supersample": data.get("supersample", 1)}  # fmt: skip
    entries = folder_entries(data)
    if geometry is None:
        geometry = geometry_of_config({"data": {**data, "kind": "mixed"}})
    weights = [float(data.get("synthetic_weight", 0.5))] + [
        float(e.get("weight", 1.0)) for e in entries
    ]
    counts = batch_counts(
        weights, batch, ["synthetic"] + [source_name(e, i) for i, e in enumerate(entries)]
    )
    frames = int(data["train_frames"])
    sources: list[tuple[str, Dataset, float]] = []
    if weights[0] > 0:
        per_epoch = max(1, frames // batch * counts[0])
        ds = EpochSeededSynthetic(per_epoch, seed=seed + int(data["seed"]), **synth)
        sources.append(("synthetic", ds, weights[0]))
    val: list[tuple[str, Dataset]] = []
    if int(data.get("val_frames", 0)) > 0:
        val.append(
            (
                "synthetic",
                SyntheticDataset(int(data["val_frames"]), seed=int(data["val_seed"]), **synth),
            )
        )
    for i, e in enumerate(entries):
        name, scale = source_name(e, i), folder_scale(e, f"data.folders[{i}]", geometry)
        folder = FolderDataset(
            e["path"], channels, split=e.get("split"), normalisation=normalisation, **scale
        )
        sources.append((name, folder, float(e.get("weight", 1.0))))
        if e.get("val") or e.get("val_split"):
            path, split = e.get("val") or e["path"], e.get("val_split")
            val.append((name, FolderDataset(path, channels, split=split,
                                            normalisation=normalisation, **scale)))  # fmt: skip
    train = MixedBatches(sources, batch_size=batch, frames_per_epoch=frames, size=size, seed=seed)
    return train, (SourcedDataset(val, size) if val else None)


def val_source_names(data: Mapping[str, Any]) -> list[str]:
    """The sources ``data=mixed`` validates on (synthetic, then folders with a val set), in the
    order `build_mixed` gives them; empty for other data kinds."""
    if data.get("kind") != "mixed":
        return []
    names = ["synthetic"] if int(data.get("val_frames", 0)) > 0 else []
    entries = folder_entries(data)
    return names + [
        source_name(e, i) for i, e in enumerate(entries) if e.get("val") or e.get("val_split")
    ]
