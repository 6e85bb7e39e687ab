"""Give pixel features (from `jovis.features`) latitudes, longitudes and sizes in km."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from jovis.geometry.body import distance_km
from jovis.geometry.maps import CylindricalMap
from jovis.geometry.polar import PolarGrid, lines_inside
from jovis.geometry.reproject import PerspectiveView


@functools.lru_cache(maxsize=8)
def pixel_area(grid: PolarGrid, height: int, width: int) -> np.ndarray:
    """`grid.pixel_area_km2`, cached per grid and shape (a batch shares both)."""
    area = grid.pixel_area_km2(height, width)
    area.flags.writeable = False
    return area


@dataclass(frozen=True)
class ViewLocator:
    """A frame of `shape` seen in perspective, where `locate_features` takes a grid: pixels
    placed by the `view` (`PerspectiveView.latlon`, NaN off the disk) and their area on the
    surface (`PerspectiveView.pixel_area_km2`)."""

    view: PerspectiveView
    shape: tuple[int, int]

    def latlon(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        return self.view.latlon(x, y, self.shape)

    def pixel_area_at(self, x, y) -> np.ndarray:
        return self.view.pixel_area_km2(x, y, self.shape)

    def graticule(
        self, height: int, width: int, lat_step: float = 10.0, lon_step: float = 30.0
    ) -> list[dict[str, Any]]:
        """Lines of constant latitude and longitude on the visible disk, as pixel polylines
        (`PolarGrid.graticule`'s form), for the overlay."""
        shape = (height, width)
        lines: list[dict[str, Any]] = []
        lon = np.linspace(0.0, 360.0, 721)
        for lat in np.arange(-90.0 + lat_step, 90.0 - lat_step / 2, lat_step):
            lines += self._traced(np.full_like(lon, lat), lon, shape, "lat", float(lat))
        for value in np.arange(0.0, 360.0, lon_step):
            lines += self.meridian(float(value), height, width)
        return lines

    def meridian(self, lon: float, height: int, width: int) -> list[dict[str, Any]]:
        """The meridian of west longitude `lon` on the visible disk, from the pole in view
        outward as a polar grid's lines run (labels at the end), as `graticule`'s lines."""
        pole = 90.0 if self.view.sub_lat >= 0 else -90.0
        lat_line = np.linspace(pole, -pole, 721)
        return self._traced(lat_line, np.full_like(lat_line, lon), (height, width), "lon", lon)

    def _traced(self, lat, lon, shape, kind: str, value: float) -> list[dict[str, Any]]:
        xs, ys, seen = self.view.project(lat, lon, shape)
        xs, ys = np.where(seen, xs, np.nan), np.where(seen, ys, np.nan)
        return lines_inside(xs, ys, shape[1], shape[0], kind, float(value))


def locate_features(
    features: dict[str, Any],
    grid: PolarGrid | ViewLocator | CylindricalMap,
    shape: tuple[int, int],
) -> dict[str, Any]:
    """Add lat/lon (planetocentric, SIII west, degrees) and km to every feature, in place.

    `grid`: the frame's polar grid (recorded as ``features["grid"]``), a `ViewLocator` for a
    frame seen in perspective (recorded as ``features["view"]``; values off the disk are None),
    or the `CylindricalMap` a frame is declared to be (``features["map"]``).

    Vortices get ``lat``, ``lon``, ``semi_major_km``, ``semi_minor_km`` (surface distance from
    the centre to the ends of the axes), ``area_km2`` (pixel count × the pixel area at the
    centre) and ``radius_km`` (equivalent radius). The oval's contours get a ``contours_latlon``
    twin, and its ring ``centre_lat``, ``centre_lon``, ``mean_colatitude_deg`` (of the fitted
    circle about the pole) and ``width_km``.
    """
    h, w = shape

    def area(x: float, y: float) -> float:  # km² of the pixel nearest (x, y), inside the frame
        return float(grid.pixel_area_at(min(max(round(x), 0), w - 1), min(max(round(y), 0), h - 1)))

    for v in features.get("vortices", []):
        lat, lon = grid.latlon(v["x"], v["y"])
        t = math.radians(v["angle_deg"])
        major = grid.latlon(
            v["x"] + v["semi_major_px"] * math.cos(t), v["y"] + v["semi_major_px"] * math.sin(t)
        )
        minor = grid.latlon(
            v["x"] - v["semi_minor_px"] * math.sin(t), v["y"] + v["semi_minor_px"] * math.cos(t)
        )
        px_area = area(v["x"], v["y"])
        v.update(
            lat=_r(lat),
            lon=_r(lon),
            semi_major_km=_r(distance_km(lat, lon, *major), 1),
            semi_minor_km=_r(distance_km(lat, lon, *minor), 1),
            area_km2=_r(v["area_px"] * px_area, 0),
            radius_km=_r(math.sqrt(v["area_px"] * px_area / math.pi), 1),
        )
    oval = features.get("oval") or {}
    if oval.get("contours_px"):
        oval["contours_latlon"] = [
            np.round(np.stack(grid.latlon(*np.asarray(c, float).T), axis=1), 4).tolist()
            for c in oval["contours_px"]
        ]
    ring = oval.get("ring")
    if ring:
        lat, lon = grid.latlon(ring["centre_x"], ring["centre_y"])
        t = np.linspace(0, 2 * np.pi, 360, endpoint=False)
        circle_lat, _ = grid.latlon(
            ring["centre_x"] + ring["mean_radius_px"] * np.cos(t),
            ring["centre_y"] + ring["mean_radius_px"] * np.sin(t),
        )
        colat = 90.0 - np.abs(circle_lat[np.isfinite(circle_lat)])
        # km per pixel along the ring, from the pixel area where the ring crosses +x
        ring_area = area(ring["centre_x"] + ring["mean_radius_px"], ring["centre_y"])
        ring.update(
            centre_lat=_r(lat),
            centre_lon=_r(lon),
            mean_colatitude_deg=_r(float(colat.mean())) if colat.size else None,
            width_km=_r(ring["width_px"] * math.sqrt(ring_area), 1),
        )
    if isinstance(grid, ViewLocator):
        features["view"] = grid.view.to_dict()
    elif isinstance(grid, CylindricalMap):
        features["map"] = grid.to_dict()
    else:
        features["grid"] = grid.to_dict()
    return features


def _r(value: Any, digits: int = 4) -> float | None:
    value = float(value)
    return round(value, digits) if math.isfinite(value) else None
