"""The synthetic training stream rendered on the training device.

No disk, no per-sample Python: the loader yields (epoch, batch index) and the module renders the
whole batch with `jovis.synth.render_batch` on its own device, then normalises it there
(`normalise_batch`, equal to the per-frame numpy `normalise_frame`). With ``scene_workers`` > 0
the loader's worker processes also draw each batch's scenes (vortex placement, ovals: plain
Python on the CPU, 2-4 ms a frame, which no GPU speeds up) while the device renders the
batch before: the same frames, drawn in parallel.

Frame seeds are a function of (seed, epoch, batch index, rank): frame j of rank r in global batch
k of epoch e is item ``k·G + r·B + j`` of the epoch (B frames per rank, G = B × world), with the
seed `frame_seed` gives it, as `EpochSeededSynthetic` gives a single process. So a resumed run
renders the frames it would have, DDP ranks render different frames, and the ranks' batches at
one step together are the batch of one process with batch G.

With ``track`` (``loss.track``, `jovis.training.track_term`) each perspective frame is also
rendered from a moved viewpoint (`jovis.synth.track.render_moved`): the batch then carries
``track_first`` (those frames, before augmentation), ``track_image``, ``track_grid`` (where each
moved pixel lies in its first view) and ``track_valid`` (data in both).
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
    scene_workers : int
        ``data.scene_workers``: loader worker processes that draw the scenes of the coming
        batches (`jovis.synth.viewmix.draw_mixed`); 0 draws them in the training process.
    track : TrackStep or None
        Render each perspective frame again from a viewpoint moved by this step (see above).
    supersample : int
        ``data.supersample``: polar frames rendered at this many times `size` and shrunk as
        infer shrinks a real frame (`jovis.synth.supersample`); 1 renders at `size`.
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
        scene_workers: int = 0,
        track: Any = None,
        supersample: int = 1,
    ) -> None:
        from jovis.synth.supersample import check_supersample
        from jovis.synth.viewmix import parse_view_mix

        if int(scene_workers) < 0:
            raise ValueError(f"data.scene_workers={scene_workers} must be >= 0 (0: no workers)")
        parse_view_mix(view)  # a wrong data.view fails before training starts
        self.frames, self.batch_size = int(frames_per_epoch), int(batch_size)
        self.size, self.channels, self.seed = int(size), list(channels), int(seed)
        self.hemisphere, self.params = hemisphere, dict(params or {}) or None
        self.normalisation, self.view = dict(normalisation), view
        self.epoch, self.world, self.rank = 0, 1, 0
        self.scene_workers = int(scene_workers)
        self.track = track
        self.supersample = check_supersample(supersample, view)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)

    def set_world(self, world: int, rank: int = 0) -> None:
        check_batch_fits(self.batch_size, self.frames, world)  # the world Lightning launched
        self.world, self.rank = int(world), int(rank)

    def __len__(self) -> int:
        return self.frames // (self.batch_size * self.world)

    def __getitem__(self, index: int) -> dict[str, Any]:
        item: dict[str, Any] = {"stream_epoch": self.epoch, "stream_batch": int(index)}
        if self.scene_workers:  # in a loader worker: the scenes of this rank's frames
            from jovis.synth.viewmix import draw_mixed

            seeds = self.seeds(self.epoch, int(index), self.rank)
            item["stream_scenes"] = (self.rank, draw_mixed(seeds, self.size, **self._scene_args()))
        return item

    def _scene_args(self) -> dict[str, Any]:
        return {"view": self.view, "hemisphere": self.hemisphere, "params": self.params}

    def seeds(self, epoch: int, batch: int, rank: int) -> list[int]:
        """Seeds of rank `rank`'s frames in batch `batch` of `epoch`."""
        first = batch * self.batch_size * self.world + rank * self.batch_size
        return [
            frame_seed(self.seed, epoch, self.frames, first + j) for j in range(self.batch_size)
        ]

    def render(
        self, epoch: int, batch: int, rank: int, device: torch.device, drawn: Any = None
    ) -> dict[str, Any]:
        """The batch's frames on `device`; `drawn`: the item's ``stream_scenes`` (rank, scenes),
        used when drawn for `rank` (render_batch refuses scenes of other seeds)."""
        from jovis.synth.viewmix import render_mixed

        scenes = drawn[1] if drawn is not None and drawn[0] == rank else None
        frames = render_mixed(
            self.seeds(epoch, batch, rank), self.size, self.channels, device=device,
            drawn=scenes, supersample=self.supersample, **self._scene_args(),
        )  # fmt: skip
        image = normalise_batch(frames.image, frames.valid, self.normalisation)
        mask = torch.where(frames.valid, frames.mask.long(), IGNORE_INDEX)
        batch = {
            "image": image,
            "mask": mask,
            "id": [frames.frame_id(i) for i in range(len(frames))],
        }
        if self.track is not None:
            batch.update(self._moved(frames, image, device))
        return batch

    def _moved(self, frames: Any, image: torch.Tensor, device: torch.device) -> dict[str, Any]:
        """The ``track_*`` entries of a batch (empty when it has no perspective frame)."""
        from jovis.synth.params import SynthParams
        from jovis.synth.track import render_moved
        from jovis.synth.view import PerspView

        rows = [i for i, v in enumerate(frames.views or []) if isinstance(v, PerspView)]
        if not rows:
            return {}
        p = SynthParams.from_dict(self.params)
        moved = render_moved(frames, rows, self.track, p, device)
        return {
            "track_first": image[rows],
            "track_image": normalise_batch(moved.image, moved.valid, self.normalisation),
            "track_grid": moved.grid,
            "track_valid": moved.common,
        }


def is_stream_batch(batch: Any) -> bool:
    return isinstance(batch, dict) and "stream_batch" in batch


def build_stream(
    data: Mapping[str, Any], channels: list[str], normalisation: Mapping[str, Any], seed: int,
    track: Any = None,
) -> SyntheticStream | None:  # fmt: skip
    """The device stream for ``data=synthetic`` (None for other data, or ``data.on_device:
    false``, which keeps the per-frame loader with its worker processes); `track`: the
    ``loss.track`` step (`jovis.training.track_term.track_step`)."""
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
        scene_workers=int(data.get("scene_workers", 0)),
        track=track,
        supersample=data.get("supersample", 1),
    )
