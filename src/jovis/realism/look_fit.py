"""The composites' processing measured on a real pair: an unprocessed JunoCam product (a
per-filter set) and the public composite of the same product, which share their pixels.

`jovis.inference.look` gives unprocessed frames the composites' look with settings chosen on
synthetic views; whether the real composites are made that way can be measured without labels.
`fit_look` applies every setting of a grid to the unprocessed frame and compares the result with
the composite as the network sees both (zoomed to `MODEL_SIZE` px a side as infer feeds a
product, then normalised per channel): the mean absolute difference over the pixels either frame
holds, a pixel the other lacks reading 0, as the network gets it, so a twilight band the
composite cuts at the terminator counts against a setting that keeps it. The unprocessed frame
is first zoomed to `WORK_SIZE` px (the look's blur is a share of the disk, so the fit does not
depend on it; 2,100 settings take ~5 minutes there). ``scripts/fit_look.py`` runs it.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from jovis.data.normalise import normalise_frame
from jovis.frame import Frame
from jovis.inference.look import LookSettings, composite_look
from jovis.realism.visible_texture import model_scale_window

MODEL_SIZE = 256
WORK_SIZE = 512
# the grid of 2026-12-04 (docs/notes/junocam.md "The composites' processing fitted on a real
# product"): s22's synthetic grid widened, with the night floor
GRID: dict[str, tuple[float, ...]] = {
    "blur": (0.05, 0.1, 0.2, 0.4),
    "flatten": (0.0, 0.25, 0.5, 0.75, 1.0),
    "gamma": (0.35, 0.5, 0.6, 0.75, 1.0),
    "saturation": (0.5, 0.75, 1.0),
    "night": (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6),
}


def zoomed_frame(frame: Frame, size: int) -> Frame:
    """`frame` zoomed (area mean) so that its longer side is `size` px; valid by nearest."""
    image, valid = next(model_scale_window(np.nan_to_num(frame.image), frame.valid, size))
    return Frame(image.astype(np.float32), list(frame.channels[:3]), valid=valid, meta=frame.meta)


def as_network_sees(frame: Frame, size: int = MODEL_SIZE) -> tuple[np.ndarray, np.ndarray]:
    """(C×H×W normalised image with unseen pixels 0, valid H×W) at `size` px a side."""
    small = zoomed_frame(frame, size)
    return normalise_frame(small), small.valid


def difference(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]) -> dict:
    """Mean |a − b| over the pixels valid in either, and the share of pixels whose validity
    agrees."""
    (ia, va), (ib, vb) = a, b
    if ia.shape != ib.shape:
        raise ValueError(
            f"the two frames differ in shape at the model's scale ({ia.shape} vs {ib.shape}): "
            "give the unprocessed product and the composite of the same product"
        )
    either = va | vb
    mae = float(np.abs(ia[:, either] - ib[:, either]).mean()) if either.any() else float("nan")
    return {"mae": round(mae, 5), "valid_agree": round(float((va == vb).mean()), 4)}


def fit_look(unprocessed: Frame, composite: Frame,
             grid: dict[str, tuple[float, ...]] | None = None,
             work_size: int = WORK_SIZE, size: int = MODEL_SIZE) -> dict[str, Any]:  # fmt: skip
    """Every setting of `grid` (fields of `LookSettings` to values; `GRID` by default) scored
    against `composite`: ``{"rows": [...best first], "best", "no_look", "default"}``, where
    ``no_look`` is the unprocessed frame as it is and ``default`` today's `LookSettings`."""
    grid = {**GRID, **(grid or {})}
    unknown = sorted(set(grid) - set(LookSettings.__dataclass_fields__) - {"mode"})
    if unknown or "mode" in grid:
        raise ValueError(f"look fit: grid keys {unknown or ['mode']} are not look settings")
    if list(unprocessed.channels[:3]) != list(composite.channels[:3]):
        raise ValueError(
            f"look fit: channels differ ({unprocessed.channels} vs {composite.channels})"
        )
    target = as_network_sees(composite, size)
    work = zoomed_frame(unprocessed, work_size)
    keys = list(grid)
    rows = []
    for values in itertools.product(*(grid[k] for k in keys)):
        settings = LookSettings(mode="on", **dict(zip(keys, values, strict=True)))
        looked = composite_look(work, settings)
        rows.append({**dict(zip(keys, values, strict=True)),
                     **difference(as_network_sees(looked, size), target)})  # fmt: skip
    rows.sort(key=lambda r: np.nan_to_num(r["mae"], nan=np.inf))
    default = LookSettings(mode="on")
    return {
        "rows": rows,
        "best": rows[0],
        "no_look": difference(as_network_sees(work, size), target),
        "default": {**{k: getattr(default, k) for k in keys},
                    **difference(as_network_sees(composite_look(work, default), size), target)},
    }  # fmt: skip
