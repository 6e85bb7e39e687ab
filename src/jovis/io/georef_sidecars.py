"""The map of an image told by files beside it, as GDAL and GIS tools write them.

* GDAL's ``<image>.aux.xml`` (its "PAM" sidecar, written with a PNG or JPEG it makes, or a TIFF
  it cannot tag): the CRS as WKT1 (``<SRS>``), the pixel grid (``<GeoTransform>``: x₀, Sx, 0,
  y₀, 0, Sy of the first pixel's outer corner), the no-data value (``<NoDataValue>``) and, when
  GDAL wrote the image from an ISIS cube, the cube's label (metadata domain json:ISIS3);
* a world file (``<name>.wld``, or the image suffix's first and last letters + w: ``.pgw``,
  ``.jgw``, ``.tfw``; lines Sx, 0, 0, Sy, then x, y of the first pixel's *centre*) with a
  ``<name>.prj`` holding the WKT (GDAL's or ESRI's names).

The WKT is turned into the GeoKeys a GeoTIFF would hold, so one code places both
(`jovis.io.geotiff`): the same projections, radii and latitude rules.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from jovis.io.geotiff import (
    CENTER_LAT,
    CENTER_LONG,
    COORD_TRANS,
    CT_EQUIRECTANGULAR,
    CT_ORTHOGRAPHIC,
    CT_POLAR_STEREOGRAPHIC,
    CT_STEREOGRAPHIC,
    DEGREE,
    FALSE_EASTING,
    FALSE_NORTHING,
    GEOG_ANGULAR_UNITS,
    GEOG_CITATION,
    GEOGRAPHIC,
    INV_FLATTENING,
    LINEAR_UNITS,
    METRE,
    MODEL_TYPE,
    NAT_ORIGIN_LAT,
    NAT_ORIGIN_LONG,
    PROJECTED,
    SCALE_AT_NAT_ORIGIN,
    SEMI_MAJOR,
    SEMI_MINOR,
    STD_PARALLEL_1,
    Georeference,
    Unplaced,
    aux_xml,
    from_isis,
    from_keys,
    isis_label,
    label_mapping,
    nodata_value,
    north_up,
)
from jovis.io.sidecars import prj_file, world_files

# WKT1 projection names (GDAL's and ESRI's) → the GeoTIFF coordinate transformation
_PROJECTIONS = {"polar_stereographic": CT_POLAR_STEREOGRAPHIC,
                "stereographic_north_pole": CT_POLAR_STEREOGRAPHIC,
                "stereographic_south_pole": CT_POLAR_STEREOGRAPHIC,
                "stereographic": CT_STEREOGRAPHIC, "orthographic": CT_ORTHOGRAPHIC,
                "equirectangular": CT_EQUIRECTANGULAR,
                "equidistant_cylindrical": CT_EQUIRECTANGULAR,
                "plate_carree": CT_EQUIRECTANGULAR}  # fmt: skip
_PARAMETERS = {"latitude_of_origin": NAT_ORIGIN_LAT, "latitude_of_center": CENTER_LAT,
               "central_meridian": NAT_ORIGIN_LONG, "longitude_of_center": CENTER_LONG,
               "scale_factor": SCALE_AT_NAT_ORIGIN, "false_easting": FALSE_EASTING,
               "false_northing": FALSE_NORTHING,
               "standard_parallel_1": STD_PARALLEL_1}  # fmt: skip
ROTATED = "rotated"  # a GeoTransform or world file that rotates or shears the raster
# KEYWORD[ (or a bare word such as an axis's NORTH), "text", a number, ] ) or ,
_TOKEN = re.compile(r'\s*(?:([A-Za-z_][A-Za-z0-9_]*)\s*([\[(])?|"((?:[^"]|"")*)"|'
                    r"([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)|([\]),]))")  # fmt: skip


def sidecar_georeference(path: Path, shape: tuple[int, int]) -> Georeference | None:
    """The georeferencing of the image `path` of `shape` (rows, columns) from its GDAL
    .aux.xml or world file; None when neither is beside it."""
    root = aux_xml(path)
    aux = _aux(root) if root is not None else None
    world = _world_file(path)
    label = isis_label(root)
    if aux is None and world is None:
        return None
    srs, transform, nodata = aux or (None, None, None)
    if world is not None:
        srs = srs or _prj(path)
    corner = world or transform
    if corner is None or corner == ROTATED:
        why = ("none: its georeferencing rotates or shears the raster; gdalwarp it north-up"
               if corner == ROTATED else
               "none: its .aux.xml has no GeoTransform nor a world file beside it")  # fmt: skip
        return Georeference(None, why, nodata, label)
    drawn = corner if north_up(corner) else None  # where a GIS draws it (`Georeference`)
    source = f"{path.name}'s {'world file' if world else '.aux.xml'}"
    try:
        keys = wkt_geokeys(srs) if srs else {}
        mapping = label_mapping(label)
        if mapping is not None:
            declared, note = from_isis(mapping, corner, keys or {MODEL_TYPE: PROJECTED}, shape,
                                       f"{source} with its ISIS label")  # fmt: skip
        elif not keys:
            raise Unplaced("no CRS beside it (a .prj with the world file, or the .aux.xml's SRS)")
        else:
            declared, note = from_keys(keys, corner, shape, source)
    except Unplaced as why:
        return Georeference(None, f"none: {why}", nodata, label, corner=drawn)
    x0, y0, sx, sy = corner
    beside = {"srs": srs, "geotransform": [x0, sx, 0.0, y0, 0.0, -sy]} if srs else None
    return Georeference(declared, note, nodata, label, beside=beside, corner=drawn)


def mask_aux(srs: str, geotransform: list[float], nodata: int) -> str:
    """A GDAL .aux.xml placing a class-mask PNG where its input lies (the input's CRS and
    GeoTransform; `nodata`, the ignored pixels' id)."""
    numbers = ", ".join(f"{v:.17g}" for v in geotransform)
    return (
        f"<PAMDataset>\n  <SRS>{escape(srs)}</SRS>\n  <GeoTransform>{numbers}</GeoTransform>\n"
        f'  <PAMRasterBand band="1">\n    <NoDataValue>{nodata}</NoDataValue>\n'
        "  </PAMRasterBand>\n</PAMDataset>\n"
    )


def _aux(root: ET.Element) -> tuple[str | None, tuple | str | None, float | None]:
    """(SRS WKT, corner and pixel size from GeoTransform (ROTATED when it rotates the raster),
    the first band's no-data value) of GDAL's .aux.xml (`aux_xml`)."""
    srs = root.findtext("SRS")
    transform = None
    text = root.findtext("GeoTransform")
    if text:
        try:
            values = [float(v) for v in text.replace(",", " ").split()]
        except ValueError:
            values = []
        if len(values) == 6 and all(math.isfinite(v) for v in values):
            x0, sx, rx, y0, ry, sy = values
            transform = (x0, y0, sx, -sy) if rx == 0 and ry == 0 else ROTATED
    band = root.find("PAMRasterBand")
    nodata = nodata_value(band.findtext("NoDataValue")) if band is not None else None
    return (srs.strip() if srs else None), transform, nodata


def _world_file(path: Path) -> tuple[float, float, float, float] | str | None:
    """Corner and pixel size from the world file beside `path` (its six numbers: Sx, ry, rx,
    Sy, x and y of the first pixel's centre); None when there is none (or it is not six
    numbers), ROTATED when it rotates the raster."""
    found = next((p for p in world_files(path) if p.is_file()), None)
    if found is None:
        return None
    try:
        sx, ry, rx, sy, cx, cy = (float(v) for v in found.read_text().split()[:6])
    except ValueError:
        return None
    if not all(math.isfinite(v) for v in (sx, sy, cx, cy)):
        return None
    if ry != 0 or rx != 0:
        return ROTATED
    return cx - sx / 2, cy - sy / 2, sx, -sy


def _prj(path: Path) -> str | None:
    prj = prj_file(path)
    return prj.read_text(errors="replace").strip() if prj.is_file() else None


def parse_wkt(text: str) -> tuple[str, list]:
    """A WKT1 string as (KEYWORD, [items]): items are str, float or nested (KEYWORD, [...])."""
    tokens = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            if text[pos:].strip():
                raise Unplaced(f"its WKT is not WKT1 (cannot read {text[pos : pos + 20]!r})")
            break
        tokens.append(match.groups())
        pos = match.end()
    return _node(tokens, 0)[0]


def _node(tokens, at: int):
    if at >= len(tokens) or tokens[at][1] is None:
        raise Unplaced("its WKT does not start with KEYWORD[")
    keyword, items, at = tokens[at][0], [], at + 1
    while at < len(tokens):
        word, bracket, quoted, number, close = tokens[at]
        if close in ("]", ")"):
            return (keyword.upper(), items), at + 1
        if close == ",":
            at += 1
        elif bracket is not None:
            child, at = _node(tokens, at)
            items.append(child)
        else:
            items.append(word if word is not None else quoted.replace('""', '"')
                         if quoted is not None else float(number))  # fmt: skip
            at += 1
    raise Unplaced("its WKT ends before its brackets close")


def _children(node, keyword: str) -> list:
    return [i for i in node[1] if isinstance(i, tuple) and i[0] == keyword]


def wkt_geokeys(text: str) -> dict[int, Any]:
    """The GeoKeys a GeoTIFF of this WKT1 CRS would hold (GDAL's and ESRI's names); Unplaced
    saying why when the text is not such a CRS."""
    root = parse_wkt(text)
    if root[0] not in ("PROJCS", "GEOGCS"):
        raise Unplaced(f"its CRS is a {root[0]} (jovis reads WKT1 PROJCS and GEOGCS)")
    geogcs = root if root[0] == "GEOGCS" else next(iter(_children(root, "GEOGCS")), None)
    datum = next(iter(_children(geogcs, "DATUM")), None) if geogcs else None
    spheroid = next(iter(_children(datum, "SPHEROID")), None) if datum else None
    numbers = [v for v in (spheroid[1] if spheroid else []) if isinstance(v, float)]
    if len(numbers) < 2:
        raise Unplaced("its WKT has no SPHEROID[name, semi-major axis, inverse flattening]")
    keys: dict[int, Any] = {SEMI_MAJOR: numbers[0], GEOG_CITATION: str(geogcs[1][0])}
    if numbers[1] == 0:
        keys[SEMI_MINOR] = numbers[0]
    else:
        keys[INV_FLATTENING] = numbers[1]
    if root[0] == "GEOGCS":
        unit = next(iter(_children(root, "UNIT")), None)
        factor = next((v for v in unit[1] if isinstance(v, float)), None) if unit else None
        keys[MODEL_TYPE] = GEOGRAPHIC
        keys[GEOG_ANGULAR_UNITS] = DEGREE if factor and abs(factor - math.pi / 180) < 1e-9 else 0
        return keys
    keys[MODEL_TYPE] = PROJECTED
    projection = next(iter(_children(root, "PROJECTION")), None)
    name = str(projection[1][0]).lower() if projection and projection[1] else ""
    keys[COORD_TRANS] = _PROJECTIONS.get(name, name or None)
    for parameter in _children(root, "PARAMETER"):
        key = _PARAMETERS.get(str(parameter[1][0]).lower()) if parameter[1] else None
        if key is not None and len(parameter[1]) > 1 and isinstance(parameter[1][1], float):
            keys[key] = parameter[1][1]
    if name.startswith("stereographic_") and name.endswith("_pole"):  # ESRI: true scale at
        keys[NAT_ORIGIN_LAT] = keys.get(STD_PARALLEL_1, 90.0 if "north" in name else -90.0)
    unit = next(iter(_children(root, "UNIT")), None)
    factor = next((v for v in unit[1] if isinstance(v, float)), None) if unit else 1.0
    keys[LINEAR_UNITS] = METRE if factor == 1.0 else 0
    return keys
