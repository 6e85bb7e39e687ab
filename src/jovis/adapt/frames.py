"""The unlabelled real frames of an adaptation: read, ordered, split, prepared as `infer` does."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from jovis.checkpoint import CheckpointInfo
from jovis.frame import Frame
from jovis.inference.prepare import ScaledInput, prepare_scaled
from jovis.inference.scale import with_limb_hint
from jovis.real_eval.sequences import accepts, read_folder

log = logging.getLogger(__name__)


@dataclass
class RealFrame:
    """One unlabelled frame: as read (scored on its own pixels) and at the model's scale."""

    frame: Frame
    scaled: ScaledInput  # array (C, h, w) normalised, valid (h, w): what the model sees

    @property
    def path(self) -> str:
        return str(self.frame.source or self.frame.id)


def read_unlabelled(
    folder: str | Path, info: CheckpointInfo, *, min_size: int, resample: str = "auto",
    px_per_deg: float | None = None, limb_radius_px: float | None = None,
) -> tuple[list[RealFrame], list[str]]:  # fmt: skip
    """(every frame of `folder` that `read_frame` reads and the checkpoint takes (its channels),
    in time order (``meta['time']``; by id when a frame has none), each prepared as `infer`
    prepares it: resampled to the checkpoint's plate scale (`resample`; `px_per_deg` and
    `limb_radius_px` as infer's, for frames without a grid), normalised; one line
    per file left out, naming it and why: unreadable, or another instrument's channels). Each
    left-out file is also logged as a warning.

    Raises `ValueError` naming the folder, what was found and the fix when none is usable.
    """
    frames, errors = read_folder(folder)
    taken = [accepts(f, list(info.channels)) for f in frames]
    usable = [f for f, ok in zip(frames, taken, strict=True) if ok]
    left_out = errors + [
        f"{f.source or f.id}: channels {list(f.channels)}, not the checkpoint's "
        f"{list(info.channels)}"
        for f, ok in zip(frames, taken, strict=True)
        if not ok
    ]
    for line in left_out:
        log.warning("adapt: left out %s", line)
    if not usable:
        found = f"{len(frames)} frame(s) read"
        if frames:
            found += f" with channels {sorted({tuple(f.channels) for f in frames})}"
        detail = f"; read errors: {errors[:3]}" if errors else ""
        raise ValueError(
            f"adapt: data={folder} holds no readable frame with the checkpoint's channels "
            f"{list(info.channels)} ({found}{detail}); give data=DIR a folder of frames of the "
            f"checkpoint's instrument ({info.instrument}) that read_frame reads"
        )
    times = [frame_time(f) for f in usable]
    if all(t is not None for t in times):
        usable = [f for _, f in sorted(zip(times, usable, strict=True), key=lambda p: p[0])]
    else:
        usable.sort(key=lambda f: f.id)
    usable = [with_limb_hint(f, limb_radius_px) for f in usable]
    prepared = [RealFrame(f, prepare_scaled(f, info, min_size, resample=resample,
                                            px_per_deg=px_per_deg)) for f in usable]  # fmt: skip
    return prepared, left_out


def split_heldout(frames: list[RealFrame], share: float) -> tuple[list[RealFrame], list[RealFrame]]:
    """(frames to adapt on, held-out frames): the last ``max(1, round(n × share))`` frames in
    time order are held out, a run of consecutive frames whose agreement the guard measures.
    `ValueError` when no frame would be left to adapt on."""
    if not 0 < share < 1:
        raise ValueError(f"adapt: guard.heldout_share={share}: must be in (0, 1)")
    n = len(frames)
    k = max(1, round(n * share))
    if n - k < 1:
        raise ValueError(
            f"adapt: {n} usable frame(s); at least 2 are needed (one to adapt on, one held out "
            "for the guard): add frames to data=DIR or lower guard.heldout_share"
        )
    return frames[: n - k], frames[n - k :]


def frame_time(frame: Frame) -> datetime | None:
    """The frame's ``meta['time']`` (ISO 8601), or None."""
    try:
        return datetime.fromisoformat(str(frame.meta["time"]))
    except (KeyError, ValueError):
        return None
