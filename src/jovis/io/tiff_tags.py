"""The tags of a TIFF file's first image (classic TIFF and BigTIFF), read from its bytes; and
a one-strip 8-bit TIFF written with the tags given (the GeoTIFF class masks).

OpenCV decodes TIFF pixels but says nothing of the tags, and Pillow does not open multi-band
float TIFFs at all; the GeoTIFF keys, GDAL's no-data value, the band interleave and what an
extra sample means are all tags. Layout as the TIFF 6.0 specification (§2: header, IFD of
12-byte entries whose values sit in the entry when they fit in 4 bytes, else at an offset) and
BigTIFF's (version 43, 8-byte offsets and counts, 20-byte entries) give it.
"""

from __future__ import annotations

import struct
from typing import Any

import numpy as np

# field type → struct code (RATIONAL and SRATIONAL are pairs of 32-bit integers)
_TYPES = {1: "B", 2: "s", 3: "H", 4: "I", 5: "I", 6: "b", 7: "B", 8: "h", 9: "i", 10: "i",
          11: "f", 12: "d", 16: "Q", 17: "q", 18: "Q"}  # fmt: skip
_PAIRED = (5, 10)

IMAGE_WIDTH, IMAGE_LENGTH, SAMPLES_PER_PIXEL = 256, 257, 277
PLANAR_CONFIGURATION = 284  # 1 chunky (pixel-interleaved), 2 planar (band after band)
EXTRA_SAMPLES = 338  # 0 unspecified, 1 associated alpha, 2 unassociated alpha


def read_tags(data: bytes, wanted: set[int] | None = None) -> dict[int, tuple | str]:
    """{tag: values} of the first image's directory (`wanted` tags only, when given): ASCII as
    a str without its trailing NULs, everything else as a tuple of numbers (a RATIONAL as
    numerator/denominator). ValueError when `data` is not a TIFF or its directory or a value
    lies past the end of `data`."""
    order, count_code, entry_size, offset_code, offset = _layout(data)
    entries = _at(data, order + count_code, offset)
    first = offset + struct.calcsize(count_code)
    if first + entries * entry_size > len(data):
        raise ValueError(f"the TIFF's directory at byte {offset} declares {entries} entries, "
                         f"past the end of the {len(data)}-byte file")  # fmt: skip
    tags: dict[int, tuple | str] = {}
    for k in range(entries):
        at = first + k * entry_size
        tag, kind = struct.unpack(order + "HH", data[at : at + 4])
        if (wanted is not None and tag not in wanted) or kind not in _TYPES:
            continue
        count = _at(data, order + offset_code, at + 4)
        code = _TYPES[kind]
        n = count * (2 if kind in _PAIRED else 1)
        size = struct.calcsize(code) * n
        where = at + 4 + struct.calcsize(offset_code)
        if size > struct.calcsize(offset_code):  # not held in the entry itself
            where = _at(data, order + offset_code, where)
        if where + size > len(data):
            raise ValueError(f"TIFF tag {tag}'s {count} value(s) at byte {where} run past the "
                             f"end of the {len(data)}-byte file")  # fmt: skip
        raw = data[where : where + size]
        if kind == 2:
            tags[tag] = bytes(raw).split(b"\x00")[0].decode("latin-1")
            continue
        values = struct.unpack(f"{order}{n}{code}", raw)
        if kind in _PAIRED:
            values = tuple(
                a / b if b else float("nan") for a, b in zip(values[::2], values[1::2], strict=True)
            )
        tags[tag] = values
    return tags


NEW_SUBFILE_TYPE, SUBFILE_TYPE = 254, 255
_NOT_A_PAGE = 0b101  # NewSubfileType bits: a reduced-resolution copy (overview), a mask
MAX_DIRECTORIES = 65536  # a chain longer than this (or one that loops) is not followed further


def _layout(data: bytes) -> tuple[str, str, int, str, int]:
    """(byte order, entry-count code, entry size, offset code, the first directory's offset)
    of a classic TIFF or a BigTIFF; ValueError when `data` is neither."""
    order = {b"II": "<", b"MM": ">"}.get(bytes(data[:2]))
    if order is None or len(data) < 8:
        raise ValueError("not a TIFF file (no II/MM byte-order mark)")
    version = struct.unpack(order + "H", data[2:4])[0]
    if version == 42:  # 16-bit entry count, 12-byte entries, 4-byte values and offsets
        return order, "H", 12, "I", _at(data, order + "I", 4)
    if version == 43:  # BigTIFF: 64-bit counts, 20-byte entries, 8-byte values and offsets
        return order, "Q", 20, "Q", _at(data, order + "Q", 8)
    raise ValueError(f"not a TIFF file (version {version}, not 42 or BigTIFF's 43)")


def page_count(data: bytes) -> int:
    """How many full images (pages) the TIFF holds: its directories of the first one's size but
    reduced-resolution copies (GDAL's overviews, a thumbnail) and masks (GDAL's internal no-data
    mask). ValueError as `read_tags` for a damaged first directory; a chain damaged after it is
    counted up to there (libtiff, and OpenCV, read the first image of such a file)."""
    order, count_code, entry_size, offset_code, offset = _layout(data)
    pages, seen, first = 0, set(), None
    while offset and offset not in seen and len(seen) < MAX_DIRECTORIES:
        seen.add(offset)
        try:
            kind, size, offset = _directory(data, order, offset, count_code, entry_size,
                                            offset_code)  # fmt: skip
        except ValueError:
            if not pages:
                raise
            break
        first = size if first is None else first
        pages += not kind & _NOT_A_PAGE and size == first
    return pages


def _directory(data: bytes, order: str, offset: int, count_code: str, entry_size: int,
               offset_code: str) -> tuple[int, tuple[int, int], int]:  # fmt: skip
    """(the NewSubfileType of the directory at `offset`, its image's width and length, the
    next directory's offset)."""
    entries = _at(data, order + count_code, offset)
    first = offset + struct.calcsize(count_code)
    kind, size = 0, [0, 0]
    for k in range(min(entries, (len(data) - first) // entry_size)):
        at = first + k * entry_size
        tag, field = struct.unpack(order + "HH", data[at : at + 4])
        value_at = at + 4 + struct.calcsize(offset_code)
        if tag == NEW_SUBFILE_TYPE:
            kind = _at(data, order + "I", value_at)
        elif tag == SUBFILE_TYPE:  # the old tag: 2 = reduced resolution
            kind = 1 if _at(data, order + "H", value_at) == 2 else 0
        elif tag in (IMAGE_WIDTH, IMAGE_LENGTH):  # SHORT or LONG
            code = {3: "H", 16: "Q"}.get(field, "I")  # SHORT, BigTIFF's LONG8, else LONG
            size[tag - IMAGE_WIDTH] = _at(data, order + code, value_at)
    return kind, (size[0], size[1]), _at(data, order + offset_code, first + entries * entry_size)


def _at(data: bytes, fmt: str, offset: int) -> int:
    size = struct.calcsize(fmt)
    if offset < 0 or offset + size > len(data):
        raise ValueError(f"the TIFF's directory offset {offset} lies past the end of the "
                         f"{len(data)}-byte file")  # fmt: skip
    return struct.unpack(fmt, data[offset : offset + size])[0]


# field types written (TIFF 6.0 §2)
SHORT, LONG, DOUBLE, ASCII = 3, 4, 12, 2


def encode_tiff(image: np.ndarray, tags: list[tuple[int, int, Any]],
                palette: np.ndarray | None = None) -> bytes:  # fmt: skip
    """A little-endian classic TIFF of one H×W (× C, pixel-interleaved) uint8 or float32 image,
    uncompressed in one strip, with the extra `tags` as (tag, field type, values) (values a
    tuple of numbers, or a str for ASCII); `palette` (256 × 3 RGB, 0-255) makes a uint8 H×W
    image a palette image that viewers show in colour. Three uint8 bands are RGB."""
    if image.ndim not in (2, 3) or image.dtype not in (np.uint8, np.float32):
        raise ValueError(f"encode_tiff takes an H×W[×C] uint8 or float32 image, got "
                         f"{image.shape} {image.dtype}")  # fmt: skip
    rows, cols = image.shape[:2]
    bands = 1 if image.ndim == 2 else image.shape[2]
    pixels = np.ascontiguousarray(image).astype(image.dtype.newbyteorder("<")).tobytes()
    rgb = bands == 3 and image.dtype == np.uint8
    photometric = 3 if palette is not None else 2 if rgb else 1
    entries = [(256, LONG, (cols,)), (257, LONG, (rows,)),
               (258, SHORT, (8 * image.itemsize,) * bands), (259, SHORT, (1,)),
               (262, SHORT, (photometric,)), (273, LONG, (0,)), (277, SHORT, (bands,)),
               (278, LONG, (rows,)), (279, LONG, (len(pixels),)), (284, SHORT, (1,)),
               (339, SHORT, (3 if image.dtype == np.float32 else 1,) * bands)]  # fmt: skip
    if bands > 1 and not rgb:
        entries.append((338, SHORT, (0,) * (bands - 1)))  # the others: plain bands, not alpha
    if palette is not None:  # 16-bit levels, all reds, then greens, then blues
        levels = (np.asarray(palette, np.uint16).reshape(256, 3).T * 257).ravel()
        entries.append((320, SHORT, tuple(int(v) for v in levels)))
    entries = sorted(entries + list(tags), key=lambda e: e[0])
    directory_at = 8
    values_at = directory_at + 2 + 12 * len(entries) + 4
    directory, values = bytearray(struct.pack("<H", len(entries))), bytearray()
    strip_entry = None
    for tag, kind, data in entries:
        raw = ((data.encode("latin-1") + b"\x00") if kind == ASCII
               else struct.pack(f"<{len(data)}{_TYPES[kind]}", *data))  # fmt: skip
        count = len(raw) if kind == ASCII else len(data)
        if tag == 273:
            strip_entry = len(directory) + 8  # its value: the pixels' offset, known below
        if len(raw) <= 4:
            directory += struct.pack("<HHI", tag, kind, count) + raw.ljust(4, b"\x00")
        else:
            directory += struct.pack("<HHII", tag, kind, count, values_at + len(values))
            values += raw + (b"\x00" if len(raw) % 2 else b"")  # word-aligned
    directory += struct.pack("<I", 0)  # no next image
    pixels_at = values_at + len(values)
    struct.pack_into("<I", directory, strip_entry, pixels_at)
    return b"II*\x00" + struct.pack("<I", directory_at) + bytes(directory) + bytes(values) + pixels
