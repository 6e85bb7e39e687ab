"""The run manifest: one JSON line per input, appended as each frame completes.

A sharded run (``part``/``num_parts``) appends to ``manifest.part-<i>-of-<n>.jsonl`` so shards
never write the same file; every shard reads all of them, and compaction merges them into
``manifest.jsonl``, one line per input (the latest record), in input order.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from jovis.io.atomic import append_line, write_jsonl

MAIN = "manifest.jsonl"


def detector_folders(out: Path) -> list[Path]:
    """The run folders of an infer ``out=``: itself when it holds a manifest, else the folder of
    each detector `model=auto` picked (``out/<release>/``); empty when neither."""
    out = Path(out)
    if (out / MAIN).is_file():
        return [out]
    if not out.is_dir():
        return []
    return sorted(p for p in out.iterdir() if (p / MAIN).is_file())


def recorded_output(out: Path, recorded: str | None, default: str) -> Path | None:
    """The file a row of run folder `out`'s manifest names for one of a frame's outputs, or None.

    Rows record paths as the run was given its folder: absolute, or relative to the working
    folder of that run (``q1/uv-v5/masks/x.png`` for ``out=q1``). Read from another working
    folder, or after the run folder was moved or copied, the file of the same name in the
    output's usual sub-folder of `out` (`default`'s, e.g. ``masks/x.png``) is the one; a
    recorded absolute path outside `out` only when `out` has no such file.
    """
    out = Path(out)
    inside, outside = [], []
    if recorded:
        path = Path(recorded)
        if not path.is_absolute():
            inside.append(out / path)
        elif path.resolve().is_relative_to(out.resolve()):
            inside.append(path)
        else:
            outside.append(path)
        inside.append(out / Path(default).parent / path.name)
    inside.append(out / default)
    return next((path for path in (*inside, *outside) if path.is_file()), None)


# What a reader of a run's manifest says of a line it cannot decode (`read_jsonl`'s fix)
TORN_LINE_FIX = (": a line cut by a run that was stopped; run `jovis infer` again with the same "
                 "input= and out= (it redoes that frame and rewrites the manifest)")  # fmt: skip


class Manifest:
    """Append-only during a run (a kill loses at most the frames in flight)."""

    def __init__(self, out: Path, part: int = 0, num_parts: int = 1) -> None:
        self.out = out
        self.own = out / (MAIN if num_parts == 1 else f"manifest.part-{part}-of-{num_parts}.jsonl")
        self.records = self._load()

    def _load(self) -> dict[str, dict[str, Any]]:
        records: dict[str, dict[str, Any]] = {}
        for path in [self.out / MAIN, *sorted(self.out.glob("manifest.part-*.jsonl"))]:
            if not path.is_file():
                continue
            for line in path.read_text(errors="replace").splitlines():
                try:
                    rec = json.loads(line)
                except json.JSONDecodeError:
                    continue  # a line cut by a kill: that frame is simply redone
                _keep_latest(records, rec)
        return records

    def previous(self, source: str) -> dict[str, Any] | None:
        return self.records.get(source)

    def finished(self, source: str, run_key: str) -> bool:
        """Whether `source` has an ok record of a run with `run_key`."""
        prev = self.records.get(source)
        return bool(prev) and prev.get("status") == "ok" and prev.get("run_key") == run_key

    def append(self, record: dict[str, Any]) -> None:
        record["finished"] = round(time.time(), 3)
        self.records[record["source"]] = record
        append_line(self.own, json.dumps(record, default=str))

    def merged(self, order: list[str]) -> list[dict[str, Any]]:
        """Every shard's records as they are on disk now, one per input, in `order`."""
        merged = self._load()
        for rec in self.records.values():  # another shard may have redone one of ours since
            _keep_latest(merged, rec)
        return [merged[s] for s in order if s in merged]

    def compact(self, order: list[str]) -> list[dict[str, Any]]:
        """Merge every shard's records (as they are on disk now) into manifest.jsonl."""
        rows = self.merged(order)
        write_jsonl(self.out / MAIN, rows, default=str)
        return rows


def _keep_latest(records: dict[str, dict[str, Any]], rec: dict[str, Any]) -> None:
    old = records.get(rec["source"])
    if old is None or rec.get("finished", 0) >= old.get("finished", 0):
        records[rec["source"]] = rec
