"""Turn a read frame into the network's input: a pure function of the frame and the checkpoint."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from torch import nn

from jovis.checkpoint import CheckpointInfo
from jovis.data.normalise import normalise_frame
from jovis.frame import Frame
from jovis.inference.look import LookSettings, applies, composite_look
from jovis.inference.scale import (
    Resampling,
    altitude_note,
    check_mode,
    resample_frame,
    training_geometry,
)

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


@dataclass
class ScaledInput:
    """A prepared input at the model's scale, and the way back to the frame's pixels."""

    array: np.ndarray  # (C, h, w) float32, normalised
    resampling: Resampling | None = None  # None: the frame is fed as it is
    note: dict[str, Any] = field(default_factory=dict)  # for the manifest row
    valid: np.ndarray | None = None  # (h, w) bool: the valid pixels of `array`
    grid: Any = None  # the polar grid of `array`'s pixels, when the frame has one

    def restore(self, probs: np.ndarray) -> np.ndarray:
        """(K, h, w) probabilities of `array` → (K, H, W) on the frame's own pixels."""
        return probs if self.resampling is None else self.resampling.restore(probs)


def prepare_scaled(
    frame: Frame,
    info: CheckpointInfo,
    min_size: int = MIN_SIDE,
    *,
    resample: str = "auto",
    px_per_deg: float | None = None,
    look: Any = "off",
) -> ScaledInput:
    """`prepare_frame`, with the frame first resampled to the checkpoint's training scale
    (``resample="auto"``; see `jovis.inference.scale`); ``"off"`` feeds it as it is. With
    `look` (`jovis.inference.look`: off by default; auto, on or settings) an unprocessed JunoCam
    frame then gets the composites' processing before the normalisation."""
    frame = checked_bands(frame, info, min_size)
    geometry = training_geometry(info)
    taken = frame.meta.get("bands_taken")
    notes = {**altitude_note(frame, geometry), **({"bands": taken} if taken else {})}
    if check_mode(resample) == "off":
        scaled, resampling = frame, None
        note = {"resampled": False, "resample_reason": "resample=off", **notes}
    else:
        scaled, resampling, note = resample_frame(
            frame, geometry, px_per_deg=px_per_deg, min_size=min_size
        )
        note = {**note, **notes}
    settings = LookSettings.from_value(look)
    looked, why = applies(settings, scaled, info.channels)
    if looked:
        scaled = composite_look(scaled, settings)
    if settings.mode != "off":
        note = {**note, "look": looked, "look_reason": why}
    return ScaledInput(normalise_frame(scaled, info.normalisation), resampling, note, scaled.valid,
                       scaled.grid)  # fmt: skip


def prepare_frame(frame: Frame, info: CheckpointInfo, min_size: int = MIN_SIDE) -> np.ndarray:
    """Check the channel count and size, normalise as in training: (C, H, W) float32 (a frame
    holding the model's named bands among others, or in another order, is given those)."""
    return normalise_frame(checked_bands(frame, info, min_size), info.normalisation)


def checked_bands(frame: Frame, info: CheckpointInfo, min_size: int = MIN_SIDE) -> Frame:
    """`frame` with the model's bands taken (`take_bands`), checked (`check_frame`)."""
    frame = take_bands(frame, info.channels)
    check_frame(frame, info, min_size)
    return frame


_UNNAMED = re.compile(r"gray|c\d+|band\d+")


def take_bands(frame: Frame, expected: list[str]) -> Frame:
    """`frame` with only the bands a model takes, when it holds them among others (a JIRAM I1
    frame's L and M for the M-band detector); otherwise `frame` as it is (`check_frame` judges
    it). Says so in ``meta["bands_taken"]``."""
    channels = list(frame.channels)
    if (channels == list(expected) or not named_bands(channels) or not named_bands(expected)
            or not set(expected) <= set(channels)):  # fmt: skip
        return frame
    index = [channels.index(band) for band in expected]
    meta = {**frame.meta, "bands_taken": f"{', '.join(expected)} of {', '.join(channels)}"}
    return replace(frame, image=frame.image[:, :, index], channels=list(expected), meta=meta)


def named_bands(channels: list[str]) -> bool:
    """Whether `channels` name bands (``uv``, ``L``, ``methane``, ...), not only a count: a
    reader calls planes it cannot name ``gray``, ``c0``, ``c1``, ... (images, VICAR, ISIS) or
    ``band1``, ``band2``, ... (a FITS cube, a PDS3 or PDS4 product without filter names), and
    such a frame may hold any band."""
    return not any(_UNNAMED.fullmatch(c) for c in channels)


def check_frame(frame: Frame, info: CheckpointInfo, min_size: int = MIN_SIDE) -> None:
    """`ChannelMismatchError` / `FrameTooSmallError` for a frame the model cannot take."""
    expected = info.channels
    name = frame.source or frame.id
    if frame.image.shape[2] != len(expected):
        raise ChannelMismatchError(
            f"{name}: the model expects {len(expected)} channel(s) "
            f"{expected}, the frame has {frame.image.shape[2]} {frame.channels}"
        )
    if named_bands(frame.channels) and named_bands(expected) and frame.channels != expected:
        raise ChannelMismatchError(
            f"{name}: the model expects {expected}, the frame has {frame.channels}: another band; "
            "give it to a detector of its band (`jovis models`) or ckpt= of one trained on it"
        )
    h, w = frame.image.shape[:2]
    if min(h, w) < min_size:
        raise FrameTooSmallError(
            f"{name}: the frame is {w}×{h} px; the model needs at least {min_size} px a side"
        )
