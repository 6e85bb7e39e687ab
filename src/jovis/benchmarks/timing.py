"""Timers of the train benchmark: batches handed out by a loader, training steps, and the
synthetic stream's renders inside each step, each as (time stamp, seconds)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from typing import Any

import torch
from lightning.pytorch.callbacks import Callback

from jovis.data.stream import SyntheticStream


class TimedBatches:
    """Wraps a loader; records (time stamp, seconds blocked) for each batch it hands out."""

    def __init__(self, loader: Iterable) -> None:
        self.loader, self.waits = loader, []

    def __len__(self) -> int:
        return len(self.loader)  # type: ignore[arg-type]

    def __iter__(self) -> Iterator:
        it = iter(self.loader)  # worker start-up is waited for in the first next()
        while True:
            start = time.perf_counter()
            try:
                batch = next(it)
            except StopIteration:
                return
            end = time.perf_counter()
            self.waits.append((end, end - start))
            yield batch


class StepClock(Callback):
    """Wall-clock time stamp at the end of every training step (after the GPU queue drains)."""

    def __init__(self, cuda: bool) -> None:
        self.cuda, self.stamps = cuda, []

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        if self.cuda:
            torch.cuda.synchronize()
        self.stamps.append(time.perf_counter())


class TimedRender:
    """Stands in for the `SyntheticStream` the module renders its batches from (on the training
    device, inside the step) and records (time stamp, seconds) of each render."""

    def __init__(self, stream: SyntheticStream, cuda: bool) -> None:
        self.stream, self.cuda, self.times = stream, cuda, []

    def render(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        if self.cuda:
            torch.cuda.synchronize()
        start = time.perf_counter()
        batch = self.stream.render(*args, **kwargs)
        if self.cuda:
            torch.cuda.synchronize()
        end = time.perf_counter()
        self.times.append((end, end - start))
        return batch


def window(times: list[tuple[float, float]], start: float, end: float) -> list[float]:
    """The seconds of the `times` stamped in (start, end]; [0.0] when none are."""
    return [seconds for stamp, seconds in times if start < stamp <= end] or [0.0]
