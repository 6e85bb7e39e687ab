"""Latitude kinds, longitude senses and lat/lon shapes placed on a frame's pixels.

jovis works in planetocentric latitude and System III (1965) west longitude (DESIGN.md); an
annotation file states what it uses and is converted here. Ellipses given in km are drawn in the
plane tangent to the 1-bar spheroid at their centre and carried back to the surface, so they keep
their size in any projection; ellipses given in degrees are drawn in the (east longitude,
latitude) plane of a cylindrical map, as map-based tools draw them.
"""

from __future__ import annotations

import numpy as np

from jovis.geometry import PolarGrid
from jovis.geometry.body import planetocentric, surface_point
from jovis.geometry.ellipse import ellipse_offsets
from jovis.geometry.maps import LATITUDES, LONGITUDES, CylindricalMap

AXIS_UNITS = ("km", "deg")
OUTLINE_POINTS = 72


def check_choice(key: str, value: str, valid: tuple[str, ...]) -> str:
    if value not in valid:
        raise ValueError(f"{key}={value!r}; valid choices: {', '.join(valid)}")
    return value


def centric_latitude(lat: np.ndarray, kind: str) -> np.ndarray:
    """Planetocentric latitude (deg) of `lat` given as `kind` (tan φc = (b/a)² tan φg)."""
    check_choice("latitude", kind, LATITUDES)
    lat = np.asarray(lat, dtype=np.float64)
    return lat if kind == "planetocentric" else planetocentric(lat)


def west_longitude(lon: np.ndarray, sense: str) -> np.ndarray:
    """System III west longitude (deg, 0..360) of `lon` given as `sense` (west or east)."""
    check_choice("longitude", sense, LONGITUDES)
    lon = np.asarray(lon, dtype=np.float64)
    return np.mod(lon if sense == "west" else -lon, 360.0)


def _latlon_of_points(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Planetocentric lat / west lon (deg) of body-fixed points (..., 3)."""
    x, y, z = points[..., 0], points[..., 1], points[..., 2]
    lat = np.degrees(np.arctan2(z, np.hypot(x, y)))
    return lat, np.mod(-np.degrees(np.arctan2(y, x)), 360.0)


def ellipse_outline_km(
    lat: float, lon: float, a_km: float, b_km: float, angle_deg: float, n: int = OUTLINE_POINTS
) -> tuple[np.ndarray, np.ndarray]:
    """(lat, west lon) of an ellipse's outline: semi-axes in km on the surface, the major axis
    `angle_deg` counterclockwise from local east toward local north (planetocentric lat)."""
    p = surface_point(lat, lon)
    up = p / np.linalg.norm(p)
    east = np.cross([0.0, 0.0, 1.0], up)
    if np.linalg.norm(east) < 1e-9:  # at the pole: east toward SIII 90° W... any fixed choice
        east = np.array([0.0, -1.0, 0.0])
    east /= np.linalg.norm(east)
    north = np.cross(up, east)
    u, v = ellipse_offsets(a_km, b_km, angle_deg, n)
    pts = p + u[:, None] * east + v[:, None] * north
    return _latlon_of_points(pts)


def ellipse_outline_deg(
    lat: float, lon: float, a_deg: float, b_deg: float, angle_deg: float, n: int = OUTLINE_POINTS
) -> tuple[np.ndarray, np.ndarray]:
    """(lat, west lon) of an ellipse drawn on a cylindrical map: x = east longitude, y =
    latitude, semi-axes in degrees, the major axis `angle_deg` counterclockwise from east."""
    de, dn = ellipse_offsets(a_deg, b_deg, angle_deg, n)
    return np.clip(lat + dn, -90.0, 90.0), np.mod(lon - de, 360.0)


def to_pixels(
    grid: PolarGrid | CylindricalMap, lat: np.ndarray, lon: np.ndarray
) -> np.ndarray | None:
    """(N, 2) pixel [x, y] of planetocentric lat / west lon through `grid` (a frame's polar grid,
    or the cylindrical map it is declared to be); None when a point lies in the other
    hemisphere, beyond an orthographic limb or off the map (it cannot be placed)."""
    lat = np.asarray(lat, dtype=np.float64)
    if isinstance(grid, CylindricalMap):
        x, y = grid.pixel(lat, lon)
        if not np.all(grid.inside(x, y)):
            return None
        return np.stack([x, y], axis=-1).reshape(-1, 2)
    wrong = lat < 0 if grid.hemisphere == "north" else lat > 0
    if np.any(wrong):
        return None
    x, y = grid.pixel(lat, lon)
    pts = np.stack([np.asarray(x, float), np.asarray(y, float)], axis=-1).reshape(-1, 2)
    return pts if np.isfinite(pts).all() else None
