"""Where the Sun stands over Jupiter at a given time: the sub-solar point.

Jupiter's heliocentric position from the Keplerian elements of Standish's "Approximate
Positions of the Planets" (JPL; Table 1, 1800–2050: a few arcminutes for Jupiter), its pole
and System III prime meridian from the IAU WGCCRE 2015 report (the prime meridian's W is System
III). Checked against the HST pipeline's own values in the STIS products' headers (``CMLS``, the
sub-solar System III longitude, and ``DECS``, the Sun's latitude): within 0.1° on frames of 2014,
2016 and 2022 (`tests/geometry/test_sun.py`).

The time is when the light left Jupiter: for a camera at Jupiter (JunoCam, JIRAM) the
observation time; for a telescope at Earth the observation time less the light time
(`sun_over_frame` takes it off for HST frames, or takes the product's own ``CMLS``/``DECS``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

import numpy as np

from jovis.times import time_from_meta

J2000 = datetime(2000, 1, 1, 12, tzinfo=timezone.utc)
TDB_MINUS_UTC_S = 69.184  # 37 leap seconds + 32.184 s (since 2017; 68.184 s in 2015–16)
OBLIQUITY_DEG = 23.43928  # of the J2000 ecliptic, to the ICRF equator

# Standish's Table 1 for Jupiter: value at J2000 and rate per Julian century, for
# a (AU), e, I, L, longitude of perihelion, longitude of the ascending node (degrees)
JUPITER_ELEMENTS = {
    "a": (5.20288700, -0.00011607),
    "e": (0.04838624, -0.00013253),
    "I": (1.30439695, -0.00183714),
    "L": (34.39644051, 3034.74612775),
    "perihelion": (14.72847983, 0.21252668),
    "node": (100.47390909, 0.20469106),
}
# the Earth-Moon barycentre, same table (light times within 2 s of the STIS headers' DIST_ORG)
EARTH_ELEMENTS = {
    "a": (1.00000261, 0.00000562),
    "e": (0.01671123, -0.00004392),
    "I": (-0.00001531, -0.01294668),
    "L": (100.46457166, 35999.37244981),
    "perihelion": (102.93768193, 0.32327364),
    "node": (0.0, 0.0),
}
LIGHT_SECONDS_PER_AU = 499.004784
YEARS = (1800, 2100)  # the elements' table spans 1800-2050; a frame's time outside: no Sun
# IAU 2015: the north pole's right ascension and declination (degrees, per century) and the
# prime meridian (degrees, per day); the nutation terms (≤ 0.0001°) are left out
POLE_RA = (268.056595, -0.006499)
POLE_DEC = (64.495303, 0.002413)
PRIME_MERIDIAN = (284.95, 870.5360000)


def subsolar_point(time: datetime) -> tuple[float, float]:
    """(planetocentric latitude, System III west longitude) in degrees of the point on Jupiter
    with the Sun overhead at `time` (UTC; naive datetimes are taken as UTC)."""
    if time.tzinfo is None:
        time = time.replace(tzinfo=timezone.utc)
    days = _days(time)
    centuries = days / 36525.0
    ra = math.radians(POLE_RA[0] + POLE_RA[1] * centuries)
    dec = math.radians(POLE_DEC[0] + POLE_DEC[1] * centuries)
    pole = np.array([math.cos(dec) * math.cos(ra), math.cos(dec) * math.sin(ra), math.sin(dec)])
    node = np.cross([0.0, 0.0, 1.0], pole)  # where Jupiter's equator crosses the ICRF's
    node /= np.linalg.norm(node)
    w = math.radians((PRIME_MERIDIAN[0] + PRIME_MERIDIAN[1] * days) % 360.0)
    x_axis = math.cos(w) * node + math.sin(w) * np.cross(pole, node)  # towards System III 0°
    y_axis = np.cross(pole, x_axis)  # towards 90° east
    sun = -_heliocentric(JUPITER_ELEMENTS, centuries)
    sun /= np.linalg.norm(sun)
    lat = math.degrees(math.asin(float(sun @ pole)))
    east = math.degrees(math.atan2(float(sun @ y_axis), float(sun @ x_axis)))
    return lat, (-east) % 360.0


def light_time_from_earth(time: datetime) -> timedelta:
    """How long Jupiter's light took to reach the Earth at `time` (UTC): 33–54 minutes."""
    if time.tzinfo is None:
        time = time.replace(tzinfo=timezone.utc)
    centuries = _days(time) / 36525.0
    earth = _heliocentric(EARTH_ELEMENTS, centuries)
    seconds = 0.0
    for _ in range(3):  # Jupiter where it was when the light left it
        jupiter = _heliocentric(JUPITER_ELEMENTS, centuries - seconds / 86400.0 / 36525.0)
        seconds = float(np.linalg.norm(jupiter - earth)) * LIGHT_SECONDS_PER_AU
    return timedelta(seconds=seconds)


def sun_over_frame(meta: Mapping[str, Any]) -> tuple[float, float] | None:
    """The sub-solar point (planetocentric lat, SIII west lon) when a frame's light left
    Jupiter: the product's own ``DECS``/``CMLS`` where its header has them (the HST auroral
    products'), else from its time (`jovis.times.time_from_meta`), less the light
    time for a telescope at Earth (``TELESCOP`` HST), at the middle of a FITS exposure
    (``EXPTIME``). None without a time, or with one outside `YEARS`."""
    try:
        lat, lon = float(meta["DECS"]), float(meta["CMLS"])
        if math.isfinite(lat) and math.isfinite(lon) and abs(lat) <= 90.0:
            return lat, lon % 360.0
    except (KeyError, TypeError, ValueError):
        pass  # (none, or not numbers: from the time)
    time = time_from_meta(dict(meta))
    if time is None or not YEARS[0] <= time.year <= YEARS[1]:
        return None  # (no time, or one the elements do not reach: a fill value)
    try:  # a FITS frame's time is its exposure's start: the middle is what it shows
        exposure_s = float(meta["EXPTIME"])
    except (KeyError, TypeError, ValueError):
        exposure_s = 0.0
    if 0.0 < exposure_s <= 86400.0:  # (a fill value or nonsense is no exposure)
        time += timedelta(seconds=exposure_s / 2.0)
    if str(meta.get("TELESCOP", "")).strip().upper() == "HST":
        time -= light_time_from_earth(time)
    return subsolar_point(time)


def local_time_h(lon_west: Any, subsolar_lon_west: float) -> Any:
    """Jupiter local time (hours, 12 at the sub-solar meridian) of System III west longitudes."""
    return (12.0 + (subsolar_lon_west - np.asarray(lon_west, float)) / 15.0) % 24.0


def _days(time: datetime) -> float:
    """Days from J2000 in TDB."""
    return (time - J2000).total_seconds() / 86400.0 + TDB_MINUS_UTC_S / 86400.0


def _heliocentric(elements: dict[str, tuple[float, float]], centuries: float) -> np.ndarray:
    """A planet's heliocentric position (AU) in the ICRF's equatorial axes from its elements."""
    el = {k: v0 + rate * centuries for k, (v0, rate) in elements.items()}
    e = el["e"]
    mean_anomaly = math.radians((el["L"] - el["perihelion"]) % 360.0)
    ecc = mean_anomaly
    for _ in range(30):  # Kepler's equation by Newton's method (e ≈ 0.05 converges in a few)
        ecc -= (ecc - e * math.sin(ecc) - mean_anomaly) / (1.0 - e * math.cos(ecc))
    x_orbit = el["a"] * (math.cos(ecc) - e)
    y_orbit = el["a"] * math.sqrt(1.0 - e * e) * math.sin(ecc)
    arg = math.radians(el["perihelion"] - el["node"])
    node, incl = math.radians(el["node"]), math.radians(el["I"])
    cw, sw, cn, sn, ci, si = (math.cos(arg), math.sin(arg), math.cos(node), math.sin(node),
                              math.cos(incl), math.sin(incl))  # fmt: skip
    ecliptic = np.array([
        (cw * cn - sw * sn * ci) * x_orbit + (-sw * cn - cw * sn * ci) * y_orbit,
        (cw * sn + sw * cn * ci) * x_orbit + (-sw * sn + cw * cn * ci) * y_orbit,
        sw * si * x_orbit + cw * si * y_orbit,
    ])  # fmt: skip
    eps = math.radians(OBLIQUITY_DEG)
    x, y, z = ecliptic
    return np.array(
        [x, math.cos(eps) * y - math.sin(eps) * z, math.sin(eps) * y + math.cos(eps) * z]
    )
