"""Write one frame's outputs (mask, overlay, GeoJSON, probabilities) and the run's catalog."""

from __future__ import annotations

import csv
import io
import json
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

import numpy as np

from jovis.catalog import (
    CATALOG_COLUMNS,
    catalog_rows_from_geojson,
    features_to_geojson,
    map_geojson,
)
from jovis.features import extract_features
from jovis.frame import Frame, LabelSchema
from jovis.geometry.junocam_view import (
    NIGHT_SHARE_MAX,
    NORTH_ANGLE_SPREAD_DEG,
    TWILIGHT_DEG,
    frame_view,
    night_share,
    position_uncertainty_km,
    terminator_cut,
    why_not_located,
)
from jovis.geometry.locate import ViewLocator, locate_features
from jovis.geometry.maps import MAP_AFFINE, CylindricalMap
from jovis.geometry.sun import sun_over_frame
from jovis.inference.beside import Beside
from jovis.io.atomic import write_json, write_npy, write_png, write_text
from jovis.io.georef_sidecars import mask_aux
from jovis.io.geotiff_masks import write_class_geotiff
from jovis.io.isis_masks import write_class_cube
from jovis.io.masks import write_mask_png
from jovis.io.pds3_masks import write_class_pds3
from jovis.io.pds4_masks import write_class_pds4
from jovis.oval_profile import (
    PROFILE_COLUMNS,
    oval_profile,
    profile_rows_from_geojson,
    write_chart,
)
from jovis.photometry import oval_brightness
from jovis.render import render_overlay
from jovis.scoring.oval_course import CourseSettings, added_px, frame_mask

OUTPUT_KINDS = {
    "mask": ("masks", ".png"),
    "overlay": ("overlays", ".png"),
    "features": ("features", ".geojson"),
    "probs": ("probs", ".npy"),
}


def output_paths(out: Path, frame_id: str, save_probs: bool) -> dict[str, Path]:
    kinds = [k for k in OUTPUT_KINDS if save_probs or k != "probs"]
    return {k: out / OUTPUT_KINDS[k][0] / f"{frame_id}{OUTPUT_KINDS[k][1]}" for k in kinds}


def write_frame_outputs(
    frame: Frame,
    frame_id: str,
    probs: np.ndarray,
    schema: LabelSchema,
    paths: dict[str, Path],
    properties: dict[str, Any],
    picture: np.ndarray | None = None,
    pool: Executor | None = None,
    course: CourseSettings | None = None,
    extract: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Write every output of one frame (each atomically); returns per-frame counts.

    The GeoJSON is written last, once every other output is, so a complete GeoJSON means a
    complete frame. `picture`: the overlay's picture of the frame's pixels (`display_image`),
    if already made. With `pool` (the writer's threads), the mask PNG and the probabilities
    (100 MB at 4096², ~1 s) are written on it while this thread draws the overlay; an error in
    either fails the frame before its GeoJSON (and is raised once the other has ended).
    `course` (on): the oval's course drawn through the gaps of its detected arcs
    (`jovis.scoring.oval_course`); the counts then hold ``oval_course_px``, the pixels that
    stage added (the arcs' growth and the course drawn). `extract`: settings of
    `extract_features` (e.g. ``{"min_vortex_score": 0.9}``; its defaults when None). A frame
    read from an ISIS map (its Mapping group kept, ``meta["isis_mapping_pvl"]``) gets its mask
    as an ISIS cube on that map too (``masks/<id>.cub``), one read from a GeoTIFF map (its geo
    tags kept, ``meta["geotiff_tags"]``) as a GeoTIFF (``masks/<id>.tif``), and the mask PNG of an
    image placed by files beside it (``meta["georef_beside"]``) gets an .aux.xml placing it the
    same way (``masks/<id>.png.aux.xml``), one read from a PDS4 map (its cart:Cartography kept,
    ``meta["pds4_cartography"]``) a PDS4 product (``masks/<id>.xml`` and ``.img``), one read
    from a PDS3 map (``meta["pds3_map_projection"]``) a PDS3 product (``masks/<id>.LBL`` and
    ``.IMG``); the counts
    then name every output.
    """
    mask, course_record = frame_mask(probs, frame.valid, frame.grid, schema, course, frame.image)
    paths = {**paths, **_map_mask_paths(frame.meta, paths["mask"])}
    if frame.meta.get(MAP_AFFINE):  # a map a GIS can draw: the features there too
        features_dir = paths["features"].parent
        paths[MAP_FEATURES] = features_dir.parent / MAP_FEATURES / paths["features"].name
    beside = Beside(pool, _write_pixels, mask, probs, schema, paths, frame.meta)
    try:
        features = extract_features(mask, probs, schema, grid=frame.grid, **(extract or {}))
        sun = sun_over_frame(frame.meta)  # (the lit-side check, local times, the overlay's noon)
        located, note = locate_in_view(frame, features, sun)
        properties = {**properties, "time": frame.meta.get("time"), **note}
        if features["oval"].get("area_px"):
            features["oval"]["brightness"] = oval_brightness(frame, mask, schema)
            profile = oval_profile(frame, mask, schema, sun)
            if profile:  # (a frame on a polar grid: the oval along longitude)
                properties = {**properties, "oval_profile": profile}
        title = f"{frame_id}  ·  {frame.instrument}"
        if frame.meta.get("time"):
            title += f"  ·  {frame.meta['time']}"
        overlay = render_overlay(
            frame.image,
            frame.channels,
            mask,
            schema,
            valid=frame.valid,
            features=features,
            title=title,
            grid=frame.grid if located is None else located,
            picture=picture,
            seen=properties.get("classes_seen"),
            sun_lon_west=None if sun is None else sun[1],
        )
        write_png(paths["overlay"], overlay)
    except BaseException:
        beside.settle()
        raise
    beside.join()
    if MAP_FEATURES in paths:  # (before the features GeoJSON, which says the frame is whole)
        write_json(paths[MAP_FEATURES], map_geojson(features, frame_id, frame.meta[MAP_AFFINE],
                                                    properties=properties))  # fmt: skip
    write_json(paths["features"], features_to_geojson(features, frame_id, properties=properties))
    counts = {
        "vortices": len(features["vortices"]),
        "aurora_fraction": features["class_fractions"].get("aurora"),
    }
    if features["vortices_not_kept"]:  # marked in the mask, under the catalogue's floors
        counts["vortices_not_kept"] = sum(features["vortices_not_kept"].values())
    if (MAP_MASKS.keys() | {MAP_FEATURES}) & paths.keys():
        counts["outputs"] = {k: str(v) for k, v in paths.items()}
    if course_record is not None:
        counts["oval_course_px"] = added_px(course_record)
    if "located" in note:  # how, or why not (the report warns of a product left unlocated)
        counts["located"] = note["located"]
    return counts


def locate_in_view(
    frame: Frame, features: dict[str, Any], sun: tuple[float, float] | None = None
) -> tuple[ViewLocator | CylindricalMap | None, dict[str, Any]]:
    """Give the features of a frame without a polar grid lat/lon and km, in place: a frame
    declared a cylindrical map (``meta["map"]``, `jovis.geometry.maps`) through its map, a
    JunoCam product seen in perspective through its metadata's view
    (`jovis.geometry.junocam_view`). Returns the locator (for the overlay's graticule; None when
    not located) and what the GeoJSON's properties should say: ``located`` (how), or why a
    product was not located (its masks and pixel features are kept); nothing for any other
    frame. Each vortex located in a view also gets ``position_uncertainty_km``: how far it moves
    if the assumed north angle is off by the spread the terminators allow, with the view model's
    residual added in quadrature (`junocam_view.position_uncertainty_km`). A product whose data
    lie on the night side of that view (`junocam_view.night_share`) is not located: its image
    is not the view its metadata give, so every position would be wrong. Where the product's
    data end at a terminator, ``terminator_cut`` says at what incidence and how evenly
    (`junocam_view.terminator_cut`): a check of the view a scientist can read. `sun`: the
    frame's sub-solar point when the caller has found it (`sun_over_frame`)."""
    if frame.meta.get("map"):
        cylindrical = CylindricalMap.from_dict(frame.meta["map"])
        locate_features(features, cylindrical, frame.shape)
        return cylindrical, {"located": f"cylindrical map, {cylindrical.source}"}
    try:
        view = frame_view(frame)
    except (KeyError, ValueError) as err:
        return None, {"located": f"not located: {err}"}
    if view is None:
        missing = why_not_located(frame)
        return None, ({"located": missing} if missing else {})
    night = night_share(frame, view, sun_at=sun)
    if night is not None and night > NIGHT_SHARE_MAX:  # the image is not the metadata's view
        return None, {"located": f"not located: {night:.0%} of its data lie more than "
                                 f"{TWILIGHT_DEG:g}° past the terminator of the view its "
                                 "metadata give (the Sun's place at its START_TIME), where "
                                 "JunoCam sees nothing: the image is turned, mirrored or of "
                                 "another pointing than the metadata say"}  # fmt: skip
    locator = ViewLocator(view, frame.shape)
    locate_features(features, locator, frame.shape)
    placed = [v for v in features.get("vortices", []) if v.get("lat") is not None]
    if placed:  # their error: the unknown north angle and the view model; one call a frame
        xy = np.array([[v["x"], v["y"]] for v in placed], float)
        km = position_uncertainty_km(view, xy[:, 0], xy[:, 1], frame.shape)
        for v, k in zip(placed, km, strict=True):
            # None at the very limb, where a turned view no longer meets the spheroid
            v["position_uncertainty_km"] = round(float(k), 1) if np.isfinite(k) else None
    spread = f"{NORTH_ANGLE_SPREAD_DEG:g}"
    checked = ""
    if night is not None:
        checked = f"; its lit side checked against the Sun: {night:.1%} of its data past twilight"
    cut = terminator_cut(frame, view, sun_at=sun)
    if cut is not None:  # (a colour composite's reads a spread under 0.003 when the view fits)
        checked += (f"; its data end at the terminator at cos i {cut['cos_i']:.4f} "
                    f"(spread {cut['spread']:.4f} over {cut['pixels']} px)")  # fmt: skip
    said = {"located": f"JunoCam view model from the metadata, north angle 0 assumed "
                       f"(±{spread}° and the model's residual: "
                       f"position_uncertainty_km){checked}"}  # fmt: skip
    return locator, ({**said, "terminator_cut": cut} if cut is not None else said)


# The mask also in the input map's own format: (output, the frame metadata that places the
# input's pixels, suffix); `jovis.geometry.maps.MAP_PIXEL_KEYS` drops that metadata when the
# pixels are moved
# the features in the map coordinates of an input with its own georeferencing (a GeoTIFF, an
# image with GDAL's .aux.xml or a world file, an ISIS cube): a folder of its own, as `track`
# and `labels export` read every GeoJSON in features/
MAP_FEATURES = "features_map"
MAP_MASKS = {"mask_cube": ("isis_mapping_pvl", ".cub"), "mask_geotiff": ("geotiff_tags", ".tif"),
             "mask_aux": ("georef_beside", ".png.aux.xml"),
             "mask_pds4": ("pds4_cartography", ".xml"),
             "mask_pds3": ("pds3_map_projection", ".LBL")}  # fmt: skip


def _map_mask_paths(meta: dict[str, Any], mask_png: Path) -> dict[str, Path]:
    """Where the mask goes also as an ISIS cube or a GeoTIFF on the input's map, for a frame
    read from one, or the .aux.xml that places the mask PNG as GDAL's placed the input."""
    return {output: mask_png.with_suffix(suffix)
            for output, (key, suffix) in MAP_MASKS.items() if meta.get(key)}  # fmt: skip


def _write_pixels(mask: np.ndarray, probs: np.ndarray, schema: LabelSchema, paths,
                  meta: dict[str, Any]) -> None:  # fmt: skip
    write_mask_png(paths["mask"], mask, schema)
    if "mask_cube" in paths:
        write_class_cube(paths["mask_cube"], mask, meta["isis_mapping_pvl"], schema)
    if "mask_geotiff" in paths:
        write_class_geotiff(paths["mask_geotiff"], mask, meta["geotiff_tags"], schema)
    if "mask_aux" in paths:  # the mask PNG placed where the input image is, for a GIS
        beside = meta["georef_beside"]
        write_text(paths["mask_aux"], mask_aux(beside["srs"], beside["geotransform"],
                                               schema.ignore_index))  # fmt: skip
    if "mask_pds4" in paths:  # (its data file, .img, beside it)
        write_class_pds4(paths["mask_pds4"], mask, meta["pds4_cartography"], schema)
    if "mask_pds3" in paths:  # (its data file, .IMG, beside it)
        own = meta["pds3_map_projection"]
        write_class_pds3(paths["mask_pds3"], mask, own["text"], own["target"], schema)
    if "probs" in paths:
        write_npy(paths["probs"], probs.astype(np.float16))


def write_catalog(path: Path, features_files: list[Path]) -> int:
    """`catalog.csv` from the GeoJSON of every completed frame, and beside it
    ``oval_profile.csv`` (`jovis.oval_profile`) when a frame has the oval along longitude;
    returns the number of catalogue rows."""
    rows, profiles = [], []
    for gj_path in features_files:  # (one GeoJSON at a time: a run may hold thousands)
        collection = json.loads(gj_path.read_text())
        rows += catalog_rows_from_geojson(collection)
        profiles += profile_rows_from_geojson(collection)
    write_text(path, _table(CATALOG_COLUMNS, rows))
    profile, chart = path.with_name(PROFILE_FILE), path.with_name(PROFILE_CHART)
    if profiles:
        write_text(profile, _table(PROFILE_COLUMNS, profiles))
        write_chart(chart, profiles)  # (in the main thread: not a writer's overlay)
    else:
        profile.unlink(missing_ok=True)  # an earlier run's, of frames since redone
        chart.unlink(missing_ok=True)
    return len(rows)


PROFILE_FILE = "oval_profile.csv"
PROFILE_CHART = "oval_profile.png"  # the report shows it


def _table(columns: list[str], rows: list[dict[str, Any]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()
