"""Where the Sun stands over Jupiter at a given time: the sub-solar point.

Jupiter's heliocentric position from the Keplerian elements of Standish's "Approximate
Positions of the Planets" (JPL; Table 1, 1800–2050: a few arcminutes for Jupiter), its pole
and System III prime meridian from the IAU WGCCRE 2015 report (the prime meridian's W is System
III). Checked against the HST pipeline's own values in the STIS products' headers (``CMLS``, the
sub-solar System III longitude, and ``DECS``, the Sun's latitude): within 0.1° on frames of 2014,
2016 and 2022 (`tests/geometry/test_sun.py`).

The time is when the light left Jupiter: for a camera at Jupiter (JunoCam, JIRAM) the
observation time; for a telescope at Earth it is the observation time less the light time.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone

import numpy as np

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
    days = (time - J2000).total_seconds() / 86400.0 + TDB_MINUS_UTC_S / 86400.0
    centuries = days / 36525.0
    ra = math.radians(POLE_RA[0] + POLE_RA[1] * centuries)
    dec = math.radians(POLE_DEC[0] + POLE_DEC[1] * centuries)
    pole = np.array([math.cos(dec) * math.cos(ra), math.cos(dec) * math.sin(ra), math.sin(dec)])
    node = np.cross([0.0, 0.0, 1.0], pole)  # where Jupiter's equator crosses the ICRF's
    node /= np.linalg.norm(node)
    w = math.radians((PRIME_MERIDIAN[0] + PRIME_MERIDIAN[1] * days) % 360.0)
    x_axis = math.cos(w) * node + math.sin(w) * np.cross(pole, node)  # towards System III 0°
    y_axis = np.cross(pole, x_axis)  # towards 90° east
    sun = -_jupiter_heliocentric(centuries)
    sun /= np.linalg.norm(sun)
    lat = math.degrees(math.asin(float(sun @ pole)))
    east = math.degrees(math.atan2(float(sun @ y_axis), float(sun @ x_axis)))
    return lat, (-east) % 360.0


def _jupiter_heliocentric(centuries: float) -> np.ndarray:
    """Jupiter's heliocentric position (AU) in the ICRF's equatorial axes."""
    el = {k: v0 + rate * centuries for k, (v0, rate) in JUPITER_ELEMENTS.items()}
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
    return np.array([x, math.cos(eps) * y - math.sin(eps) * z, math.sin(eps) * y + math.cos(eps) * z])
