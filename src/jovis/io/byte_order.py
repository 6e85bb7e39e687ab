"""Which byte order gives sane floats: archives label some products in one order and write them
in the other (JIRAM RDRs, PHYSICS.md §4), or say none (VICAR files without REALFMT)."""

from __future__ import annotations

import sys
from collections.abc import Callable

import numpy as np

ABSURD = 1e10  # a float beyond this (or non-finite, or nonzero below 1e-30) is no measurement
ABSURD_TEXT = f"non-finite, |x| > {ABSURD:g} or < 1e-30"


def n_absurd(values: np.ndarray, ignore: np.ndarray | None = None) -> int:
    """How many of `values` no measurement gives (`ABSURD_TEXT`), not counting `ignore` (fills)."""
    with np.errstate(invalid="ignore", over="ignore"):
        size = np.abs(values.astype(np.float64))
        bad = ~np.isfinite(size) | (size > ABSURD) | ((size < 1e-30) & (size > 0))
    if ignore is not None:
        bad &= ~ignore
    return int(np.count_nonzero(bad))


def order_name(dtype: np.dtype) -> str | None:
    """``little``/``big`` for a multi-byte dtype (native resolved), None for bytes."""
    if dtype.itemsize == 1:
        return None
    return {"<": "little", ">": "big"}.get(dtype.byteorder, sys.byteorder)


def saner_order(
    raw: np.ndarray, ignore: Callable[[np.ndarray], np.ndarray], labelled: str
) -> tuple[np.ndarray, str | None]:
    """`raw` floats, or their bytes read in the other order when only that gives sane values,
    with a note saying so (None when kept). `ignore(values)` marks the fill values; `labelled`
    names what the label says (its sample or data type)."""
    if raw.dtype.kind != "f":
        return raw, None
    other = raw.view(raw.dtype.newbyteorder())
    n_label, n_other = n_absurd(raw, ignore(raw)), n_absurd(other, ignore(other))
    if not (n_label and n_other * 10 < n_label):
        return raw, None
    was, now = order_name(raw.dtype), order_name(other.dtype)
    return other, (
        f"label says {labelled} ({was}-endian), but {n_label} of {raw.size} values read "
        f"{was}-endian are absurd ({ABSURD_TEXT}) against {n_other} read {now}-endian: read as "
        f"{now}-endian (PHYSICS.md §4)"
    )
