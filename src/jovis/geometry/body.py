"""Jupiter as an oblate spheroid: surface points, distances and areas in km.

Latitudes are planetocentric and longitudes System III (1965) west, in degrees, everywhere.
"""

from __future__ import annotations

import numpy as np

# PHYSICS.md §5: the radii the HST projections use (1-bar level).
EQUATORIAL_RADIUS_KM = 71492.0
POLAR_RADIUS_KM = 66854.0


def unit_vector(lat: np.ndarray, lon_west: np.ndarray) -> np.ndarray:
    """Body-fixed unit vectors (..., 3) towards latitude / SIII west longitude (degrees), as on
    a sphere: x points to SIII 0°, z to the north pole; east longitude = −west longitude."""
    phi = np.radians(np.asarray(lat, dtype=np.float64))
    lam = -np.radians(np.asarray(lon_west, dtype=np.float64))
    return np.stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)], axis=-1)


def spheroid_radius(lat: np.ndarray, a: float = EQUATORIAL_RADIUS_KM,
                    b: float = POLAR_RADIUS_KM) -> np.ndarray:  # fmt: skip
    """Distance (km) from the centre to the spheroid of radii `a`, `b` at planetocentric `lat`."""
    phi = np.radians(np.asarray(lat, dtype=np.float64))
    return a * b / np.sqrt((b * np.cos(phi)) ** 2 + (a * np.sin(phi)) ** 2)


def surface_point(lat: np.ndarray, lon_west: np.ndarray, altitude_km: float = 0.0) -> np.ndarray:
    """Body-fixed Cartesian km (..., 3) of planetocentric latitude / SIII west longitude.

    x points to SIII 0°, z to the north pole; east longitude = −west longitude.
    """
    r = spheroid_radius(lat) + altitude_km
    return r[..., None] * unit_vector(lat, lon_west)


def planetocentric(lat_graphic: np.ndarray) -> np.ndarray:
    """Planetocentric latitude (deg) of a planetographic one: tan φc = (b/a)² tan φg."""
    ratio = (POLAR_RADIUS_KM / EQUATORIAL_RADIUS_KM) ** 2
    return np.degrees(np.arctan(ratio * np.tan(np.radians(lat_graphic))))


def planetographic(lat_centric: np.ndarray) -> np.ndarray:
    """Planetographic latitude (deg) of a planetocentric one (`planetocentric`'s inverse)."""
    ratio = (POLAR_RADIUS_KM / EQUATORIAL_RADIUS_KM) ** 2
    return np.degrees(np.arctan(np.tan(np.radians(lat_centric)) / ratio))


def pixel_area_at(latlon, x, y) -> np.ndarray:
    """Area in km² on the spheroid of the pixels centred at (x, y) (any shape) of an image whose
    pixel coordinates `latlon(x, y)` turns into (latitude, west longitude): the cross product of
    the body-fixed steps across a pixel in x and in y (NaN off the planet)."""
    xs, ys = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)

    def point(dx: float, dy: float) -> np.ndarray:
        return surface_point(*latlon(xs + dx, ys + dy))

    ddx = point(0.5, 0) - point(-0.5, 0)
    ddy = point(0, 0.5) - point(0, -0.5)
    return np.linalg.norm(np.cross(ddx, ddy), axis=-1)


def surface_normal(point: np.ndarray) -> np.ndarray:
    """Outward unit normals of the spheroid at body-fixed points (..., 3)."""
    a2, b2 = EQUATORIAL_RADIUS_KM**2, POLAR_RADIUS_KM**2
    n = point / np.array([a2, a2, b2])
    return n / np.linalg.norm(n, axis=-1, keepdims=True)


def distance_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Surface distance between points: the chord turned into an arc of the local radius.

    On these scales (≤ a few thousand km, near the poles) this is within 0.1% of the geodesic.
    """
    p, q = surface_point(lat1, lon1), surface_point(lat2, lon2)
    chord = np.linalg.norm(p - q, axis=-1)
    radius = 0.5 * (np.linalg.norm(p, axis=-1) + np.linalg.norm(q, axis=-1))
    return 2 * radius * np.arcsin(np.clip(chord / (2 * radius), 0.0, 1.0))


def central_angle_deg(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle angle between directions of planetocentric lat/lon points, in degrees."""
    p, q = surface_point(lat1, lon1), surface_point(lat2, lon2)
    p = p / np.linalg.norm(p, axis=-1, keepdims=True)
    q = q / np.linalg.norm(q, axis=-1, keepdims=True)
    dot = np.clip(np.einsum("...i,...i->...", p, q), -1.0, 1.0)
    return np.degrees(np.arccos(dot))
