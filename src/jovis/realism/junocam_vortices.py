"""Vortex sizes (km), latitudes, shapes and contrasts measured on the shared JunoCam products.

The reference ellipses (`jovis.references`, ``real_v1/junocam_ellipses.json``) are in pixels of
the map-projected composites. Through each product's view model
(`jovis.references.junocam_geometry.product_view`: the metadata's sub-spacecraft point and
altitude, the 797 px limb) the ends of each ellipse's axes are cast back onto the spheroid, so an
ellipse's diameters are surface distances in km whatever the foreshortening. Contrast is measured
on the composite's luminance (Rec. 601 weights of the 8-bit RGB): interior mean against the mean of
the ring 1.3–1.8 semi-axes out, ``(in − out) / out``; the rim contrast compares the ring
0.8–1.05 semi-axes with the interior; the spread (`ellipse_spread`) is the luminance sd inside
over that of the ring (real vortices are as smooth as their surroundings, ~0.9; see
`synthetic_spreads` for the renderer's). Products without metadata (PJ45) have no view model and are
left out. ``scripts/measure_junocam_vortices.py`` prints the table the params of
``configs/synth.yaml`` cite.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from jovis.geometry.body import EQUATORIAL_RADIUS_KM, POLAR_RADIUS_KM, distance_km, surface_point
from jovis.geometry.reproject import PerspectiveView
from jovis.references.junocam_geometry import SHAPE, product_view
from jovis.synth import render_batch

ELLIPSES = Path(__file__).resolve().parents[1] / "references" / "real_v1" / "junocam_ellipses.json"


def pixel_to_latlon(view: PerspectiveView, x, y, shape=SHAPE):
    """(lat, lon west) of image pixels on the spheroid; NaN off the disk (inverse of project)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    cam = surface_point(view.sub_lat, view.sub_lon)
    cam = cam / np.linalg.norm(cam) * view.distance_km
    w = -cam / np.linalg.norm(cam)
    up = np.array([0.0, 0.0, 1.0]) - w[2] * w
    up /= np.linalg.norm(up)
    right = np.cross(w, up)
    a = np.radians(view.north_angle_deg)
    dx, dy = x - (shape[1] - 1) / 2, y - (shape[0] - 1) / 2
    x0, y0 = dx * np.cos(a) + dy * np.sin(a), -dx * np.sin(a) + dy * np.cos(a)
    d = w + (x0 * view.rad_per_px)[..., None] * right - (y0 * view.rad_per_px)[..., None] * up
    k = np.array([1.0, 1.0, EQUATORIAL_RADIUS_KM / POLAR_RADIUS_KM])  # spheroid -> sphere
    c, dd = cam * k, d * k
    qa, qb = (dd * dd).sum(-1), 2 * (dd @ c)
    disc = qb * qb - 4 * qa * (c @ c - EQUATORIAL_RADIUS_KM**2)
    t = (-qb - np.sqrt(np.where(disc >= 0, disc, np.nan))) / (2 * qa)
    p = cam + t[..., None] * d
    lat = np.degrees(np.arctan2(p[..., 2], np.hypot(p[..., 0], p[..., 1])))
    lon = np.degrees(-np.arctan2(p[..., 1], p[..., 0])) % 360.0
    return lat, lon


def ellipse_km(view: PerspectiveView, e: dict[str, Any]) -> tuple[float, float, float]:
    """(major km, minor km, centre latitude) of one reference ellipse."""
    ang = np.radians(e["angle"])
    ux, uy = np.cos(ang), np.sin(ang)
    ends = np.array([[e["x"] + s * e["a"] * ux, e["y"] + s * e["a"] * uy] for s in (-1, 1)]
                    + [[e["x"] - s * e["b"] * uy, e["y"] + s * e["b"] * ux] for s in (-1, 1)]
                    + [[e["x"], e["y"]]])  # fmt: skip
    lat, lon = pixel_to_latlon(view, ends[:, 0], ends[:, 1])
    d1 = float(distance_km(lat[0], lon[0], lat[1], lon[1]))
    d2 = float(distance_km(lat[2], lon[2], lat[3], lon[3]))
    return max(d1, d2), min(d1, d2), float(lat[4])


def _ellipse_radius(shape: tuple[int, int], e: dict[str, Any]) -> np.ndarray:
    """Each pixel's distance from the ellipse's centre in units of its semi-axes."""
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w]
    ang = np.radians(e["angle"])
    u = ((xx - e["x"]) * np.cos(ang) + (yy - e["y"]) * np.sin(ang)) / e["a"]
    v = (-(xx - e["x"]) * np.sin(ang) + (yy - e["y"]) * np.cos(ang)) / e["b"]
    return np.sqrt(u * u + v * v)


def ellipse_contrast(lum: np.ndarray, e: dict[str, Any]) -> tuple[float, float]:
    """(interior contrast against the surroundings, rim contrast against the interior)."""
    r = _ellipse_radius(lum.shape, e)
    seen = lum > 8  # sky and night are not surroundings
    inner = lum[(r < 0.8) & seen].mean()
    rim = lum[(r >= 0.8) & (r < 1.05) & seen].mean()
    out = lum[(r >= 1.3) & (r < 1.8) & seen].mean()
    return float((inner - out) / out), float((rim - inner) / max(inner, 1.0))


def ellipse_spread(
    lum: np.ndarray, e: dict[str, Any], seen: np.ndarray | None = None
) -> float | None:
    """Luminance spread (sd) inside the ellipse (< 0.8 semi-axes) over that of the ring 1.3–1.8
    semi-axes out: about 1 for a vortex as smooth as its surroundings, above 1 for one wound by
    contrasty spiral arms. None when either holds fewer than 10 seen pixels."""
    r = _ellipse_radius(lum.shape, e)
    seen = lum > 8 if seen is None else seen
    inner, ring = lum[(r < 0.8) & seen], lum[(r >= 1.3) & (r < 1.8) & seen]
    if inner.size < 10 or ring.size < 10:
        return None
    return float(inner.std() / max(float(ring.std()), 1e-6))


def synthetic_spreads(n: int, size: int = 256, seed: int = 0,
                      params: dict[str, Any] | None = None) -> list[float]:  # fmt: skip
    """`ellipse_spread` of every vortex (≥ 3 px in radius) of `n` synthetic JunoCam composite
    views (`render_batch`, perspective, ``junocam_product_prob`` 1 unless `params` say), the
    circle of each vortex's features as its ellipse."""
    params = {"junocam_product_prob": 1.0, **(params or {})}
    batch = render_batch(
        list(range(seed, seed + n)),
        size,
        ["red", "green", "blue"],
        view="perspective",
        params=params,
    )
    out = []
    for i in range(n):
        lum, seen = batch.image[i].mean(0).numpy(), batch.valid[i].numpy()
        for v in batch.features(i)["vortices"]:
            if v["radius_px"] >= 3:
                e = {"x": v["x"], "y": v["y"], "a": v["radius_px"], "b": v["radius_px"], "angle": 0}
                spread = ellipse_spread(lum, e, seen)
                if spread is not None:
                    out.append(spread)
    return out


def measure(real_root: Path) -> list[dict[str, Any]]:
    """One row per reference ellipse of every product with a view model."""
    products = json.loads(ELLIPSES.read_text())["products"]
    rows = []
    for pid, prod in products.items():
        image = Path(real_root) / prod["image"]
        meta = image.with_name(image.name.replace("-mapprojected.png", "-metadata.json"))
        if not meta.exists():
            continue
        view = product_view(meta, prod.get("view", {}).get("north_angle_deg", 0.0))
        rgb = cv2.imread(str(image), cv2.IMREAD_COLOR)
        if rgb is None:
            raise FileNotFoundError(f"{image}: not readable (product {pid} of {ELLIPSES})")
        lum = rgb.astype(np.float64) @ np.array([0.114, 0.587, 0.299])  # BGR weights
        for e in prod["vortices"]:
            major, minor, lat = ellipse_km(view, e)
            con, rim = ellipse_contrast(lum, e)
            spread = ellipse_spread(lum, e)
            rows.append({"product": pid, "kind": e["kind"], "lat": round(lat, 2),
                         "major_km": round(major), "minor_km": round(minor),
                         "diameter_km": round(float(np.sqrt(major * minor))),
                         "axis_ratio": round(minor / major, 3), "contrast": round(con, 3),
                         "rim": round(rim, 3),
                         "spread": None if spread is None else round(spread, 3)})  # fmt: skip
    return rows


def summary(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per kind: count and the 10/50/90th percentiles of diameter, axis ratio, contrast, rim and
    |latitude|."""
    out = {}
    for kind in sorted({r["kind"] for r in rows}):
        sel = [r for r in rows if r["kind"] == kind]
        pct = {}
        for key in ("diameter_km", "axis_ratio", "contrast", "rim", "spread", "lat"):
            vals = np.array([abs(r[key]) if key == "lat" else r[key] for r in sel
                             if r[key] is not None], float)  # fmt: skip
            pct[key] = [round(float(v), 3) for v in np.percentile(vals, [10, 50, 90])]
        out[kind] = {"n": len(sel), **pct}
    return out
