"""Where a lat/lon point lies in a JunoCam ``-mapprojected.png`` (the view model of the
reference ellipses; README, "Reference labels for the real frames").

The view is `jovis.geometry.junocam_view.product_view`: the composite renders a sphere of the
equatorial radius, latitudes planetographic, from the metadata's altitude over its
sub-spacecraft point, the limb the 797 px circle about the image centre that bounds every
product, north up. Each product's north angle is stored with its ellipses
(``view.north_angle_deg``): 0 for the PJ44 approach, where each terminator is cut at one
incidence with the angle 0-0.25° (real_v1 held 3.9°, 3.1°, 359.4°, 358.1°, fitted on the white
oval through a model that read the latitude as planetocentric on the spheroid; they took up its
error). The ellipses of 44C00034-36 are those of 44C00037 carried by `carry_ellipse`.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from jovis.geometry import junocam_view
from jovis.geometry.ellipse import ellipse_points
from jovis.geometry.reproject import PerspectiveView
from jovis.io.sidecars import JUNOCAM_METADATA

SHAPE = (1600, 1600)
LIMB_RADIUS_PX = junocam_view.LIMB_FRACTION * SHAPE[0]  # 797 px


def product_view(metadata: str | Path, north_angle_deg: float,
                 limb_radius_px: float = LIMB_RADIUS_PX) -> PerspectiveView:  # fmt: skip
    """The `PerspectiveView` of a map-projected JunoCam product from its ``-metadata.json``
    (`jovis.geometry.junocam_view.product_view` on the reference products' 1600 px side)."""
    path = Path(metadata)
    meta = json.loads(path.read_text())
    return junocam_view.product_view(meta, SHAPE, north_angle_deg, where=str(path),
                                     limb_radius_px=limb_radius_px)  # fmt: skip


def reference_products(real_root: str | Path, ellipses: str | Path | None = None
                       ) -> list[tuple[str, dict, Path]]:  # fmt: skip
    """(product id, its entry in the stored ``junocam_ellipses.json`` (or `ellipses`), its
    ``-metadata.json``) of each reference product whose metadata is under `real_root`."""
    from jovis.references.frameset import ELLIPSES, STORED

    products = json.loads(Path(ellipses or STORED / ELLIPSES).read_text())["products"]
    out = []
    for pid, prod in products.items():
        meta = (Path(real_root) / prod["image"]).with_name(f"{pid}{JUNOCAM_METADATA}")
        if meta.is_file():
            out.append((pid, prod, meta))
    return out


def north_angle(product: dict) -> float | None:
    """The north angle stored for a reference product (``view.north_angle_deg``: measured on its
    terminator for the PJ44 approach), or None."""
    return (product.get("view") or {}).get("north_angle_deg")


def fitted_views(real_root: str | Path, ellipses: str | Path | None = None
                 ) -> dict[str, PerspectiveView]:  # fmt: skip
    """{product id: view} of the reference products with a stored north angle (the PJ44
    approach) and whose metadata is under `real_root` (`reference_products`)."""
    return {pid: product_view(meta, north_angle(prod))
            for pid, prod, meta in reference_products(real_root, ellipses)
            if north_angle(prod) is not None}  # fmt: skip


def cpc_positions(path: str | Path, pole: str, drift_deg: float = 0.0) -> dict[str, tuple]:
    """{id: (lat, lon)} of the circumpolar cyclones in the Cheng/Li 2021 table (south latitudes
    made negative), longitudes shifted by `drift_deg` (System III west, + = westward)."""
    lines = [x for x in Path(path).read_text().splitlines() if x and not x.startswith("#")]
    sign = 1.0 if pole == "N" else -1.0
    out = {}
    for row in csv.DictReader(lines):
        if row["pole"] == pole:
            out[row["id"]] = (sign * float(row["lat_abs_deg"]),
                              (float(row["lon_deg"]) + drift_deg) % 360.0)  # fmt: skip
    if not out:
        raise ValueError(f"{path}: no rows with pole={pole!r}")
    return out


def predict_pixels(view: PerspectiveView, points: dict[str, tuple]) -> dict[str, tuple]:
    """{id: (x, y, visible)} in the product's pixels."""
    out = {}
    for key, (lat, lon) in points.items():
        x, y, vis = view.project(np.asarray(lat, float), np.asarray(lon, float), SHAPE)
        out[key] = (float(x), float(y), bool(vis))
    return out


def carry_ellipse(ellipse: dict[str, Any], source: PerspectiveView, target: PerspectiveView,
                  shape: tuple[int, int] = SHAPE) -> dict[str, Any] | None:  # fmt: skip
    """A reference ellipse of one product placed in another of the same approach: its outline
    (a vertex every 5°) turned into lat/lon by `source`'s view, projected by `target`'s and
    fitted with an ellipse (`cv2.fitEllipse`); the ellipse's other fields are kept. None when
    any of the outline is off either disk (it cannot be carried whole)."""
    outline = ellipse_points(float(ellipse["x"]), float(ellipse["y"]), float(ellipse["a"]),
                             float(ellipse["b"]), float(ellipse["angle"]), 72)  # fmt: skip
    xs, ys = outline[:, 0], outline[:, 1]
    lat, lon = source.latlon(xs, ys, shape)
    if not np.isfinite(lat).all():
        return None
    x, y, visible = target.project(lat, lon, shape)
    if not visible.all():
        return None
    (cx, cy), (w, h), angle = cv2.fitEllipse(np.stack([x, y], -1).astype(np.float32))
    return {**ellipse, "x": round(cx), "y": round(cy), "a": round(w / 2), "b": round(h / 2),
            "angle": round(angle)}  # fmt: skip
