"""Drift rates from tracks: per track (deg/day in longitude and latitude, with the standard
errors of the least-squares fit) and the polygon's common rotation rate. Both fits leave out
points beyond 3 robust sigmas (a merged blob's centroid, a wrong link at a track's end).

Longitudes are SIII west and unwrapped through 0/360: a positive longitude rate is a westward
drift. A fit needs 2 points; its standard error needs 3 (NaN below).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from jovis.robust import mad_sigma
from jovis.tracking.observations import wrap180


def unwrap(lon: np.ndarray) -> np.ndarray:
    lon = np.asarray(lon, dtype=float)
    if lon.size < 2:
        return lon
    return lon[0] + np.concatenate([[0.0], np.cumsum(wrap180(np.diff(lon)))])


def slope(day: np.ndarray, value: np.ndarray, clip: float = 3.0) -> tuple[float, float]:
    """(slope, its standard error) of a straight-line least-squares fit, points beyond `clip`
    robust sigmas left out (`common_rate` with one series; ``clip=0`` keeps them all)."""
    b, err, _ = common_rate([(np.asarray(day, float), np.asarray(value, float))], clip)
    return b, err


def track_rates(day: np.ndarray, lat: np.ndarray, lon: np.ndarray) -> dict[str, Any]:
    """The drift of one track (days, lat, lon in SIII west)."""
    lon_u = unwrap(lon)
    r_lon, e_lon = slope(day, lon_u)
    r_lat, e_lat = slope(day, lat)
    return {"n": int(day.size), "lon_rate_deg_per_day": r_lon, "lon_rate_err": e_lon,
            "lat_rate_deg_per_day": r_lat, "lat_rate_err": e_lat,
            "mean_lat": float(lat.mean()), "lon_first": float(lon[0] % 360.0)}  # fmt: skip


def theil_sen(series: list[tuple[np.ndarray, np.ndarray]]) -> float:
    """The median of the pairwise slopes within each (day, value) series, pooled: a slope that a
    few bad points cannot swing; 0 with no two distinct days."""
    slopes = []
    for d, v in series:
        i, j = np.triu_indices(d.size, 1)
        dt = d[j] - d[i]
        ok = dt > 0
        slopes.append((v[j] - v[i])[ok] / dt[ok])
    pooled = np.concatenate(slopes) if slopes else np.zeros(0)
    return float(np.median(pooled)) if pooled.size else 0.0


def common_rate(series: list[tuple[np.ndarray, np.ndarray]], clip: float = 3.0,
                rounds: int = 3) -> tuple[float, float, int]:  # fmt: skip
    """One slope shared by several tracks' (day, unwrapped lon), each with its own intercept:
    (rate deg/day, standard error, tracks used). NaN when no track has 2 distinct times.

    Points whose residual exceeds `clip` robust sigmas (1.4826 × the median absolute residual)
    from the Theil-Sen line (`theil_sen`, each series through its median) are left out before
    the least-squares fit, which is then checked the same way up to `rounds` times: a blob that
    holds two touching vortices puts its centroid degrees of longitude off, and a least-squares
    fit alone would follow it. ``clip=0`` keeps every point."""
    series = [(np.asarray(d, float), np.asarray(v, float)) for d, v in series]
    keep = [np.ones(d.size, bool) for d, _ in series]
    if clip > 0:
        b = theil_sen(series)
        keep = _inliers(series, keep, b, clip, np.median)
    b, err, used = _common_fit(series, keep)
    for _ in range(rounds if clip > 0 else 0):
        if not math.isfinite(b):
            break
        new = _inliers(series, keep, b, clip, np.mean)
        if all(np.array_equal(n, k) for n, k in zip(new, keep, strict=True)):
            break
        keep = new
        b, err, used = _common_fit(series, keep)
    return b, err, used


def _inliers(series, keep, b: float, clip: float, centre) -> list[np.ndarray]:
    """Per series, the points within `clip` robust sigmas of the line of slope `b` through the
    `centre` (median or mean) of its kept points; `keep` as it is when the sigma is 0."""
    resid = []
    for (d, v), k in zip(series, keep, strict=True):
        k = k if k.any() else np.ones(d.size, bool)
        resid.append(v - b * d - centre((v - b * d)[k]) if d.size else np.zeros(0))
    pooled = np.concatenate([r[k] for r, k in zip(resid, keep, strict=True)] or [np.zeros(0)])
    sigma = mad_sigma(pooled, centre=0.0)
    if sigma <= 0:
        return keep
    return [np.abs(r) <= clip * sigma for r in resid]


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
