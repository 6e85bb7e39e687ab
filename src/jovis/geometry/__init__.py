"""Polar geometry: `PolarGrid` (pixel ↔ latitude/longitude), Jupiter's shape, reprojection."""

from jovis.geometry.body import EQUATORIAL_RADIUS_KM, POLAR_RADIUS_KM, distance_km, surface_point
from jovis.geometry.polar import PolarGrid

__all__ = ["EQUATORIAL_RADIUS_KM", "POLAR_RADIUS_KM", "PolarGrid", "distance_km", "surface_point"]
