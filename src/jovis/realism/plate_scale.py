"""Plate scale as the network sees it: a checkpoint's perspective training views against the
map-projected JunoCam products as ``infer resample=auto`` feeds them.

A product without a polar grid is zoomed so that its longer side is the checkpoint's view side
(`jovis.geometry.resample.plan_resampling`, `fed_zoom`). Measures, each on both sides: the km
per pixel at the sub-spacecraft point and the limb's radius in px (`training_views`, drawn by
`jovis.synth.view.sample_perspective` without rendering, also at one altitude,
`scales_at_altitude`; `product_scale` for a product, from its metadata through
`jovis.references.junocam_geometry.product_view`), and the km per pixel at each vortex (its
radius in km over its projected major semi-axis in fed pixels: `synthetic_vortices` on rendered
training frames, `reference_vortices` on the reference ellipses, `ellipse_km`), which sets a
vortex's size in pixels. ``scripts/plate_scale.py`` prints the table.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from jovis.geometry.training import TrainingGeometry
from jovis.references.junocam_geometry import (
    LIMB_RADIUS_PX,
    north_angle,
    product_view,
    reference_products,
)
from jovis.synth.params import SynthParams
from jovis.synth.view import sample_perspective
from jovis.synth.vortices import km_per_deg

PERCENTILES = (10, 25, 50, 75, 90)


def fed_zoom(geometry: TrainingGeometry, shape: tuple[int, int]) -> float:
    """The zoom ``resample=auto`` gives a frame of `shape` without a grid or hint, for a model
    trained on views: its longer side becomes the views' side (`plan_resampling`'s rule)."""
    return geometry.view_side / max(shape)


def training_views(params: dict[str, Any] | SynthParams, size: int, n: int,
                   seed: int = 0) -> dict[str, np.ndarray]:  # fmt: skip
    """`n` perspective training views of `size` px: km/px at the sub-spacecraft point
    (``km_px``) and the limb's radius in px (``limb_px``; above half the side: the disk
    overfills the frame; a product fed at the view side has its limb at 797/800 of it)."""
    p = params if isinstance(params, SynthParams) else SynthParams.from_dict(params)
    views = [sample_perspective(seed + i, "north", size, p) for i in range(n)]
    return {"km_px": np.array([v.km_per_px for v in views]),
            "limb_px": np.array([v.limb_radius_px(p.polar_radius_km) for v in views])}  # fmt: skip


def scales_at_altitude(params: dict[str, Any] | SynthParams, size: int, altitude_km: float,
                       n: int = 400, spread: float = 0.05) -> np.ndarray:  # fmt: skip
    """km/px at the sub-spacecraft point of training views drawn at a product's altitude
    (within ±`spread`): what the network saw there from that height."""
    p = params if isinstance(params, SynthParams) else SynthParams.from_dict(params)
    band = (altitude_km * (1 - spread), altitude_km * (1 + spread))
    return training_views(replace(p, junocam_altitude_km=band), size, n)["km_px"]


def product_scale(metadata: str | Path, zoom: float, north_angle_deg: float = 0.0,
                  limb_radius_px: float = LIMB_RADIUS_PX) -> dict[str, float]:  # fmt: skip
    """A map-projected product's spacecraft altitude, km/px at the sub-spacecraft point in its
    own pixels and zoomed by `zoom` (as fed), and its limb radius as fed."""
    view = product_view(metadata, north_angle_deg, limb_radius_px)
    altitude = view.altitude_km
    native = altitude * view.rad_per_px
    return {"altitude_km": altitude, "km_px": native, "km_px_fed": native / zoom,
            "limb_px_fed": limb_radius_px * zoom}  # fmt: skip


def synthetic_vortices(n: int, size: int, params: dict[str, Any] | None = None,
                       seed: int = 0) -> list[dict[str, Any]]:  # fmt: skip
    """One row per vortex centred in `n` rendered perspective frames (`render_batch`, RGB):
    role, projected major semi-axis ``a_px``, radius ``r_km`` and ``km_px`` = r_km / a_px."""
    from jovis.realism.junocam_vortices import projected_ellipse
    from jovis.synth import render_batch

    p = SynthParams.from_dict(params)
    rows = []
    for start in range(seed, seed + n, 16):
        seeds = list(range(start, min(start + 16, seed + n)))
        batch = render_batch(seeds, size, ["red", "green", "blue"], view="perspective",
                             params=params)  # fmt: skip
        for i in range(len(seeds)):
            for v in batch.features(i)["vortices"]:
                e = projected_ellipse(batch, i, v)
                if not (0 <= e["x"] < size and 0 <= e["y"] < size) or e["a"] <= 0:
                    continue
                r_km = batch.scenes[i]["vortices"][v["id"]]["r"] * km_per_deg(p)
                rows.append({"role": v["role"], "a_px": e["a"], "r_km": r_km,
                             "km_px": r_km / e["a"]})  # fmt: skip
    return rows


def reference_vortices(ellipses: str | Path, real_root: str | Path,
                       zoom: float) -> list[dict[str, Any]]:  # fmt: skip
    """One row per reference ellipse of each product with metadata: product, kind, major
    semi-axis as fed ``a_px`` (px × `zoom`), radius ``r_km`` (half the major diameter on the
    spheroid) and ``km_px``."""
    from jovis.realism.junocam_vortices import ellipse_km

    rows = []
    for pid, prod, meta in reference_products(real_root, ellipses):
        view = product_view(meta, north_angle(prod) or 0.0)
        for e in prod["vortices"]:
            major_km = ellipse_km(view, e)[0]
            a_px = max(e["a"], e["b"]) * zoom
            rows.append({"product": pid, "kind": e["kind"], "a_px": a_px,
                         "r_km": major_km / 2, "km_px": major_km / 2 / a_px})  # fmt: skip
    return rows


def products(ellipses: str | Path, real_root: str | Path, zoom: float,
             params: dict[str, Any] | None = None,
             size: int = 0) -> list[dict[str, Any]]:  # fmt: skip
    """`product_scale` of each reference product with metadata (product id in ``product``) and,
    given the training `params` and frame `size`, the 10/50/90th percentiles of the training
    views' km/px at its altitude (``training_at_altitude``) and the fed km/px over their median
    (``ratio_at_altitude``)."""
    out = []
    for pid, prod, meta in reference_products(real_root, ellipses):
        row = {"product": pid, **product_scale(meta, zoom, north_angle(prod) or 0.0)}
        if size:
            at = scales_at_altitude(params or {}, size, row["altitude_km"])
            row["training_at_altitude"] = [float(q) for q in np.percentile(at, (10, 50, 90))]
            row["ratio_at_altitude"] = row["km_px_fed"] / row["training_at_altitude"][1]
        out.append(row)
    return out


def percentiles(values) -> list[float] | None:
    vals = np.asarray([v for v in values if v is not None], float)
    return [round(float(q), 2) for q in np.percentile(vals, PERCENTILES)] if vals.size else None


def compare(train_views: dict[str, np.ndarray], train_vortices: list[dict[str, Any]],
            real_products: list[dict[str, Any]],
            real_vortices: list[dict[str, Any]]) -> dict[str, Any]:  # fmt: skip
    """10/25/50/75/90th percentiles of each measure and the real median over the training one
    (``ratio``; above 1: the products reach the network coarser than it was trained at)."""
    pairs = {
        "subspacecraft_km_px": (
            list(train_views["km_px"]),
            [r["km_px_fed"] for r in real_products],
        ),
        "limb_px": (list(train_views["limb_px"]), [r["limb_px_fed"] for r in real_products]),
        "vortex_km_px": ([r["km_px"] for r in train_vortices], [r["km_px"] for r in real_vortices]),
        "vortex_a_px": ([r["a_px"] for r in train_vortices], [r["a_px"] for r in real_vortices]),
        "vortex_r_km": ([r["r_km"] for r in train_vortices], [r["r_km"] for r in real_vortices]),
    }
    out = {}
    for key, (train, real) in pairs.items():
        t, r = percentiles(train), percentiles(real)
        ratio = None if t is None or r is None or t[2] == 0 else round(r[2] / t[2], 3)
        out[key] = {"training": t, "training_n": len(train), "products": r,
                    "products_n": len(real), "ratio": ratio}  # fmt: skip
    return out
