"""suite=io: how long `read_frame` takes on each real frame (or on synthetic files without them)."""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from jovis.inference.inputs import frame_files, is_filter_file
from jovis.io import read_frame
from jovis.paths import real_data_dir


def time_reads(paths: list[Path], repeats: int) -> list[dict[str, Any]]:
    rows = []
    for path in paths:
        times, frame, error = [], None, None
        for _ in range(repeats):
            start = time.perf_counter()
            try:
                frame = read_frame(path)
            except ValueError as err:
                error = str(err)
                break
            times.append(time.perf_counter() - start)
        row: dict[str, Any] = {"file": path.name, "error": error}
        if frame is not None:
            row.update(
                instrument=frame.instrument,
                channels=frame.channels,
                shape=list(frame.image.shape),
                median_s=round(statistics.median(times), 4),
                grid=frame.grid is not None,
            )
        rows.append(row)
    return rows


def run_io(files: str | None = None, repeats: int = 5) -> dict[str, Any]:
    """Median read time per file of `files` (a folder) or of the real data (`real_data_dir`)."""
    root = Path(files) if files else real_data_dir()
    with tempfile.TemporaryDirectory() as tmp:
        if not root.is_dir():  # no real data: time the synthetic frame format instead
            from jovis.synth import write_frame_set

            write_frame_set(tmp, n=3, size=512, channels=["L", "M"], instrument="jiram")
            root = Path(tmp)
        rows = time_reads(frame_files(sorted(root.rglob("*"))), repeats)
    result: dict[str, Any] = {"suite": "io", "data": str(root), "repeats": repeats, "reads": rows}
    junocam = [r for r in rows if is_filter_file(r["file"]) and r.get("median_s")]
    if junocam:
        result["junocam_product_set_s"] = max(r["median_s"] for r in junocam)
    return result
