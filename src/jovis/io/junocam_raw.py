"""JunoCam raw-data conventions (PHYSICS.md §3): product ids and filter codes, the framelet
layout of raw frames, and 8-bit companding (codes ↔ linear DN). Used by the PNG and PDS3 readers.

SQROOT is the piecewise-linear square-root table of the JunoCam flight software (as published in
kmgill/junocam_processing ``src/decompanding.rs``): 256 codes map onto 0–2879 DN with steps of
1, 2, 4, 8, 16 and 32 DN. LIN1, LIN8 and LIN16 multiply the code by 1, 8 and 16.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from jovis.io.sidecars import JUNOCAM_NAME

# (first code, linear value at that code, DN per code step up to the next knot)
_SQROOT_KNOTS = (
    (0, 0, 1),
    (23, 23, 2),
    (43, 63, 4),
    (89, 247, 8),
    (184, 1007, 16),
    (209, 1407, 32),
)
_LINEAR_GAIN = {"LIN1": 1, "LIN8": 8, "LIN16": 16}
MODES = ("SQROOT", *_LINEAR_GAIN)
PRODUCT_ID = JUNOCAM_NAME  # (groups: the product id, its filter code)
FRAMELET_ROWS = 128
# Filters of each product-id filter code (PHYSICS.md §3: A = all 4, C = RGB, T = R+B, ...).
FILTER_SETS = {
    "A": {"BLUE", "GREEN", "RED", "METHANE"},
    "B": {"BLUE"},
    "C": {"BLUE", "GREEN", "RED"},
    "G": {"GREEN"},
    "M": {"METHANE"},
    "R": {"RED"},
    "T": {"BLUE", "RED"},
}
# Raw storage order when no metadata gives FILTER_NAME. C (blue, green, red) is documented; T is
# assumed to follow the same CCD strip order; A (with methane) has no documented order, so such a
# raw product needs its metadata JSON or `storage_order=`.
STORAGE_ORDER = {"B": ("BLUE",), "C": ("BLUE", "GREEN", "RED"), "G": ("GREEN",)}
STORAGE_ORDER |= {"M": ("METHANE",), "R": ("RED",), "T": ("BLUE", "RED")}
CHANNEL_ORDER = ("red", "green", "blue", "methane")


def metadata_number(meta: Mapping[str, Any], key: str) -> float | None:
    """A numeric metadata field, its unit dropped ("35216.7 <km>" → 35216.7; a PDS3 label value
    with units read as a mapping by its ``value``); None when absent or not a number."""
    value = meta.get(key)
    if isinstance(value, Mapping):
        value = value.get("value")
    try:
        return None if value is None else float(str(value).split()[0])
    except (ValueError, IndexError):
        return None


@functools.cache
def _table(mode: str) -> np.ndarray:
    codes = np.arange(256)
    if mode in _LINEAR_GAIN:
        table = codes * _LINEAR_GAIN[mode]
    else:
        table = np.zeros(256, np.int64)
        for start, value, step in _SQROOT_KNOTS:
            table[start:] = value + step * (codes[start:] - start)
    table = table.astype(np.float32)
    table.flags.writeable = False
    return table


def decompand_table(mode: str = "SQROOT") -> np.ndarray:
    """The 256-entry lookup table (float32, read-only) from 8-bit code to linear DN.

    Raises
    ------
    ValueError
        For a mode other than SQROOT, LIN1, LIN8, LIN16 (the message lists them).
    """
    key = str(mode).strip().upper()
    if key not in MODES:
        raise ValueError(f"unknown JunoCam companding mode {mode!r}; valid: {', '.join(MODES)}")
    return _table(key)


def decompand(codes: np.ndarray, mode: str = "SQROOT") -> np.ndarray:
    """Linear DN (float32, same shape) of 8-bit companded `codes` (uint8 array)."""
    codes = np.asarray(codes)
    if codes.dtype != np.uint8:
        raise ValueError(f"companded JunoCam codes must be uint8, got {codes.dtype}")
    return decompand_table(mode)[codes]


def compand(linear: np.ndarray, mode: str = "SQROOT") -> np.ndarray:
    """8-bit codes (uint8) of linear DN: the table entry nearest each value (values clipped to the
    table's range). ``decompand(compand(x))`` is exact for values in the table."""
    table = decompand_table(mode)
    values = np.clip(np.asarray(linear, dtype=np.float64), 0.0, float(table[-1]))
    upper = np.clip(np.searchsorted(table, values), 1, 255)
    lower = upper - 1
    nearer_upper = (table[upper] - values) < (values - table[lower])
    return np.where(nearer_upper, upper, lower).astype(np.uint8)


def split_framelets(raw: np.ndarray, storage_order: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    """Split a raw framelet stack into one channel per filter.

    Parameters
    ----------
    raw : ndarray, shape (H, W)
        Framelets of `FRAMELET_ROWS` rows in time order; frame t holds filter k's framelet at rows
        ``(t·n + k)·128 … +128`` for the n filters of `storage_order`.
    storage_order : sequence of str
        Filter names in storage order, e.g. ``("BLUE", "GREEN", "RED")``.

    Returns
    -------
    image : ndarray, shape (H / n, W, n), same dtype as `raw`
        Channels in `CHANNEL_ORDER` (red, green, blue, methane); each is its filter's framelets
        stacked in time order.
    channels : list of str
        Lower-case filter names, in channel order.

    Raises
    ------
    ValueError
        When H is not a multiple of n × 128, or a filter name is unknown or repeated.
    """
    names = [str(f).strip().lower() for f in storage_order]
    if not names or len(set(names)) != len(names) or not set(names) <= set(CHANNEL_ORDER):
        raise ValueError(
            f"storage order {list(storage_order)} must name distinct filters of {CHANNEL_ORDER}"
        )
    n, (height, width) = len(names), raw.shape
    if height == 0 or height % (n * FRAMELET_ROWS):
        raise ValueError(
            f"height {height} is not a multiple of {n}×{FRAMELET_ROWS} rows "
            f"({n} filter framelets {[f.upper() for f in names]} of {FRAMELET_ROWS} rows per frame)"
        )
    channels = [c for c in CHANNEL_ORDER if c in names]
    frames = raw.reshape(height // (n * FRAMELET_ROWS), n, FRAMELET_ROWS, width)
    frames = frames[:, [names.index(c) for c in channels]]  # (T, n, 128, W) in channel order
    image = np.ascontiguousarray(frames.transpose(0, 2, 3, 1)).reshape(-1, width, n)
    return image, channels


def raw_channels(
    raw: np.ndarray, storage_order: Sequence[str], mode: str | None = None
) -> tuple[np.ndarray, list[str], dict[str, Any]]:
    """Filter channels of a raw framelet stack, decompanded when 8-bit.

    Parameters
    ----------
    raw : ndarray, shape (H, W)
        uint8 companded codes (EDR, raw PNG) or already linear values (RDR, 16-bit).
    storage_order : sequence of str
        Filter names in storage order (see `split_framelets`).
    mode : str, optional
        SAMPLE_BIT_MODE_ID of 8-bit codes; None assumes SQROOT (``companding_assumed``).

    Returns
    -------
    image : ndarray, float32, shape (H / n, W, n)
    channels : list of str
    info : dict
        Plain-data description for ``Frame.meta``: storage order, framelet counts, layout,
        companding.

    Raises
    ------
    ValueError
        Height not a whole number of frames, unknown filter or companding mode.
    """
    image, channels = split_framelets(raw, storage_order)
    height, width = raw.shape
    order = [str(f).strip().lower() for f in storage_order]
    n_framelets = height // (len(order) * FRAMELET_ROWS)
    info: dict[str, Any] = {
        "storage_order": order,
        "n_framelets": n_framelets,
        "framelet_rows": FRAMELET_ROWS,
        "layout": (
            f"raw {width}×{height}: {n_framelets} frames of {len(order)} × {FRAMELET_ROWS}-row "
            f"framelets ({', '.join(order)}); each channel is its filter's {n_framelets} "
            "framelets stacked in time order, not co-registered between channels"
        ),
        "photoactive_columns": "about 24-1630 (cosmas-heiss); edge columns kept, not masked",
    }
    if raw.dtype == np.uint8:
        key = str(mode or "SQROOT").strip().upper()
        image = decompand(image, key)
        info.update(companding=key, companding_assumed=mode is None, decompanded=True)
        info["values"] = "linear DN (decompanded)"
    else:
        image = image.astype(np.float32)
        info.update(companding=None, decompanded=False, values=f"as stored ({raw.dtype})")
    return image, channels, info
