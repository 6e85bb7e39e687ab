"""Write an imported labelled frame set (DESIGN.md format) in one piece.

Everything is written into a hidden temporary folder beside `out` and renamed to `out` at the
end, so an error (a bad file, a full disk, a kill) never leaves a half-written set. The images are
not copied: each manifest row points at the user's frame file (a path relative to `out`).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from jovis.annotations.frames import FrameInfo
from jovis.frame import LabelSchema
from jovis.io.atomic import make_folder, temporary_name, write_json, write_jsonl
from jovis.io.masks import write_mask_png


def check_out(out: Path, overwrite: bool) -> None:
    """Refuse, before any work, an `out` that exists (unless `overwrite`) or is a file."""
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f"out={out} is a file; choose another out=")
    if out.exists() and any(out.iterdir()) and not overwrite:
        raise FileExistsError(
            f"out={out} exists and is not empty; choose another out= or overwrite=true"
        )


def write_set(
    out: Path,
    items: list[tuple[FrameInfo, np.ndarray, list[dict[str, Any]]]],
    schema: LabelSchema,
    *,
    split: str | None,
    report: dict[str, Any],
    overwrite: bool = False,
) -> None:
    """`items`: (frame, mask, vortex instances); `report` is saved as ``import_report.json``."""
    check_out(out, overwrite)
    make_folder(out.parent, "out")
    tmp = temporary_name(out)
    try:
        rows = [_write_frame(tmp, out, frame, mask, vortices, schema, split)
                for frame, mask, vortices in items]  # fmt: skip
        write_json(tmp / "import_report.json", report)
        write_jsonl(tmp / "manifest.jsonl", rows)
        if out.exists():
            old = temporary_name(out.with_name(out.name + ".old"))
            os.replace(out, old)
            os.replace(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _write_frame(tmp, out, frame: FrameInfo, mask, vortices, schema, split) -> dict[str, Any]:
    fid = frame.id
    write_mask_png(tmp / "masks" / f"{fid}.png", mask, schema)
    grid = None if frame.grid is None else frame.grid.to_dict()
    write_json(tmp / "features" / f"{fid}.json", {"id": fid, "grid": grid, "vortices": vortices})
    hemisphere = frame.row.get("hemisphere") or (frame.grid.hemisphere if frame.grid else None)
    return {
        "id": fid, "image": os.path.relpath(frame.path, out.resolve()),
        "mask": f"masks/{fid}.png", "features": f"features/{fid}.json",
        "instrument": frame.instrument, "channels": frame.channels, "hemisphere": hemisphere,
        "split": split or frame.row.get("split") or "train", "grid": grid,
        **({"map": frame.map.to_dict()} if frame.map is not None else {}),
    }  # fmt: skip
