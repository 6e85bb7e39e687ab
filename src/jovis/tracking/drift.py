"""Drift rates from tracks: per track (deg/day in longitude and latitude, with the standard
errors of the least-squares fit) and the polygon's common rotation rate.

Longitudes are SIII west and unwrapped through 0/360: a positive longitude rate is a westward
drift. A fit needs 2 points; its standard error needs 3 (NaN below).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from jovis.tracking.observations import wrap180


def unwrap(lon: np.ndarray) -> np.ndarray:
    lon = np.asarray(lon, dtype=float)
    if lon.size < 2:
        return lon
    return lon[0] + np.concatenate([[0.0], np.cumsum(wrap180(np.diff(lon)))])


def slope(day: np.ndarray, value: np.ndarray) -> tuple[float, float]:
    """(slope, its standard error) of a straight-line least-squares fit."""
    n = day.size
    if n < 2 or np.ptp(day) == 0:
        return math.nan, math.nan
    dc = day - day.mean()
    b = float((dc * (value - value.mean())).sum() / (dc * dc).sum())
    if n < 3:
        return b, math.nan
    resid = value - value.mean() - b * dc
    return b, float(math.sqrt((resid**2).sum() / (n - 2) / (dc * dc).sum()))


def track_rates(day: np.ndarray, lat: np.ndarray, lon: np.ndarray) -> dict[str, Any]:
    """The drift of one track (days, lat, lon in SIII west)."""
    lon_u = unwrap(lon)
    r_lon, e_lon = slope(day, lon_u)
    r_lat, e_lat = slope(day, lat)
    return {"n": int(day.size), "lon_rate_deg_per_day": r_lon, "lon_rate_err": e_lon,
            "lat_rate_deg_per_day": r_lat, "lat_rate_err": e_lat,
            "mean_lat": float(lat.mean()), "lon_first": float(lon[0] % 360.0)}  # fmt: skip


def common_rate(series: list[tuple[np.ndarray, np.ndarray]]) -> tuple[float, float, int]:
    """One slope shared by several tracks' (day, unwrapped lon), each with its own intercept:
    (rate deg/day, standard error, tracks used). NaN when no track has 2 distinct times."""
    sxx = sxy = 0.0
    used, resid, dof = 0, [], 0
    for d, v in series:
        if d.size < 2 or np.ptp(d) == 0:
            continue
        dc, vc = d - d.mean(), v - v.mean()
        sxx += float((dc * dc).sum())
        sxy += float((dc * vc).sum())
        used += 1
    if used == 0:
        return math.nan, math.nan, 0
    b = sxy / sxx
    for d, v in series:
        if d.size >= 2 and np.ptp(d) > 0:
            resid.append(v - v.mean() - b * (d - d.mean()))
            dof += d.size - 1
    dof -= 1
    rss = float(sum((r**2).sum() for r in resid))
    err = math.sqrt(rss / dof / sxx) if dof > 0 else math.nan
    return b, err, used
