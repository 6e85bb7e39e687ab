"""Turn a read frame into the network's input: a pure function of the frame and the checkpoint."""

from __future__ import annotations

import numpy as np
from torch import nn

from jovis.checkpoint import CheckpointInfo
from jovis.data.normalise import normalise_frame
from jovis.frame import Frame

MIN_SIDE = 32  # px: below this a frame is too small to segment, whatever the network


class ChannelMismatchError(ValueError):
    pass


class FrameTooSmallError(ValueError):
    pass


def min_input_size(model: nn.Module, info: CheckpointInfo) -> int:
    """The smallest side a frame may have: the larger of 32 px and the network's output stride
    (the checkpoint's ``output_stride`` if it stores one, else the model's ``input_multiple``)."""
    stride = info.extra.get("output_stride") or getattr(model, "input_multiple", None) or 1
    return max(MIN_SIDE, int(stride))


def prepare_frame(frame: Frame, info: CheckpointInfo, min_size: int = MIN_SIDE) -> np.ndarray:
    """Check the channel count and size, normalise as in training: (C, H, W) float32."""
    expected = info.channels
    name = frame.source or frame.id
    if frame.image.shape[2] != len(expected):
        raise ChannelMismatchError(
            f"{name}: the model expects {len(expected)} channel(s) "
            f"{expected}, the frame has {frame.image.shape[2]} {frame.channels}"
        )
    h, w = frame.image.shape[:2]
    if min(h, w) < min_size:
        raise FrameTooSmallError(
            f"{name}: the frame is {w}×{h} px; the model needs at least {min_size} px a side"
        )
    return normalise_frame(frame, info.normalisation)
