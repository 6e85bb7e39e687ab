"""Predict a stream of prepared inputs in batches: one loop for `infer` and `evaluate`."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from concurrent.futures import Executor
from typing import TypeVar

import numpy as np

from jovis.inference.predictor import Predictor
from jovis.inference.prepare import ScaledInput

T = TypeVar("T")


def predict_batches(
    predictor: Predictor,
    items: Iterable[tuple[np.ndarray | ScaledInput, T]],
    batch_size: int,
    pool: Executor | None = None,
) -> Iterator[tuple[T, np.ndarray, float, str | None]]:
    """For each (prepared input, payload) in order: (payload, probabilities, seconds of
    prediction per input in its batch, a note such as a CPU fallback or None).

    A `ScaledInput` (a frame resampled to the model's scale) has its probabilities mapped back
    onto the frame's own pixels here, so every caller gets them in the frame's pixels."""
    if batch_size < 1:
        raise ValueError(f"batch_size={batch_size}: must be ≥ 1")
    batch: list[tuple[np.ndarray | ScaledInput, T]] = []

    def flush() -> Iterator[tuple[T, np.ndarray, float, str | None]]:
        t0 = time.perf_counter()
        arrays = [x.array if isinstance(x, ScaledInput) else x for x, _ in batch]
        probs = predictor.predict_frames(arrays, pool)
        seconds = (time.perf_counter() - t0) / len(batch)
        for j, ((x, payload), p) in enumerate(zip(batch, probs, strict=True)):
            p = x.restore(p) if isinstance(x, ScaledInput) else p
            yield payload, p, seconds, predictor.notes.get(j)
        batch.clear()

    for item in items:
        batch.append(item)
        if len(batch) >= batch_size:
            yield from flush()
    if batch:
        yield from flush()
