"""What the tracker links: per-frame vortex detections in lat/lon, each frame with its time.

Latitudes are planetocentric, longitudes System III (1965) west, in degrees; distances are great
circles on a sphere of Jupiter's polar radius (the polar regions are what is tracked).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from jovis.geometry import POLAR_RADIUS_KM


@dataclass
class Detection:
    """One vortex seen in one frame."""

    lat: float
    lon: float
    radius_km: float | None = None
    uncertainty_km: float | None = None
    truth_id: int | None = None  # synthetic truth only
    role: str | None = None  # synthetic truth only


@dataclass
class FrameObs:
    """One frame: its id, observation time, vortex detections and oval row (or None)."""

    frame_id: str
    time: datetime
    detections: list[Detection] = field(default_factory=list)
    oval: dict[str, Any] | None = None
    source: str = ""
    unlocated: int = 0  # vortex rows without lat/lon (off the view model's disk), not tracked


def great_circle_km(lat1, lon1, lat2, lon2, radius_km: float = POLAR_RADIUS_KM) -> np.ndarray:
    """Great-circle distance (haversine), km; broadcasts over arrays (degrees in)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dl = np.radians(np.asarray(lon2, dtype=float) - np.asarray(lon1, dtype=float))
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * radius_km * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def wrap180(deg):
    """Angle difference folded into [-180, 180)."""
    return (np.asarray(deg, dtype=float) + 180.0) % 360.0 - 180.0


def days_between(t0: datetime, t1: datetime) -> float:
    return (t1 - t0).total_seconds() / 86400.0
