"""`PolarGrid`: pixel ↔ (planetocentric latitude, System III west longitude) for an azimuthal
projection centred on a pole."""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from jovis.geometry.body import (
    EQUATORIAL_RADIUS_KM,
    POLAR_RADIUS_KM,
    pixel_area_at,
    planetocentric,
    planetographic,
)

# ``oblate_orthographic``: the 1-bar spheroid seen from far above its pole, as JIRAM's published
# polar maps are (PHYSICS.md §4); ``orthographic`` is the sphere's. ``oblate_stereographic``: the
# spheroid's polar stereographic (Snyder 1987, eqs. 21-33 and 7-9), as ISIS's PolarStereographic
# and PROJ's ``stere`` on an ellipsoid draw a map.
# ``planetographic_orthographic``: the sphere's orthographic formula in planetographic latitude
# (ρ = a·cos φg), as ISIS's Orthographic projects the spheroid.
PROJECTIONS = ("equidistant", "stereographic", "orthographic", "oblate_orthographic",
               "oblate_stereographic", "planetographic_orthographic")  # fmt: skip
_FLATTENING_RATIO = EQUATORIAL_RADIUS_KM / POLAR_RADIUS_KM  # a / c
_ECCENTRICITY = math.sqrt(1.0 - (POLAR_RADIUS_KM / EQUATORIAL_RADIUS_KM) ** 2)
# Snyder's sqrt((1+e)^(1+e) (1-e)^(1-e)): with it ρ = 2·a·t/_E4 is true to scale at the pole
_E4 = math.sqrt(
    (1 + _ECCENTRICITY) ** (1 + _ECCENTRICITY) * (1 - _ECCENTRICITY) ** (1 - _ECCENTRICITY)
)
SENSES = ("clockwise", "counterclockwise")
HEMISPHERES = ("north", "south")


@dataclass(frozen=True)
class PolarGrid:
    """An azimuthal polar projection, as an image shows it (row 0 at the top).

    Parameters
    ----------
    hemisphere : 'north' or 'south'
        The pole at the centre of the projection.
    pole_x, pole_y : float
        Pixel of the pole (column, row; pixel centres at integers, 0-based).
    px_per_deg : float
        Radial scale at the pole: pixels per degree of colatitude.
    lon_at_x : float
        SIII west longitude of the direction from the pole toward +x (increasing column).
    lon_sense : 'clockwise' or 'counterclockwise'
        The way SIII longitude increases around the pole on screen.
    projection : 'equidistant', 'stereographic', 'orthographic', 'oblate_orthographic' or
        'oblate_stereographic'
        Radius ρ (px) from colatitude θ: ρ = k·θ, ρ = k·(360/π)·tan(θ/2), ρ = k·(180/π)·sin θ,
        with k = `px_per_deg`, so that all have the same scale at the pole. ``oblate_orthographic``
        projects the 1-bar spheroid (equatorial radius a, polar c) onto its equatorial plane:
        ρ = k·(180/π)·(a/c)·cos β, β the reduced latitude (tan β = (a/c)·tan φ); near the pole
        ρ ≈ c·θ, so k = c·π/180 / (km per px). It differs from the sphere's by up to 0.6° of
        latitude at 80° (the orthographic sphere of radius a reads β for φ).
        ``oblate_stereographic`` is the spheroid's polar stereographic: ρ = k·(180/π)·(a/c)·2t/E,
        t = tan(45° − φg/2)·((1 + e sin φg)/(1 − e sin φg))^(e/2) of the planetographic latitude
        φg, E = √((1+e)^(1+e)·(1−e)^(1−e)), e the eccentricity; near the pole ρ ≈ c·θ as well,
        so a map true to scale at the pole has k = c·π/180 / (km per px) and one true to scale
        at another latitude a larger k (its scale factor at the pole times that).
        ``planetographic_orthographic`` is ρ = k·(180/π)·(a/c)²·cos φg (ISIS's Orthographic of
        the spheroid: a·cos φg over km per px); near the pole ρ ≈ (c²/a)·θ, so
        k = (c²/a)·π/180 / (km per px).
    approximate : bool
        True for a grid fitted to the data rather than documented with it.
    source : str
        Where the grid came from (header, instrument config, synthetic).
    """

    hemisphere: str
    pole_x: float
    pole_y: float
    px_per_deg: float
    lon_at_x: float = 0.0
    lon_sense: str = "clockwise"
    projection: str = "equidistant"
    approximate: bool = False
    source: str = ""

    def __post_init__(self) -> None:
        for name, value, valid in (
            ("hemisphere", self.hemisphere, HEMISPHERES),
            ("lon_sense", self.lon_sense, SENSES),
            ("projection", self.projection, PROJECTIONS),
        ):
            if value not in valid:
                raise ValueError(f"PolarGrid {name}={value!r}; valid choices: {', '.join(valid)}")
        if not self.px_per_deg > 0:
            raise ValueError(f"PolarGrid px_per_deg must be > 0, got {self.px_per_deg}")

    # -- plain data ---------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "polar",
            **asdict(self),
            "latitude": "planetocentric",
            "longitude": "System III (1965) west",
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PolarGrid:
        fields = cls.__dataclass_fields__
        unknown = set(data) - set(fields) - {"kind", "latitude", "longitude"}
        if unknown:
            raise ValueError(f"unknown PolarGrid keys {sorted(unknown)}; valid: {sorted(fields)}")
        return cls(**{k: v for k, v in data.items() if k in fields})

    # -- the mapping --------------------------------------------------------------------------
    @property
    def _sense(self) -> float:
        return 1.0 if self.lon_sense == "clockwise" else -1.0

    @property
    def limb_radius_px(self) -> float:
        """ρ of an orthographic limb (the equator); beyond it, no planet. Others: the radius
        at which ρ = k·(180/π), for the row spans `_lat_range` scans."""
        ratios = {"oblate_orthographic": _FLATTENING_RATIO,
                  "planetographic_orthographic": _FLATTENING_RATIO**2}  # fmt: skip
        ratio = ratios.get(self.projection, 1.0)
        return 180.0 * self.px_per_deg / math.pi * ratio

    def _colat_from_radius(self, rho: np.ndarray) -> np.ndarray:
        k = self.px_per_deg
        if self.projection == "equidistant":
            colat = np.asarray(rho / k, dtype=np.float64)
            # past the opposite pole (180°) there is no planet: a latitude beyond ±90° is none
            return np.where(colat <= 180.0, colat, np.nan)
        if self.projection == "stereographic":
            return np.degrees(2 * np.arctan(rho * math.pi / (360 * k)))
        if self.projection == "oblate_stereographic":
            t = rho * _E4 / (2 * _FLATTENING_RATIO * k * 180 / math.pi)
            return 90.0 - planetocentric(np.degrees(_graphic_latitude(t)))
        with np.errstate(invalid="ignore"):
            colat = np.arcsin(rho / self.limb_radius_px)  # NaN beyond the limb
        if self.projection == "oblate_orthographic":  # reduced colatitude → planetocentric
            colat = np.arctan2(_FLATTENING_RATIO * np.sin(colat), np.cos(colat))
        if self.projection == "planetographic_orthographic":  # planetographic → planetocentric
            colat = np.arctan2(_FLATTENING_RATIO**2 * np.sin(colat), np.cos(colat))
        return np.degrees(colat)

    def _radius_from_colat(self, colat: np.ndarray) -> np.ndarray:
        k = self.px_per_deg
        if self.projection == "equidistant":
            return colat * k
        if self.projection == "stereographic":
            return k * (360 / math.pi) * np.tan(np.radians(colat) / 2)
        if self.projection == "oblate_stereographic":
            t = _stereographic_t(np.radians(planetographic(90.0 - np.asarray(colat))))
            return k * (180 / math.pi) * _FLATTENING_RATIO * 2 * t / _E4
        theta = np.radians(colat)
        if self.projection == "oblate_orthographic":  # planetocentric → reduced colatitude
            theta = np.arctan2(np.sin(theta), _FLATTENING_RATIO * np.cos(theta))
        if self.projection == "planetographic_orthographic":  # planetocentric → planetographic
            theta = np.arctan2(np.sin(theta), _FLATTENING_RATIO**2 * np.cos(theta))
        return self.limb_radius_px * np.sin(theta)

    def latlon(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(latitude, west longitude) in degrees of pixel coordinates (any shape)."""
        dx = np.asarray(x, dtype=np.float64) - self.pole_x
        dy = np.asarray(y, dtype=np.float64) - self.pole_y
        colat = self._colat_from_radius(np.hypot(dx, dy))
        lat = 90.0 - colat if self.hemisphere == "north" else colat - 90.0
        lon = np.mod(self.lon_at_x + self._sense * np.degrees(np.arctan2(dy, dx)), 360.0)
        return lat, lon

    def pixel(self, lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(x, y) pixel coordinates of latitudes / west longitudes in degrees."""
        lat = np.asarray(lat, dtype=np.float64)
        colat = 90.0 - lat if self.hemisphere == "north" else 90.0 + lat
        rho = self._radius_from_colat(colat)
        angle = np.radians(self._sense * (np.asarray(lon, dtype=np.float64) - self.lon_at_x))
        return self.pole_x + rho * np.cos(angle), self.pole_y + rho * np.sin(angle)

    def latlon_image(self, height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
        """Latitude and longitude of every pixel centre, each (height, width); cached, read-only."""
        return _latlon_image(self, int(height), int(width))

    def pixel_area_km2(self, height: int, width: int) -> np.ndarray:
        """Area on the 1-bar spheroid of each pixel (height, width), in km²; NaN off the planet."""
        ys, xs = np.mgrid[0:height, 0:width].astype(np.float64)
        return self.pixel_area_at(xs, ys)

    def pixel_area_at(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """`pixel_area_km2` of the pixels centred at (x, y) only (any shape): a few features of
        a large frame need not compute the whole map (4 surface points per pixel)."""
        return pixel_area_at(self.latlon, x, y)

    def graticule(
        self, height: int, width: int, lat_step: float = 10.0, lon_step: float = 30.0
    ) -> list[dict[str, Any]]:
        """Lines of constant latitude and longitude inside the image, as pixel polylines.

        Returns ``[{"kind": "lat"|"lon", "value": deg, "points": [[x, y], ...]}, ...]``; a line
        leaving the image is cut into several polylines.
        """
        lat_min, lat_max = _lat_range(self, height, width)
        lines: list[dict[str, Any]] = []
        sign = 1 if self.hemisphere == "north" else -1
        lat_vals = np.arange(90.0 - lat_step, 0.0, -lat_step) * sign
        lon = np.linspace(0.0, 360.0, 721)
        for lat in lat_vals:
            if lat_min - lat_step <= lat <= lat_max + lat_step:
                xs, ys = self.pixel(np.full_like(lon, lat), lon)
                lines += lines_inside(xs, ys, width, height, "lat", float(lat))
        for lon_value in np.arange(0.0, 360.0, lon_step):
            lines += self.meridian(float(lon_value), height, width)
        return lines

    def meridian(self, lon: float, height: int, width: int) -> list[dict[str, Any]]:
        """The meridian of west longitude `lon` inside the image, from the pole outward, as
        `graticule`'s lines (kind ``"lon"``)."""
        lat_line = np.linspace(90.0 if self.hemisphere == "north" else -90.0, 0.0, 400)
        xs, ys = self.pixel(lat_line, np.full_like(lat_line, lon))
        return lines_inside(xs, ys, width, height, "lon", float(lon))


def _stereographic_t(phi: np.ndarray) -> np.ndarray:
    """Snyder's t (eq. 15-9) of planetographic latitudes `phi` (radians) on the 1-bar spheroid."""
    e_sin = _ECCENTRICITY * np.sin(phi)
    return np.tan(np.pi / 4 - phi / 2) * ((1 + e_sin) / (1 - e_sin)) ** (_ECCENTRICITY / 2)


def _graphic_latitude(t: np.ndarray) -> np.ndarray:
    """The planetographic latitude (radians) whose `_stereographic_t` is `t`: Snyder's series
    from the conformal latitude χ (eq. 3-5; 5e-6 rad off for Jupiter's e) and one Newton step
    on χ (to 1e-11 rad; 12 steps of eq. 7-9 took twice as long on a 16 Mpx map)."""
    t = np.asarray(t, dtype=np.float64)
    if t.size > _CHUNK:  # in pieces: a dozen temporaries of a whole large map's size add up
        out = np.empty_like(t)
        flat_t, flat_out = t.reshape(-1), out.reshape(-1)
        for i in range(0, t.size, _CHUNK):
            flat_out[i : i + _CHUNK] = _graphic_latitude(flat_t[i : i + _CHUNK])
        return out
    chi = np.pi / 2 - 2 * np.arctan(t)
    sin_chi, cos_chi = np.sin(chi), np.cos(chi)
    sin2, cos2 = 2 * sin_chi * cos_chi, cos_chi**2 - sin_chi**2
    c1, c2, c3, c4 = _CONFORMAL_SERIES  # Σ c_k sin 2kχ, the multiple angles from 2χ's
    phi = chi + sin2 * (c1 + cos2 * (2 * c2 + cos2 * (4 * c3 + 8 * c4 * cos2)) - c3 - 4 * c4 * cos2)
    e_sin = _ECCENTRICITY * np.sin(phi)
    here = np.pi / 2 - 2 * np.arctan(_stereographic_t(phi))
    slope = (1 - _ECCENTRICITY**2) * cos_chi / ((1 - e_sin * e_sin) * np.cos(phi))  # dχ/dφ
    with np.errstate(divide="ignore", invalid="ignore"):  # at a pole χ = φ already
        step = np.where(np.abs(slope) > 0, (here - chi) / slope, 0.0)
    return phi - step


_CHUNK = 1 << 18  # values per piece of `_graphic_latitude`
# Snyder (1987) eq. 3-5: φ − χ as a series in sin 2kχ, its coefficients in e², e⁴, e⁶, e⁸
_E2 = _ECCENTRICITY**2
_CONFORMAL_SERIES = (
    _E2 / 2 + 5 * _E2**2 / 24 + _E2**3 / 12 + 13 * _E2**4 / 360,
    7 * _E2**2 / 48 + 29 * _E2**3 / 240 + 811 * _E2**4 / 11520,
    7 * _E2**3 / 120 + 81 * _E2**4 / 1120,
    4279 * _E2**4 / 161280,
)


@functools.lru_cache(maxsize=16)
def _latlon_image(grid: PolarGrid, height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    ys, xs = np.mgrid[0:height, 0:width]
    lat, lon = grid.latlon(xs, ys)
    lat.flags.writeable = lon.flags.writeable = False
    return lat, lon


def _lat_range(grid: PolarGrid, height: int, width: int) -> tuple[float, float]:
    """Lowest and highest finite latitude of the pixel centres, from a few pixels of each row:
    colatitude grows with the distance ρ from the pole, and along a row ρ is least at the
    column nearest the pole and greatest at an end of the row's span on the planet (where
    ρ ≤ the orthographic limb's radius, or an equidistant grid's 180° of colatitude: all of it
    for the other projections). Those pixels' latitudes are the same numbers as in
    `latlon_image` (of the whole frame: 3 CPU s and 270 MB at 4096²)."""
    ys = np.arange(height, dtype=np.float64)[:, None]
    # ρ beyond which there is no latitude (NaN): an orthographic limb, an equidistant grid's
    # opposite pole
    limb = 180.0 * grid.px_per_deg if grid.projection == "equidistant" else grid.limb_radius_px
    half = np.sqrt(np.maximum(limb**2 - (ys - grid.pole_y) ** 2, 0.0))
    ends = np.concatenate(
        [grid.pole_x - half, grid.pole_x + half, np.full_like(ys, grid.pole_x)], 1
    )
    xs = np.concatenate(
        [np.floor(ends) + k for k in (-1, 0, 1, 2)] + [ys * 0, ys * 0 + width - 1], 1
    )
    lat, _ = grid.latlon(np.clip(xs, 0, width - 1), np.broadcast_to(ys, xs.shape))
    finite = lat[np.isfinite(lat)]
    return (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)


def lines_inside(xs, ys, width, height, kind, value) -> list[dict[str, Any]]:
    """The runs of a traced line's points (`xs`, `ys`; NaN = not drawn) inside a `width` ×
    `height` image, as graticule lines ``{"kind", "value", "points"}``."""
    ok = (
        np.isfinite(xs)
        & np.isfinite(ys)
        & (xs >= -0.5)
        & (ys >= -0.5)
        & (xs <= width - 0.5)
        & (ys <= height - 0.5)
    )
    # the runs of consecutive points inside: starts where `ok` turns on, ends where it turns off
    edges = np.diff(np.concatenate([[False], ok, [False]]).astype(np.int8))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    lines = []
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        if end - start >= 2:
            pts = np.stack([xs[start:end], ys[start:end]], axis=1).round(2).tolist()
            lines.append({"kind": kind, "value": value, "points": pts})
    return lines
