"""Predict frames with their temporal neighbours' evidence: one loop for `infer` and the
real-frame evaluation (`jovis.real_eval.run.checkpoint_predict`), so both score the same thing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import numpy as np

from jovis.frame import Frame
from jovis.inference.batches import predict_batches
from jovis.inference.predictor import Predictor
from jovis.inference.prepare import ScaledInput
from jovis.inference.temporal import (
    TemporalSettings,
    find_neighbours,
    mean_probs,
    stacked_frame,
)

T = TypeVar("T")


@dataclass
class Entry(Generic[T]):
    """A read frame, its prepared input, the caller's payload, and whether it is wanted (False:
    a frame read only as evidence for others, e.g. one an earlier run already wrote)."""

    frame: Frame
    input: ScaledInput | np.ndarray
    payload: T
    wanted: bool = True


def predict_with_neighbours(
    predictor: Predictor,
    entries: list[Entry[T]],
    settings: TemporalSettings,
    prepare: Callable[[Frame, T], ScaledInput | np.ndarray],
    batch_size: int,
) -> Iterator[tuple[T, np.ndarray, float, str | None, dict[str, Any]]]:
    """For each wanted entry, in order: (payload, probabilities on the frame's pixels, seconds,
    note, the manifest fields of its temporal evidence). `settings` must be resolved (not auto);
    `prepare(frame, payload)` prepares a stacked frame as the entry's own was prepared."""
    if settings.mode == "auto":
        raise ValueError("predict_with_neighbours: resolve temporal.mode=auto first")
    frames = [e.frame for e in entries]
    links = find_neighbours(frames, settings.window_min) if settings.on else None
    records = [_record(settings, frames, links[i] if links else None) for i in range(len(frames))]
    if settings.mode == "stack":
        items = []
        for i, e in enumerate(entries):
            if not e.wanted:
                continue
            near = [frames[j] for j in links[i]["neighbours"]]
            x = prepare(stacked_frame(e.frame, near), e.payload) if near else e.input
            items.append((x, i))
        for i, p, s, note in predict_batches(predictor, items, batch_size):
            yield entries[i].payload, p, s, note, records[i]
        return
    need = range(len(entries))
    if settings.mode == "off":
        need = [i for i, e in enumerate(entries) if e.wanted]
    else:  # mean_prob: a wanted frame's neighbours are predicted too
        need = sorted({j for i, e in enumerate(entries) if e.wanted
                       for j in [i, *links[i]["neighbours"]]})  # fmt: skip
    results = {}
    items = ((entries[i].input, i) for i in need)
    for i, p, s, note in predict_batches(predictor, items, batch_size):
        results[i] = (p, s, note)
    for i, e in enumerate(entries):
        if not e.wanted:
            continue
        p, s, note = results[i]
        if settings.mode == "mean_prob" and links[i]["neighbours"]:
            near = [i, *links[i]["neighbours"]]
            p = mean_probs([frames[j] for j in near], [results[j][0] for j in near])
        yield e.payload, p, s, note, records[i]


def _record(settings: TemporalSettings, frames: list[Frame], link: dict | None) -> dict[str, Any]:
    if link is None:
        return {"temporal": settings.mode}
    return {
        "temporal": settings.mode,
        "temporal_window_min": float(settings.window_min),
        "temporal_neighbours": [frames[j].id for j in link["neighbours"]],
        "temporal_dt_s": link["dt_s"],
        "temporal_alone": link["alone"],
    }
