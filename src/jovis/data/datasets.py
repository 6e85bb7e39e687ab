"""Datasets: a labelled frame set on disk (DESIGN.md format) and the synthetic stream."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset

from jovis.data.normalise import DEFAULT_NORMALISATION, normalise_frame
from jovis.frame import IGNORE_INDEX, Frame, Labels
from jovis.geometry.maps import take_row_geometry
from jovis.geometry.resample import row_limb_hint, with_limb_hint
from jovis.io import read_frame
from jovis.io.json_file import read_jsonl
from jovis.io.masks import read_mask_png


def to_sample(frame: Frame, labels: Labels, normalisation: Mapping[str, Any]) -> dict[str, Any]:
    """Tensors for the network: normalised image (C,H,W) and mask (H,W) with ignore on invalid."""
    if labels.mask.shape != frame.shape:
        raise ValueError(
            f"{frame.source or frame.id}: mask shape {labels.mask.shape} != image shape "
            f"{frame.shape}"
        )
    mask = np.where(frame.valid, labels.mask, IGNORE_INDEX).astype(np.int64)
    return {
        "image": torch.from_numpy(normalise_frame(frame, normalisation)),
        "mask": torch.from_numpy(mask),
        "id": frame.id,
    }


def check_batch_fits(batch_size: int, frames: int, world: int = 1) -> None:
    """Raise naming the fix when one step's frames (`batch_size` per process × `world`
    processes) outnumber the training set's `frames`."""
    if batch_size * world > frames:
        per = "" if world == 1 else f" × {world} processes"
        raise ValueError(
            f"data.batch_size={batch_size}{per} is larger than the training set ({frames} "
            "frames); lower data.batch_size or add frames (data.train_frames, or more frames in "
            "data.train)"
        )


def read_manifest(
    root: str | Path, require: tuple[str, ...] = (), kind: str = "frame set", fix: str = ""
) -> list[dict[str, Any]]:
    """The rows of ``root/manifest.jsonl``; with `require`, every row must name those keys
    (``image``, ``mask``), else the manifest is refused as not a `kind`'s, naming the row and
    `fix`: an infer output's manifest (rows of outputs) given where frames are read."""
    root = Path(root)
    path = root / "manifest.jsonl"
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} not found: a labelled frame set needs manifest.jsonl, images/ and masks/ "
            "(make one with scripts/synth.py)"
        )
    rows = read_jsonl(path)
    short = next((r for r in rows if any(k not in r for k in require)), None)
    if short is not None:
        raise ValueError(
            f"{path} is not a {kind}'s: its row {short.get('id', '?')!r} names no "
            f"{' and '.join(require)} (the manifest of a jovis infer output?); {fix}"
        )
    return rows


class FolderDataset(Dataset):
    """A labelled frame set: `manifest.jsonl` + `images/` + `masks/` (+ `features/`).

    With a training `geometry`, every frame is loaded at that scale (`jovis.data.rescale`: the
    rule of ``infer resample=auto``; `px_per_deg`: the plate scale of frames without a grid;
    `limb_radius_px`: the planet's radius in px of crops of views, `with_limb_hint`, unless a
    row gives its frame's own).
    `cache` (training sets, whose few frames are drawn in every batch) keeps loaded frames in
    memory up to `CACHE_BYTES`: a 1600 px JunoCam product takes seconds to read and resample."""

    CACHE_BYTES = 1 << 30

    def __init__(
        self,
        root: str | Path,
        channels: list[str],
        *,
        split: str | None = None,
        normalisation: Mapping[str, Any] = DEFAULT_NORMALISATION,
        geometry: Any = None,
        px_per_deg: float | None = None,
        limb_radius_px: float | None = None,
        cache: bool = False,
    ) -> None:
        self.root = Path(root)
        rows = read_manifest(
            self.root,
            ("image", "mask"),
            "labelled frame set",
            "give a labelled set (jovis labels import, scripts/synth.py)",
        )
        self.rows = [r for r in rows if split is None or r.get("split") == split]
        if not self.rows:
            raise ValueError(f"{self.root}: no frames with split={split!r} in manifest.jsonl")
        for row in self.rows:
            got = row.get("channels")
            if got is not None and list(got) != list(channels):
                raise ValueError(
                    f"{self.root}: frame {row['id']} has channels {got}, but the instrument "
                    f"config expects {channels}; pick the matching instrument=..."
                )
        self.channels = list(channels)
        self.normalisation = dict(normalisation)
        self.geometry, self.px_per_deg = geometry, px_per_deg
        self.limb_radius_px = limb_radius_px
        self.cache, self._cache = cache, {}  # index → sample
        self._cached_bytes = 0

    def __len__(self) -> int:
        return len(self.rows)

    def load(self, index: int) -> tuple[Frame, Labels]:
        row = self.rows[index]
        frame = read_frame(self.root / row["image"], row.get("instrument"), self.channels)
        frame.meta["id"] = row["id"]
        take_row_geometry(frame, row)  # its plate scale (and lat/lon) come from it
        frame = with_limb_hint(frame, row_limb_hint(row, self.limb_radius_px))  # a crop's limb
        features: dict[str, Any] = {}
        if row.get("features"):
            features = json.loads((self.root / row["features"]).read_text())
        labels = Labels(read_mask_png(self.root / row["mask"]), features)
        if self.geometry is None:
            return frame, labels
        from jovis.data.rescale import resample_labelled

        if labels.mask.shape != frame.shape:  # named by to_sample, before any resampling
            return frame, labels
        frame, labels, _ = resample_labelled(
            frame, labels, self.geometry, px_per_deg=self.px_per_deg
        )
        return frame, labels

    def __getitem__(self, index: int) -> dict[str, Any]:
        # training batches are augmented on their device by the module (configs/augment/)
        if index in self._cache:
            return dict(self._cache[index])  # its tensors are never changed in place
        sample = to_sample(*self.load(index), self.normalisation)
        size = sample["image"].nbytes + sample["mask"].nbytes
        if self.cache and self._cached_bytes + size <= self.CACHE_BYTES:
            self._cache[index] = sample
            self._cached_bytes += size
        return dict(sample)


def follow_epoch(dataset, index: int) -> int:
    """The item `index` stands for in an epoch-told `dataset` (one with ``epoch`` and
    ``set_epoch``): an index past its length is ``epoch · len + k`` (`EpochSampler` with
    ``with_epoch``), and this process's copy of the dataset is moved to that epoch first, so
    loader workers kept between epochs follow them; a smaller index is item k of the epoch the
    dataset is at."""
    index = int(index)
    if index < len(dataset):
        return index
    epoch, k = divmod(index, len(dataset))
    if epoch != dataset.epoch:
        dataset.set_epoch(epoch)
    return k


class SyntheticDataset(Dataset):
    """Frames rendered on the fly by `jovis.synth` (no disk); item i uses seed `seed + i`."""

    def __init__(
        self,
        length: int,
        size: int,
        channels: list[str],
        instrument: str,
        *,
        seed: int = 0,
        hemisphere: str = "random",
        params: dict | None = None,
        normalisation: Mapping[str, Any] = DEFAULT_NORMALISATION,
        view: Any = "polar",
        supersample: int = 1,
    ) -> None:
        from jovis.synth.supersample import check_supersample
        from jovis.synth.viewmix import parse_view_mix

        if length < 1:
            raise ValueError(f"synthetic dataset length must be ≥ 1, got {length}")
        self.length, self.size, self.channels = length, size, list(channels)
        self.instrument, self.seed, self.hemisphere = instrument, seed, hemisphere
        self.params = dict(params or {})
        self.normalisation = dict(normalisation)
        self.view_mix = parse_view_mix(view)  # data.view; each frame's view from its seed
        self.supersample = check_supersample(supersample, view)  # data.supersample

    def __len__(self) -> int:
        return self.length

    def load(self, index: int) -> tuple[Frame, Labels]:
        from jovis.synth import make_sample
        from jovis.synth.viewmix import pick_view, render_view

        seed = self.seed + index
        return make_sample(
            seed,
            self.size,
            self.channels,
            self.instrument,
            self.hemisphere,
            self.params or None,
            view=render_view(pick_view(seed, self.view_mix)),
            supersample=self.supersample,
        )

    def __getitem__(self, index: int) -> dict[str, Any]:
        """`to_sample` plus the truth ``features`` and the frame's ``grid`` (a dict or None),
        which validation needs for vortex matching and oval boundary distances."""
        frame, labels = self.load(index)
        sample = to_sample(frame, labels, self.normalisation)
        sample["features"] = labels.features
        sample["grid"] = None if frame.grid is None else frame.grid.to_dict()
        return sample
