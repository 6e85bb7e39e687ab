"""Reading inputs in DataLoader workers: read, attach the grid, reproject, normalise."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from torch.utils.data import Dataset

from jovis.geometry import PolarGrid
from jovis.geometry.reproject import polar_from_settings
from jovis.inference.predictor import Predictor
from jovis.io import read_frame


class FrameReader(Dataset):
    """Reads and normalises one input in a worker; a failure becomes a record, not a crash."""

    def __init__(
        self,
        paths: list[Path],
        predictor: Predictor,
        hints: dict[str, dict[str, Any]],
        reproject: dict[str, Any] | None,
    ) -> None:
        self.paths, self.predictor, self.hints = paths, predictor, hints
        self.reproject = reproject

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, index: int) -> dict[str, Any]:
        start = time.perf_counter()
        path = self.paths[index]
        try:
            info = self.predictor.info
            frame = read_frame(path, instrument=info.instrument, channels=info.channels)
            hint = self.hints.get(str(path), {})
            if frame.grid is None and hint.get("grid"):
                frame.grid = PolarGrid.from_dict(hint["grid"])
            frame = polar_from_settings(frame, self.reproject)
            prepared = self.predictor.prepare(frame)
        except Exception as err:  # any bad file is recorded and the batch goes on
            return {"index": index, "error": f"{type(err).__name__}: {err}"}
        return {
            "index": index,
            "frame": frame,
            "input": prepared,
            "read_s": time.perf_counter() - start,
        }


def as_is(item: dict[str, Any]) -> dict[str, Any]:
    """Collate nothing: frames differ in size (module-level, so it pickles under spawn)."""
    return item
