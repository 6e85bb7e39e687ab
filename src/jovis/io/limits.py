"""The pixel count a file declares in its header, read before anything is decoded.

A small file can declare a huge image (a 389 KB PNG saying 20000×20000 decodes to 1.6 GB as float):
`check_pixels` refuses it from the header alone (PNG IHDR, JPEG SOF, TIFF IFD, FITS NAXISn,
PDS3 LINES/LINE_SAMPLES/BANDS, PDS4 Axis_Array elements, VICAR NL/NS/NB, ISIS Dimensions, NPY
header).
"""

from __future__ import annotations

import re
import struct
from pathlib import Path

import numpy as np

from jovis.io.errors import FrameReadError
from jovis.io.generic import raster_kind

DEFAULT_MAX_PIXELS = 64_000_000
_HEAD = 1 << 16  # bytes of a header or label scanned


def check_pixels(path: Path, kind: str, max_pixels: int | None) -> None:
    """Raise FrameReadError when the header declares more than `max_pixels` pixels (× planes)."""
    if max_pixels is None:
        return
    size = declared_size(path, kind)
    if size is None:
        return
    pixels = int(np.prod(size, dtype=np.int64))
    if pixels > max_pixels:
        dims = "×".join(str(int(n)) for n in size)
        raise FrameReadError(
            path,
            f"declares {dims} = {pixels / 1e6:.1f} Mpx, above the limit of {max_pixels / 1e6:g} "
            "Mpx; refused before decoding. Raise it with max_pixels=N (jovis infer, "
            "scripts/infer.py) or read_frame(path, max_pixels=N)",
        )


def declared_size(path: Path, kind: str) -> tuple[int, ...] | None:
    """Declared dimensions (width, height[, planes]); None when the header says nothing usable."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(_HEAD)
    except OSError:
        return None
    from jovis.io.reader import GZIP_MAGIC, gunzip  # here: the reader imports this module

    if head.startswith(GZIP_MAGIC):  # gzip-compressed FITS: the header as decompressed
        head = gunzip(path, _HEAD)
    if kind == "junocam":  # a website product: PNG as published, or saved as JPEG or TIFF
        kind = raster_kind(head)
    reader = {
        "png": _png,
        "jpeg": _jpeg,
        "tiff": _tiff,
        "fits": _fits,
        "npy": _npy,
        "pds3": _pds3,
        "vicar": _vicar,
        "pds4": _pds4,
        "isis": _isis,
    }.get(kind)
    if reader is None:
        return None
    try:
        return reader(path, head)
    except (struct.error, ValueError, IndexError, OSError):
        return None  # an unreadable header is the reader's to report


def _png(path: Path, head: bytes) -> tuple[int, ...] | None:
    if head[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", head[16:24])


def _jpeg(path: Path, head: bytes) -> tuple[int, ...] | None:
    i = 2
    while i + 9 < len(head):
        if head[i] != 0xFF:
            i += 1
            continue
        marker = head[i + 1]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", head[i + 5 : i + 9])
            return width, height
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7 or marker == 0xFF:
            i += 1 if marker == 0xFF else 2
            continue
        i += 2 + struct.unpack(">H", head[i + 2 : i + 4])[0]
    return None


def _tiff(path: Path, head: bytes) -> tuple[int, ...] | None:
    from jovis.io.tiff_tags import IMAGE_LENGTH, IMAGE_WIDTH, SAMPLES_PER_PIXEL, read_tags

    try:  # (a directory beyond the bytes read is left to the decoder)
        tags = read_tags(head, {IMAGE_WIDTH, IMAGE_LENGTH, SAMPLES_PER_PIXEL})
    except ValueError:
        return None
    if IMAGE_WIDTH in tags and IMAGE_LENGTH in tags:
        return tags[IMAGE_WIDTH][0], tags[IMAGE_LENGTH][0], tags.get(SAMPLES_PER_PIXEL, (1,))[0]
    return None


def _fits(path: Path, head: bytes) -> tuple[int, ...] | None:
    """The largest image of the headers found in the first 64 KiB (primary and extensions)."""
    text = head.decode("ascii", "replace")
    cards = [text[i : i + 80] for i in range(0, len(text) - 79, 80)]
    best: tuple[int, ...] | None = None
    axes: dict[int, int] = {}
    for card in cards:
        key, value = card[:8].strip(), card[10:].split("/")[0].strip()
        if re.fullmatch(r"NAXIS\d+", key) and re.fullmatch(r"[+-]?\d+", value):
            axes[int(key[5:])] = int(value)
        elif key == "END":
            if axes and (best is None or np.prod(list(axes.values())) > np.prod(best)):
                best = tuple(axes.values())
            axes = {}
    return best


def _npy(path: Path, head: bytes) -> tuple[int, ...] | None:
    import io

    buf = io.BytesIO(head)
    version = np.lib.format.read_magic(buf)
    read = (
        np.lib.format.read_array_header_1_0
        if version[0] == 1
        else (np.lib.format.read_array_header_2_0)
    )
    shape, _, _ = read(buf)  # header only
    return tuple(int(n) for n in shape) or None


def _pds3(path: Path, head: bytes) -> tuple[int, ...] | None:
    if path.suffix.lower() == ".img" and not head.lstrip(b"\xef\xbb\xbf").startswith(
        (b"PDS_VERSION_ID", b"ODL_VERSION_ID")
    ):
        for suffix in (".LBL", ".lbl"):
            if path.with_suffix(suffix).is_file():
                head = path.with_suffix(suffix).read_bytes()[:_HEAD]
                break
    text = head.decode("latin-1")
    values = {}
    for key in ("LINE_SAMPLES", "LINES", "BANDS"):
        found = [int(v) for v in re.findall(rf"(?<![A-Z_]){key}\s*=\s*(\d+)", text)]
        if found:
            values[key] = max(found)
    if "LINES" in values and "LINE_SAMPLES" in values:
        return values["LINE_SAMPLES"], values["LINES"], values.get("BANDS", 1)
    return None


def _vicar(path: Path, head: bytes) -> tuple[int, ...] | None:
    from jovis.io.vicar import declared_shape, label_size, parse_label

    text = head[: label_size(head) or 0].decode("latin-1")  # not the pixels after the label
    shape = declared_shape(parse_label(text))
    return None if shape is None else (shape[1], shape[0], shape[2])


def _pds4(path: Path, head: bytes) -> tuple[int, ...] | None:
    from jovis.io.pds4_label import declared_elements, label_beside

    label = label_beside(path)
    if label is not None:
        with open(label, "rb") as fh:
            head = fh.read(_HEAD)
    count = declared_elements(head)
    return None if count is None else (count,)


def _isis(path: Path, head: bytes) -> tuple[int, ...] | None:
    from jovis.io.isis import declared_shape, label_of, parse_label

    label = label_of(path)
    if label is not None and label != path:
        with open(label, "rb") as fh:
            head = fh.read(_HEAD)
    return declared_shape(parse_label(head.decode("latin-1")))
