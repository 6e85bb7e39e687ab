"""Telling a PDS4 product from its first bytes and its neighbours, without `pdr` (the reader's
sniffer and pixel limit run on every file)."""

from __future__ import annotations

import math
import re
from pathlib import Path

PDS4_MARK = b"Product_Observational"  # in the first bytes of an observational product's label
PDS4_HEAD = 16384  # bytes of an XML file searched for it (after any <?xml-model?> lines)
DATA_SUFFIXES = (".img", ".dat", ".qub", ".raw", ".bin")  # a data file read through its .xml
IMAGE_CLASSES = ("Array_2D_Image", "Array_3D_Image", "Array_2D", "Array_3D")  # first preferred
LABEL_MAX = 1 << 20  # bytes of a label searched for an image array (labels are 10-100 KB)
_IMAGE_TAG = re.compile(
    rb"<(?:\w+:)?(?:" + b"|".join(c.encode() for c in IMAGE_CLASSES) + rb")[\s>]"
)
_ARRAY = re.compile(rb"<(Array_\w+)>(.*?)</\1>", re.S)
_ELEMENTS = re.compile(rb"<elements>\s*(\d+)\s*</elements>")


def is_pds4_label(head: bytes) -> bool:
    """Whether a file's first bytes are a PDS4 observational product's XML label."""
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<") and PDS4_MARK in head


def describes_an_image(label: bytes) -> bool:
    """Whether a PDS4 label holds an image array (`IMAGE_CLASSES`): a spectrum's or a table's
    product is no frame."""
    return _IMAGE_TAG.search(label) is not None


def label_beside(path: Path) -> Path | None:
    """The ``.xml`` label beside a data file of the same stem (either case), if there is one."""
    if path.suffix.lower() not in DATA_SUFFIXES:
        return None
    for suffix in (".xml", ".XML"):
        if path.with_suffix(suffix).is_file():
            return path.with_suffix(suffix)
    return None


def declared_elements(label: bytes) -> int | None:
    """The element count of the label's largest array (None without one): a pixel limit's
    reading, before `pdr` allocates anything."""
    counts = [math.prod(int(n) for n in _ELEMENTS.findall(body))
              for _, body in _ARRAY.findall(label)]  # fmt: skip
    return max(counts) if counts else None
