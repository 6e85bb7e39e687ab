"""Class masks as PDS3 products on the map of the PDS3 map they were predicted on
(``masks/<id>.LBL`` label and ``masks/<id>.IMG`` data beside the mask PNG), so that `pdr`,
GDAL's PDS driver, ISIS's pds2isis and jovis read the mask where they read the input.

The class ids are 8-bit unsigned pixels; a pixel the detector ignores (off the data) holds the
schema's ignore id, the image's MISSING_CONSTANT. The input's ``IMAGE_MAP_PROJECTION`` object is
copied as its label wrote it (`jovis.io.pds3_map.projection_text`). The data file is written
before the label, each whole or not at all: a label is never left naming a missing or short file.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from jovis.frame import LabelSchema
from jovis.io.atomic import write_bytes, write_text


def class_label(stem: str, shape: tuple[int, int], projection: str, target: str,
                schema: LabelSchema) -> str:  # fmt: skip
    """The detached PDS3 label of an H×W class-id mask stored as ``<stem>.IMG`` on the map
    `projection` (an IMAGE_MAP_PROJECTION object's text)."""
    lines, samples = shape
    classes = ", ".join(f"{c.id} {c.name}" for c in schema.classes)
    rows = [
        "PDS_VERSION_ID = PDS3",
        "RECORD_TYPE = FIXED_LENGTH",
        f"RECORD_BYTES = {samples}",
        f"FILE_RECORDS = {lines}",
        f'^IMAGE = ("{stem}.IMG", 1)',
        f'TARGET_NAME = "{target}"',
        f'PRODUCT_ID = "{stem}_CLASS_MASK"',
        f'DESCRIPTION = "jovis class ids ({classes}); {schema.ignore_index}: off the data"',
        projection.replace("\r\n", "\n").replace("\n", "\r\n"),
        "OBJECT = IMAGE",
        f"  LINES = {lines}",
        f"  LINE_SAMPLES = {samples}",
        "  SAMPLE_TYPE = MSB_UNSIGNED_INTEGER",
        "  SAMPLE_BITS = 8",
        "  BANDS = 1",
        f"  MISSING_CONSTANT = {schema.ignore_index}",
        "END_OBJECT = IMAGE",
        "END",
    ]
    return "\r\n".join(rows) + "\r\n"


def write_class_pds3(path: str | Path, mask: np.ndarray, projection: str, target: str,
                     schema: LabelSchema) -> Path:  # fmt: skip
    """Write an H×W class-id mask as the PDS3 product `path` (its label, ``.LBL``) and its data
    file beside it (``.IMG``), on the map `projection` of target `target`."""
    if mask.ndim != 2:
        raise ValueError(f"mask must be H×W, got shape {mask.shape}")
    path = Path(path)
    write_bytes(path.with_suffix(".IMG"), np.ascontiguousarray(mask, dtype=np.uint8).tobytes())
    return write_text(path, class_label(path.stem, mask.shape, projection, target, schema))
