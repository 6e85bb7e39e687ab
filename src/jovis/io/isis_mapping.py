"""An ISIS cube's Mapping group as a jovis map declaration (`jovis.geometry.maps`).

ISIS places pixel (sample, line), 1-based, at projection coordinates x = UpperLeftCornerX +
(sample − 0.5)·PixelResolution, y = UpperLeftCornerY − (line − 0.5)·PixelResolution (metres;
ISIS's PFPixelMapper), and each projection turns (x, y) into latitude and longitude with the
label's radii. Those jovis draws the same way:

* ``PolarStereographic`` (ISIS: Snyder's ellipsoidal polar stereographic of planetographic
  latitude, true to scale at CenterLatitude, the pole its sign's) on Jupiter's 1-bar spheroid →
  an ``oblate_stereographic`` polar grid; on a sphere → ``stereographic``.
* ``Orthographic`` centred on a pole (ISIS: ρ = a·cos of the planetographic latitude) →
  ``planetographic_orthographic``; on a sphere → ``orthographic``.
* ``SimpleCylindrical`` (x = a·Δλ, y = a·φ) and ``Equirectangular`` (x = R·cos φc·Δλ, y = R·φ,
  R the radius at CenterLatitude) → a cylindrical map: latitude and longitude are linear in the
  pixels, so its edges say it all.

Anything else gets no geometry, and a note saying why and how to reproject it (``map2map``).
"""

from __future__ import annotations

import math
from typing import Any

from jovis.geometry.body import EQUATORIAL_RADIUS_KM, POLAR_RADIUS_KM

# The label's radii match jovis's spheroid within this (ISIS's Jupiter: 71492 × 66854 km)
RADIUS_TOLERANCE_KM = 1.0
POLAR = ("PolarStereographic", "Orthographic")
CYLINDRICAL = ("SimpleCylindrical", "Equirectangular")
_REPROJECT = ("reproject it with ISIS map2map to PolarStereographic (CenterLatitude ±90) or "
              "SimpleCylindrical, or declare its map beside it (<file>.map.json)")  # fmt: skip


def place_mapped(frame, mapping: dict[str, Any], where: str,
                 source: str = "ISIS Mapping group") -> dict | None:  # fmt: skip
    """`frame` placed by an ISIS Mapping group (a cube's, or the one a PDS4 label's cart:
    Cartography says) as its grid or cylindrical map, ``meta["grid_source"]`` saying where the
    map came from or why jovis cannot place it; `where` names the group in `place_own_map`'s
    errors. The declaration placed, or None."""
    from jovis.geometry.maps import place_own_map

    declared, note = declaration(mapping, frame.shape, source=source)
    frame.meta["grid_source"] = note
    if declared is not None:
        place_own_map(frame, declared, note, where)
    return declared


def map_affine(mapping: dict[str, Any]) -> list[float] | None:
    """[x0, y0, sx, sy] (`jovis.geometry.maps.MAP_AFFINE`, metres) of a Mapping group: the first
    pixel's outer top-left corner is (UpperLeftCornerX, UpperLeftCornerY), as GDAL reads it;
    None without those numbers or a positive PixelResolution."""
    values = {k.lower(): v for k, v in mapping.items()}
    keys = ("upperleftcornerx", "upperleftcornery", "pixelresolution")
    if not all(_finite(values.get(k)) for k in keys):
        return None
    x0, y0, res = (float(values[k]) for k in keys)
    return [x0, y0, res, res] if res > 0 else None


def declaration(mapping: dict[str, Any], shape: tuple[int, int],
                source: str = "ISIS Mapping group") -> tuple[dict | None, str]:  # fmt: skip
    """(the declaration, a note on where it came from) for a cube of `shape` (lines, samples)
    whose label has this Mapping group; (None, why not) when jovis cannot place it. `source`
    names where the group came from in the note (a GeoTIFF's copy of the cube's label)."""
    values = {k.lower(): v for k, v in mapping.items()}
    name = str(values.get("projectionname", "")).strip()
    target = str(values.get("targetname", "Jupiter")).strip()
    if target.lower() != "jupiter":
        return None, f"none: the Mapping group's TargetName is {target!r}, not Jupiter"
    if name not in POLAR + CYLINDRICAL:
        return None, (f"none: ISIS ProjectionName={name!r} is not one jovis places (it takes "
                      f"{', '.join(POLAR + CYLINDRICAL)}); {_REPROJECT}")  # fmt: skip
    needed = ["equatorialradius", "polarradius", "pixelresolution", "upperleftcornerx",
              "upperleftcornery", "centerlongitude"]  # fmt: skip
    if name != "SimpleCylindrical":
        needed.append("centerlatitude")
    missing = [k for k in needed if not _finite(values.get(k))]
    if missing:
        return None, f"none: the {name} Mapping group lacks a number for {', '.join(missing)}"
    a, c = float(values["equatorialradius"]) / 1000, float(values["polarradius"]) / 1000
    res = float(values["pixelresolution"]) / 1000  # km per px
    if not (a > 0 and c > 0 and res > 0):
        return None, f"none: the {name} Mapping group's radii and PixelResolution must be > 0"
    east_lon = str(values.get("longitudedirection", "PositiveEast")).lower() != "positivewest"
    clon = float(values["centerlongitude"])
    centric = str(values.get("latitudetype", "Planetocentric")).lower() != "planetographic"
    x0, y0 = float(values["upperleftcornerx"]) / 1000, float(values["upperleftcornery"]) / 1000
    if name in CYLINDRICAL:
        return _cylindrical(name, values, shape, a, c, res, x0, y0, clon, east_lon, centric,
                            source)  # fmt: skip
    clat = float(values["centerlatitude"])
    sphere = abs(a - c) < 1e-9 * a
    if not (sphere or is_jupiter_spheroid(a, c)):
        return None, (f"none: the {name} map's radii {a:g} × {c:g} km are neither a sphere's "
                      f"nor Jupiter's 1-bar spheroid ({EQUATORIAL_RADIUS_KM:g} × "
                      f"{POLAR_RADIUS_KM:g} km), the shapes jovis's polar grids are drawn on; "
                      f"{_REPROJECT}")  # fmt: skip
    hemisphere = "north" if clat > 0 else "south"
    grid = polar_placement(hemisphere, x0, y0, res, clon if east_lon else -clon)
    if name == "Orthographic":
        if abs(abs(clat) - 90.0) > 1e-9:
            return None, (f"none: an ISIS Orthographic map centred at latitude {clat:g} is none "
                          f"of jovis's polar grids; {_REPROJECT}")  # fmt: skip
        # ρ = a·cos φg; near the pole a·θg ≈ (c²/a)·θ (planetocentric)
        projection = "orthographic" if sphere else "planetographic_orthographic"
        scale = c * c / a * math.pi / 180 / res
        return {"projection": projection, **grid, "px_per_deg": scale}, (
            f"{source}: Orthographic about the {hemisphere} pole, "
            f"{'a sphere of ' + format(a, 'g') + ' km' if sphere else 'the 1-bar spheroid'} "
            f"(ρ = a·cos of the planetographic latitude), {res:g} km/px on the map plane; "
            f"jovis grid {projection}")  # fmt: skip
    if clat == 0.0:
        return None, "none: an ISIS PolarStereographic map needs CenterLatitude other than 0"
    k0 = _pole_scale(abs(clat), centric, 0.0 if sphere else math.sqrt(1 - (c / a) ** 2))
    radius = a if sphere else c  # one degree of colatitude at the pole is radius·π/180 km
    projection = "stereographic" if sphere else "oblate_stereographic"
    note = (f"{source}: PolarStereographic about the {hemisphere} pole on "
            f"{'a sphere of ' + format(a, 'g') + ' km' if sphere else 'the 1-bar spheroid'}, "
            f"true to scale at latitude {clat:g} (scale factor {k0:.6f} at the pole), "
            f"{res:g} km/px there; jovis grid {projection}")  # fmt: skip
    return {"projection": projection, **grid, "px_per_deg": k0 * radius * math.pi / 180 / res}, note


def is_jupiter_spheroid(a: float, c: float) -> bool:
    """Whether radii `a`, `c` (km) are Jupiter's 1-bar spheroid's, within RADIUS_TOLERANCE_KM."""
    return (abs(a - EQUATORIAL_RADIUS_KM) <= RADIUS_TOLERANCE_KM
            and abs(c - POLAR_RADIUS_KM) <= RADIUS_TOLERANCE_KM)  # fmt: skip


def polar_placement(hemisphere: str, x0: float, y0: float, res: float,
                    east_centre: float) -> dict[str, Any]:  # fmt: skip
    """The pole's pixel and the orientation of a polar map whose projection origin is the pole,
    whose outer top-left corner lies at projection x0, y0 (km; y up), `res` km per pixel, drawn
    as Snyder's x = ρ·sin(λ − λ0), y = ∓ρ·cos(λ − λ0) (east longitude, λ0 = `east_centre`;
    ISIS's and PROJ's polar projections)."""
    return {
        "hemisphere": hemisphere,
        "pole_x": -x0 / res - 0.5,  # pixel centres at integers: the corner is at -0.5
        "pole_y": y0 / res - 0.5,
        "lon_at_x": (-(east_centre + 90.0)) % 360.0,  # +x: 90° east of the centre longitude
        "lon_sense": "clockwise" if hemisphere == "north" else "counterclockwise",
    }


def _pole_scale(clat: float, centric: bool, e: float) -> float:
    """The scale factor at the pole of ISIS's polar stereographic true to scale at latitude
    `clat` (given planetocentric when `centric`; ISIS turns it planetographic): m_c·E/(2·t_c),
    Snyder's eq. 21-35 over 21-33 (1 at the pole itself)."""
    if abs(clat - 90.0) < 1e-12:
        return 1.0
    phi = math.radians(clat)
    if centric and e > 0:
        phi = math.atan(math.tan(phi) / (1 - e * e))  # planetographic
    e_sin = e * math.sin(phi)
    m_c = math.cos(phi) / math.sqrt(1 - e_sin * e_sin)
    t_c = math.tan(math.pi / 4 - phi / 2) * ((1 + e_sin) / (1 - e_sin)) ** (e / 2)
    big_e = math.sqrt((1 + e) ** (1 + e) * (1 - e) ** (1 - e))
    return m_c * big_e / (2 * t_c)


def _cylindrical(name, values, shape, a, c, res, x0, y0, clon, east_lon, centric, source):
    """A SimpleCylindrical or Equirectangular map's edges as a cylindrical declaration."""
    lines, samples = shape
    if name == "SimpleCylindrical":
        radius, along = a, a
    else:  # ISIS's LocalRadius of the CenterLatitude as the label gives it, and its parallel
        clat = math.radians(float(values["centerlatitude"]))
        radius = a * c / math.hypot(c * math.cos(clat), a * math.sin(clat))
        along = radius * math.cos(clat)
        if along <= 0:
            return None, "none: an Equirectangular map's CenterLatitude is too near a pole"
    top, bottom = (math.degrees(y / radius) for y in (y0, y0 - lines * res))
    left, right = (math.degrees(x / along) for x in (x0, x0 + samples * res))
    # PositiveWest: ISIS negates both longitudes, so x grows as west longitude falls
    lon = [clon + left, clon + right] if east_lon else [clon - left, clon - right]
    lat = [min(max(v, -90.0), 90.0) if abs(abs(v) - 90.0) < 1e-6 else v for v in (top, bottom)]
    sphere = abs(a - c) < 1e-9 * a  # (on a sphere ISIS's two latitudes are one number)
    latitude = "planetocentric" if centric or sphere else "planetographic"
    declared = {"projection": "cylindrical", "lat": lat, "lon": lon,
                "longitude": "east" if east_lon else "west", "latitude": latitude}  # fmt: skip
    return declared, (f"{source}: {name}, {res:g} km/px, latitude {lat[0]:.4g} to "
                      f"{lat[1]:.4g} ({latitude}), {'east' if east_lon else 'west'} longitude "
                      f"{lon[0]:.4g} to {lon[1]:.4g}")  # fmt: skip


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and math.isfinite(value)
