"""Observation times: ISO 8601 / PDS day-of-year strings, FITS EXPSTART (MJD), a frame's file.

A frame's time comes, in this order, from a ``time`` value recorded with it (a manifest column,
a GeoJSON property, a catalogue column) or from its source file's metadata through the jovis
readers (`jovis.io.read_frame`: FITS ``UDATE``/``DATE-OBS`` (+``TIME-OBS``), JunoCam
``START_TIME``/``IMAGE_TIME``, PDS3 ``START_TIME``, FITS ``EXPSTART`` as MJD where no date card is).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

MJD0 = datetime(1858, 11, 17, tzinfo=timezone.utc)
_DOY = re.compile(r"^(\d{4})-(\d{3})(T.*)?$")
_SLASHED = re.compile(r"^(\d{4})/(\d{2})/(\d{2})")  # a spreadsheet's year-first date
# what a time that is not read should be written as (the errors that say so)
TIME_FORMS = ("ISO 8601 (2022-08-17T14:00:04, UTC unless it gives an offset) or PDS "
              "day-of-year (2022-229T14:00:04)")  # fmt: skip


def parse_time(value: Any) -> datetime | None:
    """`value` as an aware UTC datetime, or None when it is empty or not a time.

    Accepts ISO 8601 (``2016-05-21T02:17:00.5``, a trailing ``Z``, a space for ``T``), a
    year-first date with slashes (``2016/05/21 02:17``, as spreadsheets write it), PDS
    day-of-year (``2016-142T02:17:00``) and numbers as MJD (FITS ``EXPSTART``).
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, int | float):
        return MJD0 + timedelta(days=float(value))
    text = str(value).strip().strip('"').replace(" ", "T")
    if text.endswith("Z"):
        text = text[:-1]
    text = _SLASHED.sub(r"\1-\2-\3", text)
    m = _DOY.match(text)
    if m:
        day = datetime(int(m.group(1)), 1, 1) + timedelta(days=int(m.group(2)) - 1)
        text = day.strftime("%Y-%m-%d") + (m.group(3) or "")
    try:
        out = datetime.fromisoformat(text)
    except ValueError:
        return None
    return out if out.tzinfo else out.replace(tzinfo=timezone.utc)


def time_from_meta(meta: dict[str, Any]) -> datetime | None:
    """A frame's time from its reader's metadata: ``time`` (every reader's, FITS ``EXPSTART``
    included), else a label's own keys."""
    for key in ("time", "START_TIME", "IMAGE_TIME", "DATE-OBS"):
        t = parse_time(meta.get(key))
        if t is not None:
            return t
    return None


def time_of_file(path: str | Path) -> datetime | None:
    """The observation time in a frame file's own metadata (None when it has none)."""
    from jovis.io import read_frame

    try:
        frame = read_frame(path)
    except Exception:  # an unreadable source only means no time from it
        return None
    return time_from_meta(frame.meta)
