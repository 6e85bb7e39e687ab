"""Write outputs in threads through a bounded queue; the writer owns the run's manifest."""

from __future__ import annotations

import time
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np

from jovis.frame import Frame, LabelSchema
from jovis.inference.beside import Beside
from jovis.inference.locks import FrameLocks
from jovis.inference.manifest import Manifest
from jovis.inference.outputs import write_frame_outputs
from jovis.inference.reading import Job
from jovis.io.atomic import DiskFullError
from jovis.render.display import display_image
from jovis.scoring.oval_course import CourseSettings


class OutputWriter:
    """`submit` a predicted frame, `fail` an input; each ends as one manifest record.

    At most `2 × threads` frames wait to be written (nnU-Net's bound): `submit` blocks on the
    oldest beyond that, so memory stays flat when writing is slower than prediction. A full
    disk is not a frame's failure: `DiskFullError` propagates and the run stops.

    `begin` a frame as soon as it is read: what its outputs need of the frame alone (the
    overlay's picture of its pixels, ~0.6 s of a 4096² frame) is made on the write threads
    while the frame is predicted, so that a single large frame uses a second core too. The
    threads also blend a large frame's tiles (`jovis.inference.blending`) and write its mask PNG
    and probabilities beside its overlay (`write_frame_outputs`).
    """

    def __init__(
        self,
        manifest: Manifest,
        threads: int,
        schema: LabelSchema,
        properties: dict[str, Any],
        locks: FrameLocks | None = None,
        course: CourseSettings | None = None,
        extract: dict[str, Any] | None = None,
    ) -> None:
        self.manifest, self.schema, self.properties, self.locks = (
            manifest, schema, properties, locks
        )  # fmt: skip
        self.course = course  # the oval's course through the gaps (`jovis.scoring.oval_course`)
        self.extract = dict(extract or {})  # `extract_features` settings (min_vortex_score)
        self.bound = 2 * threads
        self.pool = ThreadPoolExecutor(max_workers=threads)
        self.pending: deque[tuple[Future, dict[str, Any], Job]] = deque()
        self.early: dict[str, Beside] = {}  # job id → its overlay picture, being made
        self.counts = {"ok": 0, "failed": 0}

    def begin(self, job: Job, frame: Frame) -> None:
        self.early[job.id] = Beside(self.pool, display_image, frame.image, frame.channels,
                                    frame.valid)  # fmt: skip

    def submit(self, job: Job, frame: Frame, probs: np.ndarray, record: dict[str, Any]) -> None:
        while len(self.pending) >= self.bound:
            self._finish(*self.pending.popleft())
        picture = self.early.pop(job.id, None)
        future = self.pool.submit(_write, frame, job, probs, self.schema, self.properties, picture,
                                  self.pool, self.course, self.extract)  # fmt: skip
        self.pending.append((future, record, job))
        while self.pending and self.pending[0][0].done():
            self._finish(*self.pending.popleft())

    def fail(self, job: Job, record: dict[str, Any]) -> None:
        self._record(job, {**record, "status": "failed"})

    def _finish(self, future: Future, record: dict[str, Any], job: Job) -> None:
        try:
            record.update(future.result(), status="ok")
        except DiskFullError:
            raise
        except Exception as err:  # a frame that cannot be written fails alone
            record.update(status="failed", error=f"{type(err).__name__}: {err}")
        self._record(job, record)

    def _record(self, job: Job, record: dict[str, Any]) -> None:
        self.counts[record["status"]] += 1
        self.manifest.append(record)
        if self.locks is not None:
            self.locks.release(job.id)

    def close(self) -> None:
        """Wait for every frame in flight and record it."""
        try:
            while self.pending:
                self._finish(*self.pending.popleft())
        finally:
            self.abort()

    def abort(self) -> None:
        """Drop frames not yet started, wait for those being written (no record)."""
        for future, _, _ in self.pending:
            future.cancel()
        for early in self.early.values():
            early.settle()
        self.pending.clear()
        self.early.clear()
        self.pool.shutdown(wait=True)


def _write(
    frame, job, probs, schema, properties, picture: Beside | None, pool, course=None, extract=None
) -> dict[str, Any]:
    t0 = time.perf_counter()
    picture = None if picture is None else picture.join()  # its error fails the frame
    counts = write_frame_outputs(frame, job.id, probs, schema, job.outputs, properties, picture,
                                 pool, course, extract)  # fmt: skip
    return {**counts, "write_s": round(time.perf_counter() - t0, 4)}
