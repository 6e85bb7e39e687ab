"""GeoJSON: polygons (with holes) and points with ``radius_km`` in ``[lon, lat]``, placed on
each frame through its grid; and the writer `labels export` uses. An outline cut at the 0°/360°
meridian (`jovis.geometry.lonwrap`, as jovis writes them) is read back as the one shape it was.

Positions are ``[lon, lat]`` in degrees; the longitude sense and latitude kind are settings
(jovis writes planetocentric latitude and System III west longitude, and says so in the
collection's ``coordinate_system``, which is honoured on reading). A collection whose
``coordinate_system`` is jovis's pixel one holds ``[x, y]`` pixels and needs no grid.

A GIS layer drawn on a georeferenced map (a GeoTIFF, an image with GDAL's .aux.xml or a world
file, an ISIS cube) is saved in that map's CRS: GDAL's GeoJSON driver names it in the ``crs``
member (``urn:ogc:def:crs:IAU_2015::59930``) when it has an authority and writes none when it
has not. A collection whose ``crs`` names anything but CRS84 / EPSG:4326, or whose positions
lie beyond the range of degrees (a projected CRS's metres), holds map coordinates, placed
through the frame's own georeferencing (`FrameInfo.map_pixels`).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from jovis.annotations.frames import FrameIndex, FrameInfo
from jovis.annotations.geo import centric_latitude, ellipse_outline_km, west_longitude
from jovis.annotations.labelme import AnnotationError
from jovis.annotations.shapes import Shape
from jovis.catalog import LATLON_CRS, PIXEL_CRS
from jovis.geometry.lonwrap import joined_rings, polygon_geometry
from jovis.io.json_file import load_json

LABEL_KEYS = ("class", "label", "feature", "name")
PIXELS, LONLAT, MAP = "pixels", "lon/lat", "map coordinates"  # what a collection's positions are
# the `crs` names of GeoJSON's own longitude/latitude (RFC 7946's default, GDAL's spellings)
LONLAT_CRS_TAGS = ("CRS84", "EPSG::4326", "EPSG:4326")
FRAME_KEYS = ("frame_id", "image", "frame")


def read(
    path: Path, frames: FrameIndex, *, latitude: str, longitude: str
) -> tuple[dict[str, list[Shape]], list[dict[str, str]]]:
    """({frame id: shapes}, skipped) of one GeoJSON file."""
    doc = _load(path)
    top = doc.get("properties") or {}
    crs = top.get("coordinate_system")
    if crs == LATLON_CRS:
        latitude, longitude = "planetocentric", "west"
    positions = {PIXEL_CRS: PIXELS, LATLON_CRS: LONLAT}.get(crs) or _positions_kind(doc)
    default_frame = next((top[k] for k in FRAME_KEYS if top.get(k)), Path(path).stem)
    by_frame: dict[str, list[Shape]] = {}
    skipped: list[dict[str, str]] = []
    for i, feat in enumerate(doc["features"]):
        props = (feat or {}).get("properties") or {}
        label = str(next((props[k] for k in LABEL_KEYS if props.get(k)), ""))
        where = f"{Path(path).name} feature {i}"
        name = next((props[k] for k in FRAME_KEYS if props.get(k)), default_frame)
        frame = frames.find(str(name))
        if frame is None:
            skipped.append(
                {
                    "where": where,
                    "label": label,
                    "reason": f"no frame named {name!r} in frames= "
                    "(a feature's frame is its frame_id, image or frame property, else the "
                    "collection's, else the file's name: save a GIS layer as <frame>.geojson)",
                }
            )
            continue
        try:
            shapes = _shapes(feat.get("geometry") or {}, props, label, where, frame,
                             positions, latitude, longitude)  # fmt: skip
        except ValueError as err:
            skipped.append({"where": where, "label": label, "reason": str(err)})
            continue
        by_frame.setdefault(frame.id, []).extend(shapes)
    return by_frame, skipped


def _load(path: Path) -> dict[str, Any]:
    try:
        doc = load_json(path)
    except (OSError, ValueError) as err:
        raise AnnotationError(f"{path}: not readable JSON ({err})") from err
    if isinstance(doc, dict) and doc.get("type") == "Feature":
        doc = {"type": "FeatureCollection", "features": [doc]}
    if (
        not isinstance(doc, dict)
        or doc.get("type") != "FeatureCollection"
        or not isinstance(doc.get("features"), list)
    ):
        raise AnnotationError(f"{path}: not a GeoJSON FeatureCollection (type and features list)")
    return doc


def _positions_kind(doc: dict[str, Any]) -> str:
    """`LONLAT` or `MAP` (`read`'s module docstring): what a GIS's collection holds."""
    member = doc.get("crs")
    named = (member.get("properties") or {}).get("name") if isinstance(member, dict) else None
    if named and not any(str(named).upper().endswith(tag) for tag in LONLAT_CRS_TAGS):
        return MAP
    for feat in doc["features"]:
        for lon, lat in _numbers(((feat or {}).get("geometry") or {}).get("coordinates")):
            finite = math.isfinite(lon) and math.isfinite(lat)  # (NaN says nothing of the kind)
            if finite and not (-360.0 <= lon <= 360.0 and -90.0 <= lat <= 90.0):
                return MAP
    return LONLAT


def _numbers(coords):
    """Every (x, y) of a GeoJSON coordinates array, however nested; nothing for malformed ones."""
    if isinstance(coords, list | tuple):
        if len(coords) >= 2 and all(isinstance(v, int | float) for v in coords[:2]):
            yield float(coords[0]), float(coords[1])
        else:
            for item in coords:
                yield from _numbers(item)


def _shapes(geom, props, label, where, frame: FrameInfo, positions, latitude, longitude):
    kind = geom.get("type")
    coords = geom.get("coordinates")
    if positions == MAP and kind == "Point":
        raise ValueError("a Point in a map's coordinates has no radius jovis can place; draw "
                         "the vortex as a Polygon")  # fmt: skip
    if positions == LONLAT:
        frame.check_placeable()
    if not all(math.isfinite(x) and math.isfinite(y) for x, y in _numbers(coords)):
        raise ValueError("its coordinates hold NaN or Infinity")  # (was "outside frame ...")
    pixels = positions != LONLAT  # (map coordinates are turned into the frame's pixels)
    place = {PIXELS: _pixels, MAP: frame.map_pixels}.get(positions) or (
        lambda ring: _latlon_pixels(ring, frame, latitude, longitude))  # fmt: skip
    joined = None if pixels else joined_rings(geom)
    if joined is not None:  # one outline (and holes) a writer cut at the map edge: one shape again
        return [Shape(label, where, rings=[place(r) for r in joined])]
    if kind == "Polygon":
        return [Shape(label, where, rings=[place(r) for r in coords])]
    if kind == "MultiPolygon":
        return [Shape(label, f"{where} part {j}", rings=[place(r) for r in poly])
                for j, poly in enumerate(coords)]  # fmt: skip
    if kind == "Point":
        radius = props.get("radius_km") if not pixels else props.get("radius_px")
        if radius is None:
            raise ValueError("a Point needs properties.radius_km (radius_px in pixel GeoJSON)")
        try:
            radius = float(radius)
        except (TypeError, ValueError):
            raise ValueError(f"a Point's radius must be a number, got {radius!r}") from None
        if not (math.isfinite(radius) and radius > 0):  # (-900 drew a 900 km ring)
            raise ValueError(f"a Point's radius must be a finite number > 0, got {radius}")
        if pixels:
            x, y = _pixels([coords])[0]
            return [Shape(label, where, ellipse=(x, y, float(radius), float(radius), 0.0))]
        lat = float(centric_latitude(coords[1], latitude))
        lon = float(west_longitude(coords[0], longitude))
        outline = frame.pixels(*ellipse_outline_km(lat, lon, radius, radius, 0.0))
        centre = frame.pixels([lat], [lon])
        extra = {"lat": lat, "lon": lon, "radius_km": float(radius),
                 "x": float(centre[0, 0]), "y": float(centre[0, 1])}  # fmt: skip
        return [Shape(label, where, rings=[outline], extra=extra)]
    raise ValueError(f"geometry {kind!r} has no area; use Polygon, MultiPolygon or Point+radius_km")


def _pixels(ring) -> np.ndarray:
    return np.asarray(ring, np.float64).reshape(-1, 2)


def _latlon_pixels(ring, frame: FrameInfo, latitude: str, longitude: str) -> np.ndarray:
    pts = np.asarray(ring, np.float64).reshape(-1, 2)
    lat = centric_latitude(pts[:, 1], latitude)
    return frame.pixels(lat, west_longitude(pts[:, 0], longitude))


def collection(frame_id: str, polygons: list[dict[str, Any]], grid) -> dict[str, Any]:
    """A FeatureCollection of ``{"label", "rings": [outer, *holes]}`` pixel polygons, in
    ``[lon, lat]`` through `grid` (a polar grid or a cylindrical map; in pixels when None). In
    ``[lon, lat]`` a polygon that crosses the 0°/360° meridian is cut there
    (`jovis.geometry.lonwrap`: pieces holding their holes; one closed along the pole's edge when
    it runs round the pole; an oval's band, a ring round the pole with a hole round it, one
    polygon from edge to edge)."""

    def position(ring: np.ndarray) -> list[list[float]]:
        ring = np.asarray(ring, np.float64)
        ring = np.concatenate([ring, ring[:1]])  # GeoJSON rings are closed
        if grid is None:
            return np.round(ring, 3).tolist()
        lat, lon = grid.latlon(ring[:, 0], ring[:, 1])
        return np.round(np.stack([lon, lat], axis=1), 6).tolist()

    def geometry(rings: list[list[list[float]]]) -> dict[str, Any]:
        if grid is not None:  # cut at 0°/360°
            return polygon_geometry(rings[0], digits=6, holes=rings[1:])
        return {"type": "Polygon", "coordinates": rings}

    feats = [
        {"type": "Feature", "properties": {"class": p["label"], "frame_id": frame_id},
         "geometry": geometry([position(r) for r in p["rings"]])}
        for p in polygons
    ]  # fmt: skip
    top: dict[str, Any] = {"frame_id": frame_id}
    top["coordinate_system"] = PIXEL_CRS if grid is None else LATLON_CRS
    if grid is not None:  # a polar grid, or a cylindrical map (`jovis.geometry.maps`)
        placed = grid.to_dict()
        top["map" if placed.get("kind") == "cylindrical" else "grid"] = placed
    return {"type": "FeatureCollection", "properties": top, "features": feats}
