"""model=auto over many inputs: each frame's instrument picks a released detector."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

from jovis.inference.inputs import Input, frame_set_rows, list_inputs
from jovis.inference.scale import frame_altitude_km
from jovis.io.atomic import make_folder, write_text
from jovis.io.errors import FrameReadError
from jovis.io.reader import read_frame
from jovis.released import Pick, UnknownModelError, colour_guess, for_bands, resolve_model

log = logging.getLogger(__name__)


def frame_identity(
    path: Path, rows: dict[str, dict]
) -> tuple[str, list[str] | None, float | None, str]:
    """The instrument, channel names and spacecraft altitude (km) of one input, and what its
    reader noted about its channels (``meta["channel_note"]``, else ""): its frame-set manifest
    row (channels None when the row lacks them, no altitude), else what `read_frame` finds."""
    row = rows.get(str(path)) or rows.get(str(path.resolve())) or {}
    if row.get("instrument"):
        channels = row.get("channels")
        return str(row["instrument"]), None if channels is None else list(channels), None, ""
    frame = read_frame(path)
    note = str(frame.meta.get("channel_note") or "")
    return frame.instrument, list(frame.channels), frame_altitude_km(frame), note


def picks_by_input(input: Input, *, instrument: str | None = None) -> dict[str, Any]:
    """{release tag: (Pick, [paths])} for model=auto; `instrument` overrides what frames say.

    A frame of several bands that no release takes together (a JIRAM I1 frame's L and M) goes
    to each release that takes some of them (`for_bands`: jiram_l on L, jiram_m on M). Frames
    that cannot be read, whose instrument has no release or whose channels no release can take
    (a JunoCam methane-band frame) are grouped under the error text (key ``"!" + message``), so
    the run can report them as failed.
    """
    rows = frame_set_rows(input)
    groups: dict[str, Any] = {}
    for path in list_inputs(input):
        try:
            found, channels, altitude, note = frame_identity(path, rows)
            picks = [resolve_model("auto", instrument=instrument or found, channels=channels,
                                   altitude_km=altitude)]  # fmt: skip
        except FrameReadError as err:
            picks, err_key = [], f"!{err}"
        except UnknownModelError as err:
            # a frame of several bands no release takes together: each band's detector
            picks = _band_picks(found, channels, altitude)
            err_key = f"!{err}" + (f". The reader: {note}" if note else "")
        if not picks:
            groups.setdefault(err_key, (None, []))[1].append(path)
            continue
        for pick in picks:
            _add(groups, pick, path, instrument or found, channels)
    return groups


def _band_picks(
    instrument: str, channels: list[str] | None, altitude_km: float | None
) -> list[Pick]:
    bands = ", ".join(channels or [])
    return [Pick(release.weights, release.tag,
                 f"auto: {instrument} frame of bands {bands} → {release.name} on its "
                 f"{', '.join(release.card['channels'])}")
            for release in for_bands(list(channels or []), altitude_km)]  # fmt: skip


def _add(groups: dict[str, Any], pick: Pick, path: Path, instrument: str,
         channels: list[str] | None) -> None:  # fmt: skip
    """`path` into `pick`'s group: one run per release, its reason naming every reason its
    frames were picked for."""
    if colour_guess(instrument, channels):
        log.warning(
            "%s: the reader cannot tell its instrument; its red/green/blue channels are taken "
            "as a visible-light composite (%s). If it is not one (a false-colour far-UV or "
            "infrared image), give model=NAME",
            path,
            pick.model,
        )
    if pick.model in groups and pick.reason not in groups[pick.model][0].reason:
        first, paths = groups[pick.model]
        groups[pick.model] = (replace(first, reason=f"{first.reason}; {pick.reason}"), paths)
    groups.setdefault(pick.model, (pick, []))[1].append(path)


def auto_inputs(input: Input, out: Path, paths: list[Path], total: int) -> Input:
    """The input to give one group's run: a frame set holding all the frames as it is (it keeps
    its manifest rows), else a list file of the group's frames written in its `out` (the folder
    is not listed again: it was, to group it, and said then what it left out)."""
    if len(paths) == total and frame_set_rows(input):
        return input
    listing = make_folder(out, "out") / "inputs.txt"
    # absolute, not resolved: a symlinked frame keeps the files beside the link (its map.json,
    # world file, metadata)
    write_text(listing, "".join(f"{p.absolute()}\n" for p in paths))
    return listing


def describe(pick: Pick | None) -> str:
    return "none" if pick is None else f"{pick.model} ({pick.reason})"
