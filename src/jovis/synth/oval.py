"""The main auroral oval: a closed, kidney-shaped centreline with exact point-to-curve distance.

Centreline about an offset centre (cx, cy), in plane degrees (see `jovis.synth.scene`):
``r(φ) = r0·(1 + a2 cos(2φ+p2) + a3 cos(3φ+p3) + Σₖ Aₖ·exp(−δₖ²/2sₖ²))`` with δₖ the wrapped
angle from bump k: the low-latitude excursion (A > 0), the poleward bulge (A < 0) and the kink
(a narrow inward notch, north only). Width and brightness vary along the arc; the dawn arc is
brighter and, in a dawn storm, broader. Every function takes per-frame parameters as tensors of
shape (B, 1) and points of shape (B, N), so one call serves a whole batch.
"""

from __future__ import annotations

import math

import numpy as np
import torch

# Column order of the packed parameters (B, len(COLS)).
COLS = (
    "cx", "cy", "r0", "a2", "p2", "a3", "p3",
    "e_amp", "e_phi", "e_w", "q_amp", "q_phi", "q_w", "k_amp", "k_phi", "k_w",
    "fwhm", "w_amp", "w_phase", "b1", "q1", "b2", "q2", "b3", "q3",
    "dawn_phi", "dawn_gain", "dawn_w", "dawn_broad", "fade_phi", "fade_depth", "fade_w",
)  # fmt: skip
IDX = {name: i for i, name in enumerate(COLS)}
TWO_PI = 2 * math.pi


def col(params, name: str):
    """One parameter column as (B, 1)."""
    return params[:, IDX[name] : IDX[name] + 1]


def _xp(a):
    """numpy for arrays (scene sampling on the CPU, single-threaded), torch for tensors."""
    return torch if isinstance(a, torch.Tensor) else np


def _wrap(a):
    return _xp(a).remainder(a + math.pi, TWO_PI) - math.pi


def radius(params, phi):
    """Centreline radius r(φ) and its first two derivatives, each (B, N), degrees (numpy arrays
    or torch tensors)."""
    xp = _xp(phi)
    r0 = col(params, "r0")
    rel, d1, d2 = xp.ones_like(phi), xp.zeros_like(phi), xp.zeros_like(phi)
    for n, a, p in ((2, "a2", "p2"), (3, "a3", "p3")):
        t = n * phi + col(params, p)
        c, s, amp = xp.cos(t), xp.sin(t), col(params, a)
        rel = rel + amp * c
        d1 = d1 - amp * n * s
        d2 = d2 - amp * n * n * c
    for pre in ("e", "q", "k"):
        amp, w = col(params, f"{pre}_amp"), col(params, f"{pre}_w")
        delta = _wrap(phi - col(params, f"{pre}_phi"))
        g = amp * xp.exp(-0.5 * (delta / w) ** 2)
        rel = rel + g
        d1 = d1 - delta / w**2 * g
        d2 = d2 + (delta**2 / w**4 - 1 / w**2) * g
    return r0 * rel, r0 * d1, r0 * d2


def points(params, phi):
    """Centreline points (x, y) at curve angles φ, each (B, N)."""
    xp = _xp(phi)
    r = radius(params, phi)[0]
    return col(params, "cx") + r * xp.cos(phi), col(params, "cy") + r * xp.sin(phi)


def distance(params: torch.Tensor, x: torch.Tensor, y: torch.Tensor, iters: int = 4):
    """Exact distance (degrees) from points (B, N) to the centreline, the foot's curve angle, and
    the signed radial offset (negative inside the oval). Analytic reference of `table_distance`."""
    ex0, ey0 = x - col(params, "cx"), y - col(params, "cy")
    phi = torch.atan2(ey0, ex0)
    radial = torch.sqrt(ex0 * ex0 + ey0 * ey0) - radius(params, phi)[0]
    for _ in range(iters):  # Newton on f(φ) = (P(φ) − p)·P'(φ) = 0
        r, r1, r2 = radius(params, phi)
        c, s = torch.cos(phi), torch.sin(phi)
        ex, ey = r * c - ex0, r * s - ey0
        px, py = r1 * c - r * s, r1 * s + r * c
        qx, qy = (r2 - r) * c - 2 * r1 * s, (r2 - r) * s + 2 * r1 * c
        f, df = ex * px + ey * py, px * px + py * py + ex * qx + ey * qy
        phi = phi - torch.clamp(f / torch.clamp(df, min=1e-6), -0.3, 0.3)
    r = radius(params, phi)[0]
    dx, dy = r * torch.cos(phi) - ex0, r * torch.sin(phi) - ey0
    return torch.sqrt(dx * dx + dy * dy), phi, radial


TABLE_SIZE = 2048


def curve_table(params: np.ndarray, n: int = TABLE_SIZE) -> np.ndarray:
    """Per-frame lookup table (B, 8, 1, n + 1) float32 over φ ∈ [0, 2π] (last = first), from
    float64 parameters (B, len(COLS)) on the CPU: centreline offsets from (cx, cy), their first
    and second φ-derivatives, the FWHM and the brightness."""
    p64 = np.asarray(params, dtype=np.float64)
    phi = np.broadcast_to(np.linspace(0, TWO_PI, n + 1), (len(p64), n + 1))
    r, r1, r2 = radius(p64, phi)
    c, s = np.cos(phi), np.sin(phi)
    rows = (
        r * c, r * s, r1 * c - r * s, r1 * s + r * c,
        (r2 - r) * c - 2 * r1 * s, (r2 - r) * s + 2 * r1 * c,
        fwhm(p64, phi), brightness(p64, phi),
    )  # fmt: skip
    return np.stack(rows, 1)[:, :, None].astype(np.float32)


def _lookup(table: torch.Tensor, phi: torch.Tensor) -> torch.Tensor:
    """Linear interpolation of the table (B, C, 1, n+1) at φ (B, N) in [0, 2π): (B, C, N)."""
    u = phi * (2.0 / TWO_PI) - 1.0
    grid = torch.stack((u, torch.zeros_like(u)), -1)[:, None]
    out = torch.nn.functional.grid_sample(
        table, grid, mode="bilinear", padding_mode="border", align_corners=True
    )
    return out[:, :, 0]


def table_distance(params, table, x, y, iters: int = 2):
    """`distance` through the lookup table (a few table reads per Newton step instead of the
    analytic harmonics). Returns distance, foot φ, radial offset, FWHM and brightness at the foot,
    each (B, N)."""
    ex0, ey0 = x - col(params, "cx"), y - col(params, "cy")
    phi = torch.remainder(torch.atan2(ey0, ex0), TWO_PI)
    t = _lookup(table[:, :2], phi)
    radial = torch.sqrt(ex0 * ex0 + ey0 * ey0) - torch.sqrt(t[:, 0] ** 2 + t[:, 1] ** 2)
    for _ in range(iters):  # Newton on f(φ) = (P(φ) − p)·P'(φ) = 0
        t = _lookup(table[:, :6], phi)
        ex, ey = t[:, 0] - ex0, t[:, 1] - ey0
        f = ex * t[:, 2] + ey * t[:, 3]
        df = t[:, 2] * t[:, 2] + t[:, 3] * t[:, 3] + ex * t[:, 4] + ey * t[:, 5]
        phi = torch.remainder(phi - torch.clamp(f / df.clamp(min=1e-6), -0.3, 0.3), TWO_PI)
    t = _lookup(table[:, (0, 1, 6, 7)], phi)
    dx, dy = t[:, 0] - ex0, t[:, 1] - ey0
    return torch.sqrt(dx * dx + dy * dy), phi, radial, t[:, 2], t[:, 3]


def fwhm(params, phi):
    """Cross-section FWHM (degrees) along the arc, broadened on the dawn side in a storm."""
    base = col(params, "fwhm") * (1 + col(params, "w_amp") * np.cos(phi + col(params, "w_phase")))
    return base * (1 + (col(params, "dawn_broad") - 1) * _dawn(params, phi))


def brightness(params, phi):
    """Relative peak brightness along the arc (≥ 0.15 before the fade), with the dawn-arc
    brightening and the faint sector (`fade`: the HST frames' dusk arc sits near the noise)."""
    b = np.ones_like(phi)
    for n in (1, 2, 3):
        b = b + col(params, f"b{n}") * np.cos(n * phi + col(params, f"q{n}"))
    b = np.clip(b, 0.15, None)
    return b * (1 + col(params, "dawn_gain") * _dawn(params, phi)) * fade(params, phi)


def fade(params, phi):
    """The faint sector's factor (numpy or torch, (B, N)): 1 − ``fade_depth`` on a flat-bottomed
    window of half-width about ``fade_w`` about ``fade_phi`` (exp(−½(δ/w)⁴): the v03 frames'
    faint quarter sits near the noise all along it, not only at one point), 1 away from it."""
    xp = _xp(phi)
    delta = _wrap(phi - col(params, "fade_phi"))
    return 1 - col(params, "fade_depth") * xp.exp(-0.5 * (delta / col(params, "fade_w")) ** 4)


def _dawn(params, phi):
    delta = _wrap(phi - col(params, "dawn_phi"))
    return np.exp(-0.5 * (delta / col(params, "dawn_w")) ** 2)


def polyline(params, n: int):
    """`n` centreline points per frame: x, y, FWHM (each (B, n) float64 numpy)."""
    p64 = np.asarray(params, dtype=np.float64)
    phi = np.broadcast_to(np.linspace(0, TWO_PI, n + 1)[:-1], (len(p64), n))
    x, y = points(p64, phi)
    return x, y, fwhm(p64, phi)
