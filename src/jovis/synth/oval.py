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

import torch

# Column order of the packed parameters (B, len(COLS)).
COLS = (
    "cx", "cy", "r0", "a2", "p2", "a3", "p3",
    "e_amp", "e_phi", "e_w", "q_amp", "q_phi", "q_w", "k_amp", "k_phi", "k_w",
    "fwhm", "w_amp", "w_phase", "b1", "q1", "b2", "q2", "b3", "q3",
    "dawn_phi", "dawn_gain", "dawn_w", "dawn_broad",
)  # fmt: skip
IDX = {name: i for i, name in enumerate(COLS)}
TWO_PI = 2 * math.pi


def col(params: torch.Tensor, name: str) -> torch.Tensor:
    """One parameter column as (B, 1)."""
    return params[:, IDX[name] : IDX[name] + 1]


def _wrap(a: torch.Tensor) -> torch.Tensor:
    return torch.remainder(a + math.pi, TWO_PI) - math.pi


def radius(params: torch.Tensor, phi: torch.Tensor):
    """Centreline radius r(φ) and its first two derivatives, each (B, N), degrees."""
    r0 = col(params, "r0")
    rel, d1, d2 = torch.ones_like(phi), torch.zeros_like(phi), torch.zeros_like(phi)
    for n, a, p in ((2, "a2", "p2"), (3, "a3", "p3")):
        t = n * phi + col(params, p)
        c, s, amp = torch.cos(t), torch.sin(t), col(params, a)
        rel = rel + amp * c
        d1 = d1 - amp * n * s
        d2 = d2 - amp * n * n * c
    for pre in ("e", "q", "k"):
        amp, w = col(params, f"{pre}_amp"), col(params, f"{pre}_w")
        delta = _wrap(phi - col(params, f"{pre}_phi"))
        g = amp * torch.exp(-0.5 * (delta / w) ** 2)
        rel = rel + g
        d1 = d1 - delta / w**2 * g
        d2 = d2 + (delta**2 / w**4 - 1 / w**2) * g
    return r0 * rel, r0 * d1, r0 * d2


def points(params: torch.Tensor, phi: torch.Tensor):
    """Centreline points (x, y) at curve angles φ, each (B, N)."""
    r = radius(params, phi)[0]
    return col(params, "cx") + r * torch.cos(phi), col(params, "cy") + r * torch.sin(phi)


def distance(params: torch.Tensor, x: torch.Tensor, y: torch.Tensor, iters: int = 4):
    """Exact distance (degrees) from points (B, N) to the centreline, the foot's curve angle, and
    the signed radial offset (negative inside the oval)."""
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


def fwhm(params: torch.Tensor, phi: torch.Tensor) -> torch.Tensor:
    """Cross-section FWHM (degrees) along the arc, broadened on the dawn side in a storm."""
    base = col(params, "fwhm") * (
        1 + col(params, "w_amp") * torch.cos(phi + col(params, "w_phase"))
    )
    return base * (1 + (col(params, "dawn_broad") - 1) * _dawn(params, phi))


def brightness(params: torch.Tensor, phi: torch.Tensor) -> torch.Tensor:
    """Relative peak brightness along the arc (≥ 0.15), with the dawn-arc brightening."""
    b = torch.ones_like(phi)
    for n in (1, 2, 3):
        b = b + col(params, f"b{n}") * torch.cos(n * phi + col(params, f"q{n}"))
    b = torch.clamp(b, min=0.15)
    return b * (1 + col(params, "dawn_gain") * _dawn(params, phi))


def _dawn(params: torch.Tensor, phi: torch.Tensor) -> torch.Tensor:
    delta = _wrap(phi - col(params, "dawn_phi"))
    return torch.exp(-0.5 * (delta / col(params, "dawn_w")) ** 2)


def polyline(params: torch.Tensor, n: int):
    """`n` centreline points per frame: x, y, FWHM (each (B, n), float64 on the CPU)."""
    p64 = params.detach().to("cpu", torch.float64)
    phi = torch.linspace(0, TWO_PI, n + 1, dtype=torch.float64)[:-1].expand(len(p64), n)
    x, y = points(p64, phi)
    return x, y, fwhm(p64, phi)
