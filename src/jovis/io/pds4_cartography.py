"""A PDS4 map's ``cart:Cartography`` (the PDS Cartography dictionary) as an ISIS Mapping group,
which `jovis.io.isis_mapping` turns into a jovis map declaration.

ISIS (``isis2pds`` with PDS4 output) and GDAL (its PDS4 driver) write these labels; both put
the first pixel's outer top-left corner at ``upperleft_corner_x/y`` and the projection's
parameters as ISIS's Mapping group holds them: the latitude of true scale of a polar
stereographic map as ``latitude_of_projection_origin`` (or ``standard_parallel_1``), an
equirectangular map's as ``standard_parallel_1``, the centre longitude in the label's own
longitude direction. jovis reads such a label as ISIS draws the Mapping group it came from.

Where the two producers draw the same label differently on Jupiter's spheroid, jovis places
nothing and says so: an Orthographic map (ISIS: ρ = a·cos of the planetographic latitude;
GDAL/PROJ: EPSG 9840's ρ = ν·cos φ) and an Equirectangular one true to scale off the equator
(ISIS: the local radius there; PROJ: the semi-major axis). On a sphere they agree. GDAL's
PDS4 writer labels a map "Planetocentric" unless told otherwise (its LATITUDE_TYPE option),
and its reader takes a planetocentric spheroid map for a sphere; jovis takes the label's
word, as ISIS does.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LENGTH_UNITS = {"m": 1.0, "km": 1000.0}  # metres per unit
RESOLUTION_UNITS = {"m/pixel": 1.0, "km/pixel": 1000.0}
PROJECTIONS = {"polarstereographic": "PolarStereographic", "orthographic": "Orthographic",
               "equirectangular": "Equirectangular",
               "simplecylindrical": "SimpleCylindrical"}  # fmt: skip
_DECLARE = "or declare its map beside it (<file>.map.json)"
_REQUIRED = object()  # (a value the label must give)


class NotAMap(Exception):
    """Why a PDS4 label's cart:Cartography places no jovis map."""


@dataclass
class CartMap:
    """What a PDS4 label's cart:Cartography says: the ISIS Mapping group it amounts to (None when
    jovis cannot place it, `note` saying why), and the first pixel's outer top-left corner and
    the pixel size in the label's own map coordinates ([x0, y0, sx, sy], metres, y up; None
    without them), where a GIS draws the product."""

    mapping: dict[str, Any] | None
    note: str
    corner: list[float] | None
    xml: str = ""  # the cart:Cartography element itself (a mask product on the same map)


def cart_map(label_path: Path) -> CartMap | None:
    """The map the label at `label_path` declares; None when it has no cart:Cartography."""
    try:
        root = ET.parse(label_path).getroot()
    except (ET.ParseError, OSError):
        return None  # (the reader has read the label: pdr says what is wrong with it)
    cart = next((e for e in root.iter() if _local(e.tag) == "Cartography"), None)
    if cart is None:
        return None
    target = next((e for e in root.iter() if _local(e.tag) == "Target_Identification"), None)
    try:
        corner = _corner(_planar(cart))
    except NotAMap:
        corner = None
    try:
        mapping = mapping_group(cart, _text(target, "name") or None)
    except NotAMap as why:
        return CartMap(None, f"none: {label_path.name}'s cart:Cartography: {why}", corner)
    return CartMap(mapping, "", corner, _standalone(cart))


def _standalone(cart: ET.Element) -> str:
    """The cart:Cartography element as XML that stands in another label: prefixed ``cart:``, its
    namespace declared on it, without its references to the label's own arrays."""
    namespace = cart.tag[1:].split("}")[0] if cart.tag.startswith("{") else ""
    copy = ET.fromstring(ET.tostring(cart))
    for reference in [e for e in copy if _local(e.tag) == "Local_Internal_Reference"]:
        copy.remove(reference)
    if namespace:
        ET.register_namespace("cart", namespace)  # (ElementTree's prefixes are module-wide)
    return ET.tostring(copy, encoding="unicode")


def mapping_group(cart: ET.Element, target: str | None) -> dict[str, Any]:
    """The ISIS Mapping group (lengths in metres) the cart:Cartography element `cart` says, for
    the label's Target_Identification name `target` (None: not named). NotAMap naming why not."""
    planar = _planar(cart)
    model = _child(_horizontal(cart), "Geodetic_Model")
    projection = _child(planar, "Map_Projection")
    name = _text(projection, "map_projection_name")
    isis_name = PROJECTIONS.get(name.replace(" ", "").replace("_", "").lower())
    if isis_name is None:
        raise NotAMap(f"its map_projection_name {name!r} is not one jovis places (it takes "
                      f"Polar Stereographic, Orthographic, Equirectangular, Simple Cylindrical); "
                      f"reproject it to a polar stereographic map {_DECLARE}")  # fmt: skip
    params = next((e for e in projection if _local(e.tag) != "map_projection_name"), None)
    if params is None:
        raise NotAMap(f"its {name} Map_Projection has no parameters")
    a = _length(model, "a_axis_radius", "semi_major_radius")
    b = _length(model, "b_axis_radius", "semi_minor_radius", default=a)
    c = _length(model, "c_axis_radius", "polar_radius")
    if abs(a - b) > 1e-9 * a:
        raise NotAMap(f"its body is triaxial (a {a:g} m, b {b:g} m); jovis's maps are drawn on "
                      f"a spheroid")  # fmt: skip
    sphere = abs(a - c) < 1e-9 * a
    x0, y0, res_x, res_y = _corner(planar)
    if abs(res_x - res_y) > 1e-6 * res_x:
        raise NotAMap(f"its pixels are not square ({res_x:g} × {res_y:g} m); reproject it "
                      f"{_DECLARE}")  # fmt: skip
    x0 -= _length(params, "false_easting", default=0.0)
    y0 -= _length(params, "false_northing", default=0.0)
    lon0 = _angle(params, "straight_vertical_longitude_from_pole", "longitude_of_central_meridian")
    origin = _angle(params, "latitude_of_projection_origin", default=None)
    parallel = _angle(params, "standard_parallel_1", default=None)
    scale = _number(params, "scale_factor_at_projection_origin", default=1.0)
    if isis_name == "PolarStereographic":
        clat = parallel if parallel is not None else origin
        if origin is not None and parallel is not None and origin * parallel < 0:
            raise NotAMap(f"its latitude_of_projection_origin {origin:g} and standard_parallel_1 "
                          f"{parallel:g} lie in different hemispheres")  # fmt: skip
        if clat is None or clat == 0.0:
            raise NotAMap("its Polar Stereographic projection names no latitude of true scale "
                          "(latitude_of_projection_origin or standard_parallel_1)")  # fmt: skip
        if not (math.isfinite(scale) and scale > 0):
            raise NotAMap(f"its scale_factor_at_projection_origin {scale:g} is not a number > 0")
        if scale != 1.0 and abs(clat) != 90.0:
            raise NotAMap(f"a polar stereographic map true to scale at {clat:g} takes no scale "
                          f"factor (got {scale:g})")  # fmt: skip
        # k0 at the pole scales the plane: the map of k0 = 1 with its corner and pixels over k0
        x0, y0, res_x = x0 / scale, y0 / scale, res_x / scale
    elif isis_name == "Orthographic":
        clat = origin if origin is not None else 0.0
        if not sphere:
            raise NotAMap("an Orthographic map on a spheroid is drawn one way by ISIS (ρ = a·cos "
                          "of the planetographic latitude) and another by GDAL/PROJ (EPSG 9840, "
                          "ρ = ν·cos φ), and its PDS4 label does not say which; reproject it to "
                          f"polar stereographic {_DECLARE}")  # fmt: skip
    else:
        clat = parallel if parallel is not None else 0.0
        if isis_name == "Equirectangular":
            if not sphere and clat != 0.0:
                raise NotAMap(f"an Equirectangular map on a spheroid true to scale at {clat:g}° "
                              f"is drawn with the local radius there by ISIS and with the "
                              f"semi-major axis by GDAL/PROJ, and its PDS4 label does not say "
                              f"which; reproject it {_DECLARE}")  # fmt: skip
            y0 += a * math.radians(origin or 0.0)  # (ISIS's map: y = 0 on the equator)
    return {"ProjectionName": isis_name, "TargetName": _target(target),
            "EquatorialRadius": a, "PolarRadius": c,
            "LatitudeType": _text(model, "latitude_type") or "Planetocentric",
            "LongitudeDirection": _text(model, "longitude_direction").replace(" ", "")
            or "PositiveEast",
            "CenterLongitude": lon0, "CenterLatitude": clat,
            "UpperLeftCornerX": x0, "UpperLeftCornerY": y0, "PixelResolution": res_x}  # fmt: skip


def _horizontal(cart: ET.Element) -> ET.Element | None:
    return _child(cart, "Spatial_Reference_Information", "Horizontal_Coordinate_System_Definition")


def _planar(cart: ET.Element) -> ET.Element | None:
    return _child(_horizontal(cart), "Planar")


def _corner(planar: ET.Element | None) -> list[float]:
    """[x0, y0, sx, sy] (metres): the first pixel's outer top-left corner and the pixel size."""
    x0, y0 = (_length(_child(planar, "Geo_Transformation"), f"upperleft_corner_{k}")
              for k in "xy")  # fmt: skip
    return [x0, y0, *(_resolution(planar, k) for k in "xy")]


def _target(name: str | None) -> str:
    """The Mapping group's TargetName: Jupiter where the label names it (GDAL: "Jupiter (2015)
    - Sphere") or names nothing (GDAL's "unknown" for a CRS without a name, its template's
    ``${...}``), else the name given."""
    name = (name or "").strip()
    unnamed = not name or name.startswith("$") or name.lower() == "unknown"
    return "Jupiter" if unnamed or "jupiter" in name.lower() else name


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(parent: ET.Element | None, *path: str) -> ET.Element | None:
    for name in path:
        if parent is None:
            return None
        parent = next((e for e in parent if _local(e.tag) == name), None)
    return parent


def _element(parent: ET.Element | None, *names: str) -> ET.Element | None:
    for name in names:
        found = _child(parent, name)
        if found is not None and (found.text or "").strip():
            return found
    return None


def _text(parent: ET.Element | None, name: str) -> str:
    found = _element(parent, name)
    return found.text.strip() if found is not None else ""


def _value(found: ET.Element, name: str) -> float:
    try:
        value = float(found.text)
    except ValueError:
        raise NotAMap(f"its {name} is {found.text.strip()!r}, not a number") from None
    if not math.isfinite(value):
        raise NotAMap(f"its {name} is {value}, not a finite number")
    return value


def _number(parent, *names: str, default: Any = _REQUIRED) -> Any:
    return _scaled(parent, names, {"": 1.0}, default)


def _scaled(parent, names: tuple[str, ...], units: dict[str, float], default: Any) -> Any:
    """The first of `names` under `parent` that has a value, in the first of `units` (or the
    unit its ``unit`` attribute names); `default` when none has one (NotAMap if required)."""
    found = _element(parent, *names)
    if found is None:
        if default is _REQUIRED:
            raise NotAMap(f"its label has no {' or '.join(names)}")
        return default
    unit = found.get("unit", next(iter(units)))
    if unit not in units:
        raise NotAMap(f"its {_local(found.tag)} is in {unit!r}; jovis reads "
                      f"{', '.join(units)}")  # fmt: skip
    return _value(found, _local(found.tag)) * units[unit]


def _length(parent, *names: str, default: Any = _REQUIRED) -> Any:
    return _scaled(parent, names, LENGTH_UNITS, default)


def _angle(parent, *names: str, default: Any = _REQUIRED) -> Any:
    return _scaled(parent, names, {"deg": 1.0}, default)


def _resolution(planar: ET.Element | None, axis: str) -> float:
    representation = _child(planar, "Planar_Coordinate_Information", "Coordinate_Representation")
    value = _scaled(representation, (f"pixel_resolution_{axis}",), RESOLUTION_UNITS, _REQUIRED)
    if not value > 0:
        raise NotAMap(f"its pixel_resolution_{axis} {value:g} is not > 0")
    return value
