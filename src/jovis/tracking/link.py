"""Link vortex detections across time into tracks with persistent ids.

Frames are taken in time order. At each frame every open track predicts where its vortex is now
(`jovis.tracking.motion.predict`); predictions and detections are paired one-to-one by the
Hungarian method (`scipy.optimize.linear_sum_assignment`) on great-circle distance, pairs farther
apart than the gate being forbidden. An unpaired detection starts a track (a birth); a track
missing for more than ``max_gap`` frames ends (a death); a track seen in fewer than
``min_length`` frames is dropped at the end. Ids are 1..N in order of first appearance.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from jovis.config import dataclass_keys
from jovis.tracking.motion import TrackState, polygon_rate, predict
from jovis.tracking.observations import FrameObs, days_between, great_circle_km

FORBIDDEN = 1e12


@dataclass
class LinkSettings:
    """The ``link.*`` keys of ``configs/track.yaml``."""

    gate_km: float = 1500.0  # farthest a detection may sit from its track's prediction
    gate_growth_km: float = 300.0  # added per missed frame bridged
    max_gap: int = 2  # missed frames a track may bridge
    min_length: int = 3  # detections a track needs to be kept
    min_own_drift: int = 3  # points before a track predicts from its own fitted drift
    polygon_colat: tuple[float, float] = (3.0, 9.5)  # colatitudes of the polygon's ring, deg
    prior_drift_deg_per_day: float = 0.0  # rotation assumed before any step is linked

    @classmethod
    def from_dict(cls, data: dict | None) -> LinkSettings:
        data = dataclass_keys(cls, data, "configs/track.yaml link")
        if "polygon_colat" in data:
            data["polygon_colat"] = tuple(float(v) for v in data["polygon_colat"])
        s = cls(**data)
        if s.gate_km <= 0 or s.max_gap < 0 or s.min_length < 1:
            raise ValueError("configs/track.yaml link: need gate_km > 0, max_gap >= 0 and "
                             f"min_length >= 1, got {s}")  # fmt: skip
        return s


@dataclass
class Track:
    """A kept track: ``id`` and its points as (frame index, detection index)."""

    id: int
    points: list[tuple[int, int]]


def link_tracks(frames: list[FrameObs], s: LinkSettings) -> tuple[list[Track], float]:
    """Tracks over `frames` (in time order) and the polygon rotation rate (deg/day, westward
    positive) the motion model ended with."""
    if not frames:
        return [], s.prior_drift_deg_per_day
    t0 = frames[0].time
    open_: list[TrackState] = []
    done: list[TrackState] = []
    omega = s.prior_drift_deg_per_day
    for k, frame in enumerate(frames):
        day = days_between(t0, frame.time)
        still = []
        for tr in open_:
            (done if k - tr.last[0] - 1 > s.max_gap else still).append(tr)
        open_ = still
        dets = frame.detections
        taken = _assign(open_, dets, k, day, omega, s)
        for j, det in enumerate(dets):
            if j not in taken:
                open_.append(TrackState([(k, j, day, det.lat, det.lon)]))
        omega = polygon_rate(open_ + done, s.polygon_colat, s.prior_drift_deg_per_day)
    kept = [tr for tr in done + open_ if len(tr.points) >= s.min_length]
    kept.sort(key=lambda tr: (tr.points[0][0], tr.points[0][4]))
    tracks = [Track(i + 1, [(p[0], p[1]) for p in tr.points]) for i, tr in enumerate(kept)]
    return tracks, omega


def _assign(open_: list[TrackState], dets, k: int, day: float, omega: float, s: LinkSettings):
    """Pair open tracks with frame `k`'s detections in place; returns the detections taken."""
    if not open_ or not dets:
        return set()
    pred = np.array([predict(tr, day, omega, s.min_own_drift) for tr in open_])
    lat = np.array([d.lat for d in dets])
    lon = np.array([d.lon for d in dets])
    cost = great_circle_km(pred[:, :1], pred[:, 1:], lat[None], lon[None])
    missed = np.array([k - tr.last[0] - 1 for tr in open_])
    gate = (s.gate_km + s.gate_growth_km * missed)[:, None]
    cost = np.where(cost <= gate, cost, FORBIDDEN)
    rows, cols = linear_sum_assignment(cost)
    taken = set()
    for r, c in zip(rows, cols, strict=True):
        if cost[r, c] < FORBIDDEN:
            open_[r].points.append((k, int(c), day, float(lat[c]), float(lon[c])))
            taken.add(int(c))
    return taken
