"""Features as products: one GeoJSON FeatureCollection per frame and the run's catalogue rows.

Pixel coordinates for now: ``[x, y]`` = ``[column, row]``, top-left pixel centre ``(0, 0)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from jovis.geometry import PolarGrid
from jovis.geometry.body import planetographic
from jovis.geometry.ellipse import ellipse_points
from jovis.geometry.lonwrap import line_geometry, polygon_geometry
from jovis.geometry.maps import pixels_to_map

PIXEL_CRS = "pixel (x=column, y=row)"
LATLON_CRS = "[lon, lat]: planetocentric latitude, System III (1965) west longitude, degrees"
MAP_CRS = "[x, y]: map coordinates of the input's georeferencing (its CRS's units, x east, y north)"
CATALOG_COLUMNS: list[str] = (
    "frame_id time feature feature_id x_px y_px semi_major_px semi_minor_px angle_deg area_px "
    "radius_px width_px mean_prob lat lon semi_major_km semi_minor_km radius_km area_km2 width_km "
    "mean_colatitude_deg integrated_brightness brightness_units brightness_coverage "
    "position_uncertainty_km edge_share lat_planetographic"
).split()


def features_to_geojson(
    features: dict[str, Any], frame_id: str, *, properties: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of `features` (from `extract_features`).

    When the features carry a grid (the frame's geometry was known), positions are
    ``[lon, lat]`` in degrees (planetocentric latitude, SIII west longitude) and the pixel values
    stay in the properties; otherwise positions are pixels ``[x, y]`` = ``[column, row]``,
    top-left pixel centre ``(0, 0)``. A frame seen in perspective whose features carry a
    ``view`` (`jovis.geometry.locate.ViewLocator`), or a declared cylindrical ``map``
    (`jovis.geometry.maps.CylindricalMap`), keeps pixel positions, its vortices' properties
    holding their lat/lon and km. The collection's top-level ``"properties"`` say which
    (``coordinate_system``, and ``grid``, ``view`` or ``map``) and hold ``frame_id``,
    the extra `properties` (instrument, checkpoint, ...), the class fractions and
    ``vortices_not_kept`` (the marked vortex pieces the floors left out, by floor); a run's
    catalogue is rebuilt from it (`catalog_rows_from_geojson`).
    Every Feature's properties name it (``feature``: ``"vortex"`` or ``"aurora_oval"``). A vortex
    is **one** Feature: geometry the fitted ellipse outline (closed 36-vertex Polygon), properties
    the centre (``x``, ``y``) and every ellipse value. Each oval boundary is a closed LineString
    with ``kind`` ``"outer"``/``"inner"`` and the ring fit as ``ring_*`` properties (None when
    there is no fit). In ``[lon, lat]``, outlines and boundaries that cross the 0°/360° meridian
    are cut there (`jovis.geometry.lonwrap`): a boundary round the pole is a LineString from 0°
    to 360°, one crossing it twice a MultiLineString, a vortex outline round the pole a Polygon
    closed along the pole's edge of the map, one across the meridian a MultiPolygon.
    """
    grid = PolarGrid.from_dict(features["grid"]) if features.get("grid") else None

    def position(points: list[list[float]]) -> list[list[float]]:
        if grid is None:
            return points
        lat, lon = grid.latlon(*np.asarray(points, dtype=np.float64).reshape(-1, 2).T)
        return np.round(np.stack([lon, lat], axis=1), 4).tolist()

    items: list[dict[str, Any]] = []
    for v in features.get("vortices", []):
        ring = position(
            _ellipse_ring(v["x"], v["y"], v["semi_major_px"], v["semi_minor_px"], v["angle_deg"])
        )
        props = {"feature": "vortex", "feature_id": v["id"]}
        props.update({k: val for k, val in v.items() if k != "id"})
        geometry = {"type": "Polygon", "coordinates": [ring]} if grid is None else (
            polygon_geometry(ring))  # fmt: skip
        items.append(_feature(geometry, props))
    oval = features.get("oval") or {}
    ring_fit = oval.get("ring") or {}
    kinds = oval.get("contour_kinds") or ["outer"] * len(oval.get("contours_px", []))
    for i, (line, kind) in enumerate(zip(oval.get("contours_px", []), kinds, strict=True)):
        coords = position([list(p) for p in line])
        if not coords:
            continue
        if coords[0] != coords[-1] or len(coords) < 2:
            coords.append(list(coords[0]))  # closed, and a LineString needs two positions
        props = {"feature": "aurora_oval", "feature_id": 1, "contour_index": i, "kind": kind}
        brightness = oval.get("brightness") or {}
        props.update(
            area_px=oval.get("area_px"),
            mean_prob=oval.get("mean_prob"),
            integrated_brightness=brightness.get("integrated"),
            brightness_units=brightness.get("units"),
            # the region summed (`photometry.oval_brightness`) and the share of it with data
            brightness_enclosure=brightness.get("enclosure"),
            brightness_coverage=brightness.get("coverage"),
        )
        for key in (
            "centre_x",
            "centre_y",
            "mean_radius_px",
            "width_px",
            "angular_coverage",
            "centre_lat",
            "centre_lon",
            "mean_colatitude_deg",
            "width_km",
        ):
            props[f"ring_{key}"] = ring_fit.get(key)
        geometry = {"type": "LineString", "coordinates": coords} if grid is None else (
            line_geometry(coords, closed=True))  # fmt: skip
        items.append(_feature(geometry, props))
    top = {"frame_id": frame_id, **_plain(properties or {})}
    top["coordinate_system"] = PIXEL_CRS if grid is None else LATLON_CRS
    if grid is not None:
        top["grid"] = grid.to_dict()
    for key in ("view", "map"):  # a perspective view or a cylindrical map: positions stay
        if features.get(key):  # pixels, vortices get lat/lon
            top[key] = _plain(features[key])
            top["latlon_convention"] = LATLON_CRS  # of the vortices' lat/lon properties
    top["class_fractions"] = _plain(features.get("class_fractions", {}))
    if "vortices_not_kept" in features:  # marked in the mask, left out by the floors
        top["vortices_not_kept"] = _plain(features["vortices_not_kept"])
    return {"type": "FeatureCollection", "properties": top, "features": items}


def map_geojson(features: dict[str, Any], frame_id: str, affine: list[float], *,
                properties: dict[str, Any] | None = None) -> dict[str, Any]:  # fmt: skip
    """`features_to_geojson`'s collection with every position in the map coordinates of the
    input's own georeferencing (`jovis.geometry.maps.MAP_AFFINE`: a GeoTIFF, an image with
    GDAL's .aux.xml or a world file, an ISIS cube), so a GIS draws it over the input map once
    the layer is given the map's CRS; `labels import` places it back on that map."""
    pixel = {k: v for k, v in features.items() if k != "grid"}  # positions in pixels
    collection = features_to_geojson(pixel, frame_id, properties=properties)

    def moved(coords: Any) -> Any:
        if coords and isinstance(coords[0], int | float):
            return [round(float(v), 3) for v in pixels_to_map(affine, [coords])[0]]
        return [moved(c) for c in coords]

    for item in collection["features"]:
        item["geometry"]["coordinates"] = moved(item["geometry"]["coordinates"])
    collection["properties"]["coordinate_system"] = MAP_CRS
    return collection


def catalog_rows(frame_id: str, features: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per feature (each vortex, then the oval if any), keyed `CATALOG_COLUMNS`."""
    return catalog_rows_from_geojson(features_to_geojson(features, frame_id))


def catalog_rows_from_geojson(collection: dict[str, Any]) -> list[dict[str, Any]]:
    """Catalogue rows of one frame's GeoJSON (what `features_to_geojson` wrote).

    Vortex ``radius_px`` is the equivalent radius; the oval's is the ring's mean radius and its
    ``x_px``/``y_px`` the ring centre; ``time`` is the frame's (the GeoJSON's ``time``
    property: its exposure start as the reader found it). Values that do not apply are None.
    """
    frame_id = collection["properties"]["frame_id"]
    time = collection["properties"].get("time")  # the frame's exposure start, when it says
    rows, oval_seen = [], False
    for item in collection["features"]:
        p = item["properties"]
        if p["feature"] == "vortex":
            rows.append(
                _row(frame_id, "vortex", p["feature_id"], {**p, "x_px": p["x"], "y_px": p["y"]})
            )
        elif p["feature"] == "aurora_oval" and not oval_seen:
            oval_seen = True  # one row for the oval, however many boundary lines it has
            values = {
                "x_px": p.get("ring_centre_x"),
                "y_px": p.get("ring_centre_y"),
                "area_px": p.get("area_px"),
                "radius_px": p.get("ring_mean_radius_px"),
                "width_px": p.get("ring_width_px"),
                "mean_prob": p.get("mean_prob"),
                "lat": p.get("ring_centre_lat"),
                "lon": p.get("ring_centre_lon"),
                "width_km": p.get("ring_width_km"),
                "mean_colatitude_deg": p.get("ring_mean_colatitude_deg"),
                "integrated_brightness": p.get("integrated_brightness"),
                "brightness_units": p.get("brightness_units"),
                "brightness_coverage": p.get("brightness_coverage"),
            }
            rows.append(_row(frame_id, "aurora_oval", p["feature_id"], values))
    for row in rows:
        row["time"] = time
    return rows


def _row(frame_id: str, feature: str, feature_id: int, values: dict[str, Any]) -> dict[str, Any]:
    row = {c: values.get(c) for c in CATALOG_COLUMNS}
    row.update(frame_id=frame_id, feature=feature, feature_id=feature_id)
    row["lat_planetographic"] = planetographic_lat(row["lat"])
    return row


def planetographic_lat(lat: float | None) -> float | None:
    """A table's planetocentric `lat` as the planetographic latitude atmospheric work quotes
    (JunoCam's metadata, the belts' jets), to 1e-4°; None stays None."""
    return None if lat is None else round(float(planetographic(lat)), 4)


def _ellipse_ring(x: float, y: float, a: float, b: float, angle_deg: float) -> list[list[float]]:
    """A vortex's ellipse as a closed GeoJSON ring of 36 rounded pixel points."""
    pts = [[_r(float(u)), _r(float(v))] for u, v in ellipse_points(x, y, a, b, angle_deg, n=36)]
    return [*pts, pts[0]]


def _feature(geometry: dict[str, Any], props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": _plain(props)}


def _plain(obj: Any) -> Any:
    """Numpy scalars/arrays → Python numbers/lists, recursively (so ``json.dumps`` works)."""
    if isinstance(obj, dict):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _plain(obj.tolist())
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


def _r(value: float, digits: int = 3) -> float:
    return round(float(value), digits)
