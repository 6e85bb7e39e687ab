"""The motion model that gates the linking: the polygon's solid-body rotation about the pole,
estimated from the pairs linked so far, and each track's own drift relative to it, fitted as the
track grows. Positions are predicted robustly (medians), as detector output holds outliers: two
touching vortices found as one blob put its centroid 1000-2000 km off either.

Longitudes are SIII west: a westward drift is a growing longitude (positive rate).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from jovis.tracking.drift import theil_sen
from jovis.tracking.observations import wrap180


@dataclass
class TrackState:
    """A track while linking: its points as (frame index, detection index, day, lat, lon)."""

    points: list[tuple[int, int, float, float, float]] = field(default_factory=list)

    @property
    def last(self) -> tuple[int, int, float, float, float]:
        return self.points[-1]

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Days, latitudes and unwrapped longitudes (continuous through 0/360)."""
        d = np.array([p[2] for p in self.points])
        lat = np.array([p[3] for p in self.points])
        lon = np.array([p[4] for p in self.points])
        lon = lon[0] + np.concatenate([[0.0], np.cumsum(wrap180(np.diff(lon)))])
        return d, lat, lon


def polygon_rate(tracks: list[TrackState], colat_range: tuple[float, float], prior: float) -> float:
    """Westward rotation rate (deg/day) of the vortices between `colat_range` colatitudes: the
    median of every linked step's Δlon/Δt (robust: a merged blob's centroid makes a step of
    several degrees either way, as large as a year's rotation); `prior` when no step qualifies
    (e.g. after the first frame)."""
    rates = []
    for tr in tracks:
        if len(tr.points) < 2:
            continue
        d, lat, lon = tr.arrays()
        colat = 90.0 - np.abs(lat)
        ok = (colat[1:] >= colat_range[0]) & (colat[1:] <= colat_range[1]) & (np.diff(d) > 0)
        rates += list(np.diff(lon)[ok] / np.diff(d)[ok])
    return float(np.median(rates)) if rates else prior


def carried(tr: TrackState, day: float, omega: float, min_own: int, window: int,
            keep: np.ndarray | None = None) -> tuple[float, float]:  # fmt: skip
    """(lat, lon) of `tr`'s vortex at `day`: each of the `window` detections nearest in time
    (among `keep`, default all) carried to `day` by the polygon's rotation `omega` (deg/day)
    plus, once the track has `min_own` points, its own drift relative to the polygon (a
    Theil-Sen slope over the whole track); the median of those. The median, not the last
    position or a least-squares fit, so that one detection off by a merge does not move it;
    of an even number the farthest in time is left out."""
    d, lat, lon = tr.arrays()
    own_lon = own_lat = 0.0
    if d.size >= max(min_own, 2):
        own_lon = theil_sen([(d, lon - omega * d)])
        own_lat = theil_sen([(d, lat)])
    idx = np.flatnonzero(np.ones(d.size, bool) if keep is None else keep)
    idx = idx[np.argsort(np.abs(d[idx] - day), kind="stable")[: max(window, 1)]]
    if idx.size % 2 == 0:  # an odd count: the median is a position, not a mean of two
        idx = idx[:-1]
    dt = day - d[idx]
    lat_p = float(np.clip(np.median(lat[idx] + own_lat * dt), -90.0, 90.0))
    return lat_p, float(np.median(lon[idx] + (omega + own_lon) * dt)) % 360.0


def predict(tr: TrackState, day: float, omega: float, min_own: int,
            window: int = 5) -> tuple[float, float]:  # fmt: skip
    """(lat, lon) expected at `day` (after the track's last point): `carried` from its last
    `window` detections."""
    return carried(tr, day, omega, min_own, window)
