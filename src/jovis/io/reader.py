"""`read_frame()`: pick the reader by the file's content (magic bytes, PDS label, FITS header),
not only its suffix."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np

from jovis.frame import Frame
from jovis.io.archives import archive_problem, is_archive
from jovis.io.errors import FrameReadError
from jovis.io.generic import RASTER_MAGIC, read_npy, read_raster
from jovis.io.isis import label_of
from jovis.io.limits import DEFAULT_MAX_PIXELS, check_pixels
from jovis.io.pds4_label import PDS4_HEAD, is_pds4_label, label_beside
from jovis.io.sidecars import JUNOCAM_NAME

_MAGIC = (
    *RASTER_MAGIC,
    (b"\x93NUMPY", "npy"),
    (b"SIMPLE  =", "fits"),
    (b"PDS_VERSION_ID", "pds3"),
    (b"ODL_VERSION_ID", "pds3"),
    (b"LBLSIZE=", "vicar"),
)
FITS_SUFFIXES = (".fits", ".fit", ".fts")
# Suffixes a folder listing treats as frames (labels stand for their .IMG).
# (.map: JIRAM's published polar maps are VICAR files named so)
FRAME_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".npy", *FITS_SUFFIXES, ".lbl", ".img",
                  ".vic", ".map", ".xml", ".cub"}  # fmt: skip
# Compressed frames a folder listing takes too (archives such as APIS serve gzipped FITS; fpack
# writes tile-compressed FITS as <name>.fits.fz, which astropy reads as it is).
COMPRESSED_FRAME_SUFFIXES = tuple(f"{suffix}{packed}" for packed in (".gz", ".fz")
                                  for suffix in FITS_SUFFIXES)  # fmt: skip
GZIP_MAGIC = b"\x1f\x8b"  # the first bytes of a gzip file
RASTER_KINDS = tuple(dict.fromkeys(kind for _, kind in RASTER_MAGIC))  # png, jpeg, tiff


def sniff_format(path: str | Path) -> str:
    """Name the file's format from its first bytes (and, for JunoCam PNGs, its product id)."""
    path = Path(path)
    if not path.exists():
        raise FrameReadError(path, "file does not exist")
    if not path.is_file():
        raise FrameReadError(path, "not a regular file")
    with open(path, "rb") as fh:
        head = fh.read(32)
    if not head:
        raise FrameReadError(path, "empty file (0 bytes)")
    if is_archive(path):  # by name: .npz and office files are zips too, and are not archives
        raise FrameReadError(path, archive_problem(path))
    if head.startswith(GZIP_MAGIC):
        return _sniff_gzip(path)
    for magic, kind in _MAGIC:
        if head.lstrip(b"\xef\xbb\xbf").startswith(magic):
            if kind in RASTER_KINDS and JUNOCAM_NAME.match(path.name):
                return "junocam"  # a website product, also when saved as JPEG or TIFF
            return kind
    if label_of(path) is not None:
        return "isis"  # an ISIS cube, its detached label, or the data file beside that
    if path.suffix.lower() == ".img" and any(
        path.with_suffix(s).exists() for s in (".LBL", ".lbl")
    ):
        return "pds3"  # a detached label beside the image
    if label_beside(path) is not None:
        return "pds4"  # a data file read through its XML label
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        with open(path, "rb") as fh:
            if is_pds4_label(fh.read(PDS4_HEAD)):
                return "pds4"
        raise FrameReadError(path, "XML, but not a PDS4 observational product's label "
                                   "(no Product_Observational in its first bytes)")  # fmt: skip
    raise FrameReadError(
        path,
        f"unrecognised content (first bytes {head[:8]!r}): not a PNG, JPEG, TIFF, NPY, "
        "FITS, PDS3, PDS4, VICAR or ISIS frame",
    )


def gunzip(path: Path, size: int = -1) -> bytes:
    """The first `size` bytes (-1: all) of a gzip file's content; FrameReadError naming the file
    when it is corrupt or ends early."""
    try:
        with gzip.open(path, "rb") as fh:
            return fh.read(size)
    except (OSError, EOFError, zlib.error) as err:
        raise FrameReadError(path, f"corrupt or truncated gzip file ({err})") from err


def _sniff_gzip(path: Path) -> str:
    """Gzip-compressed FITS reads as FITS (astropy decompresses it); nothing else is taken."""
    if gunzip(path, 16).startswith(b"SIMPLE  ="):
        return "fits"
    raise FrameReadError(
        path,
        "gzip-compressed, but not a FITS file inside: only FITS frames (.fits.gz) are read "
        "compressed; decompress it (gunzip) first",
    )


def read_frame(
    path: str | Path,
    instrument: str | None = None,
    channels: list[str] | None = None,
    max_pixels: int | None = DEFAULT_MAX_PIXELS,
) -> Frame:
    """Read one frame from disk.

    Parameters
    ----------
    path : str or Path
        The file. Its format is decided by content: FITS (also gzip-compressed), PDS3 and PDS4
        (label or its data file), VICAR, ISIS cubes (or a detached label), JunoCam products (raw
        framelet PNG, per-filter PNGs, map-projected composite), PNG, JPEG, TIFF, NPY.
    instrument : str, optional
        Instrument name to record when the file does not say (a reader that knows keeps its own).
    channels : list of str, optional
        Channel names for formats that do not carry them (NPY).
    max_pixels : int or None
        Refuse, before decoding, a file whose header declares more pixels (× planes) than this
        (default 64 Mpx; None = no limit).

    Raises
    ------
    FrameReadError
        Naming the file and the reason: missing, empty, truncated, unrecognised, wrong shape, all
        pixels invalid, more pixels declared than `max_pixels`.
    """
    path = Path(path)
    kind = sniff_format(path)
    check_pixels(path, kind, max_pixels)
    try:
        if kind in RASTER_KINDS:
            frame = read_raster(path, kind, instrument)
        elif kind == "npy":
            frame = read_npy(path, instrument, channels)
        elif kind == "fits":
            from jovis.io.fits import read_fits

            frame = read_fits(path, instrument)
        elif kind == "pds3":
            from jovis.io.pds3 import read_pds3

            frame = read_pds3(path, instrument)
        elif kind == "pds4":
            from jovis.io.pds4 import read_pds4

            frame = read_pds4(path, instrument)
        elif kind == "vicar":
            from jovis.io.vicar import read_vicar

            frame = read_vicar(path, instrument)
        elif kind == "isis":
            from jovis.io.isis import read_isis

            frame = read_isis(path, instrument)
        else:  # junocam
            from jovis.io.junocam import read_junocam

            frame = read_junocam(path, instrument)
    except FrameReadError:
        raise
    except (OSError, ValueError, KeyError, IndexError, TypeError) as err:
        raise FrameReadError(path, f"cannot read as {kind.upper()}: {err}") from err
    if not np.any(frame.valid):
        raise FrameReadError(path, "no valid pixels (all NaN or flagged as no data)")
    return frame
