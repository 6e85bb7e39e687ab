"""The synthetic training stream rendered on the training device.

No disk, no workers, no per-sample Python: the loader yields only (epoch, batch index) and the
module renders the whole batch with `jovis.synth.render_batch` on its own device, then normalises
it there (`normalise_batch`, equal to the per-frame numpy `normalise_frame`).

Frame seeds are a function of (seed, epoch, batch index, rank): frame j of rank r in global batch
k of epoch e is item ``k·G + r·B + j`` of the epoch (B frames per rank, G = B × world), with the
seed `frame_seed` gives it, as `EpochSeededSynthetic` gives a single process. So a resumed run
renders the frames it would have, DDP ranks render different frames, and the ranks' batches at
one step together are the batch of one process with batch G.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch.utils.data import Dataset

from jovis.data.datasets import check_batch_fits
from jovis.data.normalise import normalise_batch
from jovis.frame import IGNORE_INDEX


def frame_seed(seed: int, epoch: int, frames_per_epoch: int, item: int) -> int:
    """The one frame-seed formula of synthetic training data: item `item` of epoch `epoch`
    has seed ``seed + epoch·frames_per_epoch + item`` (new frames every epoch, none repeated)."""
    return int(seed) + int(epoch) * int(frames_per_epoch) + int(item)


class SyntheticStream(Dataset):
    """Item k (a batch index) of the current epoch: ``{"stream_epoch": e, "stream_batch": k}``;
    `render` turns it into ``image`` (B,C,H,W) float32 and ``mask`` (B,H,W) int64 on a device.

    Parameters
    ----------
    frames_per_epoch : int
        ``data.train_frames``; an epoch has ``frames_per_epoch // (batch_size × world)`` batches.
    batch_size : int
        Frames per process and step.
    size, channels, hemisphere, params : as `jovis.synth.render_batch`.
    view : ``data.view``: polar (default), random, perspective or a mix of them as
        probabilities; each frame's view is drawn from its seed (`jovis.synth.viewmix`).
    seed : int
        First training seed (``seed + data.seed``, as for the CPU stream).
    normalisation : the checkpoint's normalisation block.
    """

    def __init__(
        self,
        frames_per_epoch: int,
        batch_size: int,
        *,
        size: int,
        channels: list[str],
        seed: int,
        hemisphere: str = "random",
        params: Mapping[str, Any] | None = None,
        normalisation: Mapping[str, Any],
        view: Any = "polar",
    ) -> None:
        from jovis.synth.viewmix import parse_view_mix

        parse_view_mix(view)  # a wrong data.view fails before training starts
        self.frames, self.batch_size = int(frames_per_epoch), int(batch_size)
        self.size, self.channels, self.seed = int(size), list(channels), int(seed)
        self.hemisphere, self.params = hemisphere, dict(params or {}) or None
        self.normalisation, self.view = dict(normalisation), view
        self.epoch, self.world = 0, 1

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def set_world(self, world: int) -> None:
        check_batch_fits(self.batch_size, self.frames, world)  # the world Lightning launched
        self.world = int(world)

    def __len__(self) -> int:
        return self.frames // (self.batch_size * self.world)

    def __getitem__(self, index: int) -> dict[str, int]:
        return {"stream_epoch": self.epoch, "stream_batch": int(index)}

    def seeds(self, epoch: int, batch: int, rank: int) -> list[int]:
        """Seeds of rank `rank`'s frames in batch `batch` of `epoch`."""
        first = batch * self.batch_size * self.world + rank * self.batch_size
        return [
            frame_seed(self.seed, epoch, self.frames, first + j) for j in range(self.batch_size)
        ]

    def render(self, epoch: int, batch: int, rank: int, device: torch.device) -> dict[str, Any]:
        from jovis.synth.viewmix import render_mixed

        frames = render_mixed(
            self.seeds(epoch, batch, rank),
            self.size,
            self.channels,
            view=self.view,
            hemisphere=self.hemisphere,
            params=self.params,
            device=device,
        )
        image = normalise_batch(frames.image, frames.valid, self.normalisation)
        mask = torch.where(frames.valid, frames.mask.long(), IGNORE_INDEX)
        return {
            "image": image,
            "mask": mask,
            "id": [frames.frame_id(i) for i in range(len(frames))],
        }


def is_stream_batch(batch: Any) -> bool:
    return isinstance(batch, dict) and "stream_batch" in batch


def build_stream(
    data: Mapping[str, Any], channels: list[str], normalisation: Mapping[str, Any], seed: int
) -> SyntheticStream | None:
    """The device stream for ``data=synthetic`` (None for other data, or ``data.on_device:
    false``, which keeps the per-frame loader with its worker processes)."""
    if data.get("kind") != "synthetic" or not data.get("on_device", True):
        return None
    return SyntheticStream(
        int(data["train_frames"]),
        int(data["batch_size"]),
        size=int(data["size"]),
        channels=channels,
        seed=seed + int(data["seed"]),
        hemisphere=data.get("hemisphere", "random"),
        params=data.get("params") or None,
        normalisation=normalisation,
        view=data.get("view", "polar"),
    )
