"""Link vortex detections across time into tracks with persistent ids.

Frames are taken in time order. At each frame every open track predicts where its vortex is now
(`jovis.tracking.motion.predict`); predictions and detections are paired one-to-one by the
Hungarian method (`scipy.optimize.linear_sum_assignment`) on great-circle distance, pairs farther
apart than the gate being forbidden. An unpaired detection starts a track (a birth); a track
missing for more than ``max_gap`` frames ends (a death); a track seen in fewer than
``min_length`` frames is dropped at the end. Ids are 1..N in order of first appearance.

- A track is tentative until it has ``confirm`` detections, and confirmed tracks are paired
  first: a vortex found as two blobs in one frame starts a second track beside the first, which
  would otherwise take its detections whenever it lies nearer (an id switch every other frame)
  and now ends unfed after ``max_gap`` frames.
- With ``passes: 2`` the frames are linked twice, the second time with the rotation rate the
  first pass ended with.
- With ``bridge``, a kept track gets a position in every frame it bridged (a missed detection
  between two of its own): the motion model's, carried from the detections on both sides
  (`jovis.tracking.motion.carried`), flagged as bridged (no detection; drift fits leave it out).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

from jovis.config import check_at_least, dataclass_keys
from jovis.tracking.motion import TrackState, carried, polygon_rate, predict
from jovis.tracking.observations import FrameObs, days_between, great_circle_km

FORBIDDEN = 1e12


@dataclass
class LinkSettings:
    """The ``link.*`` keys of ``configs/track.yaml``."""

    gate_km: float = 1500.0  # farthest a detection may sit from its track's prediction
    gate_growth_km: float = 300.0  # added per missed frame bridged
    max_gap: int = 2  # missed frames a track may bridge
    min_length: int = 3  # detections a track needs to be kept
    confirm: int = 2  # detections before a track is confirmed (confirmed tracks are paired first)
    min_own_drift: int = 5  # points before a track adds its own drift (Theil-Sen) to the rotation
    window: int = 7  # detections (nearest in time) whose carried positions' median is predicted
    bridge: bool = True  # give a kept track the predicted position in the frames it bridged
    passes: int = 2  # 2: link again with the rotation rate the first pass ended with
    polygon_colat: tuple[float, float] = (3.0, 9.5)  # colatitudes of the polygon's ring, deg
    prior_drift_deg_per_day: float = 0.0  # rotation assumed before any step is linked
    # shortest span of frames (days) over which drift is estimated; see `rates_fitted`
    rate_min_span_days: float = 1.0

    @classmethod
    def from_dict(cls, data: dict | None) -> LinkSettings:
        data = dataclass_keys(cls, data, "configs/track.yaml link")
        if "polygon_colat" in data:
            data["polygon_colat"] = _ring(data["polygon_colat"])
        s = cls(**data)
        for key, low, meaning, integer, above in LINK_RANGES:
            check_at_least(f"link.{key}", getattr(s, key), low, meaning, integer=integer,
                           above=above)  # fmt: skip
        check_at_least("link.prior_drift_deg_per_day", s.prior_drift_deg_per_day, -math.inf,
                       "rotation assumed before any step is linked", integer=False)  # fmt: skip
        if s.passes not in (1, 2):
            raise ValueError(f"link.passes={s.passes!r}: must be 1 or 2 (2: link again with "
                             "the rotation rate the first pass ended with)")  # fmt: skip
        return s


def _ring(value: Any) -> tuple[float, float]:
    """``link.polygon_colat`` as (inner, outer) colatitudes, 0 ≤ inner < outer ≤ 90."""
    try:
        inner, outer = (float(v) for v in value)
    except (TypeError, ValueError):
        inner = outer = math.nan
    if not 0 <= inner < outer <= 90:
        raise ValueError(f"link.polygon_colat={value!r}: must be [inner, outer], the "
                         "polygon ring's colatitudes (deg), 0 ≤ inner < outer ≤ 90")  # fmt: skip
    return inner, outer


# (key, least value, meaning, integer, strictly above) of each `LinkSettings` count or distance
LINK_RANGES = (
    ("gate_km", 0, "farthest a detection may sit from its track's prediction", False, True),
    ("gate_growth_km", 0, "added to the gate per missed frame bridged", False, False),
    ("max_gap", 0, "missed frames a track may bridge", True, False),
    ("min_length", 1, "detections a track needs to be kept", True, False),
    ("confirm", 1, "detections before a track is confirmed", True, False),
    ("min_own_drift", 1, "points before a track adds its own drift", True, False),
    ("window", 1, "detections whose carried positions' median is predicted", True, False),
    ("rate_min_span_days", 0, "shortest span of frames drift is estimated over", False, False),
)


@dataclass
class Track:
    """A kept track: ``id``, its points as (frame index, detection index) and the positions
    it was given in the frames it bridged as (frame index, lat, lon)."""

    id: int
    points: list[tuple[int, int]]
    bridged: list[tuple[int, float, float]] = field(default_factory=list)


def link_tracks(frames: list[FrameObs], s: LinkSettings) -> tuple[list[Track], float]:
    """Tracks over `frames` (in time order) and the polygon rotation rate (deg/day, westward
    positive) the motion model ended with. With ``passes: 2`` the frames are linked again with
    that rate held fixed: in the first frames the rate rests on a few single steps, which the
    vortices' oscillations (a few hundred km, months) swamp, and a track predicted with it can
    lose its detection to a spurious one. Frames spanning less than ``rate_min_span_days``
    (`rates_fitted`) are linked once with the prior rate and no track's own drift."""
    if not frames:
        return [], s.prior_drift_deg_per_day
    if not rates_fitted(frames, s):  # no drift is estimated: the prior rotation, no own drift
        s = replace(s, min_own_drift=len(frames) + 1, passes=1)
        states, omega = _link_pass(frames, s, s.prior_drift_deg_per_day)
    else:
        states, omega = _link_pass(frames, s, None)
    if s.passes > 1:
        states, _ = _link_pass(frames, s, omega)
    t0 = frames[0].time
    kept = [tr for tr in states if len(tr.points) >= s.min_length]
    kept.sort(key=lambda tr: (tr.points[0][0], tr.points[0][4]))
    tracks = [Track(i + 1, [(p[0], p[1]) for p in tr.points],
                    _bridged(tr, frames, t0, omega, s) if s.bridge else [])
              for i, tr in enumerate(kept)]  # fmt: skip
    return tracks, omega


def frames_span_days(frames: list[FrameObs]) -> float:
    """Days from the first frame to the last (frames in time order)."""
    return days_between(frames[0].time, frames[-1].time) if frames else 0.0


def rates_fitted(frames: list[FrameObs], s: LinkSettings) -> bool:
    """Whether `frames` span long enough (``rate_min_span_days``) for drift to be estimated.

    Within one pass (an HST visit, a JunoCam approach, a JIRAM pass: minutes to hours) the
    documented motions (the polygons' 4-7.5°/yr, oscillations of a few hundred km over months)
    move a vortex by metres to kilometres, while located positions err by hundreds of km or more
    (the white oval of the PJ44 approach, located with the assumed north angle, wanders 1.5° of
    latitude over four products), so a rate fitted there measures the errors: the PJ44 approach
    gave 133°/day, and -3049°/day with the north angles fitted for the references. Such
    sequences are linked with the prior rotation and report no rate."""
    return frames_span_days(frames) >= s.rate_min_span_days


def _link_pass(frames: list[FrameObs], s: LinkSettings, fixed: float | None):
    """Every track (ended and open) of one pass over `frames` and the rotation rate it ended
    with; `fixed` holds the rate instead of estimating it as the tracks grow."""
    t0 = frames[0].time
    open_: list[TrackState] = []
    done: list[TrackState] = []
    omega = s.prior_drift_deg_per_day if fixed is None else fixed
    for k, frame in enumerate(frames):
        day = days_between(t0, frame.time)
        still = []
        for tr in open_:
            (done if k - tr.last[0] - 1 > s.max_gap else still).append(tr)
        open_ = still
        dets = frame.detections
        sure = [tr for tr in open_ if len(tr.points) >= s.confirm]
        taken = _assign(sure, dets, k, day, omega, s, set())
        taken = _assign([tr for tr in open_ if len(tr.points) < s.confirm], dets, k, day, omega,
                        s, taken)  # fmt: skip
        for j, det in enumerate(dets):
            if j not in taken:
                open_.append(TrackState([(k, j, day, det.lat, det.lon)]))
        if fixed is None:
            omega = polygon_rate(open_ + done, s.polygon_colat, s.prior_drift_deg_per_day)
    return done + open_, omega


def _bridged(tr: TrackState, frames: list[FrameObs], t0, omega: float, s: LinkSettings):
    """(frame index, lat, lon) for each frame inside `tr`'s span where it has no detection."""
    seen = {p[0] for p in tr.points}
    out = []
    for k in range(tr.points[0][0] + 1, tr.last[0]):
        if k not in seen:
            day = days_between(t0, frames[k].time)
            out.append((k, *carried(tr, day, omega, s.min_own_drift, s.window)))
    return out


def _assign(open_: list[TrackState], dets, k: int, day: float, omega: float, s: LinkSettings,
            taken: set[int]) -> set[int]:  # fmt: skip
    """Pair open tracks with frame `k`'s detections not yet `taken`, in place; returns the
    detections taken now and before."""
    if not open_ or not dets:
        return taken
    pred = np.array([predict(tr, day, omega, s.min_own_drift, s.window) for tr in open_])
    lat = np.array([d.lat for d in dets])
    lon = np.array([d.lon for d in dets])
    cost = great_circle_km(pred[:, :1], pred[:, 1:], lat[None], lon[None])
    missed = np.array([k - tr.last[0] - 1 for tr in open_])
    gate = (s.gate_km + s.gate_growth_km * missed)[:, None]
    free = np.array([j not in taken for j in range(len(dets))])[None]
    cost = np.where((cost <= gate) & free, cost, FORBIDDEN)
    rows, cols = linear_sum_assignment(cost)
    taken = set(taken)
    for r, c in zip(rows, cols, strict=True):
        if cost[r, c] < FORBIDDEN:
            open_[r].points.append((k, int(c), day, float(lat[c]), float(lon[c])))
            taken.add(int(c))
    return taken
