"""Plan a run: list the inputs, give them ids and outputs, skip what is done, keep this shard's."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jovis.inference.inputs import Input, input_text, list_inputs, note_observations, unique_ids
from jovis.inference.manifest import Manifest
from jovis.inference.outputs import output_paths
from jovis.inference.reading import Job
from jovis.io.atomic import stale_temporaries
from jovis.io.digest import file_sha256

log = logging.getLogger(__name__)


@dataclass
class Plan:
    jobs: list[Job]  # every input, in order (all shards)
    todo: list[Job]  # this shard's inputs not yet done
    skipped: int  # this shard's inputs done by an earlier run with the same run key
    manifest: Manifest


def file_digest(path: Path) -> str:
    return file_sha256(path)[:16]


def run_key_of(ckpt: Path, tta: bool, save_probs: bool, precision: str, reproject: Any) -> str:
    """What makes outputs reusable: checkpoint contents and the settings that change them."""
    key = f"{file_digest(ckpt)}-tta{int(tta)}-probs{int(save_probs)}-{precision}"
    if reproject:
        key += "-reproj" + settings_digest(reproject)
    return key


# what a frame set's row gives its frame when it is read (`FrameReader.read` and `prepare`)
ROW_SETTINGS = ("grid", "map", "px_per_deg", "limb_radius_px", "time")


def frame_run_key(run_key: str, row: dict[str, Any] | None) -> str:
    """One frame's run key: `run_key` with a digest of the `ROW_SETTINGS` its frame set's row
    gives it, so that a frame whose row was edited (a crop's limb radius, a grid) is predicted
    again; the run's key for a frame with no such row."""
    given = {k: row[k] for k in ROW_SETTINGS if row and row.get(k) is not None}
    return f"{run_key}-row{settings_digest(given)}" if given else run_key


def settings_digest(settings: dict[str, Any]) -> str:
    """A short digest of a mapping of settings, for a run key."""
    return hashlib.sha256(repr(sorted(settings.items())).encode()).hexdigest()[:8]


def plan_jobs(
    input: Input,
    out: Path,
    run_key: str,
    save_probs: bool,
    part: int,
    num_parts: int,
    rows: dict[str, dict[str, Any]] | None = None,
) -> Plan:
    """The inputs of `input` as jobs, this shard's not yet done under their run key (`rows`:
    the frame set's manifest rows by image path, `frame_run_key`)."""
    paths = list_inputs(input)
    note_observations(input_text(input), paths)
    ids = unique_ids(paths)
    rows = rows or {}
    jobs = [Job(p, i, output_paths(out, i, save_probs), frame_run_key(run_key, rows.get(str(p))))
            for p, i in zip(paths, ids, strict=True)]  # fmt: skip
    for stale in stale_temporaries(out):  # from a run killed mid-write (not a live one's)
        stale.unlink(missing_ok=True)
        log.info("removed half-written %s from an interrupted run", stale)
    manifest = Manifest(out, part, num_parts)
    todo, skipped = [], 0
    for job in jobs[part::num_parts]:
        if manifest.finished(str(job.path), job.run_key) and all(
            p.is_file() for p in job.outputs.values()
        ):
            skipped += 1
        else:
            todo.append(job)
    return Plan(jobs, todo, skipped, manifest)
