"""Check every infer setting before anything is created, naming the key and its valid range."""

from __future__ import annotations

import os
from typing import Any

from jovis.config import check_at_least
from jovis.inference.backends import check_backend
from jovis.inference.predictor import PRECISIONS
from jovis.inference.tiling import DEFAULT_OVERLAP, check_overlap


def check_settings(
    *,
    batch_size: int,
    tile_size: int,
    tile_overlap: float = DEFAULT_OVERLAP,
    num_workers: int,
    write_threads: int,
    precision: str,
    max_pixels: int | None,
    reproject: Any,
    backend: str = "torch",
) -> None:
    """Raise ValueError for the first setting out of range (before any folder exists)."""
    ranges = {
        "batch_size": (batch_size, 1, "frames or tiles per forward pass"),
        "tile_size": (tile_size, 32, "tile side in pixels"),
        "num_workers": (num_workers, 0, "reader processes; 0 = read in the main process"),
        "write_threads": (write_threads, 1, "output writer threads"),
    }
    if max_pixels is not None:
        ranges["max_pixels"] = (max_pixels, 1, "largest frame, in pixels, to decode")
    for key, (value, low, meaning) in ranges.items():
        check_at_least(key, value, low, meaning)
    if precision not in PRECISIONS:
        raise ValueError(f"precision={precision!r}: valid choices are {', '.join(PRECISIONS)}")
    check_overlap(tile_overlap)
    check_backend(backend)
    if reproject is not None and not isinstance(reproject, dict):
        raise ValueError(f"reproject={reproject!r}: must be a mapping (view, grid, size) or null")


def shard_of(part: int | None, num_parts: int | None) -> tuple[int, int]:
    """(part, num_parts) from the arguments, else from torchrun's RANK / WORLD_SIZE."""
    if num_parts is None:
        num_parts = int(os.environ.get("WORLD_SIZE", 1))
        part = int(os.environ.get("RANK", 0)) if part is None else part
    part = 0 if part is None else part
    if num_parts < 1 or not 0 <= part < num_parts:
        raise ValueError(
            f"infer.part={part} infer.num_parts={num_parts}: need 0 ≤ part < num_parts "
            f"(part 0 to {max(num_parts, 1) - 1} of {num_parts} shards)"
        )
    return part, num_parts


def check_vortex_floor(value: Any) -> float | None:
    """``min_vortex_score`` as a float in [0, 1] (None: `extract_features`' default, 0.7)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ValueError(
            f"min_vortex_score={value!r}: must be a number in [0, 1] (the least mean vortex "
            "probability of a vortex kept; null: 0.7)"
        )
    return float(value)
