"""`jovis labels export`: a prediction folder (what `infer` writes) → GeoJSON and labelme files
that a scientist corrects in their tool and imports again (`labels import`).

Each class region becomes a polygon: its outer boundary, and each hole (the oval's inside) as
a GeoJSON hole, or in labelme as a ``background`` polygon drawn over it. Polygons run through
the boundary pixel centres, so importing them again gives back the mask.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from jovis import __version__
from jovis.annotations import ds9, geojson, labelme
from jovis.annotations.shapes import fill, labelme_polygons
from jovis.frame import LabelSchema
from jovis.geometry import PolarGrid
from jovis.geometry.maps import CylindricalMap
from jovis.inference.manifest import detector_folders, recorded_output
from jovis.io.atomic import make_folder, write_json, write_text
from jovis.io.json_file import read_jsonl
from jovis.io.masks import read_mask_png

EXPORT_FORMATS = ("geojson", "labelme", "ds9")
DEFAULT_FORMATS = ("geojson", "labelme")


def mask_polygons(mask: np.ndarray, schema: LabelSchema) -> list[dict[str, Any]]:
    """``[{"label", "rings": [outer, *holes]}]`` of every class region but background, in
    class order (so a vortex inside the oval's hole is drawn after the oval)."""
    polygons = []
    for cls in schema.classes[1:]:
        binary = (mask == cls.id).astype(np.uint8)
        outers, _ = cv2.findContours(binary, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        for outer in outers:
            outer = outer.reshape(-1, 2).astype(np.float64)
            if len(outer) < 3:  # a pixel or a straight line: the outline of its pixel squares
                outer = _speck_outline(outer)
            inside = fill([outer], mask.shape) & ~binary.astype(bool)
            holes, _ = cv2.findContours(inside.astype(np.uint8), cv2.RETR_EXTERNAL,
                                        cv2.CHAIN_APPROX_SIMPLE)  # fmt: skip
            rings = [outer] + [h.reshape(-1, 2).astype(np.float64) for h in holes if len(h) >= 3]
            polygons.append({"label": cls.name, "rings": rings})
    return polygons


def _speck_outline(points: np.ndarray, half: float = 0.45) -> np.ndarray:
    """The convex hull of the pixel squares (a bit under 1 px) at `points`: a polygon that
    fills exactly those pixels, for a region whose boundary has fewer than 3 vertices."""
    offsets = np.array([[-half, -half], [half, -half], [half, half], [-half, half]])
    corners = (points[:, None, :] + offsets[None]).reshape(-1, 2).astype(np.float32)
    return cv2.convexHull(corners).reshape(-1, 2).astype(np.float64)


def prediction_rows(pred: Path) -> list[dict[str, Any]]:
    path = pred / "manifest.jsonl"
    if not path.is_file():
        raise FileNotFoundError(
            f"predictions={pred}: no manifest.jsonl; give the out= folder of `jovis infer`"
        )
    return [r for r in read_jsonl(path) if r.get("status") == "ok"]


def export_run(
    predictions: str | Path, out: str | Path, schema: LabelSchema, formats=DEFAULT_FORMATS
) -> dict[str, Any]:
    """`export_predictions` of an infer ``out=``: of the folder itself, or of each detector's
    folder of a `model=auto` run into ``<out>/<release>/`` (their frames' ids may repeat)."""
    runs = detector_folders(Path(predictions))
    if len(runs) <= 1:
        return export_predictions(runs[0] if runs else predictions, out, schema, formats)
    done = {run.name: export_predictions(run, Path(out) / run.name, schema, formats)
            for run in runs}  # fmt: skip
    total = {k: sum(d[k] for d in done.values()) for k in ("frames", *EXPORT_FORMATS)}
    not_ds9 = [item for d in done.values() for item in d.get("not_ds9", [])]
    return {"out": str(out), **total, **({"not_ds9": not_ds9} if not_ds9 else {}),
            "detectors": done}  # fmt: skip


def export_predictions(
    predictions: str | Path, out: str | Path, schema: LabelSchema, formats=DEFAULT_FORMATS
) -> dict[str, Any]:
    """Write ``<out>/<id>.geojson``, ``<out>/<id>.json`` (labelme) and/or ``<out>/<id>.reg``
    (DS9) for every frame `infer` finished; GeoJSON is in lat/lon when the frame had a grid or
    a cylindrical map, else in pixels; DS9 regions for a FITS frame on the file's own pixels,
    or for an HST sky-plane crop or lat-lon product (carried back onto it:
    `ds9.file_placement`); the others are listed in ``not_ds9`` with the reason."""
    bad = [f for f in formats if f not in EXPORT_FORMATS]
    if bad or not formats:
        raise ValueError(f"formats={list(formats)}; valid: {', '.join(EXPORT_FORMATS)}")
    pred, out = Path(predictions), make_folder(out, "out")
    rows = prediction_rows(pred)
    written = dict.fromkeys(EXPORT_FORMATS, 0)
    not_ds9: list[dict[str, str]] = []
    colours = {c.name: "#{:02x}{:02x}{:02x}".format(*c.color) for c in schema.classes}
    for row in rows:
        mask = read_mask_png(_output(pred, row, "mask", f"masks/{row['id']}.png"))
        polygons = mask_polygons(mask, schema)
        if "geojson" in formats:
            feats = _output(pred, row, "features", f"features/{row['id']}.geojson")
            props = json.loads(feats.read_text()).get("properties", {})
            # lat/lon through the frame's polar grid, or its cylindrical map (an ISIS, GeoTIFF,
            # PDS3 map's, a declared one): pixels only for a frame placed by neither
            placed = PolarGrid.from_dict(props["grid"]) if props.get("grid") else None
            if placed is None and props.get("map"):
                placed = CylindricalMap.from_dict(props["map"])
            doc = geojson.collection(row["id"], polygons, placed)
            write_json(out / f"{row['id']}.geojson", doc)
            written["geojson"] += 1
        if "labelme" in formats:
            image = os.path.relpath(Path(row["source"]).resolve(), out.resolve())
            doc = labelme.document(image, mask.shape, labelme_polygons(polygons))
            write_json(out / f"{row['id']}.json", doc)
            written["labelme"] += 1
        if "ds9" in formats:
            on_file, problem = ds9.file_placement(row["source"], mask.shape)
            try:
                placed_regions = None if problem else on_file(polygons)
            except ValueError as err:
                problem = str(err)
            if problem:
                not_ds9.append({"id": row["id"], "reason": problem})
                continue
            note = f"jovis {__version__}: the class regions of {pred} (holes as background)"
            text = ds9.document(Path(row["source"]).name, placed_regions, colours, note)
            write_text(out / f"{row['id']}.reg", text)
            written["ds9"] += 1
    return {"out": str(out), "frames": len(rows), **written,
            **({"not_ds9": not_ds9} if not_ds9 else {})}  # fmt: skip


def _output(pred: Path, row: dict[str, Any], kind: str, default: str) -> Path:
    path = recorded_output(pred, (row.get("outputs") or {}).get(kind), default)
    if path is None:
        raise FileNotFoundError(
            f"predictions={pred}: frame {row['id']}'s {kind} ({default}) is missing; run "
            "`jovis infer` into that folder again to write it"
        )
    return path
