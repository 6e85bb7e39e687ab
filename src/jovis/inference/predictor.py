"""Predictor: a network plus its checkpoint's settings, turning frames into class probabilities."""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np
import torch
from torch import nn

from jovis.checkpoint import CheckpointInfo, load_checkpoint
from jovis.data.normalise import normalise_frame
from jovis.devices import resolve_device
from jovis.frame import Frame


class ChannelMismatchError(ValueError):
    pass


class Predictor:
    """Batched whole-frame prediction with optional 8-fold dihedral test-time augmentation.

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
    """

    def __init__(
        self, model: nn.Module, info: CheckpointInfo, *, device: str = "auto", tta: bool = False
    ) -> None:
        self.device = torch.device(resolve_device(device))
        self.info, self.tta = info, tta
        self.model = model.to(self.device).eval()
        if self.device.type == "cuda":
            self.model.to(memory_format=torch.channels_last)

    @classmethod
    def from_checkpoint(
        cls, path: str | Path, *, device: str = "auto", tta: bool = False
    ) -> Predictor:
        model, info = load_checkpoint(path, "cpu")
        return cls(model, info, device=device, tta=tta)

    def prepare(self, frame: Frame) -> np.ndarray:
        """Check the channel count and normalise as in training: (C, H, W) float32."""
        expected = self.info.channels
        if frame.image.shape[2] != len(expected):
            raise ChannelMismatchError(
                f"{frame.source or frame.id}: the model expects {len(expected)} channel(s) "
                f"{expected}, the frame has {frame.image.shape[2]} {frame.channels}"
            )
        return normalise_frame(frame, self.info.normalisation)

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
