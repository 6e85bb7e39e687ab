"""model=auto over many inputs: each frame's instrument picks a released detector."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

from jovis.inference.inputs import frame_set_rows, list_inputs
from jovis.inference.scale import frame_altitude_km
from jovis.io.atomic import make_folder, write_text
from jovis.io.errors import FrameReadError
from jovis.io.reader import read_frame
from jovis.released import Pick, UnknownModelError, colour_guess, resolve_model

log = logging.getLogger(__name__)


def frame_identity(path: Path, rows: dict[str, dict]) -> tuple[str, list[str] | None, float | None]:
    """The instrument, channel names and spacecraft altitude (km) of one input: its frame-set
    manifest row (channels None when the row lacks them, no altitude), else what `read_frame`
    finds."""
    row = rows.get(str(path)) or rows.get(str(path.resolve())) or {}
    if row.get("instrument"):
        channels = row.get("channels")
        return str(row["instrument"]), None if channels is None else list(channels), None
    frame = read_frame(path)
    return frame.instrument, list(frame.channels), frame_altitude_km(frame)


def picks_by_input(input: str | Path, *, instrument: str | None = None) -> dict[str, Any]:
    """{release tag: (Pick, [paths])} for model=auto; `instrument` overrides what frames say.

    Frames that cannot be read, whose instrument has no release or whose channels the release
    cannot take (a JunoCam methane-band frame) are grouped under the error text (key
    ``"!" + message``), so the run can report them as failed.
    """
    rows = frame_set_rows(input)
    groups: dict[str, Any] = {}
    for path in list_inputs(input):
        try:
            found, channels, altitude = frame_identity(path, rows)
            pick = resolve_model(
                "auto", instrument=instrument or found, channels=channels, altitude_km=altitude
            )
            key = pick.model
        except (FrameReadError, UnknownModelError) as err:
            pick, key = None, f"!{err}"
        if pick is not None and colour_guess(instrument or found, channels):
            log.warning(
                "%s: the reader cannot tell its instrument; its red/green/blue channels are taken "
                "as a visible-light composite (%s). If it is not one (a false-colour far-UV or "
                "infrared image), give model=NAME",
                path,
                pick.model,
            )
        if key in groups and pick is not None and pick.reason not in groups[key][0].reason:
            # one run per release: its record names every reason its frames were picked for
            first = groups[key][0]
            groups[key] = (replace(first, reason=f"{first.reason}; {pick.reason}"), groups[key][1])
        groups.setdefault(key, (pick, []))[1].append(path)
    return groups


def auto_inputs(input: str | Path, out: Path, paths: list[Path], total: int) -> str | Path:
    """The input to give one group's run: a frame set holding all the frames as it is (it keeps
    its manifest rows), else a list file of the group's frames written in its `out` (the folder
    is not listed again: it was, to group it, and said then what it left out)."""
    if len(paths) == total and frame_set_rows(input):
        return input
    listing = make_folder(out, "out") / "inputs.txt"
    write_text(listing, "".join(f"{p.resolve()}\n" for p in paths))
    return listing


def describe(pick: Pick | None) -> str:
    return "none" if pick is None else f"{pick.model} ({pick.reason})"
