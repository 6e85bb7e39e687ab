"""`read_frame()`: pick the reader by the file's content (magic bytes), not only its suffix."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from jovis.frame import Frame
from jovis.io.errors import FrameReadError
from jovis.io.generic import read_npy, read_raster

_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"II+\x00", "tiff"),
    (b"\x93NUMPY", "npy"),
    (b"SIMPLE  =", "fits"),
)
# Suffixes a folder listing treats as frames.
FRAME_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".npy", ".fits", ".fit", ".fts"}


def sniff_format(path: str | Path) -> str:
    """Name the file's format from its first bytes; raise `FrameReadError` if unknown."""
    path = Path(path)
    if not path.exists():
        raise FrameReadError(path, "file does not exist")
    if not path.is_file():
        raise FrameReadError(path, "not a regular file")
    with open(path, "rb") as fh:
        head = fh.read(16)
    if not head:
        raise FrameReadError(path, "empty file (0 bytes)")
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    raise FrameReadError(
        path,
        f"unrecognised content (first bytes {head[:8]!r}): not a PNG, JPEG, TIFF, NPY or "
        "FITS frame",
    )


def read_frame(
    path: str | Path, instrument: str | None = None, channels: list[str] | None = None
) -> Frame:
    """Read one frame from disk.

    Parameters
    ----------
    path : str or Path
        The file. Its format is decided by content: PNG, JPEG, TIFF, NPY (FITS and PDS3 readers
        arrive with the readers issue).
    instrument : str, optional
        Instrument name to record in the frame.
    channels : list of str, optional
        Channel names for formats that do not carry them (NPY).

    Raises
    ------
    FrameReadError
        Naming the file and the reason: missing, empty, truncated, unrecognised, wrong shape, all
        pixels invalid.
    """
    path = Path(path)
    kind = sniff_format(path)
    if kind in ("png", "jpeg", "tiff"):
        frame = read_raster(path, kind, instrument)
    elif kind == "npy":
        frame = read_npy(path, instrument, channels)
    else:
        raise FrameReadError(path, f"{kind.upper()} frames are not supported yet")
    if not np.any(frame.valid):
        raise FrameReadError(path, "no valid pixels (all NaN or flagged as no data)")
    return frame
