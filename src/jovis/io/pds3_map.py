"""A PDS3 label's IMAGE_MAP_PROJECTION as an ISIS Mapping group, which `jovis.io.isis_mapping`
turns into a jovis map declaration (as a PDS4 label's cart:Cartography is, `pds4_cartography`).

The PDS3 Standards Reference puts pixel centres on whole line and sample numbers, the first
pixel at LINE = SAMPLE = 1, and the projection origin at SAMPLE_PROJECTION_OFFSET + 1 and
LINE_PROJECTION_OFFSET + 1, x growing with the sample (east) and y up the image; the JunoCam
global maps' catalogue (DSMAP.CAT of JUNO-J-JUNOCAM-4-RDR-L1B) writes it out as SAMPLE =
SAMPLE_PROJECTION_OFFSET + MAP_RESOLUTION·(LON − CENTER_LONGITUDE) + 1. ISIS's pds2isis reads the
offsets so (UpperLeftCornerX = −(SAMPLE_PROJECTION_OFFSET + 0.5)·res, UpperLeftCornerY =
(LINE_PROJECTION_OFFSET + 0.5)·res), and so does jovis. Producers have written the offsets
otherwise (a pixel corner for the origin, or one-based): where the label also states its
extent (MAXIMUM/MINIMUM_LATITUDE, WESTERNMOST/EASTERNMOST_LONGITUDE), a cylindrical map's edges
from the offsets must agree with it within a pixel, or nothing is placed and the note says so.
A map spanning all 360° of longitude has the same edges drawn either way round, so its
longitude direction rests on POSITIVE_LONGITUDE_DIRECTION alone.

Projections placed: SIMPLE CYLINDRICAL and EQUIRECTANGULAR (a cylindrical map), POLAR
STEREOGRAPHIC and ORTHOGRAPHIC about a pole (a polar grid); others get no geometry and a note.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

from jovis.io.isis_mapping import declaration, map_affine

# (STEREOGRAPHIC: about a pole only)
PROJECTIONS = {"SIMPLE CYLINDRICAL": "SimpleCylindrical", "EQUIRECTANGULAR": "Equirectangular",
               "POLAR STEREOGRAPHIC": "PolarStereographic", "ORTHOGRAPHIC": "Orthographic",
               "STEREOGRAPHIC": "PolarStereographic"}  # fmt: skip
SOURCE = "PDS3 IMAGE_MAP_PROJECTION"
_DECLARE = "declare its map beside it (<file>.map.json)"
# km per MAP_SCALE unit
SCALE_UNITS = {"KM/PIXEL": 1.0, "KM/PIX": 1.0, "M/PIXEL": 0.001, "M/PIX": 0.001,
               "METERS/PIXEL": 0.001}  # fmt: skip


# the IMAGE_MAP_PROJECTION object of a PDS3 label, as written
_PROJECTION = re.compile(r"^[ \t]*OBJECT[ \t]*=[ \t]*IMAGE_MAP_PROJECTION\b.*?"
                         r"^[ \t]*END_OBJECT[ \t]*=[ \t]*IMAGE_MAP_PROJECTION\b[^\r\n]*",
                         re.MULTILINE | re.DOTALL)  # fmt: skip
LABEL_BYTES = 1 << 20  # an attached label is read from the file's first MB


def projection_text(label_path: Path) -> str | None:
    """The ``OBJECT = IMAGE_MAP_PROJECTION`` … ``END_OBJECT`` block of a PDS3 label as written
    (a detached .LBL, or the label at the head of an .IMG); None when there is none."""
    with open(label_path, "rb") as fh:
        head = fh.read(LABEL_BYTES).decode("latin-1")
    found = _PROJECTION.search(head)
    return found.group(0).strip() if found else None


class NotPlaced(Exception):
    """Why a PDS3 IMAGE_MAP_PROJECTION places no jovis map."""


def place_pds3_map(frame, label: dict[str, Any], label_path: Path) -> bool:
    """Place `frame` by its label's IMAGE_MAP_PROJECTION (its grid, or its cylindrical map in
    ``meta["map"]``); ``meta["grid_source"]`` says where the map came from or why it was not
    placed, and ``meta["pds3_map_projection"]`` keeps the object as written (the mask product
    is put on the same map, `jovis.io.pds3_masks`). Whether it was placed."""
    where = label_path.name
    projection = label.get("IMAGE_MAP_PROJECTION")
    if not isinstance(projection, dict):
        return False
    from jovis.geometry.maps import MAP_AFFINE, place_own_map

    try:
        mapping = mapping_group(projection, label.get("TARGET_NAME"))
        declared, note = declaration(mapping, frame.shape, source=SOURCE)
        if declared is not None and declared.get("projection") == "cylindrical":
            check_extent(declared, projection, frame.shape)
    except NotPlaced as why:
        frame.meta["grid_source"] = f"none: {where}'s IMAGE_MAP_PROJECTION: {why}"
        return False
    affine = map_affine(mapping)
    if affine is not None:  # map coordinates to pixels (features drawn on the map by a GIS)
        frame.meta[MAP_AFFINE] = affine
    frame.meta["grid_source"] = note
    if declared is None:
        return False
    try:
        place_own_map(frame, declared, note, f"{where}'s IMAGE_MAP_PROJECTION")
    except ValueError as err:
        frame.meta["grid_source"] = f"none: {err}"
        return False
    text = projection_text(label_path)
    if text:  # (the mask product is put on the same map)
        frame.meta["pds3_map_projection"] = {"text": text, "target": mapping["TargetName"]}
    return True


def mapping_group(projection: dict[str, Any], target: Any = None) -> dict[str, Any]:
    """The ISIS Mapping group an IMAGE_MAP_PROJECTION amounts to (lengths in metres, as ISIS
    writes them); NotPlaced naming what is missing or not taken."""
    kind = " ".join(str(projection.get("MAP_PROJECTION_TYPE", "")).replace("_", " ").split())
    name = PROJECTIONS.get(kind.upper())
    if name is None:
        taken = ", ".join(sorted(PROJECTIONS))
        raise NotPlaced(f"MAP_PROJECTION_TYPE {kind!r} is not one jovis places ({taken}); "
                        f"{_DECLARE}")  # fmt: skip
    a, c = _number(projection, "A_AXIS_RADIUS"), _number(projection, "C_AXIS_RADIUS")
    clat = _number(projection, "CENTER_LATITUDE", 0.0)
    clon = _number(projection, "CENTER_LONGITUDE")
    spo = _number(projection, "SAMPLE_PROJECTION_OFFSET")
    lpo = _number(projection, "LINE_PROJECTION_OFFSET")
    if kind.upper() == "STEREOGRAPHIC" and abs(abs(clat) - 90.0) > 1e-9:
        raise NotPlaced(f"a STEREOGRAPHIC map centred at latitude {clat:g} is not about a pole; "
                        f"{_DECLARE}")  # fmt: skip
    if not (a > 0 and c > 0):
        raise NotPlaced("A_AXIS_RADIUS and C_AXIS_RADIUS must be > 0")
    res_km = _pixel_km(projection, name, a)
    west = str(projection.get("POSITIVE_LONGITUDE_DIRECTION", "EAST")).strip().upper() == "WEST"
    system = str(projection.get("COORDINATE_SYSTEM_NAME", "PLANETOCENTRIC")).strip().upper()
    top = (lpo + 0.5) * res_km
    if name == "SimpleCylindrical":  # its lines count from CENTER_LATITUDE (ISIS's y from 0)
        top += a * math.radians(clat)
    target = target if target is not None else projection.get("TARGET_NAME", "Jupiter")
    return {
        "ProjectionName": name,
        "TargetName": str(target).strip().strip('"').title(),
        "EquatorialRadius": a * 1000.0,
        "PolarRadius": c * 1000.0,
        "PixelResolution": res_km * 1000.0,
        "UpperLeftCornerX": -(spo + 0.5) * res_km * 1000.0,
        "UpperLeftCornerY": top * 1000.0,
        "CenterLongitude": clon,
        "CenterLatitude": clat,
        "LongitudeDirection": "PositiveWest" if west else "PositiveEast",
        "LatitudeType": "Planetographic" if system == "PLANETOGRAPHIC" else "Planetocentric",
    }


def check_extent(declared: dict[str, Any], projection: dict[str, Any],
                 shape: tuple[int, int]) -> None:  # fmt: skip
    """NotPlaced when a cylindrical map's edges, as the offsets place them, lie more than a
    pixel from the extent the label states (each keyword it gives)."""
    lines, samples = shape
    (top, bottom), (left, right) = declared["lat"], declared["lon"]
    lat_px, lon_px = abs(bottom - top) / lines, abs(right - left) / samples
    stated = [("MAXIMUM_LATITUDE", top, lat_px, False), ("MINIMUM_LATITUDE", bottom, lat_px, False),
              ("WESTERNMOST_LONGITUDE", left, lon_px, True),
              ("EASTERNMOST_LONGITUDE", right, lon_px, True)]  # fmt: skip
    for key, edge, px, cyclic in stated:
        if key not in projection:
            continue
        value = _number(projection, key)
        off = abs(value - edge)
        if cyclic:
            off = min(off % 360.0, 360.0 - off % 360.0)
        if off > 1.0 * px + 1e-9:
            raise NotPlaced(
                f"its offsets put the map's edge at {edge:.6g}° where {key} says {value:.6g}° "
                f"({off / px:.1f} px apart): producers read the offsets differently; {_DECLARE}"
            )


def _pixel_km(projection: dict[str, Any], name: str, a: float) -> float:
    """km per pixel: a simple cylindrical map's from MAP_RESOLUTION (its pixels per degree,
    what its lines and samples are counted in), else MAP_SCALE in its unit (km by default)."""
    if name == "SimpleCylindrical" and "MAP_RESOLUTION" in projection:
        per_deg = _number(projection, "MAP_RESOLUTION")
        if per_deg > 0:
            return a * math.pi / 180.0 / per_deg
    if "MAP_SCALE" not in projection:
        raise NotPlaced("it gives no MAP_SCALE (km per pixel)")
    raw = projection["MAP_SCALE"]
    unit = str(raw.get("units", "KM/PIXEL")) if isinstance(raw, dict) else "KM/PIXEL"
    unit = unit.strip().upper()
    if unit not in SCALE_UNITS:
        raise NotPlaced(f"MAP_SCALE in {unit!r}, a unit jovis does not take "
                        f"({', '.join(SCALE_UNITS)})")  # fmt: skip
    scale = _number(projection, "MAP_SCALE") * SCALE_UNITS[unit]
    if not scale > 0:
        raise NotPlaced("MAP_SCALE must be > 0")
    return scale


_REQUIRED = object()


def _number(projection: dict[str, Any], key: str, default: Any = _REQUIRED) -> float:
    """A keyword's number (pdr gives ``{"value", "units"}`` for one with units); NotPlaced when
    it is missing (without a default) or not a finite number."""
    if key not in projection:
        if default is _REQUIRED:
            raise NotPlaced(f"it gives no {key}")
        return float(default)
    raw = projection[key]
    value = raw.get("value") if isinstance(raw, dict) else raw
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise NotPlaced(f"{key} = {value!r} is not a number") from None
    if not math.isfinite(number):
        raise NotPlaced(f"{key} = {value!r} is not a finite number")
    return number
