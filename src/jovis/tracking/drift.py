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


def common_rate(series: list[tuple[np.ndarray, np.ndarray]], clip: float = 3.0,
                rounds: int = 3) -> tuple[float, float, int]:  # fmt: skip
    """One slope shared by several tracks' (day, unwrapped lon), each with its own intercept:
    (rate deg/day, standard error, tracks used). NaN when no track has 2 distinct times.

    Points whose residual exceeds `clip` robust sigmas (1.4826 × the median absolute residual)
    are left out and the fit redone, up to `rounds` times: a blob that holds two touching
    vortices puts its centroid degrees of longitude off, which one least-squares fit would
    follow. ``clip=0`` keeps every point."""
    keep = [np.ones(d.size, bool) for d, _ in series]
    b, err, used = _common_fit(series, keep)
    for _ in range(rounds if clip > 0 else 0):
        if not math.isfinite(b):
            break
        resid = [v - v[k].mean() - b * (d - d[k].mean()) if k.sum() else np.zeros(d.size)
                 for (d, v), k in zip(series, keep, strict=True)]  # fmt: skip
        pooled = np.concatenate([r[k] for r, k in zip(resid, keep, strict=True)] or [[]])
        sigma = 1.4826 * float(np.median(np.abs(pooled))) if pooled.size else 0.0
        if sigma <= 0:
            break
        new = [np.abs(r) <= clip * sigma for r in resid]
        if all(np.array_equal(n, k) for n, k in zip(new, keep, strict=True)):
            break
        keep = new
        b, err, used = _common_fit(series, keep)
    return b, err, used


def _common_fit(series, keep) -> tuple[float, float, int]:
    """Least-squares common slope over the kept points of each (day, lon) series."""
    sxx = sxy = 0.0
    used, parts = 0, []
    for (d, v), k in zip(series, keep, strict=True):
        d, v = d[k], v[k]
        if d.size < 2 or np.ptp(d) == 0:
            continue
        dc, vc = d - d.mean(), v - v.mean()
        sxx += float((dc * dc).sum())
        sxy += float((dc * vc).sum())
        used += 1
        parts.append((dc, vc))
    if used == 0:
        return math.nan, math.nan, 0
    b = sxy / sxx
    rss = float(sum(((vc - b * dc) ** 2).sum() for dc, vc in parts))
    dof = sum(dc.size - 1 for dc, _ in parts) - 1
    err = math.sqrt(rss / dof / sxx) if dof > 0 else math.nan
    return b, err, used
