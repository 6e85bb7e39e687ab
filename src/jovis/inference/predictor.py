"""Predictor: a network plus its checkpoint's settings, turning frames into class probabilities."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from jovis.checkpoint import CheckpointInfo, load_checkpoint
from jovis.data.normalise import normalise_frame
from jovis.devices import resolve_device
from jovis.frame import Frame
from jovis.inference.tiling import blend, tile_boxes


class ChannelMismatchError(ValueError):
    pass


class Predictor:
    """Batched prediction of whole frames or Gaussian-blended tiles, with optional 8-fold TTA.

    Parameters
    ----------
    model : nn.Module
        Network returning logits (B, num_classes, H, W).
    info : CheckpointInfo
        The checkpoint's settings (channels, normalisation, label schema).
    device : str
        'auto', 'cpu' or 'cuda'. On CUDA: bf16 autocast and channels_last.
    tta : bool
        Average probabilities over the 8 rotations/flips (exact symmetries of a polar frame).
    tile_size : int
        Frames larger than this (either side) are predicted in tiles of this size with 50%
        overlap, blended with a Gaussian weight map; smaller frames whole.
    batch_size : int
        Whole frames or tiles per forward pass; tiles of several frames share a batch.
    """

    def __init__(
        self,
        model: nn.Module,
        info: CheckpointInfo,
        *,
        device: str = "auto",
        tta: bool = False,
        tile_size: int = 1024,
        batch_size: int = 8,
    ) -> None:
        if tile_size < 32 or batch_size < 1:
            raise ValueError(
                f"tile_size must be ≥ 32 and batch_size ≥ 1, got {tile_size}, {batch_size}"
            )
        self.device = torch.device(resolve_device(device))
        self.info, self.tta = info, tta
        self.tile_size, self.batch_size = tile_size, batch_size
        self.model = model.to(self.device).eval()
        if self.device.type == "cuda":
            self.model.to(memory_format=torch.channels_last)

    @classmethod
    def from_checkpoint(cls, path: str | Path, **kwargs: Any) -> Predictor:
        """Rebuild from a checkpoint file; keywords as for the constructor."""
        model, info = load_checkpoint(path, "cpu")
        return cls(model, info, **kwargs)

    def prepare(self, frame: Frame) -> np.ndarray:
        """Check the channel count and normalise as in training: (C, H, W) float32."""
        expected = self.info.channels
        if frame.image.shape[2] != len(expected):
            raise ChannelMismatchError(
                f"{frame.source or frame.id}: the model expects {len(expected)} channel(s) "
                f"{expected}, the frame has {frame.image.shape[2]} {frame.channels}"
            )
        return normalise_frame(frame, self.info.normalisation)

    def predict_frames(self, inputs: list[np.ndarray]) -> list[np.ndarray]:
        """Probabilities (K, H, W) for each prepared (C, H, W) input, in order.

        Small frames go whole, grouped by size; large ones as tiles, and tiles of all frames
        of one size are batched together.
        """
        pieces: dict[tuple[int, int], list[tuple[int, tuple[int, int, int, int]]]] = {}
        for i, x in enumerate(inputs):
            h, w = x.shape[-2:]
            boxes = (
                [(0, 0, h, w)]
                if max(h, w) <= self.tile_size
                else tile_boxes((h, w), self.tile_size)
            )
            for box in boxes:
                pieces.setdefault(box[2:], []).append((i, box))
        results: dict[int, list] = {i: [] for i in range(len(inputs))}
        for items in pieces.values():
            for start in range(0, len(items), self.batch_size):
                chunk = items[start : start + self.batch_size]
                batch = np.stack([inputs[i][:, y : y + h, x : x + w] for i, (y, x, h, w) in chunk])
                probs = self.predict(batch).numpy()
                for (i, box), p in zip(chunk, probs, strict=True):
                    results[i].append((box, p))
        k = self.info.labels.num_classes
        out = []
        for i, x in enumerate(inputs):
            tiles = results[i]
            out.append(tiles[0][1] if len(tiles) == 1 else blend(tiles, x.shape[-2:], k))
        return out

    @torch.inference_mode()
    def predict(self, batch: np.ndarray | torch.Tensor) -> torch.Tensor:
        """Probabilities (B, num_classes, H, W), float32 on the CPU, for a prepared batch."""
        x = torch.as_tensor(batch).to(self.device, non_blocking=True)
        if self.device.type == "cuda":
            x = x.contiguous(memory_format=torch.channels_last)
        views = _dihedral_views() if self.tta else [(0, False)]
        probs = None
        for k, flip in views:
            view = torch.rot90(x, k, (-2, -1))
            if flip:
                view = torch.flip(view, (-1,))
            p = self._forward(view).softmax(dim=1)
            if flip:
                p = torch.flip(p, (-1,))
            p = torch.rot90(p, -k, (-2, -1))
            probs = p if probs is None else probs + p
        return (probs / len(views)).cpu()

    def _forward(self, x: torch.Tensor) -> torch.Tensor:
        autocast = (
            torch.autocast("cuda", dtype=torch.bfloat16)
            if self.device.type == "cuda"
            else contextlib.nullcontext()
        )
        with autocast:
            return self.model(x).float()


def _dihedral_views() -> list[tuple[int, bool]]:
    return [(k, flip) for flip in (False, True) for k in range(4)]
