"""Frames of a folder without labels, grouped so that the label-free scores can compare them."""

from __future__ import annotations

import re
from pathlib import Path

from jovis.frame import Frame
from jovis.io import FrameReadError, read_frame


def read_folder(folder: str | Path) -> tuple[list[Frame], list[str]]:
    """Every frame `infer` would read in `folder` (one per product, one product per JunoCam
    observation: `jovis.inference.inputs.frame_files`, `one_per_observation`) and the read
    errors (one line each)."""
    from jovis.inference.inputs import frame_files, one_per_observation

    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: no such folder of frames")
    frames, errors = [], []
    for path in one_per_observation(frame_files(sorted(folder.iterdir())))[0]:
        try:
            frames.append(read_frame(path))
        except FrameReadError as err:
            errors.append(str(err))
    return frames, errors


def frame_groups(frames: list[Frame]) -> list[list[Frame]]:
    """Groups of one target whose masks can be compared pixel by lat/lon: frames with a grid, by
    hemisphere; frames without one, by shape (the same pixel grid is all they can share). In the
    order given; `label_free_scores` sorts each group by time."""
    groups: dict[tuple, list[Frame]] = {}
    for frame in frames:
        key = ("grid", frame.grid.hemisphere) if frame.grid is not None else ("px", frame.shape)
        groups.setdefault(key, []).append(frame)
    return list(groups.values())


GENERIC = re.compile(r"^(gray|c\d+)$")  # channel names of a file that does not name them


def accepts(frame: Frame, channels: list[str]) -> bool:
    """Whether a checkpoint with `channels` scores `frame`: the same channel names, or as many
    unnamed channels (an NPY or plain image of no known instrument). A JunoCam methane frame
    (``gray``) is not a UV frame."""
    names = list(frame.channels)
    if names == list(channels):
        return True
    unnamed = all(GENERIC.match(n) for n in names) and frame.instrument == "unknown"
    return unnamed and len(names) == len(channels)
