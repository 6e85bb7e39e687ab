"""Class masks as ISIS cubes on the map of the cube they were predicted on (``masks/<id>.cub``
beside the mask PNG), so that ISIS (qview, cubeit, mask, fx) and GDAL show them on the map.

The class id is stored plus one in UnsignedByte with ``Base = -1``, so that ISIS reads the ids
themselves and a pixel the detector ignores (off the data) is 0, ISIS's Null. The input's Mapping
group is copied as it was written.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from jovis.frame import LabelSchema
from jovis.io.atomic import write_bytes

LABEL_BLOCK = 1024  # the label is padded to a multiple of this


def encode_class_cube(mask: np.ndarray, mapping_pvl: str, schema: LabelSchema) -> bytes:
    """A one-band ISIS cube (attached label, BandSequential) of an H×W class-id mask."""
    if mask.ndim != 2:
        raise ValueError(f"mask must be H×W, got shape {mask.shape}")
    ids = np.asarray(mask, dtype=np.uint8)
    stored = np.where(ids == schema.ignore_index, 0, ids.astype(np.int16) + 1).astype(np.uint8)
    lines, samples = ids.shape
    classes = ", ".join(f'"{c.id} {c.name}"' for c in schema.classes)
    rows = [line.strip() for line in mapping_pvl.strip().splitlines()]
    mapping = "\n".join(["  " + rows[0], *("    " + r for r in rows[1:-1]), "  " + rows[-1]])

    def label(start: int) -> bytes:
        return (
            "Object = IsisCube\n  Object = Core\n"
            f"    StartByte = {start + 1}\n    Format = BandSequential\n\n"
            f"    Group = Dimensions\n      Samples = {samples}\n      Lines   = {lines}\n"
            "      Bands   = 1\n    End_Group\n\n"
            "    Group = Pixels\n      Type       = UnsignedByte\n      ByteOrder  = Lsb\n"
            "      Base       = -1.0\n      Multiplier = 1.0\n    End_Group\n  End_Object\n\n"
            f'  Group = BandBin\n    Name = "jovis class id"\n    Classes = ({classes})\n'
            "  End_Group\n\n"
            f"{mapping}\nEnd_Object\n\nObject = Label\n  Bytes = {start}\nEnd_Object\nEnd\n"
        ).encode("ascii", "replace")

    # the label's size in whole blocks (the two sizes written in it take at most 16 more digits)
    start = LABEL_BLOCK * -(-(len(label(0)) + 16) // LABEL_BLOCK)
    return label(start).ljust(start, b"\x00") + stored.tobytes()


def write_class_cube(
    path: str | Path, mask: np.ndarray, mapping_pvl: str, schema: LabelSchema
) -> Path:
    return write_bytes(path, encode_class_cube(mask, mapping_pvl, schema))
