"""Reading inputs in DataLoader workers: lock, read, attach the grid, reproject, prepare.

Everything here pickles (the spawn start method of macOS and Windows needs it): the dataset holds
plain data, and the collate and worker-init functions are module-level.
"""

from __future__ import annotations

import ctypes
import functools
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from torch.utils.data import DataLoader, Dataset

from jovis.checkpoint import CheckpointInfo
from jovis.geometry.maps import declared_map, take_row_geometry
from jovis.geometry.reproject import polar_from_settings
from jovis.inference.locks import FrameLocks
from jovis.inference.manifest import Manifest
from jovis.inference.prepare import ScaledInput, prepare_scaled, take_bands
from jovis.inference.scale import row_limb_hint, with_limb_hint
from jovis.io import read_frame
from jovis.io.atomic import pid_alive

PR_SET_PDEATHSIG = 1


@dataclass(frozen=True)
class Job:
    """One input: its file, output id and output paths, and the run key its outputs are
    reused under (the run's, or with its frame set row's settings: `plan.frame_run_key`)."""

    path: Path
    id: str
    outputs: dict[str, Path]
    run_key: str = ""


class FrameReader(Dataset):
    """Reads and prepares one input in a worker; a failure becomes a record, not a crash.

    With `locks`, an input held by another live run is returned as ``{"busy": holder}`` and left
    to it; so is one whose outputs another run wrote after `started` (the same frame, done).
    `resample` (auto | off) feeds frames at the checkpoint's training scale; a frame without a
    grid uses its hint's ``px_per_deg`` (a frame set's manifest row), else `px_per_deg`, else
    the pixels per degree of the cylindrical map it is declared to be (`plan_resampling`).
    `limb_radius_px` is the planet's radius in px of every frame read (`with_limb_hint`) but
    those whose frame set's row gives its own.
    `map_settings` (infer's ``map``, `jovis.geometry.maps`) declares what map frames without a
    grid are.
    """

    def __init__(
        self,
        jobs: list[Job],
        info: CheckpointInfo,
        hints: dict[str, dict[str, Any]],
        reproject: dict[str, Any] | None,
        *,
        min_size: int = 32,
        max_pixels: int | None = None,
        locks: FrameLocks | None = None,
        started: float = 0.0,
        resample: str = "off",
        px_per_deg: float | None = None,
        limb_radius_px: float | None = None,
        evidence_from: int | None = None,
        out: Path | None = None,
        run_key: str | None = None,
        look: Any = "off",
        map_settings: dict[str, Any] | None = None,
    ) -> None:
        self.jobs, self.info, self.hints, self.reproject = jobs, info, hints, reproject
        self.min_size, self.max_pixels = min_size, max_pixels
        self.resample, self.px_per_deg = resample, px_per_deg
        self.limb_radius_px = limb_radius_px
        self.locks, self.started = locks, started
        # jobs from this index on are read only as temporal evidence: never locked
        self.evidence_from = len(jobs) if evidence_from is None else evidence_from
        self.out, self.run_key = out, run_key
        self.look = look
        self.map_settings = map_settings

    def _done_by_another(self, job) -> bool:
        """Whether another run of the same key finished `job` while this one planned: it wrote
        the outputs just before this run's plan but its manifest row (written after them, and
        before its lock goes) came after, so the plan listed the frame and the files are older
        than `started`. Only recent outputs are looked at, so a re-run over old outputs does
        not read the manifest once per frame."""
        if self.out is None or self.run_key is None:
            return False
        if not _written_since(job, self.started - RECENT_S):
            return False
        return Manifest(self.out).finished(str(job.path), job.run_key or self.run_key)

    def __len__(self) -> int:
        return len(self.jobs)

    def __getitem__(self, index: int) -> dict[str, Any]:
        start = time.perf_counter()
        job = self.jobs[index]
        if self.locks is not None and index < self.evidence_from:
            holder = self.locks.acquire(job.id)
            if holder is None and (_written_since(job, self.started) or self._done_by_another(job)):
                self.locks.release(job.id)
                holder = "another run, which has finished it"
            if holder is not None:
                return {"index": index, "busy": holder}
        try:
            frame = self.read(job.path)
            prepared = self.prepare(frame, job.path)
        except Exception as err:  # any bad file is recorded and the batch goes on
            return {"index": index, "error": f"{type(err).__name__}: {err}"}
        return {
            "index": index,
            "frame": frame,
            "input": prepared,
            "read_s": time.perf_counter() - start,
        }

    def prepare(self, frame, path: Path) -> ScaledInput:
        """The network's input for `frame` read from `path` (or a stack of it, `temporal`)."""
        hint = self.hints.get(str(path), {}).get("px_per_deg") or self.px_per_deg
        return prepare_scaled(frame, self.info, self.min_size, resample=self.resample,
                              px_per_deg=hint, look=self.look)  # fmt: skip

    def read(self, path: Path):
        _check_openable(path)
        info = self.info
        frame = read_frame(
            path, instrument=info.instrument, channels=info.channels, max_pixels=self.max_pixels
        )
        hint = self.hints.get(str(path), {})
        take_row_geometry(frame, hint)  # a frame set's grid or map
        if hint.get("time") and not frame.meta.get("time"):
            frame.meta["time"] = str(hint["time"])  # a frame set's time column (jovis track)
        # the bands the model takes, so the overlays and features show what it was given
        frame = take_bands(frame, info.channels)
        frame = declared_map(polar_from_settings(frame, self.reproject), self.map_settings)
        return with_limb_hint(frame, row_limb_hint(hint, self.limb_radius_px))


def _check_openable(path: Path) -> None:
    """A clear reason for inputs that are not files: folders, symlink loops, dangling links."""
    if path.is_dir():
        raise IsADirectoryError(f"{path}: is a folder, not a frame file")
    try:
        os.stat(path)
    except OSError as err:
        raise FileNotFoundError(f"{path}: cannot be opened ({err.strerror})") from None


RECENT_S = 600.0  # outputs this much older than a run's plan are not another live run's


def _written_since(job: Job, started: float) -> bool:
    try:
        return all(p.stat().st_mtime >= started for p in job.outputs.values())
    except OSError:
        return False


def as_is(item: dict[str, Any]) -> dict[str, Any]:
    """Collate nothing: frames differ in size (module-level, so it pickles under spawn)."""
    return item


def exit_with_parent(parent_pid: int, worker_id: int = 0) -> None:
    """DataLoader worker_init_fn: the worker dies with the run (even after kill -9 of it).

    Linux: the kernel sends SIGKILL on the parent's death (prctl PR_SET_PDEATHSIG); elsewhere,
    and as a fallback, a daemon thread exits the worker once its parent pid changes.
    """
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    direct = os.getppid() == parent_pid  # False under forkserver: a helper is the parent
    if _parent_gone(parent_pid, direct):  # died before prctl took effect
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(parent_pid, direct), daemon=True).start()


def _parent_gone(parent_pid: int, direct: bool) -> bool:
    return (direct and os.getppid() != parent_pid) or not pid_alive(parent_pid)


def _watch_parent(parent_pid: int, direct: bool, every_s: float = 1.0) -> None:
    while not _parent_gone(parent_pid, direct):
        time.sleep(every_s)
    os._exit(1)


def frame_loader(reader: FrameReader, num_workers: int) -> DataLoader:
    """One prepared input (or its failure) at a time, read ahead by `num_workers` processes."""
    return DataLoader(
        reader,
        batch_size=None,
        num_workers=num_workers,
        collate_fn=as_is,
        worker_init_fn=functools.partial(exit_with_parent, os.getpid()) if num_workers else None,
    )
