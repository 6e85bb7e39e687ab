"""Vortex sizes (km), latitudes, shapes and contrasts measured on the shared JunoCam products.

The reference ellipses (`jovis.references`, ``real_v2/junocam_ellipses.json``) are in pixels of
the map-projected composites. Through each product's view model
(`jovis.references.junocam_geometry.product_view`: the metadata's sub-spacecraft point and
altitude, the 797 px limb) the ends of each ellipse's axes are cast back onto the spheroid, so an
ellipse's diameters are surface distances in km whatever the foreshortening. Contrast is measured
on the composite's luminance (Rec. 601 weights of the 8-bit RGB): interior mean against the mean of
the ring 1.3–1.8 semi-axes out, ``(in − out) / out``; the rim contrast compares the ring
0.8–1.05 semi-axes with the interior; the spread (`ellipse_spread`) is the luminance sd inside
over that of the ring (real vortices are as smooth as their surroundings, ~0.9; see
`synthetic_spreads` for the renderer's). At the model's scale (the product zoomed to
`MODEL_SIZE` px a side, as ``infer resample=auto`` feeds it) each ellipse also gets
`vortex_stats` on the luminance as the network normalises it (contrast, the ring's sd), the
statistics `synthetic_rows` measures on the renderer's composite views, each vortex in its
`projected_ellipse` (`compare`: real kind against synthetic role). Products without metadata
(PJ45) have no view model and are left out. ``scripts/measure_junocam_vortices.py`` prints the
table the params of ``configs/synth.yaml`` cite.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np

from jovis.data.normalise import DEFAULT_NORMALISATION
from jovis.geometry.body import distance_km
from jovis.geometry.reproject import PerspectiveView
from jovis.realism.oval_width import sample_at
from jovis.references.frameset import ELLIPSES, STORED
from jovis.references.junocam_geometry import SHAPE, north_angle, product_view, reference_products
from jovis.synth import render_batch
from jovis.synth.scene import plane_to_latlon

MODEL_SIZE = 256  # px a side: the release recipe's data.size, the scale infer zooms a product to
# real kind -> synthetic role (`jovis.synth.vortices`) whose statistics are compared
# reference kinds compared with the renderer's cyclones (white ovals and dark spots left out)
CYCLONIC = ("circumpolar_cyclone", "spiral_storm", "vortex")
ROLES = {"white_ovals": ("white_oval", "white_oval"), "dark_spots": ("dark_spot", "dark_spot"),
         "circumpolar": ("circumpolar_cyclone", "circumpolar")}  # fmt: skip


def ellipse_km(view: PerspectiveView, e: dict[str, Any]) -> tuple[float, float, float]:
    """(major km, minor km, centre latitude) of one reference ellipse."""
    ang = np.radians(e["angle"])
    ux, uy = np.cos(ang), np.sin(ang)
    ends = np.array([[e["x"] + s * e["a"] * ux, e["y"] + s * e["a"] * uy] for s in (-1, 1)]
                    + [[e["x"] - s * e["b"] * uy, e["y"] + s * e["b"] * ux] for s in (-1, 1)]
                    + [[e["x"], e["y"]]])  # fmt: skip
    lat, lon = view.latlon(ends[:, 0], ends[:, 1], SHAPE)
    d1 = float(distance_km(lat[0], lon[0], lat[1], lon[1]))
    d2 = float(distance_km(lat[2], lon[2], lat[3], lon[3]))
    return max(d1, d2), min(d1, d2), float(lat[4])


def _ellipse_radius(shape: tuple[int, int], e: dict[str, Any]) -> np.ndarray:
    """Each pixel's distance from the ellipse's centre in units of its semi-axes."""
    h, w = shape
    yy, xx = np.mgrid[0:h, 0:w]
    return _points_radius(xx, yy, e)


def _points_radius(x: np.ndarray, y: np.ndarray, e: dict[str, Any]) -> np.ndarray:
    """The distance of the points (x, y) from the ellipse's centre in units of its semi-axes."""
    ang = np.radians(e["angle"])
    u = ((x - e["x"]) * np.cos(ang) + (y - e["y"]) * np.sin(ang)) / e["a"]
    v = (-(x - e["x"]) * np.sin(ang) + (y - e["y"]) * np.cos(ang)) / e["b"]
    return np.sqrt(u * u + v * v)


def ellipse_contrast(
    lum: np.ndarray, e: dict[str, Any], seen: np.ndarray | None = None
) -> tuple[float, float]:
    """(interior contrast against the surroundings, rim contrast against the interior); NaN
    where a region holds no seen pixel."""
    r = _ellipse_radius(lum.shape, e)
    seen = lum > 8 if seen is None else seen  # sky and night are not surroundings
    if not (((r < 0.8) & seen).any() and ((r >= 1.3) & (r < 1.8) & seen).any()):
        return float("nan"), float("nan")
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


def red_shift(rgb: np.ndarray, e: dict[str, Any], seen: np.ndarray | None = None) -> float | None:
    """How much redder the ellipse's interior (< 0.8 semi-axes) is than the ring 1.3–1.8
    semi-axes out: the difference of their mean red chromaticity R / (R + G + B) (`rgb` H×W×3 in
    R, G, B order). The renderer reddens its cyclones (PHYSICS.md: "the cyclones look
    reddish"); this is the measure to hold it to the products. None where either region holds
    fewer than 10 seen pixels."""
    rgb = np.asarray(rgb, np.float64)
    total = rgb.sum(2)
    seen = (total > 0) if seen is None else seen
    r = _ellipse_radius(total.shape, e)
    inner, ring = (r < 0.8) & seen & (total > 0), (r >= 1.3) & (r < 1.8) & seen & (total > 0)
    if inner.sum() < 10 or ring.sum() < 10:
        return None
    chroma = rgb[..., 0] / np.maximum(total, 1e-9)
    return float(chroma[inner].mean() - chroma[ring].mean())


def model_normalised(lum: np.ndarray, seen: np.ndarray) -> np.ndarray:
    """`lum` as the network sees it (`jovis.data.normalise` defaults): the seen pixels' 1st
    percentile at 0 and their 99.5th at 1, not clipped."""
    q = (DEFAULT_NORMALISATION["low"], DEFAULT_NORMALISATION["high"])
    lo, hi = np.percentile(lum[seen], q) if seen.any() else (0.0, 1.0)
    return (lum - lo) / max(float(hi - lo), 1e-6)


def vortex_stats(
    lum: np.ndarray, e: dict[str, Any], seen: np.ndarray | None = None
) -> dict[str, float | None]:
    """An ellipse's statistics as the network sees them: ``contrast`` ((in − out) / out, as
    `ellipse_contrast`), and on `model_normalised` luminance ``norm_contrast`` (in − out) and
    ``ring_sd`` (the sd of the ring 1.3–1.8 semi-axes out: how busy the surroundings are) and
    ``ring_rough`` (the sd about the ring's least-squares plane: its texture without the
    illumination's gradient), ``alignment`` (`radial_alignment`: texture wound about the
    centre, over the ring's), ``outline`` (`outline_edge`: how sharply the outline is drawn
    against the clouds about it); ``full``: whether the interior and the ring lie wholly on the
    frame's seen pixels (limb and terminator vortices are foreshortened or half lit). None where
    the interior or the ring holds fewer than 10 seen pixels."""
    seen = lum > 8 if seen is None else seen
    r = _ellipse_radius(lum.shape, e)
    inner, ring = (r < 0.8) & seen, (r >= 1.3) & (r < 1.8) & seen
    if inner.sum() < 10 or ring.sum() < 10:
        return {"contrast": None, "norm_contrast": None, "ring_sd": None, "ring_rough": None,
                "alignment": None, "outline": None, "full": False}  # fmt: skip
    # every pixel of the interior and ring is seen, and the ring does not leave the frame
    a = max(e["a"], e["b"]) * 1.8
    on_frame = a <= min(e["x"], e["y"], lum.shape[1] - 1 - e["x"], lum.shape[0] - 1 - e["y"])
    full = bool(on_frame and inner.sum() == (r < 0.8).sum()
                and ring.sum() == ((r >= 1.3) & (r < 1.8)).sum())  # fmt: skip
    n = model_normalised(lum, seen)
    i_raw, o_raw = float(lum[inner].mean()), float(lum[ring].mean())
    yy, xx = np.nonzero(ring)
    design = np.stack((np.ones(xx.size), xx - xx.mean(), yy - yy.mean()), 1)
    resid = n[ring] - design @ np.linalg.lstsq(design, n[ring], rcond=None)[0]
    return {"contrast": (i_raw - o_raw) / o_raw if o_raw > 0 else None,
            "norm_contrast": float(n[inner].mean() - n[ring].mean()),
            "ring_sd": float(n[ring].std()), "ring_rough": float(resid.std()),
            "alignment": radial_alignment(lum, e, seen), "outline": outline_edge(lum, e, seen),
            "full": full}  # fmt: skip


def radial_alignment(lum: np.ndarray, e: dict[str, Any], seen: np.ndarray) -> float | None:
    """How much the interior's texture is wound about the ellipse's centre: the mean of cos 2Δ
    weighted by the gradient energy, Δ the angle between the luminance gradient (Sobel) and the
    direction from the centre, over 0.2–0.8 semi-axes (cloud bands wound round the centre: +1,
    spokes: −1, texture without a preferred direction: 0), minus the same about the same
    centre over the ring 1.3–1.8 semi-axes out (a large-scale gradient or bands passing by give
    both). Gradients next to unseen pixels are the data's edge, not texture, and are left out.
    None where either region holds fewer than 10 such pixels or no gradient."""
    lum = np.asarray(lum, np.float64)
    gx = cv2.Sobel(lum, cv2.CV_64F, 1, 0, ksize=3)
    gy = cv2.Sobel(lum, cv2.CV_64F, 0, 1, ksize=3)
    inside = cv2.erode(seen.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    h, w = lum.shape
    yy, xx = np.mgrid[0:h, 0:w]
    delta = np.arctan2(gy, gx) - np.arctan2(yy - e["y"], xx - e["x"])
    weight, cos2 = gx * gx + gy * gy, np.cos(2 * delta)
    r = _ellipse_radius(lum.shape, e)
    means = []
    for region in ((r >= 0.2) & (r < 0.8) & inside, (r >= 1.3) & (r < 1.8) & inside):
        total = float(weight[region].sum())
        if region.sum() < 10 or total <= 0:
            return None
        means.append(float((weight[region] * cos2[region]).sum()) / total)
    return means[0] - means[1]


def outline_edge(lum: np.ndarray, e: dict[str, Any], seen: np.ndarray) -> float | None:
    """How sharply the ellipse's outline is drawn: the mean luminance gradient magnitude (Sobel)
    on the band 0.85–1.15 semi-axes over that of the ring 1.3–1.8 semi-axes out (about 1: the
    outline is no sharper than the surrounding clouds; above 1: a drawn edge or rim). Gradients
    next to unseen pixels are left out. None where either band holds fewer than 10 such pixels
    or the ring no gradient."""
    lum = np.asarray(lum, np.float64)
    mag = np.hypot(
        cv2.Sobel(lum, cv2.CV_64F, 1, 0, ksize=3), cv2.Sobel(lum, cv2.CV_64F, 0, 1, ksize=3)
    )
    inside = cv2.erode(seen.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    r = _ellipse_radius(lum.shape, e)
    band, ring = (r >= 0.85) & (r < 1.15) & inside, (r >= 1.3) & (r < 1.8) & inside
    if band.sum() < 10 or ring.sum() < 10 or mag[ring].mean() <= 0:
        return None
    return float(mag[band].mean() / mag[ring].mean())


def neighbour_gaps(lum: np.ndarray, ellipses: list[dict[str, Any]], seen: np.ndarray,
                   reach: float = 2.0) -> list[float | None]:  # fmt: skip
    """For each ellipse, the luminance of the gap between it and its nearest neighbour among
    `ellipses` against their interiors, on `model_normalised` luminance: along the segment
    joining the two centres (bilinear, 0.25 px steps), the median of the samples outside both
    (≥ 1.05 semi-axes of each) less the mean of those inside either (< 0.6 semi-axes); > 0 a
    bright lane parts them, < 0 a dark one, ~0 the cyclones run into each other. None where the
    nearest neighbour's centre lies beyond `reach` × the sum of the two semi-major axes, or the
    segment holds fewer than 2 gap or interior samples on seen pixels."""
    n = model_normalised(lum, seen)
    out: list[float | None] = []
    for i, e in enumerate(ellipses):
        others = [o for j, o in enumerate(ellipses) if j != i]
        if not others:
            out.append(None)
            continue
        o = min(others, key=lambda o: np.hypot(o["x"] - e["x"], o["y"] - e["y"]))
        dist = float(np.hypot(o["x"] - e["x"], o["y"] - e["y"]))
        if dist > reach * (max(e["a"], e["b"]) + max(o["a"], o["b"])):
            out.append(None)
            continue
        t = np.linspace(0.0, 1.0, max(int(dist * 4), 2) + 1)
        xs, ys = e["x"] + t * (o["x"] - e["x"]), e["y"] + t * (o["y"] - e["y"])
        val = sample_at(n, xs[None], ys[None])[0]
        ok = sample_at(seen, xs[None], ys[None])[0] > 0.999  # 0 off the frame
        r1, r2 = _points_radius(xs, ys, e), _points_radius(xs, ys, o)
        gap, interior = ok & (r1 >= 1.05) & (r2 >= 1.05), ok & ((r1 < 0.6) | (r2 < 0.6))
        if gap.sum() < 2 or interior.sum() < 2:
            out.append(None)
            continue
        out.append(float(np.median(val[gap]) - val[interior].mean()))
    return out


def zoomed_with_ellipses(lum: np.ndarray, ellipses: list[dict[str, Any]],
                         size: int = MODEL_SIZE):  # fmt: skip
    """(luminance, seen, ellipses) with `lum` zoomed (area mean) to `size` px on its longer
    side, as infer feeds a product to the model; a pixel counts as seen when all the pixels it
    averages are (> 8)."""
    f = size / max(lum.shape)
    dsize = (round(lum.shape[1] * f), round(lum.shape[0] * f))
    small = cv2.resize(lum.astype(np.float32), dsize, interpolation=cv2.INTER_AREA)
    seen = cv2.resize((lum > 8).astype(np.float32), dsize, interpolation=cv2.INTER_AREA) > 0.999
    scaled = [{**e, "x": (e["x"] + 0.5) * f - 0.5, "y": (e["y"] + 0.5) * f - 0.5,
               "a": e["a"] * f, "b": e["b"] * f} for e in ellipses]  # fmt: skip
    return small, seen, scaled


def model_scale_stats(lum: np.ndarray, ellipses: list[dict[str, Any]],
                      size: int = MODEL_SIZE) -> list[dict[str, Any]]:  # fmt: skip
    """`vortex_stats` of each ellipse on `lum` zoomed to `size` px (`zoomed_with_ellipses`), as
    infer feeds a product to the model, with ``gap`` (`neighbour_gaps`) for the circumpolar
    cyclones, among themselves (None for other kinds)."""
    small, seen, scaled = zoomed_with_ellipses(lum, ellipses, size)
    ring = [i for i, e in enumerate(scaled) if e.get("kind") == "circumpolar_cyclone"]
    gaps = dict(zip(ring, neighbour_gaps(small, [scaled[i] for i in ring], seen), strict=True))
    return [{**vortex_stats(small, es, seen), "gap": gaps.get(i)} for i, es in enumerate(scaled)]


def projected_ellipse(batch, i: int, vortex: dict[str, Any], n: int = 64) -> dict[str, Any]:
    """The ellipse a synthetic vortex's outline makes in frame `i` of a perspective `batch`, as
    the reference ellipses are drawn on the products: `n` points of its circle (plane degrees,
    `jovis.synth.scene`) cast through the frame's view; centre, semi-axes and angle from their
    second moments (an affine image of a circle sampled evenly: semi-axis = √(2·eigenvalue)).
    The features' ``radius_px`` is the radius at the nadir's scale: off the nadir the vortex is
    smaller and foreshortened, and its 1.3–1.8 ring there reached into the surroundings' larger
    scales (`vortex_stats`)."""
    sv = batch.scenes[i]["vortices"][vortex["id"]]
    t = np.linspace(0.0, 2 * np.pi, n, endpoint=False)
    lat, lon = plane_to_latlon(sv["x"] + sv["r"] * np.cos(t), sv["y"] + sv["r"] * np.sin(t),
                               batch.hemispheres[i])  # fmt: skip
    px, py = batch.views[i].pixel(lat, lon, batch.size, batch.radius_km)
    pts = np.stack((px, py), 1)
    centre = pts.mean(0)
    val, vec = np.linalg.eigh(np.cov(pts.T, bias=True))
    a, b = np.sqrt(2 * np.maximum(val[::-1], 1e-12))
    angle = float(np.degrees(np.arctan2(vec[1, 1], vec[0, 1])))
    return {"x": float(centre[0]), "y": float(centre[1]), "a": float(a), "b": float(b),
            "angle": angle}  # fmt: skip


def synthetic_rows(n: int, size: int = MODEL_SIZE, seed: int = 0,
                   params: dict[str, Any] | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """One row per vortex (≥ 3 px in radius at the nadir's scale) of `n` synthetic JunoCam
    composite views (`render_batch`, perspective, ``junocam_product_prob`` 1 unless `params`
    say), each measured in its `projected_ellipse` as the references are in theirs: role, kind,
    radius_px, the ellipse's semi-axes, spread and `vortex_stats` (None where too few pixels
    are seen)."""
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
        rgb = batch.image[i].permute(1, 2, 0).numpy()
        vortices = [v for v in batch.features(i)["vortices"] if v["radius_px"] >= 3]
        ellipses = [projected_ellipse(batch, i, v) for v in vortices]
        ring = [k for k, v in enumerate(vortices) if v["role"] == "circumpolar"]
        gaps = dict(zip(ring, neighbour_gaps(lum, [ellipses[k] for k in ring], seen), strict=True))
        for k, (v, e) in enumerate(zip(vortices, ellipses, strict=True)):
            out.append({"role": v["role"], "kind": v["kind"], "radius_px": v["radius_px"],
                        "a": round(e["a"], 3), "b": round(e["b"], 3),
                        "spread": ellipse_spread(lum, e, seen),
                        "red_shift": red_shift(rgb, e, seen), "gap": gaps.get(k),
                        **vortex_stats(lum, e, seen)})  # fmt: skip
    return out


def synthetic_spreads(n: int, size: int = 256, seed: int = 0,
                      params: dict[str, Any] | None = None) -> list[float]:  # fmt: skip
    """`ellipse_spread` of every vortex (≥ 3 px in radius) of `synthetic_rows`."""
    return [r["spread"] for r in synthetic_rows(n, size, seed, params) if r["spread"] is not None]


def _round(v: float | None, nd: int) -> float | None:
    return None if v is None else round(v, nd)


def _pct(vals) -> list[float] | None:
    vals = [v for v in vals if v is not None]
    return [round(float(v), 3) for v in np.percentile(vals, [10, 50, 90])] if vals else None


def compare(real: list[dict[str, Any]], synth: list[dict[str, Any]]) -> dict[str, Any]:
    """10/50/90th percentiles, real (``model_*`` columns of `measure`) against synthetic
    (`synthetic_rows`), both over the vortices wholly seen (``full``), of the contrast and
    normalised contrast of white ovals, dark spots and circumpolar cyclones (`ROLES`) and of
    every vortex's ring sd and roughness, and of the cyclones' `red_shift` and
    `radial_alignment` (all cyclonic kinds, and the circumpolar ones alone), with the synthetic
    median over the real one
    (``ratio``; the realism floor is ×1.3)."""
    real = [r for r in real if r["model_full"]]
    synth = [s for s in synth if s["full"]]
    pairs = {}
    for name, (kind, role) in ROLES.items():
        for stat in ("contrast", "norm_contrast"):
            pairs[f"{name}_{stat}"] = ([r[f"model_{stat}"] for r in real if r["kind"] == kind],
                                       [s[stat] for s in synth if s["role"] == role])  # fmt: skip
    for stat in ("ring_sd", "ring_rough"):
        pairs[stat] = ([r[f"model_{stat}"] for r in real], [s[stat] for s in synth])
    # the circumpolar ring's look: outlines drawn sharper than the clouds about them, and what
    # lies between neighbouring cyclones (a lane, or nothing: the cyclones run together)
    for stat in ("outline", "gap"):
        pairs[f"circumpolar_{stat}"] = (
            [r[f"model_{stat}"] for r in real if r["kind"] == "circumpolar_cyclone"],
            [s[stat] for s in synth if s["role"] == "circumpolar"],
        )
    # cyclones only: colour (the renderer reddens cyclones, not anticyclones) and structure
    # (texture wound about the centre); real cyclonic kinds are the circumpolar cyclones, spiral
    # storms and other vortices
    for stat, real_key in (("red_shift", "red_shift"), ("alignment", "model_alignment")):
        pairs[f"cyclone_{stat}"] = ([r[real_key] for r in real if r["kind"] in CYCLONIC],
                                    [s[stat] for s in synth if s["kind"] == "cyclone"])  # fmt: skip
        pairs[f"circumpolar_{stat}"] = (
            [r[real_key] for r in real if r["kind"] == "circumpolar_cyclone"],
            [s[stat] for s in synth if s["role"] == "circumpolar"],
        )
    out = {}
    for key, (a, b) in pairs.items():
        pa, pb = _pct(a), _pct(b)
        ratio = None if pa is None or pb is None or pa[1] == 0 else round(pb[1] / pa[1], 3)
        out[key] = {"real": pa, "real_n": sum(v is not None for v in a), "synthetic": pb,
                    "synthetic_n": sum(v is not None for v in b), "ratio": ratio}  # fmt: skip
    return out


def measure(real_root: Path) -> list[dict[str, Any]]:
    """One row per reference ellipse of every product with a view model."""
    rows = []
    for pid, prod, meta in reference_products(real_root, STORED / ELLIPSES):
        image = Path(real_root) / prod["image"]
        view = product_view(meta, north_angle(prod) or 0.0)
        rgb = cv2.imread(str(image), cv2.IMREAD_COLOR)
        if rgb is None:
            raise FileNotFoundError(f"{image}: not readable (product {pid} of {ELLIPSES})")
        lum = rgb.astype(np.float64) @ np.array([0.114, 0.587, 0.299])  # BGR weights
        small = model_scale_stats(lum, prod["vortices"])
        seen = lum > 8
        for e, sm in zip(prod["vortices"], small, strict=True):
            major, minor, lat = ellipse_km(view, e)
            con, rim = ellipse_contrast(lum, e)
            spread = ellipse_spread(lum, e)
            rows.append({"product": pid, "kind": e["kind"], "lat": round(lat, 2),
                         "major_km": round(major), "minor_km": round(minor),
                         "diameter_km": round(float(np.sqrt(major * minor))),
                         "axis_ratio": round(minor / major, 3), "contrast": round(con, 3),
                         "rim": round(rim, 3),
                         "spread": None if spread is None else round(spread, 3),
                         "red_shift": _round(red_shift(rgb[..., ::-1], e, seen), 4),
                         **{f"model_{k}": v if v is None or isinstance(v, bool)
                            else round(v, 4) for k, v in sm.items()}})  # fmt: skip
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
