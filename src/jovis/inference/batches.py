"""Predict a stream of prepared inputs in batches: one loop for `infer` and `evaluate`."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from typing import TypeVar

import numpy as np

from jovis.inference.predictor import Predictor

T = TypeVar("T")


def predict_batches(
    predictor: Predictor, items: Iterable[tuple[np.ndarray, T]], batch_size: int
) -> Iterator[tuple[T, np.ndarray, float, str | None]]:
    """For each (prepared input, payload) in order: (payload, probabilities, seconds of
    prediction per input in its batch, a note such as a CPU fallback or None)."""
    if batch_size < 1:
        raise ValueError(f"batch_size={batch_size}: must be ≥ 1")
    batch: list[tuple[np.ndarray, T]] = []

    def flush() -> Iterator[tuple[T, np.ndarray, float, str | None]]:
        t0 = time.perf_counter()
        probs = predictor.predict_frames([x for x, _ in batch])
        seconds = (time.perf_counter() - t0) / len(batch)
        for j, ((_, payload), p) in enumerate(zip(batch, probs, strict=True)):
            yield payload, p, seconds, predictor.notes.get(j)
        batch.clear()

    for item in items:
        batch.append(item)
        if len(batch) >= batch_size:
            yield from flush()
    if batch:
        yield from flush()
