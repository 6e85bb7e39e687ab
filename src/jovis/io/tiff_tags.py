"""The tags of a TIFF file's first image (classic TIFF and BigTIFF), read from its bytes.

OpenCV decodes TIFF pixels but says nothing of the tags, and Pillow does not open multi-band
float TIFFs at all; the GeoTIFF keys, GDAL's no-data value, the band interleave and what an
extra sample means are all tags. Layout as the TIFF 6.0 specification (§2: header, IFD of
12-byte entries whose values sit in the entry when they fit in 4 bytes, else at an offset) and
BigTIFF's (version 43, 8-byte offsets and counts, 20-byte entries) give it.
"""

from __future__ import annotations

import struct

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
    order = {b"II": "<", b"MM": ">"}.get(bytes(data[:2]))
    if order is None or len(data) < 8:
        raise ValueError("not a TIFF file (no II/MM byte-order mark)")
    version = struct.unpack(order + "H", data[2:4])[0]
    if version == 42:  # 16-bit entry count, 12-byte entries, 4-byte values and offsets
        count_code, entry_size, offset_code = "H", 12, "I"
        offset = _at(data, order + "I", 4)
    elif version == 43:  # BigTIFF: 64-bit counts, 20-byte entries, 8-byte values and offsets
        count_code, entry_size, offset_code = "Q", 20, "Q"
        offset = _at(data, order + "Q", 8)
    else:
        raise ValueError(f"not a TIFF file (version {version}, not 42 or BigTIFF's 43)")
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


def _at(data: bytes, fmt: str, offset: int) -> int:
    size = struct.calcsize(fmt)
    if offset < 0 or offset + size > len(data):
        raise ValueError(f"the TIFF's directory offset {offset} lies past the end of the "
                         f"{len(data)}-byte file")  # fmt: skip
    return struct.unpack(fmt, data[offset : offset + size])[0]
