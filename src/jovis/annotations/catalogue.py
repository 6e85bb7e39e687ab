"""An ellipse catalogue CSV in lat/lon (the shape of the Jovian Vortex Hunter's aggregated output).

One row per ellipse: ``frame_id`` (or ``image``/``frame``), ``lat``, ``lon``, ``semi_major``,
``semi_minor`` (or one ``radius``), optional ``angle_deg`` (the major axis, counterclockwise from
local east toward north), ``class`` (default vortex), ``sigma`` and ``confidence``. The settings
say the latitude kind (planetocentric or planetographic), the longitude sense (west or east) and
the axis unit (km on the surface, or degrees on a cylindrical lon/lat map).
"""

from __future__ import annotations

import math
from pathlib import Path

from jovis.annotations.frames import FrameIndex
from jovis.annotations.geo import (
    AXIS_UNITS,
    centric_latitude,
    check_choice,
    ellipse_outline_deg,
    ellipse_outline_km,
    west_longitude,
)
from jovis.annotations.labelme import AnnotationError
from jovis.annotations.shapes import Shape
from jovis.io.csv_file import CsvFileError, read_csv_rows

FRAME_COLUMNS = ("frame_id", "image", "frame")
REQUIRED = ("lat", "lon")


def read(
    path: Path,
    frames: FrameIndex,
    *,
    latitude: str,
    longitude: str,
    axes: str,
    min_confidence: float | None = None,
) -> tuple[dict[str, list[Shape]], list[dict[str, str]]]:
    """({frame id: shapes}, skipped) of one catalogue CSV."""
    check_choice("catalogue.axes", axes, AXIS_UNITS)
    rows = _rows(path)
    by_frame: dict[str, list[Shape]] = {}
    skipped: list[dict[str, str]] = []
    for n, row in enumerate(rows, 2):
        where = f"{Path(path).name} line {n}"
        label = (row.get("class") or "vortex").strip()
        name = next((row[c] for c in FRAME_COLUMNS if row.get(c)), None)
        frame = frames.find(name)
        if frame is None:
            skipped.append(
                {"where": where, "label": label, "reason": f"no frame named {name!r} in frames="}
            )
            continue
        try:
            shape = _shape(row, label, where, frame, latitude, longitude, axes, min_confidence)
        except ValueError as err:
            skipped.append({"where": where, "label": label, "reason": str(err)})
            continue
        by_frame.setdefault(frame.id, []).append(shape)
    return by_frame, skipped


def _rows(path: Path) -> list[dict[str, str]]:
    try:
        columns, rows = read_csv_rows(path)
    except CsvFileError as err:
        raise AnnotationError(str(err)) from err
    missing = [c for c in REQUIRED if c not in columns]
    if not any(c in columns for c in FRAME_COLUMNS):
        missing.append("frame_id")
    if "radius" not in columns and not {"semi_major", "semi_minor"} <= set(columns):
        missing.append("semi_major,semi_minor (or radius)")
    if missing:
        raise AnnotationError(
            f"{path}: catalogue columns {missing} missing (has {columns}); needs frame_id, lat, "
            "lon, semi_major, semi_minor [angle_deg, class, sigma, confidence]"
        )
    return rows


def _shape(row, label, where, frame, latitude, longitude, axes, min_confidence) -> Shape:
    try:
        lat, lon = float(row["lat"]), float(row["lon"])
        a = float(row.get("semi_major") or row["radius"])
        b = float(row.get("semi_minor") or row["radius"])
        angle = float(row.get("angle_deg") or 0.0)
        sigma = float(row["sigma"]) if row.get("sigma") else None
        conf = float(row["confidence"]) if row.get("confidence") else None
    except (KeyError, ValueError) as err:
        raise ValueError(f"not a number in {dict(row)} ({err})") from None
    # (a spreadsheet's nan or inf: an infinite angle was skipped as "math domain error")
    if not all(math.isfinite(v) for v in (lat, lon, a, b, angle)):
        raise ValueError(f"lat, lon, axes and angle must be finite numbers, got "
                         f"{lat}, {lon}, {a}, {b}, {angle}")  # fmt: skip
    # (a latitude of 95 was placed 5 deg beyond the pole, a longitude of 1e30 at its remainder)
    if not (-90 <= lat <= 90 and -360 <= lon <= 360):
        raise ValueError(f"lat {lat} must be in [-90, 90] and lon {lon} in [-360, 360] deg")
    lat = float(centric_latitude(lat, latitude))
    lon = float(west_longitude(lon, longitude))
    if min_confidence is not None and conf is not None and conf < min_confidence:
        raise ValueError(f"confidence {conf} < catalogue.min_confidence={min_confidence}")
    frame.check_placeable()
    if not (a > 0 and b > 0):
        raise ValueError(f"semi-axes must be > 0, got {a}, {b}")
    outline = (ellipse_outline_km if axes == "km" else ellipse_outline_deg)(lat, lon, a, b, angle)
    pix, centre = frame.pixels(*outline), frame.pixels([lat], [lon])
    extra = {"lat": round(lat, 5), "lon": round(lon, 5), "x": float(centre[0, 0]),
             "y": float(centre[0, 1]), f"semi_major_{axes}": a, f"semi_minor_{axes}": b,
             "sigma": sigma, "confidence": conf}  # fmt: skip
    return Shape(label, where, rings=[pix], extra=extra)
