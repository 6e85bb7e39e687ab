"""A GeoTIFF's georeferencing as a jovis map declaration (`jovis.geometry.maps`).

The GeoTIFF standard (OGC 19-008r4) places a raster by ModelTiepoint + ModelPixelScale (or a
ModelTransformation) in the coordinates of the CRS its GeoKeys describe: raster point (i, j)
lies at X = X₀ + (i − I)·Sx, Y = Y₀ − (j − J)·Sy, where (0, 0) is the first pixel's outer
corner (PixelIsArea, the default) or its centre (PixelIsPoint). jovis places what a Jupiter map
can be:

* a geographic CRS (longitude, latitude in degrees): a cylindrical map, east longitude;
* Polar Stereographic (CT 15; or Stereographic, CT 14, about a pole): on a sphere
  ``stereographic``, on Jupiter's 1-bar spheroid ``oblate_stereographic`` (Snyder's
  ellipsoidal formulas, as PROJ draws it), true to scale at the pole × ProjScaleAtNatOrigin
  or at ProjNatOriginLat when that is not a pole (GDAL's convention);
* Orthographic (CT 21) about a pole: the sphere's ``orthographic``, the spheroid's
  ``oblate_orthographic`` (EPSG method 9840, the spheroid seen from far above the pole);
* Equirectangular (CT 17): a cylindrical map, x = a·cos φts·(λ − λ0), y = a·(φ − φ0) with a
  the semi-major axis, as PROJ's ``eqc`` computes it.

A geographic CRS's latitude on an ellipsoid is planetographic (geodetic), on a sphere
planetocentric (GDAL writes an ISIS map of planetocentric latitude on a sphere); an IAU
"Ocentric" CRS on the ellipsoid, whose GeoKeys are the same as the planetographic one's, is
told apart by its name in the citation. GeoKeys carry no longitude direction: east, as the
standard and GDAL read them.

GDAL's ISIS3 driver approximates an ISIS cube's map in the GeoTIFF it writes (a planetocentric
polar stereographic map as a sphere of the polar radius, an Orthographic one as the sphere of
the equatorial radius, a PositiveWest map's centre longitude as if east) and keeps the cube's
label in the ``<file>.aux.xml`` beside it; when that sidecar holds the label's Mapping group,
jovis places the pixels by the group, as it does an ISIS cube's, at the GeoTIFF's own corner
and pixel size (a crop moves them).
"""

from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from jovis.frame import Frame
from jovis.geometry.body import EQUATORIAL_RADIUS_KM, POLAR_RADIUS_KM
from jovis.io.isis import PIXEL_TYPES, channels_of, find
from jovis.io.isis_mapping import (
    RADIUS_TOLERANCE_KM,
    declaration,
    is_jupiter_spheroid,
    polar_placement,
)
from jovis.io.sidecars import AUX_XML
from jovis.io.tiff_tags import ASCII, DOUBLE, SHORT

MODEL_PIXEL_SCALE, MODEL_TIEPOINT, MODEL_TRANSFORMATION = 33550, 33922, 34264
GEO_KEY_DIRECTORY, GEO_DOUBLE_PARAMS, GEO_ASCII_PARAMS = 34735, 34736, 34737
GDAL_NODATA = 42113  # GDAL's no-data value, as ASCII
GEO_TAGS = {MODEL_PIXEL_SCALE, MODEL_TIEPOINT, MODEL_TRANSFORMATION, GEO_KEY_DIRECTORY,
            GEO_DOUBLE_PARAMS, GEO_ASCII_PARAMS, GDAL_NODATA}  # fmt: skip
# GeoKeys (the standard's numbers)
MODEL_TYPE, RASTER_TYPE, GEOG_TYPE, GEOG_CITATION, GEOG_ANGULAR_UNITS = 1024, 1025, 2048, 2049, 2054
SEMI_MAJOR, SEMI_MINOR, INV_FLATTENING = 2057, 2058, 2059
PROJECTED_TYPE, COORD_TRANS, LINEAR_UNITS = 3072, 3075, 3076
STD_PARALLEL_1, NAT_ORIGIN_LONG, NAT_ORIGIN_LAT, FALSE_EASTING, FALSE_NORTHING = (
    3078, 3080, 3081, 3082, 3083)  # fmt: skip
CENTER_LONG, CENTER_LAT, SCALE_AT_NAT_ORIGIN, STRAIGHT_VERT_POLE_LONG = 3088, 3089, 3092, 3095
USER_DEFINED, METRE, DEGREE = 32767, 9001, 9102
PROJECTED, GEOGRAPHIC = 1, 2
PIXEL_IS_POINT = 2
CT_STEREOGRAPHIC, CT_POLAR_STEREOGRAPHIC, CT_EQUIRECTANGULAR, CT_ORTHOGRAPHIC = 14, 15, 17, 21
CT_NAMES = {1: "Transverse Mercator", 7: "Mercator", 8: "Lambert Conformal Conic",
            11: "Albers Equal Area", 14: "Stereographic", 15: "Polar Stereographic",
            16: "Oblique Stereographic", 17: "Equirectangular", 21: "Orthographic",
            24: "Sinusoidal"}  # fmt: skip
_REPROJECT = ("reproject it (gdalwarp) to a polar stereographic or equirectangular Jupiter map, "
              "or declare its map beside it (<file>.map.json)")  # fmt: skip


class Unplaced(Exception):
    """Why a GeoTIFF's georeferencing places no jovis map."""


@dataclass
class Georeference:
    """What a TIFF's geo tags say: the map declaration (None when jovis cannot place it), a
    note on where it came from or why not, GDAL's no-data value (None when not given), and the
    ISIS cube label GDAL kept beside it (`isis_label`; None when there is none)."""

    declared: dict | None
    note: str
    nodata: float | tuple[float, ...] | None  # (a PNG's key colour: one per band)
    label: dict[str, Any] | None = None
    # what the mask written beside the prediction repeats to lie where the input does: a
    # GeoTIFF's geo tags (`geo_tags_of`), or an image's CRS (WKT) and GDAL GeoTransform from the
    # files beside it (`jovis.io.georef_sidecars.mask_aux`)
    geo_tags: list[list] | None = None
    beside: dict[str, Any] | None = None
    # the first pixel's outer top-left corner and the pixel size in the CRS's units (y up;
    # `north_up`): where a GIS draws the raster, whether or not jovis can place it on Jupiter
    corner: tuple[float, float, float, float] | None = None


def find_georeference(path: Path, tags: dict[int, Any], shape: tuple[int, int]):
    """The georeferencing of the image `path` of `shape` (rows, columns): its TIFF geo `tags`,
    else the files GDAL or a GIS wrote beside it (`jovis.io.georef_sidecars`: .aux.xml, world
    file); None when there is neither."""
    from jovis.io.georef_sidecars import sidecar_georeference

    geo = georeference(tags, shape, path) if tags else None
    return geo if geo is not None else sidecar_georeference(path, shape)


def georeference(tags: dict[int, Any], shape: tuple[int, int], path: Path) -> Georeference | None:
    """The georeferencing of the TIFF `path` of `shape` (rows, columns) whose first image has
    `tags` (`jovis.io.tiff_tags.read_tags`); None for a TIFF with no geo tags."""
    if not GEO_TAGS & set(tags):
        return None
    nodata = nodata_value(tags.get(GDAL_NODATA))
    label = isis_label(aux_xml(path))
    if not {MODEL_TIEPOINT, MODEL_TRANSFORMATION} & set(tags):
        return Georeference(None, "none: the TIFF has no ModelTiepoint or ModelTransformation "
                                  "tag (its pixels are not placed)", nodata, label)  # fmt: skip
    try:
        keys = geokeys(tags)
        corner = _corner(tags, keys)
    except Unplaced as why:
        return Georeference(None, f"none: {why}", nodata, label)
    try:
        isis = label_mapping(label)
        if isis is not None:
            declared, note = from_isis(isis, corner, keys, shape)
        else:
            declared, note = from_keys(keys, corner, shape)
    except Unplaced as why:
        return Georeference(None, f"none: {why}", nodata, label, corner=corner)
    return Georeference(declared, note, nodata, label, geo_tags=geo_tags_of(tags), corner=corner)


def place_georeferenced(frame: Frame, geo: Georeference) -> Frame:
    """`frame` given its no-data pixels and map by `geo` (`find_georeference`); with the cube
    label GDAL keeps in the .aux.xml of an image it wrote from an ISIS cube, also its JunoCam
    filters as an ISIS cube's. Its valid pixels are then those not NaN, not the no-data value
    and not transparent (no disk is looked for in a map)."""
    from jovis.geometry.maps import MAP_AFFINE, place_own_map

    path = Path(frame.source)
    meta, image = frame.meta, frame.image  # (H × W × bands)
    if geo.nodata is not None:  # no-data pixels hold NaN, as the other readers' do
        hit = image == np.asarray(geo.nodata, np.float32)
        # an integer image's dark pixel may hold the value in one band (a black sky's 0 is in
        # all): no data where every band holds it; a float no-data value is never a measurement
        float_data = str(meta.get("dtype", "")).startswith("float")
        image[hit.any(axis=2) if float_data else hit.all(axis=2)] = np.nan
        meta["nodata"] = geo.nodata
    frame.valid &= np.all(np.isfinite(image), axis=2)
    meta["valid_source"] = "the no-data value (GeoTIFF, .aux.xml, PNG key colour) and NaN" + (
        f" and the {meta['valid_source']}" if "valid_source" in meta else "")  # fmt: skip
    if geo.label is not None:  # the bands (in file order) named as the cube's
        if _holds_cube_values(geo.label, meta.get("dtype")):  # not rescaled (-scale, -ot)
            meta["isis_label"] = "GDAL .aux.xml"
        frame.image, frame.channels, frame.instrument = channels_of(
            path, image, geo.label, None if frame.instrument == "unknown" else frame.instrument,
            meta)  # fmt: skip
    meta["grid_source"] = geo.note
    if geo.corner is not None:  # map coordinates to pixels (for labels a GIS drew on it)
        meta[MAP_AFFINE] = list(geo.corner)
    if geo.declared is not None:
        try:
            place_own_map(frame, geo.declared, geo.note, f"{path.name}'s georeferencing")
        except ValueError as err:
            meta["grid_source"] = f"none: {err}"
        else:  # (kept as written: the mask lies where the input does, in a GIS too)
            if geo.geo_tags is not None:
                meta["geotiff_tags"] = geo.geo_tags
            elif geo.beside is not None:
                meta["georef_beside"] = geo.beside
    return frame


def north_up(corner: tuple[float, float, float, float]) -> bool:
    """Whether a corner and pixel size (`_corner`'s) are finite with positive pixel sizes."""
    return all(math.isfinite(v) for v in corner) and corner[2] > 0 and corner[3] > 0


def _holds_cube_values(label: dict[str, Any], dtype: str | None) -> bool:
    """Whether an image GDAL wrote from an ISIS cube holds the cube's values: its pixel type is
    the cube's (a PNG or JPEG of a float cube was rescaled to 8 or 16 bits on the way)."""
    stored = str(find(label, "IsisCube", "Core", "Pixels", "Type") or "")
    return stored in PIXEL_TYPES and np.dtype(PIXEL_TYPES[stored]) == np.dtype(dtype or "V")


def geo_tags_of(tags: dict[int, Any]) -> list[list]:
    """The georeferencing tags among `tags` as [tag, field type, values] (plain data: a class
    mask written with them lies where the input does; `jovis.io.geotiff_masks`)."""
    kinds = {MODEL_PIXEL_SCALE: DOUBLE, MODEL_TIEPOINT: DOUBLE, MODEL_TRANSFORMATION: DOUBLE,
             GEO_KEY_DIRECTORY: SHORT, GEO_DOUBLE_PARAMS: DOUBLE,
             GEO_ASCII_PARAMS: ASCII}  # fmt: skip
    return [[tag, kind, tags[tag] if kind == ASCII else [*tags[tag]]]
            for tag, kind in kinds.items() if tag in tags]  # fmt: skip


def geokeys(tags: dict[int, Any]) -> dict[int, Any]:
    """{GeoKey: value} from the GeoKeyDirectory: a SHORT held in the directory, a double or a
    tuple of doubles from GeoDoubleParams, text from GeoAsciiParams (its '|' ends dropped)."""
    directory = [int(v) for v in tags.get(GEO_KEY_DIRECTORY, ())]
    if not directory:
        return {}
    if len(directory) < 4 or len(directory) < 4 + 4 * directory[3]:
        raise Unplaced("its GeoKeyDirectory is shorter than the number of keys it declares")
    doubles = tuple(tags.get(GEO_DOUBLE_PARAMS, ()))
    text = tags.get(GEO_ASCII_PARAMS, "")
    keys: dict[int, Any] = {}
    for k in range(directory[3]):
        key, where, count, value = directory[4 + 4 * k : 8 + 4 * k]
        if where == 0:
            keys[key] = value
        elif where == GEO_DOUBLE_PARAMS:
            if value + count > len(doubles):
                raise Unplaced(f"GeoKey {key} points past the end of GeoDoubleParams")
            keys[key] = doubles[value] if count == 1 else doubles[value : value + count]
        elif where == GEO_ASCII_PARAMS and isinstance(text, str):
            keys[key] = text[value : value + count].strip("|").strip()
    return keys


def nodata_value(text: Any) -> float | None:
    """A no-data value written as text (GDAL's tag, an .aux.xml's NoDataValue); None if none."""
    try:
        return float(str(text).strip()) if text is not None else None
    except ValueError:
        return None


def _corner(tags: dict[int, Any], keys: dict[int, Any]) -> tuple[float, float, float, float]:
    """(X, Y) of the first pixel's outer top-left corner and the pixel size (Sx, Sy), in the
    CRS's units, Y growing up the image."""
    if MODEL_TRANSFORMATION in tags:
        m = [float(v) for v in tags[MODEL_TRANSFORMATION]]
        if len(m) < 16:
            raise Unplaced("its ModelTransformation holds fewer than 16 numbers")
        if m[1] != 0.0 or m[4] != 0.0:
            raise Unplaced("its ModelTransformation rotates or shears the raster; " + _REPROJECT)
        x0, sx, y0, sy = m[3], m[0], m[7], -m[5]
    else:
        tie, scale = tags.get(MODEL_TIEPOINT, ()), tags.get(MODEL_PIXEL_SCALE, ())
        if len(tie) != 6 or len(scale) < 2:
            raise Unplaced("it needs one ModelTiepoint with a ModelPixelScale (a grid of "
                            f"tiepoints is not read); {_REPROJECT}")  # fmt: skip
        i, j, _, x, y, _ = (float(v) for v in tie)
        sx, sy = float(scale[0]), float(scale[1])
        x0, y0 = x - i * sx, y + j * sy
    if keys.get(RASTER_TYPE) == PIXEL_IS_POINT:  # raster (0, 0) is the first pixel's centre
        x0, y0 = x0 - sx / 2, y0 + sy / 2
    if not north_up((x0, y0, sx, sy)):
        raise Unplaced(f"its pixel size ({sx:g}, {sy:g}) is not that of a north-up raster "
                        f"(row 0 at the top); {_REPROJECT}")  # fmt: skip
    return x0, y0, sx, sy


def _radii(keys: dict[int, Any]) -> tuple[float, float]:
    """The CRS's equatorial and polar radii (km), checked to be Jupiter's."""
    a = keys.get(SEMI_MAJOR)
    if not isinstance(a, float):
        code = keys.get(PROJECTED_TYPE, keys.get(GEOG_TYPE))
        named = f"EPSG:{code}, " if isinstance(code, int) and code != USER_DEFINED else ""
        raise Unplaced(f"its CRS ({named}no GeogSemiMajorAxis) is not a Jupiter body; write it "
                        "with a Jupiter CRS (e.g. IAU_2015:59900) or declare its map beside it "
                        "(<file>.map.json)")  # fmt: skip
    c = keys.get(SEMI_MINOR)
    if not isinstance(c, float):
        inverse = keys.get(INV_FLATTENING)
        c = a * (1 - 1 / inverse) if isinstance(inverse, float) and inverse > 0 else a
    a, c = a / 1000, c / 1000
    sphere = abs(a - c) < 1e-9 * a
    jupiter = (POLAR_RADIUS_KM - RADIUS_TOLERANCE_KM <= a <= EQUATORIAL_RADIUS_KM
               + RADIUS_TOLERANCE_KM) if sphere else is_jupiter_spheroid(a, c)  # fmt: skip
    if not jupiter:
        raise Unplaced(f"its CRS's radii {a:g} × {c:g} km are neither Jupiter's 1-bar spheroid "
                        f"({EQUATORIAL_RADIUS_KM:g} × {POLAR_RADIUS_KM:g} km) nor a sphere "
                        "between its radii")  # fmt: skip
    return a, c


def _first(keys: dict[int, Any], *names: int, default: float | None = None) -> float | None:
    """The first of the GeoKeys `names` that `keys` holds a number for (`default` if none)."""
    for name in names:
        if isinstance(keys.get(name), float):
            if not math.isfinite(keys[name]):
                raise Unplaced(f"its GeoKey {name} is {keys[name]}, not a number")
            return keys[name]
    return default


def from_keys(keys, corner, shape, source: str = "GeoTIFF") -> tuple[dict, str]:
    """The declaration of a map whose GeoKeys are `keys` and whose first pixel's outer corner
    and pixel size are `corner` (`_corner`); `source` names where they came from in the note."""
    x0, y0, sx, sy = corner
    model = keys.get(MODEL_TYPE)
    if model not in (PROJECTED, GEOGRAPHIC):
        raise Unplaced(f"GTModelType {model!r} is neither projected (1) nor geographic (2)")
    a, c = _radii(keys)
    sphere = abs(a - c) < 1e-9 * a
    citation = str(keys.get(GEOG_CITATION, ""))
    centric = sphere or bool(re.search(r"ocentric", citation, re.IGNORECASE))
    crs = f"{'a sphere of ' + format(a, 'g') + ' km' if sphere else 'the 1-bar spheroid'}"
    if model == GEOGRAPHIC:
        if keys.get(GEOG_ANGULAR_UNITS, DEGREE) != DEGREE:
            raise Unplaced(
                f"its GeogAngularUnits {keys[GEOG_ANGULAR_UNITS]} are not degrees (9102)"
            )
        rows, cols = shape
        lat = _clamped([y0, y0 - rows * sy])
        return _cylindrical(
            lat, [x0, x0 + cols * sx], centric, f"{source}: longitude and latitude on {crs}"
        )
    if keys.get(LINEAR_UNITS, METRE) != METRE:
        raise Unplaced(f"its ProjLinearUnits {keys[LINEAR_UNITS]} are not metres (9001)")
    x0 -= _first(keys, FALSE_EASTING, default=0.0)
    y0 -= _first(keys, FALSE_NORTHING, default=0.0)
    x0, y0, sx, sy = x0 / 1000, y0 / 1000, sx / 1000, sy / 1000  # km
    transform = keys.get(COORD_TRANS)
    name = CT_NAMES.get(transform, f"coordinate transformation {transform}")
    if transform == CT_EQUIRECTANGULAR:
        lat_ts = math.radians(_first(keys, STD_PARALLEL_1, default=0.0))
        lat0 = _first(keys, CENTER_LAT, NAT_ORIGIN_LAT, default=0.0)
        lon0 = _first(keys, CENTER_LONG, NAT_ORIGIN_LONG, default=0.0)
        rows, cols = shape
        lat = _clamped([lat0 + math.degrees(y / a) for y in (y0, y0 - rows * sy)])
        along = a * math.cos(lat_ts)
        if not along > 1e-9 * a:
            raise Unplaced(f"its standard parallel {math.degrees(lat_ts):g}° leaves no width")
        lon = [lon0 + math.degrees(x / along) for x in (x0, x0 + cols * sx)]
        return _cylindrical(lat, lon, centric, f"{source}: Equirectangular on {crs}")
    if transform not in (CT_POLAR_STEREOGRAPHIC, CT_STEREOGRAPHIC, CT_ORTHOGRAPHIC):
        raise Unplaced(f"its projection ({name}) is not one jovis places; {_REPROJECT}")
    lat0 = _first(keys, NAT_ORIGIN_LAT, CENTER_LAT)
    lon0 = _first(keys, STRAIGHT_VERT_POLE_LONG, NAT_ORIGIN_LONG, CENTER_LONG, default=0.0)
    if lat0 is None or lat0 == 0.0 or (transform != CT_POLAR_STEREOGRAPHIC and abs(lat0) != 90.0):
        raise Unplaced(f"its {name} projection is not centred on a pole (latitude of origin "
                        f"{lat0}); {_REPROJECT}")  # fmt: skip
    if abs(sx - sy) > 1e-6 * sx:
        raise Unplaced(f"its pixels are not square ({sx:g} × {sy:g} km); {_REPROJECT}")
    scale = _first(keys, SCALE_AT_NAT_ORIGIN, default=1.0)
    if not (math.isfinite(scale) and scale > 0):
        raise Unplaced(f"its scale factor {scale:g} is not a number > 0")
    if abs(lat0) != 90.0 and scale != 1.0:
        raise Unplaced(f"a polar stereographic projection true to scale at {lat0:g} takes no "
                        f"scale factor (got {scale:g})")  # fmt: skip
    if transform == CT_ORTHOGRAPHIC and not sphere:  # EPSG 9840: the spheroid seen from afar
        hemisphere = "north" if lat0 > 0 else "south"
        grid = polar_placement(hemisphere, x0, y0, sx, lon0)
        return {"projection": "oblate_orthographic", **grid, "km_per_px": sx}, (
            f"{source}: Orthographic about the {hemisphere} pole on {crs} (EPSG 9840, "
            f"ρ = ν·cos φ), {sx:g} km/px; jovis grid oblate_orthographic")  # fmt: skip
    mapping = {"ProjectionName": "Orthographic" if transform == CT_ORTHOGRAPHIC else
               "PolarStereographic", "EquatorialRadius": a * 1000, "PolarRadius": c * 1000,
               "LatitudeType": "Planetographic", "LongitudeDirection": "PositiveEast",
               "CenterLongitude": lon0, "CenterLatitude": lat0,
               "UpperLeftCornerX": x0 * 1000 / scale, "UpperLeftCornerY": y0 * 1000 / scale,
               "PixelResolution": sx * 1000 / scale}  # fmt: skip
    declared, note = declaration(mapping, shape, source=source)
    if declared is None:
        raise Unplaced(note.removeprefix("none: "))
    return declared, note


def _clamped(lat: list[float]) -> list[float]:
    """Latitudes that reach a pole to within rounding set on it."""
    return [max(min(v, 90.0), -90.0) if abs(abs(v) - 90.0) < 1e-6 else v for v in lat]


def _cylindrical(lat, lon_east, centric: bool, what: str) -> tuple[dict, str]:
    latitude = "planetocentric" if centric else "planetographic"
    declared = {"projection": "cylindrical", "lat": lat, "lon": lon_east, "longitude": "east",
                "latitude": latitude}  # fmt: skip
    return declared, (f"{what}: latitude {lat[0]:.4g} to {lat[1]:.4g} ({latitude}), east "
                      f"longitude {lon_east[0]:.4g} to {lon_east[1]:.4g}")  # fmt: skip


def aux_xml(path: Path) -> ET.Element | None:
    """The root of GDAL's ``<file>.aux.xml`` beside `path`; None when there is none or it is
    not XML."""
    sidecar = Path(f"{path}{AUX_XML}")
    if not sidecar.is_file():
        return None
    try:
        return ET.fromstring(sidecar.read_bytes())
    except ET.ParseError:
        return None


def isis_label(aux: ET.Element | None) -> dict[str, Any] | None:
    """The ISIS cube label GDAL keeps in an .aux.xml (`aux_xml`; metadata domain json:ISIS3,
    values with units as ``{"value", "unit"}``) when it wrote the image from a cube; None when
    there is none."""
    for item in aux.iter("Metadata") if aux is not None else ():
        if item.get("domain") == "json:ISIS3" and item.text:
            try:
                label = json.loads(item.text)
            except json.JSONDecodeError:
                return None
            return label if isinstance(label, dict) else None
    return None


def label_mapping(label: dict[str, Any] | None) -> dict[str, Any] | None:
    mapping = find(label or {}, "IsisCube", "Mapping")
    if not isinstance(mapping, dict):
        return None
    return {k: v.get("value") if isinstance(v, dict) else v for k, v in mapping.items()}


_ISIS_SOURCE = "GeoTIFF with its ISIS label (GDAL .aux.xml)"


def from_isis(mapping, corner, keys, shape, source: str = _ISIS_SOURCE) -> tuple[dict, str]:
    """The ISIS Mapping group's map, moved to the GeoTIFF's own corner and pixel size."""
    x0, y0, sx, sy = corner
    if keys.get(MODEL_TYPE) == PROJECTED and keys.get(LINEAR_UNITS, METRE) == METRE:
        if abs(sx - sy) > 1e-6 * sx:
            raise Unplaced(f"its pixels are not square ({sx:g} × {sy:g} m); {_REPROJECT}")
        x0 -= _first(keys, FALSE_EASTING, default=0.0)
        y0 -= _first(keys, FALSE_NORTHING, default=0.0)
        mapping = {**mapping, "UpperLeftCornerX": x0, "UpperLeftCornerY": y0,
                   "PixelResolution": sx}  # fmt: skip
    declared, note = declaration(mapping, shape, source=source)
    if declared is None:
        raise Unplaced(note.removeprefix("none: "))
    return declared, note
