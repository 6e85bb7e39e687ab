"""Scene layers in torch, for a whole batch: cloud thickness wound by the vortex winds, vortex
opacity, the main-oval emission and its exact distance band, polar emission, footprints, and the
observer's and the Sun's cosines.

Inputs are the packed scenes of `pack_scenes` (tensors on the device) and plane coordinates
(degrees from the pole) of every pixel. Every output is (B, H, W) float32 unless said otherwise.
Python loops run over vortex and footprint *slots* (a few), never over pixels or frames.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from jovis.synth import oval as ov
from jovis.synth import texture
from jovis.synth.params import SynthParams
from jovis.synth.scene import fade_params
from jovis.synth.vortices import km_per_deg

# vortex slot columns
VCOLS = ("x", "y", "r", "rmask", "w0", "rmax", "b", "arms", "phase", "contrast", "core", "cyc",
         "fill")  # fmt: skip
FILL_ROLES = ("white_oval", "dark_spot")  # vortices whose core also fills them (`_clouds`)
VI = {n: i for i, n in enumerate(VCOLS)}
DETAIL_FROM = 2  # octaves of the cloud texture counted coarse (cells 1/4, 1/8 of the lattice)
INFLUENCE = 2.5  # vortex radii over which a vortex's winding acts (tapering from 1.5)


def pack_scenes(
    scenes: list[dict[str, Any]], p: SynthParams, px_deg, fade: str = "uv"
) -> dict[str, Any]:
    """Per-frame parameters as CPU tensors: vortices (B, V, len(VCOLS)), footprints (B, S, 4),
    oval (B, len(oval.COLS)) and per-frame scalars (B,). `px_deg` is one pixel in degrees: one
    value for all frames, or one per frame (perspective views, so that a frame does not depend
    on the others in its batch). `fade` names the channel whose faint-sector depth the oval
    takes (`scene.FADE_CHANNELS`)."""
    px = list(px_deg) if isinstance(px_deg, (list, tuple)) else [px_deg] * len(scenes)
    nv = max(len(s["vortices"]) for s in scenes)
    vort = np.zeros((len(scenes), nv, len(VCOLS)))
    vort[:, :, VI["x"]] = 1e4  # empty slots sit far away and never own a pixel
    vort[:, :, VI["r"]] = vort[:, :, VI["rmask"]] = vort[:, :, VI["rmax"]] = 1.0
    vort[:, :, VI["b"]] = 1.0
    kpd = km_per_deg(p)
    for i, s in enumerate(scenes):
        for j, v in enumerate(s["vortices"]):
            spin = 1.0 if v["rotation"] == "counterclockwise" else -1.0
            omega = v["vmax"] / (v["rmax"] * kpd * 1000.0)  # rad/s scale of v/r
            vort[i, j] = (v["x"], v["y"], v["r"], max(v["r"], 0.72 * px[i]),
                          spin * omega * s["winding_s"], v["rmax"], v["b"], v["arms"],
                          v["arm_phase"], v["contrast"], v["core"],
                          v["kind"] == "cyclone",
                          v["core"] if v.get("role") in FILL_ROLES else 0.0)  # fmt: skip
    ns = max(1, max(len(s["footprints"]) for s in scenes))
    foot = np.zeros((len(scenes), ns, 4))
    foot[:, :, 0] = 1e4
    foot[:, :, 3] = 1.0
    for i, s in enumerate(scenes):
        for j, f in enumerate(s["footprints"]):
            sign = 1.0 if s["hemisphere"] == "north" else -1.0
            colat, lam = 90.0 - sign * f["lat"], math.radians(f["lon"])
            foot[i, j] = (-sign * math.sin(lam) * colat, math.cos(lam) * colat,
                          f["brightness"], f["fwhm"] / 2.3548)  # fmt: skip
    ovals = np.stack([fade_params(s, fade) for s in scenes])
    sign = np.array([1.0 if s["hemisphere"] == "north" else -1.0 for s in scenes])
    scal = {
        "sign": sign,
        "contrast": [s["cloud_contrast"] for s in scenes],
        "obs_lat": [s["observer"][0] for s in scenes],
        "obs_lon": [s["observer"][1] for s in scenes],
        "sun_lat": [s["sun"][0] for s in scenes],
        "sun_lon": [s["sun"][1] for s in scenes],
        "polar_level": polar_levels(ovals, [s["polar_fraction"] for s in scenes]),
    }
    out = {k: torch.tensor(np.asarray(v), dtype=torch.float32) for k, v in scal.items()}
    out["vortices"] = torch.from_numpy(vort).float()
    out["footprints"] = torch.from_numpy(foot).float()
    out["oval"] = torch.from_numpy(ovals).float()
    out["oval_table"] = torch.from_numpy(ov.curve_table(ovals))
    return out


EQUATOR_FADE_DEG = 5.0  # e-folding of the diffuse emission equatorward of the oval, deg
PATCH_MEAN = 1.0  # mean of the polar-emission patch factor (see `scene_layers`)


def polar_levels(ovals: np.ndarray, fractions: list[float]) -> np.ndarray:
    """Polar-emission level (relative to the oval peak) giving each frame's fraction of the total
    power poleward of the oval (Grodent 2003: ~30%): integrals along the centreline on the CPU,
    the polar area weighted by the faint sector's fade as the emission is."""
    n = 360
    x, y, fwhm = ov.polyline(ovals, n)
    phi = np.broadcast_to(np.linspace(0, 2 * math.pi, n + 1)[:-1], x.shape)
    bright = ov.brightness(ovals, phi)
    seg = np.hypot(np.roll(x, -1, 1) - x, np.roll(y, -1, 1) - y)
    power = (bright * fwhm * 1.0645 * seg).sum(1)  # Gaussian cross-section: peak·FWHM·1.0645
    # the polar emission is dimmed poleward of the faint sector (`_oval_layers`): its area
    # counts as the fan of each centreline segment times that sector's fade
    fan = (x * np.roll(y, -1, 1) - np.roll(x, -1, 1) * y) * ov.fade(ovals, phi)
    area = np.abs(0.5 * fan.sum(1))
    f = np.asarray(fractions, dtype=np.float64)
    return f / (1 - f) * power / (area * PATCH_MEAN)


def _mu(colat_c, colat_s, x, y, sign, lat, lon):
    """Cosine of the angle to a direction above (lat, lon) for plane points (x, y)."""
    d, lo = torch.deg2rad(lat)[:, None, None], torch.deg2rad(lon)[:, None, None]
    s = sign[:, None, None]
    rho = torch.sqrt(x * x + y * y).clamp(min=1e-6)
    horiz = (y * torch.cos(lo) - s * x * torch.sin(lo)) / rho
    return colat_c * torch.sin(d) * s + colat_s * torch.cos(d) * horiz


def scene_layers(
    packed: dict[str, Any], keys: torch.Tensor, x: torch.Tensor, y: torch.Tensor,
    extent: float, n_tex: int, p: SynthParams, *, emission: bool = True,
) -> dict[str, torch.Tensor]:  # fmt: skip
    """All layers at plane points x, y (B, H, W) in degrees.

    With ``emission=False`` (no channel of the batch draws the oval: JunoCam, JIRAM M) the
    emission layers (``aurora``, ``polar``, ``equator``, ``footprints``, ``oval_u2``,
    ``oval_peak``) are left out and only the label masks of the oval, polar region and
    footprints are computed, the same pixels as with them; the footprints' mask only for the
    "fine" schema, the one label map that reads it. A reader of a left-out layer fails (KeyError).
    """
    b, h, w = x.shape
    colat = torch.sqrt(x * x + y * y)
    cc, cs = torch.cos(torch.deg2rad(colat)), torch.sin(torch.deg2rad(colat))
    sign = packed["sign"]
    mu_obs = _mu(cc, cs, x, y, sign, packed["obs_lat"], packed["obs_lon"])
    mu_sun = _mu(cc, cs, x, y, sign, packed["sun_lat"], packed["sun_lon"])
    vortex = _vortex_winding(packed["vortices"], x, y)
    own, in_mask = vortex["own"], vortex["in_mask"]
    clouds, alpha, tex, arms, fill_w, detail = _clouds(packed, keys, vortex, x, y, extent, n_tex)
    oval = _oval_layers(packed, x, y, tex, p.polar_gap_deg, emission=emission)
    fine = p.label_schema == "fine"
    if emission or fine:
        foots, foot_mask = _footprint_layers(packed["footprints"], x, y, emission=emission)
    layers = {
        "clouds": clouds,
        "albedo": tex[:, 2] * 0.5,
        "cloud_detail": detail[:, 0],
        "albedo_detail": detail[:, 1] * 0.5,
        "alpha": alpha,
        "vortex_arms": arms,
        "vortex_fill": own[VI["fill"]] * fill_w,
        "vortex_fill_w": fill_w,
        "cyclone": own[VI["cyc"]],
        "vortex_mask": in_mask,
        "vortex_owner": vortex["owner"],  # (B, H, W) slot of the vortex nearest in radii
        "vortex_rn": vortex["rn"],  # distance from that vortex's centre / its radius
        "vortex_fill_slots": packed["vortices"][..., VI["fill"]] != 0,  # (B, V): ovals, spots
        "anticyclone_mask": in_mask & (own[VI["cyc"]] < 0.5),
        "aurora_mask": oval["aurora_mask"].view(b, h, w),
        "polar_mask": ((oval["radial"] < 0) & ~oval["aurora_mask"]).view(b, h, w),
        "mu_obs": mu_obs,
        "mu_sun": mu_sun,
        "colat": colat,
    }
    if emission:
        for name in ("aurora", "oval_u2", "oval_peak", "polar", "equator"):
            layers[name] = oval[name].view(b, h, w)
        layers["footprints"] = foots
    if emission or fine:
        layers["footprint_mask"] = foot_mask
    return layers


def _vortex_winding(vt: torch.Tensor, x: torch.Tensor, y: torch.Tensor) -> dict[str, Any]:
    """Each pixel's owning vortex (its slot columns, ``own``), the offset from its centre
    (``dx``, ``dy``), distance / radius ``rn``, winding angle ``theta``, and the tracer source
    point (``sx``, ``sy``) the vortex wind brought to the pixel."""
    # vortex ownership: the vortex with the smallest distance / radius owns a pixel. The
    # normalised squared distances of all vortices come from one small matmul; the owner's is
    # then recomputed exactly, so its value does not depend on the matmul's summation order.
    b, h, w = x.shape
    vx, vy, inv = vt[..., VI["x"]], vt[..., VI["y"]], 1.0 / vt[..., VI["rmask"]] ** 2
    coef = torch.stack((inv, -2 * vx * inv, -2 * vy * inv, (vx * vx + vy * vy) * inv), 1)
    feats = torch.stack((x * x + y * y, x, y, torch.ones_like(x)), -1).view(b, -1, 4)
    owner = torch.bmm(feats, coef).argmin(-1)  # (B, HW)
    own = torch.gather(vt, 1, owner[..., None].expand(-1, -1, vt.shape[2]))
    own = own.view(b, h, w, -1).unbind(-1)
    dx, dy = x - own[VI["x"]], y - own[VI["y"]]
    d2 = dx * dx + dy * dy
    in_mask = d2 <= own[VI["rmask"]] * own[VI["rmask"]]
    rn = torch.sqrt(d2) / own[VI["r"]]  # distance / radius
    rkm_x = (rn * (own[VI["r"]] / own[VI["rmax"]])).clamp(min=1e-4)  # x = r / r_max
    bb = own[VI["b"]]
    taper = ((INFLUENCE - rn) * (1.0 / (INFLUENCE - 1.5))).clamp(0.0, 1.0)
    theta = own[VI["w0"]] * torch.exp((1.0 - torch.exp(bb * torch.log(rkm_x))) / bb) * taper
    c, s = torch.cos(theta), torch.sin(theta)
    # the tracer now at p came from p rotated back by θ (screen y is down: CCW is −angle)
    sx = own[VI["x"]] + c * dx - s * dy
    sy = own[VI["y"]] + s * dx + c * dy
    return {"own": own, "owner": owner.view(b, h, w), "dx": dx, "dy": dy, "in_mask": in_mask,
            "rn": rn, "theta": theta, "sx": sx, "sy": sy}  # fmt: skip


def _clouds(packed, keys, vortex, x, y, extent, n_tex):
    """Cloud thickness wound by the vortex winds, with each vortex's own arms and core blended
    in by its opacity ``alpha``; returns (clouds, alpha, the 3-channel texture, the spiral arms'
    share of the clouds, ``alpha`` times the arm term, which a channel may tone down, the
    flat-topped weight of the fill of white ovals and dark spots: 1 out to 0.9 radii, 0 from
    1.05 and for other vortices, which a channel may use, and (B, 2, H, W) the share of the
    clouds and of texture channel 2 from the texture's octaves finer than `DETAIL_FROM` (cells
    under 1/8 of the lattice), which a channel may tone down)."""
    own, rn, theta = vortex["own"], vortex["rn"], vortex["theta"]
    warp = texture.fbm(keys, "warp", 2, min(n_tex, 64), max_cells=16)
    warp = texture.sample(warp, x, y, extent) * (0.04 * extent)
    tex, coarse = texture.fbm(keys, "clouds", 3, n_tex, coarse_octaves=DETAIL_FROM)
    sx, sy = vortex["sx"] + warp[:, 0], vortex["sy"] + warp[:, 1]
    tex = texture.sample(tex, sx, sy, extent)
    fine = tex[:, 0::2] - texture.sample(coarse[:, 0::2], sx, sy, extent)
    con = packed["contrast"][:, None, None]
    clouds = (0.5 + 0.28 * con * tex[:, 0]).clamp(0.0, 1.0)

    # the source's angle (clockwise-positive on screen, like the rotation above): spokes
    # through the source become trailing arms
    ang = torch.atan2(vortex["dy"], vortex["dx"]) + theta
    arms = torch.cos(own[VI["arms"]] * ang + own[VI["phase"]])
    ramp = (rn / 0.25).clamp(0.0, 1.0)
    arm_term = 0.5 * own[VI["contrast"]] * arms * ramp
    vtex = 0.5 + arm_term + own[VI["core"]] * torch.exp(-25.0 * rn * rn)
    alpha = ((1.15 - rn) / 0.3).clamp(0.0, 1.0)
    clouds = ((1 - alpha) * clouds + alpha * (vtex + 0.35 * (clouds - 0.5))).clamp(0.0, 1.0)
    fill_w = (own[VI["fill"]] != 0) * ((1.05 - rn) / 0.15).clamp(0.0, 1.0)
    # the fine octaves' share of the clouds above (before their clamps): 0.28·con·fine, kept
    # whole outside the vortices and at 0.35 inside
    detail = torch.stack((0.28 * con * fine[:, 0] * (1 - 0.65 * alpha), fine[:, 1]), 1)
    return clouds, alpha, tex, alpha * arm_term, fill_w, detail


def _oval_layers(packed, x, y, tex, gap: float = 0.0, *, emission: bool = True):
    """Main oval: exact distance to the centreline, emission with the local width/brightness, and
    the polar emission inside it, starting `gap` degrees poleward of the centreline; (B, H·W)
    tensors. Without `emission`, only the label mask and the signed distance (``radial``)."""
    b = x.shape[0]
    op = packed["oval"]
    flat = (x.reshape(b, -1), y.reshape(b, -1))
    dist, foot, radial, fw, bright = ov.table_distance(op, packed["oval_table"], *flat)
    aurora_mask = dist <= fw * 0.5
    if not emission:
        return {"aurora_mask": aurora_mask, "radial": radial}
    sigma = fw * (1 / 2.3548)
    z = dist / sigma
    aurora = torch.exp(-0.5 * z * z) * bright
    inside = torch.sigmoid((-radial / sigma).clamp(-30, 30))
    # polar emission: patchy (texture channel 1), dusk-side active, dawn-side dark (Grodent 2003)
    dusk = ov.col(op, "dawn_phi") + math.pi
    mlt = 1.0 + 0.5 * torch.cos(foot - dusk)
    # patch contrast 0.8 (was 2: with the faint sector's dim cap the realism polar_texture was 2.9)
    patches = (1.0 + 0.8 * tex[:, 1].reshape(b, -1)).clamp(min=0.0)
    cap = torch.sigmoid(((-radial - gap) / sigma).clamp(-30, 30)) if gap > 0 else inside
    # poleward of the faint sector the polar emission is faint too (the v03 frames read ~0 kR
    # 3-8° inside their faintest quarter of the oval: median -1 to 63 kR)
    polar = packed["polar_level"][:, None] * cap * patches * mlt * ov.fade(op, foot)
    # diffuse emission equatorward of the oval (unit level, scaled per instrument): patchy
    # (texture channel 2), fading over EQUATOR_FADE_DEG
    grain = (1.0 + 0.8 * tex[:, 2].reshape(b, -1)).clamp(min=0.0)
    equator = (1 - inside) * torch.exp(-radial.clamp(min=0.0) / EQUATOR_FADE_DEG) * grain
    # the cross-section in half-widths (u = 1 at half maximum) and the peak, for instruments
    # that draw another profile of the same FWHM (`uv.oval_profile`)
    return {"aurora": aurora, "aurora_mask": aurora_mask, "polar": polar, "radial": radial,
            "equator": equator, "oval_u2": (2 * dist / fw) ** 2, "oval_peak": bright}  # fmt: skip


def _footprint_layers(fp, x, y, *, emission: bool = True):
    """Satellite footprints: Gaussian spots relative to the oval peak (None without
    `emission`), and their FWHM/2 disks."""
    foots = torch.zeros_like(x) if emission else None
    foot_mask = torch.zeros_like(x, dtype=torch.bool)
    for j in range(fp.shape[1]):
        fx, fy = x - fp[:, j, 0, None, None], y - fp[:, j, 1, None, None]
        d2 = fx * fx + fy * fy
        sig2 = fp[:, j, 3, None, None] ** 2
        if emission:
            foots = foots + fp[:, j, 2, None, None] * torch.exp(-0.5 * d2 / sig2)
        foot_mask |= (d2 <= 1.386 * sig2) & (fp[:, j, 2, None, None] > 0)  # within FWHM/2
    return foots, foot_mask
