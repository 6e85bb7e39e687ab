"""The run manifest: one JSON line per input, appended as each frame completes."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from jovis.io.atomic import write_text


class Manifest:
    """Append-only during a run (a kill loses at most the frame in flight); compacted at the end
    to one line per input, the latest."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.records: dict[str, dict[str, Any]] = {}
        if path.is_file():
            for line in path.read_text().splitlines():
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError:
                    continue  # a line cut by a kill: that frame is simply redone
                self.records[rec["source"]] = rec

    def previous(self, source: str) -> dict[str, Any] | None:
        return self.records.get(source)

    def append(self, record: dict[str, Any]) -> None:
        self.records[record["source"]] = record
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, default=str) + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    def compact(self, order: list[str]) -> list[dict[str, Any]]:
        rows = [self.records[s] for s in order if s in self.records]
        write_text(self.path, "".join(json.dumps(r, default=str) + "\n" for r in rows))
        return rows
