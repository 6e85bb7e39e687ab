"""Which byte order gives sane floats: archives label some products in one order and write them
in the other (JIRAM RDRs, PHYSICS.md §4), or say none (VICAR files without REALFMT)."""

from __future__ import annotations

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
