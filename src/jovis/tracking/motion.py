"""The motion model that gates the linking: the polygon's solid-body rotation about the pole,
estimated from the pairs linked so far, and each track's own drift, fitted as the track grows.

Longitudes are SIII west: a westward drift is a growing longitude (positive rate).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

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
    least-squares slope through the origin of every linked step's Δlon against Δt; `prior`
    when no step qualifies (e.g. after the first frame)."""
    num = den = 0.0
    for tr in tracks:
        if len(tr.points) < 2:
            continue
        d, lat, lon = tr.arrays()
        colat = 90.0 - np.abs(lat)
        ok = (colat[1:] >= colat_range[0]) & (colat[1:] <= colat_range[1])
        dt, dl = np.diff(d)[ok], np.diff(lon)[ok]
        num += float((dl * dt).sum())
        den += float((dt * dt).sum())
    return num / den if den > 0 else prior


def predict(tr: TrackState, day: float, omega: float, min_own: int) -> tuple[float, float]:
    """(lat, lon) expected at `day`: with at least `min_own` points, the track's own linear
    drift fitted over its history (which averages its oscillation); otherwise its last position
    turned by the polygon's rotation `omega` (deg/day)."""
    _, _, d_last, lat_last, lon_last = tr.last
    if len(tr.points) < max(min_own, 2):
        return lat_last, (lon_last + omega * (day - d_last)) % 360.0
    d, lat, lon = tr.arrays()
    a_lon = np.polyfit(d, lon, 1)
    a_lat = np.polyfit(d, lat, 1)
    lat_p = float(np.clip(np.polyval(a_lat, day), -90.0, 90.0))
    return lat_p, float(np.polyval(a_lon, day)) % 360.0
