"""Frames that are maps the user declares (`infer map=`, or ``<file>.map.json`` beside a frame).

Image files carry no geometry: a JunoCam mosaic or a polar projection made by another pipeline
and saved as PNG is to jovis a picture of unknown plate scale, its vortices without latitude,
longitude or km. Declaring what map it is gives it them:

* ``{projection: cylindrical, lat: [top, bottom], lon: [left, right], longitude: west|east,
  latitude: planetocentric|planetographic}``: a simple cylindrical (equirectangular) map whose
  outer pixel edges lie at those latitudes and longitudes (a global map: ``lat: [90, -90]``).
  Its features get lat/lon and km (`CylindricalMap`), and it is fed to the model at its
  pixels per degree of latitude unless ``px_per_deg`` is given. With ``to_polar: {hemisphere,
  max_colatitude, size}`` it is first reprojected onto a square polar grid about that pole (a
  lat-lon map of the aurora for a detector of polar frames; `cylindrical_to_polar`), as the HST
  lat-lon products are, and is then a frame with a grid.
* ``{projection: equidistant|stereographic|orthographic|oblate_orthographic|oblate_stereographic|
  planetographic_orthographic, hemisphere, pole_x, pole_y, px_per_deg, lon_at_x, lon_sense}``:
  a polar projection; the frame takes that `PolarGrid`, and with it everything a frame with a
  grid gets (resampling to the model's grid, GeoJSON in lat/lon, the oval's course). An
  ``oblate_orthographic`` map (JIRAM's published polar maps) or an ``oblate_stereographic`` one
  true to scale at the pole may give ``km_per_px`` instead of ``px_per_deg``.
"""

from __future__ import annotations

import logging
import math
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from jovis.frame import Frame
from jovis.geometry.body import POLAR_RADIUS_KM, pixel_area_at, planetocentric, planetographic
from jovis.geometry.junocam_view import frame_view
from jovis.geometry.polar import HEMISPHERES, PROJECTIONS, PolarGrid, lines_inside
from jovis.geometry.remap import remap_valid, square_polar_grid
from jovis.io.json_file import load_json
from jovis.io.sidecars import MAP_SIDECAR

log = logging.getLogger(__name__)
MAP_PROJECTIONS = ("cylindrical", *PROJECTIONS)
# Polar maps whose scale may be given in km per pixel: the spheroid's projections, on which
# c·π/180 km is one degree of colatitude at the pole
KM_SCALED = ("oblate_orthographic", "oblate_stereographic")
LONGITUDES = ("west", "east")
LATITUDES = ("planetocentric", "planetographic")
# The map coordinates of a frame's pixels, as its file's georeferencing gives them (GeoTIFF,
# GDAL's .aux.xml or a world file, an ISIS Mapping group): [x0, y0, sx, sy], the first pixel's
# outer top-left corner and the pixel's size in the CRS's units, y growing up the image
MAP_AFFINE = "map_affine"
# Frame metadata that places the frame's own pixels on a map: not carried to a reprojection
MAP_PIXEL_KEYS = ("map", "isis_mapping_pvl", "geotiff_tags", "georef_beside", "pds4_cartography",
                  "pds3_map_projection", MAP_AFFINE)  # fmt: skip


@dataclass(frozen=True)
class CylindricalMap:
    """A simple cylindrical map of `shape`, as an image shows it (row 0 at the top).

    `lat_top`/`lat_bottom`: latitudes of the image's top and bottom pixel edges;
    `lon_left`/`lon_right`: SIII west longitudes of its left and right pixel edges (either may
    exceed 360 or be negative: a map running east has ``lon_right < lon_left``).
    `planetographic`: the map's latitude axis is planetographic (turned into planetocentric,
    jovis's convention, for every position given out).
    """

    lat_top: float
    lat_bottom: float
    lon_left: float
    lon_right: float
    shape: tuple[int, int]
    planetographic: bool = False
    source: str = ""

    @property
    def px_per_deg(self) -> float:
        """Pixels per degree of the map's latitude axis."""
        return self.shape[0] / abs(self.lat_top - self.lat_bottom)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "cylindrical",
            **{k: v for k, v in asdict(self).items() if k != "shape"},
            "shape": list(self.shape),
            "latitude": "planetocentric",
            "longitude": "System III (1965) west",
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CylindricalMap:
        fields = set(cls.__dataclass_fields__)
        values = {k: v for k, v in data.items() if k in fields}
        return cls(**{**values, "shape": tuple(int(n) for n in values["shape"])})

    def latlon(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        """(planetocentric latitude, SIII west longitude) in degrees of pixel coordinates."""
        h, w = self.shape
        x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
        lat = self.lat_top + (y + 0.5) / h * (self.lat_bottom - self.lat_top)
        lat = np.where(np.abs(lat) <= 90.0, lat, np.nan)  # beyond the poles: off the planet
        if self.planetographic:
            lat = planetocentric(lat)
        lon = np.mod(self.lon_left + (x + 0.5) / w * (self.lon_right - self.lon_left), 360.0)
        return lat, lon

    def pixel(self, lat, lon) -> tuple[np.ndarray, np.ndarray]:
        """(x, y) pixel coordinates of planetocentric latitudes / SIII west longitudes; a
        longitude is taken the way the map runs from its left edge (outside the map: x beyond
        its columns)."""
        h, w = self.shape
        lat = np.asarray(lat, dtype=np.float64)
        if self.planetographic:
            lat = planetographic(lat)
        y = (lat - self.lat_top) / (self.lat_bottom - self.lat_top) * h - 0.5
        span = self.lon_right - self.lon_left
        along = np.mod((np.asarray(lon, dtype=np.float64) - self.lon_left) * np.sign(span), 360.0)
        return along / abs(span) * w - 0.5, y

    def inside(self, x, y) -> np.ndarray:
        """Whether pixel coordinates (from `pixel`) fall on the map's pixels."""
        h, w = self.shape
        x, y = np.asarray(x), np.asarray(y)
        return (x >= -0.5) & (x <= w - 0.5) & (y >= -0.5) & (y <= h - 0.5)

    def pixel_area_at(self, x, y) -> np.ndarray:
        return pixel_area_at(self.latlon, x, y)

    def graticule(
        self, height: int, width: int, lat_step: float = 10.0, lon_step: float = 30.0
    ) -> list[dict[str, Any]]:
        """Lines of constant latitude and longitude as pixel polylines (`PolarGrid.graticule`'s
        form): straight rows and columns of the map."""
        lines: list[dict[str, Any]] = []
        rows = np.arange(height, dtype=np.float64)
        cols = np.arange(width, dtype=np.float64)
        lat, _ = self.latlon(np.zeros_like(rows), rows)
        lon = self.lon_left + (cols + 0.5) / width * (self.lon_right - self.lon_left)  # unwrapped
        for value in np.arange(-90.0 + lat_step, 90.0, lat_step):
            y = _crossing(lat, value)
            if y is not None:
                lines += lines_inside(cols, np.full_like(cols, y), width, height, "lat", value)
        for value in np.arange(0.0, 360.0, lon_step):
            for turn in (-720.0, -360.0, 0.0, 360.0, 720.0):  # a map may cross 0°/360°
                x = _crossing(lon, value + turn)
                if x is not None:
                    lines += lines_inside(np.full_like(rows, x), rows, width, height, "lon", value)
        return lines


def _crossing(values: np.ndarray, target: float) -> float | None:
    """The fractional index where monotonic `values` pass `target` (None when they do not)."""
    finite = np.isfinite(values)
    if finite.sum() < 2:
        return None
    idx, vals = np.flatnonzero(finite).astype(np.float64), values[finite]
    if vals[0] > vals[-1]:
        idx, vals = idx[::-1], vals[::-1]
    if not vals[0] <= target <= vals[-1]:
        return None
    return float(np.interp(target, vals, idx))


def check_map(settings: Any) -> None:
    """Raise ValueError naming the key and the fix when `settings` (infer's ``map``) is not a
    valid map declaration (before any frame is read)."""
    if settings is None:
        return
    if not isinstance(settings, dict):
        raise ValueError(f"map={settings!r}: must be a mapping (projection, ...) or null")
    if _to_polar_only(settings):  # for the frames' own maps (checked against each when read;
        # here against a map reaching the north pole only, which any hemisphere given fits)
        _polar_settings(settings["to_polar"], CylindricalMap(90.0, 0.0, 0.0, 360.0, (90, 360)),
                        "map")  # fmt: skip
    elif settings:
        declared = parse_declaration(settings, (2, 2), "map")
        if settings.get("to_polar") is not None:
            _polar_settings(settings["to_polar"], declared, "map")


def map_to_pixels(affine: list[float], points: np.ndarray) -> np.ndarray:
    """(N, 2) pixel [x, y] (column, row; the top-left pixel's centre (0, 0)) of the map
    coordinates `points` (N, 2) of a frame whose georeferencing is `affine` (`MAP_AFFINE`)."""
    x0, y0, sx, sy = (float(v) for v in affine)
    points = np.asarray(points, np.float64).reshape(-1, 2)
    return np.stack([(points[:, 0] - x0) / sx - 0.5, (y0 - points[:, 1]) / sy - 0.5], axis=1)


def pixels_to_map(affine: list[float], points: np.ndarray) -> np.ndarray:
    """The inverse of `map_to_pixels`: (N, 2) map coordinates of pixel [x, y] `points`."""
    x0, y0, sx, sy = (float(v) for v in affine)
    points = np.asarray(points, np.float64).reshape(-1, 2)
    return np.stack([x0 + (points[:, 0] + 0.5) * sx, y0 - (points[:, 1] + 0.5) * sy], axis=1)


def place_own_map(frame, declared: dict[str, Any], note: str, where: str):
    """`frame` placed by the map its own file declares (an ISIS cube's Mapping group, a
    GeoTIFF's keys): a polar declaration becomes its grid, a cylindrical one its
    ``meta["map"]``, with `note` (where it came from) as the map's source. ValueError naming
    `where` as `parse_declaration`'s."""
    placed = replace(parse_declaration(declared, frame.shape, where), source=note)
    if isinstance(placed, PolarGrid):
        frame.grid = placed
    else:
        frame.meta["map"] = placed.to_dict()
    return frame


def declared_map(frame, settings: dict[str, Any] | None):
    """`frame` with the map it is declared to be: `settings` (infer's ``map``), overridden key by
    key by ``<file>.map.json`` beside the frame (replaced when that names another projection).
    A frame whose reader found a polar grid keeps it against `settings` (the declaration is
    logged as ignored), and so do a frame that has a cylindrical map of its own (an ISIS cube's,
    a GeoTIFF's, a frame set's row; `settings`' ``to_polar`` reprojects that map, and may come
    alone) and a JunoCam product its metadata place; a file beside the frame wins over each
    (logged: e.g. an HST v03 product's fitted grid, PHYSICS.md §5, that its user places
    otherwise). A polar declaration becomes the grid and a cylindrical one ``meta["map"]``.
    Frames with no declaration are returned unchanged."""
    merged = dict(settings or {})
    sidecar = Path(f"{frame.source}{MAP_SIDECAR}") if frame.source else None
    where = "map"
    if sidecar is not None and sidecar.is_file():
        own = load_json(sidecar)
        if not isinstance(own, dict):
            raise ValueError(f"{sidecar}: must hold a JSON object (projection, ...)")
        if _projection(own) != _projection(merged):  # another kind of map: none of the
            merged = {}  # run-wide keys apply
        merged.update(own)
        where = str(sidecar)
    if not merged:
        return frame
    if frame.grid is not None and where == "map":
        log.warning("%s: has its own polar grid (%s); %s is not used for it",
                    frame.source, frame.grid.source or "from the file", where)  # fmt: skip
        return frame
    if frame.grid is not None:  # a file beside this frame: its maker's word for it
        log.warning("%s: its reader's polar grid (%s) replaced by %s", frame.source,
                    frame.grid.source or "from the file", where)  # fmt: skip
        frame.grid = None
    if where == "map" and frame.meta.get("map"):  # its file's (an ISIS cube's) or its set's
        own_map = CylindricalMap.from_dict(frame.meta["map"])
        if merged.get("to_polar") is not None:  # its own map, reprojected as map says
            log.info("%s: its own map (%s) reprojected with map.to_polar", frame.source,
                     own_map.source or "from the file")  # fmt: skip
            polar = _polar_settings(merged["to_polar"], own_map, f"{frame.source}: map")
            return cylindrical_to_polar(frame, own_map, polar)
        log.warning("%s: has its own map (%s); map is not used for it", frame.source,
                    own_map.source or "from the file")  # fmt: skip
        return frame
    if where == "map" and _seen_in_perspective(frame):  # a file beside it would still win
        log.warning("%s: is placed by its own metadata's view; map is not used for it",
                    frame.source)  # fmt: skip
        return frame
    if _to_polar_only(merged):
        raise ValueError(f"{where}: to_polar alone reprojects a frame's own cylindrical map (an "
                         "ISIS or GeoTIFF map's, a labelled set's); this frame has none: "
                         "give the map's lat and lon edges too, or a <file>.map.json beside "
                         "it")  # fmt: skip
    declared = parse_declaration(merged, frame.shape, where)
    if isinstance(declared, PolarGrid):
        frame.grid = declared
    elif merged.get("to_polar") is not None:
        polar = _polar_settings(merged["to_polar"], declared, where)
        return cylindrical_to_polar(frame, declared, polar)
    else:
        frame.meta["map"] = declared.to_dict()
    return frame


def take_row_geometry(frame, row: dict[str, Any]):
    """`frame` (a file that carries no geometry of its own) with the polar grid, or the declared
    cylindrical map, its labelled frame set's manifest `row` gives it."""
    if frame.grid is None and row.get("grid"):
        frame.grid = PolarGrid.from_dict(row["grid"])
    if frame.grid is None and row.get("map"):
        frame.meta["map"] = row["map"]
    return frame


def _seen_in_perspective(frame) -> bool:
    """Whether the frame is a JunoCam product its metadata place (`junocam_view.frame_view`)."""
    try:
        return frame_view(frame) is not None
    except (KeyError, ValueError):
        return False


def _to_polar_only(settings: dict[str, Any]) -> bool:
    """Whether a declaration gives only ``to_polar`` (for a frame's own cylindrical map)."""
    return (settings.get("to_polar") is not None and set(settings) <= {"projection", "to_polar"}
            and _projection(settings) == "cylindrical")  # fmt: skip


def _projection(data: dict[str, Any]) -> str:
    return data.get("projection", "cylindrical")


def parse_declaration(
    data: dict[str, Any], shape: tuple[int, int], where: str
) -> CylindricalMap | PolarGrid:
    """The map a declaration (`data`, this module's forms) makes of an image of `shape`;
    ValueError naming `where` (the setting or file it came from) and the key to mend."""
    projection = _projection(data)
    if projection not in MAP_PROJECTIONS:
        raise ValueError(f"{where}: projection={projection!r}; valid: {', '.join(MAP_PROJECTIONS)}")
    if projection != "cylindrical":
        fields = {k: v for k, v in data.items() if k != "projection"}
        if "km_per_px" in fields:
            fields = _km_per_px_to_scale(fields, projection, where)
        missing = {"hemisphere", "pole_x", "pole_y", "px_per_deg"} - set(fields)
        if missing:
            raise ValueError(
                f"{where}: the {projection} polar map needs {', '.join(sorted(missing))} (the "
                "pole's pixel, pixels per degree of colatitude at the pole; lon_at_x and "
                "lon_sense orient it"
                + ("; km_per_px may stand for px_per_deg)" if projection in KM_SCALED else ")")
            )
        try:
            return PolarGrid.from_dict({**fields, "projection": projection,
                                        "source": f"declared ({where})"})  # fmt: skip
        except (TypeError, ValueError) as err:
            raise ValueError(f"{where}: {err}") from err
    unknown = set(data) - {"projection", "lat", "lon", "longitude", "latitude", "to_polar"}
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {', '.join(sorted(unknown))} for a cylindrical "
                         "map; valid: lat, lon, longitude, latitude, to_polar")  # fmt: skip
    lat, lon = _pair(data, "lat", where), _pair(data, "lon", where)
    if not all(-90.0 <= v <= 90.0 for v in lat) or lat[0] == lat[1]:
        raise ValueError(f"{where}: lat={list(lat)} must be two different latitudes in [-90, 90], "
                         "the map's top and bottom edges (a global map: [90, -90])")  # fmt: skip
    if lon[0] == lon[1] or abs(lon[1] - lon[0]) > 360.0:
        raise ValueError(f"{where}: lon={list(lon)} must be the left and right edges' longitudes, "
                         "different and at most 360° apart")  # fmt: skip
    longitude = data.get("longitude", "west")
    latitude = data.get("latitude", "planetocentric")
    for key, value, valid in (("longitude", longitude, LONGITUDES),
                              ("latitude", latitude, LATITUDES)):  # fmt: skip
        if value not in valid:
            raise ValueError(f"{where}: {key}={value!r}; valid: {', '.join(valid)}")
    sign = 1.0 if longitude == "west" else -1.0  # east longitude = −west
    return CylindricalMap(lat[0], lat[1], sign * lon[0], sign * lon[1], tuple(shape),
                          latitude == "planetographic", f"declared ({where})")  # fmt: skip


def _km_per_px_to_scale(fields: dict[str, Any], projection: str, where: str) -> dict[str, Any]:
    """An ``oblate_orthographic`` map's ``km_per_px`` (the scale on its equatorial plane, as the
    JIRAM polar maps give it), or an ``oblate_stereographic`` one's at the pole, as
    ``px_per_deg`` at the pole: c·π/180 / km_per_px."""
    if projection not in KM_SCALED:
        raise ValueError(f"{where}: km_per_px is the scale of an oblate_orthographic map (the same "
                         "everywhere on it) or of an oblate_stereographic one at the pole; a "
                         f"{projection} map needs px_per_deg, its scale at the pole")  # fmt: skip
    if "px_per_deg" in fields:
        raise ValueError(f"{where}: give km_per_px or px_per_deg, not both")
    km = fields.pop("km_per_px")
    if not (isinstance(km, int | float) and math.isfinite(km) and km > 0):
        raise ValueError(f"{where}: km_per_px={km!r} must be a number > 0 (km per pixel)")
    return {**fields, "px_per_deg": POLAR_RADIUS_KM * math.pi / 180.0 / float(km)}


def _polar_settings(value: Any, cylindrical: CylindricalMap, where: str) -> dict[str, Any]:
    """``to_polar``'s hemisphere (the pole the map reaches, when it reaches one only),
    max_colatitude (default 40°) and size (default: the map's pixels per degree of latitude)."""
    if not isinstance(value, dict):
        raise ValueError(f"{where}: to_polar={value!r} must be a mapping "
                         "{hemisphere, max_colatitude, size}")  # fmt: skip
    unknown = set(value) - {"hemisphere", "max_colatitude", "size"}
    if unknown:
        raise ValueError(f"{where}: to_polar has unknown key(s) {', '.join(sorted(unknown))}; "
                         "valid: hemisphere, max_colatitude, size")  # fmt: skip
    low, high = sorted((cylindrical.lat_top, cylindrical.lat_bottom))
    reached = [h for h, inside in (("north", high > 0), ("south", low < 0)) if inside]
    hemisphere = value.get("hemisphere") or (reached[0] if len(reached) == 1 else None)
    if hemisphere not in HEMISPHERES:
        raise ValueError(f"{where}: to_polar.hemisphere={value.get('hemisphere')!r}: give north "
                         "or south (the pole to project about)")  # fmt: skip
    max_colat = float(value.get("max_colatitude") or 40.0)
    if not 0.0 < max_colat <= 90.0:
        raise ValueError(f"{where}: to_polar.max_colatitude={max_colat:g} must be in (0, 90]")
    size = value.get("size")
    if size is None:  # the map's own scale, within the sizes a frame may have
        size = min(max(round(2 * max_colat * cylindrical.px_per_deg), 32), 8192)
    if not (isinstance(size, int | float) and 32 <= int(size) <= 8192):
        raise ValueError(f"{where}: to_polar.size={size!r} must be 32 to 8192 px")
    return {"hemisphere": hemisphere, "max_colatitude": max_colat, "size": int(size)}


def cylindrical_to_polar(frame, cylindrical: CylindricalMap, settings: dict[str, Any]):
    """`frame` (a cylindrical map) reprojected onto a square polar equidistant grid about
    ``settings["hemisphere"]``'s pole out to ``max_colatitude``, ``size`` px a side (bilinear
    over valid pixels; nothing where the map has no data or does not reach)."""
    size, max_colat = int(settings["size"]), float(settings["max_colatitude"])
    grid = square_polar_grid(settings["hemisphere"], {"size": size, "max_colatitude": max_colat},
                             f"reprojected from a cylindrical map ({cylindrical.source}) to "
                             f"{max_colat:g}° colatitude")  # fmt: skip
    lat, lon = grid.latlon_image(size, size)
    map_x, map_y = cylindrical.pixel(lat, lon)
    on_map = cylindrical.inside(map_x, map_y)
    map_x, map_y = np.where(on_map, map_x, np.nan), np.where(on_map, map_y, np.nan)
    image, valid = remap_valid(frame.image, frame.valid, map_x, map_y)
    # not what belongs to the map's pixels (its own ``map``, an ISIS cube's Mapping group):
    # the frame is no longer that map, its pixels are the grid's
    kept = {k: v for k, v in frame.meta.items() if k not in MAP_PIXEL_KEYS}
    meta = {**kept, "reprojected_from": "cylindrical map", "cylindrical_map": cylindrical.to_dict()}
    return Frame(image, frame.channels, frame.instrument, frame.source, meta, grid, valid)


def _pair(data: dict[str, Any], key: str, where: str) -> tuple[float, float]:
    value = data.get(key)
    try:
        a, b = (float(v) for v in value)
    except (TypeError, ValueError):
        ends = "top edge>, <bottom edge" if key == "lat" else "left edge>, <right edge"
        raise ValueError(f"{where}: a cylindrical map needs {key}: [<{ends}>] in degrees, "
                         f"got {value!r}") from None  # fmt: skip
    if not (math.isfinite(a) and math.isfinite(b)):
        raise ValueError(f"{where}: {key}={value!r} must be finite")
    return a, b
