"""Realistic detector errors on truth catalogues, to measure the tracker without a model:
position noise, missed detections and dropped frames (the ``jitter.*`` keys of track.yaml)."""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field

import numpy as np

from jovis.config import check_at_least, dataclass_keys
from jovis.tracking.observations import FrameObs

KM_PER_DEG = 2 * math.pi * 66854.0 / 360.0


@dataclass
class Jitter:
    position_km: float = 0.0  # sd of the position error, km (each axis)
    misses: int = 0  # detections dropped at random over the whole sequence
    drop_frames: list[int] = field(default_factory=list)  # frame indices left out entirely
    seed: int = 0

    @classmethod
    def from_dict(cls, data: dict | None) -> Jitter:
        data = dataclass_keys(cls, data, "configs/track.yaml jitter")
        j = cls(**data)
        check_at_least("jitter.position_km", j.position_km, 0, "sd of the position error",
                       integer=False)  # fmt: skip
        check_at_least("jitter.misses", j.misses, 0, "detections dropped at random")
        for i in j.drop_frames or []:
            check_at_least("jitter.drop_frames", i, 0, "indices of frames left out")
        j.drop_frames = list(j.drop_frames or [])
        return j

    @property
    def active(self) -> bool:
        return self.position_km > 0 or self.misses > 0 or bool(self.drop_frames)


def perturb(frames: list[FrameObs], j: Jitter) -> list[FrameObs]:
    """A perturbed copy of `frames` (the input is left as it is)."""
    g = np.random.default_rng([int(j.seed), 1502])
    out = [copy.deepcopy(f) for i, f in enumerate(frames) if i not in set(j.drop_frames)]
    slots = [(k, i) for k, f in enumerate(out) for i in range(len(f.detections))]
    gone = set()
    if j.misses > 0 and slots:
        pick = g.choice(len(slots), size=min(int(j.misses), len(slots)), replace=False)
        gone = {slots[i] for i in pick}
    for k, f in enumerate(out):
        kept = []
        for i, d in enumerate(f.detections):
            if (k, i) in gone:
                continue
            if j.position_km > 0:
                dn, de = g.normal(0.0, j.position_km / KM_PER_DEG, 2)
                d.lat = float(np.clip(d.lat + dn, -90.0, 90.0))
                d.lon = float((d.lon - de / max(math.cos(math.radians(d.lat)), 1e-3)) % 360.0)
                d.uncertainty_km = float(j.position_km)
            kept.append(d)
        f.detections = kept
    return out
