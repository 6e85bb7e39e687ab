"""Fine-scale cloud texture of the JunoCam frames: folded filamentary clouds sheared along the
zonal flow and a population of small unlabelled bright and dark spots.

The real products zoomed to the model's scale (the disk ~1024 px across) are full of folded
filaments, curls and small bright cloud tops and dark spots below the labelled vortex sizes
(PHYSICS.md §1 "turbulent FFRs fill the surroundings"; `jovis.realism.visible_texture` measures
them); the lattice texture of `jovis.synth.layers` stops at ~0.5° (its lattice is the frame's
size), so at that scale the synthetic clouds were smooth and any bright blob was a vortex.

Both parts are functions of plane position (degrees from the pole) evaluated per pixel from the
counter-based hash (no lattice of the frame's size: the detail follows the pixel scale of any
view), each octave faded out where its cell is under two pixels (no aliasing on coarse frames;
``junocam_fine_fade_px`` scales where: a frame at the model's scale stands for a mosaic zoomed
out, which averages away more than its own pixels do).

- Filaments: ridged value noise (``junocam_fine_octaves`` octaves from ``junocam_fine_cell_deg``
  up, amplitude ∝ cell^``junocam_fine_hurst``) in coordinates rotated about the pole by a
  colatitude-dependent zonal displacement D(colat) of strain ``junocam_fine_shear`` (jets: three
  sines of wavelength 2–8°) and warped by a coarser noise (folds).
- Spots: at most one per cell of ``junocam_spot_cell_deg`` (probability ``junocam_spot_prob``)
  in each of ``junocam_spot_layers`` offset lattices, ``junocam_spot_diameter_km`` across
  (FWHM): Gaussian, bright with ``junocam_spot_bright_prob``, or (``junocam_spot_ring_prob``)
  rimmed eddies, the small bright-rimmed cyclones that crowd the real polar regions below the
  labelled sizes. They are texture, not vortices: never in the label mask, faded inside
  labelled vortices.
"""

from __future__ import annotations

import math

import torch

from jovis.synth import hash_rng as rng
from jovis.synth.params import SynthParams
from jovis.synth.vortices import km_per_deg

_OFF = 1 << 15  # cell indices are shifted by this to stay non-negative


def _index(ix: torch.Tensor, iy: torch.Tensor) -> torch.Tensor:
    return (ix.to(torch.int64) + _OFF) * (1 << 16) + (iy.to(torch.int64) + _OFF)


def value_noise(keys, stream: str, u: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """Smooth value noise in [−1, 1] at continuous lattice coordinates u, v (B, H, W)."""
    iu, iv = torch.floor(u), torch.floor(v)
    fu, fv = u - iu, v - iv
    fu, fv = fu * fu * (3 - 2 * fu), fv * fv * (3 - 2 * fv)
    c = corner_values(keys, stream, iu, iv)
    top = c[0] + (c[2] - c[0]) * fu
    bot = c[1] + (c[3] - c[1]) * fu
    return (top + (bot - top) * fv) * 2.0 - 1.0


def corner_values(keys, stream: str, iu: torch.Tensor, iv: torch.Tensor, *, lattice=None):
    """The hash values at each pixel's four lattice corners, (0, 0), (0, 1), (1, 0), (1, 1)
    from the integer-valued cells iu, iv (B, H, W).

    Coarse octaves span far fewer cells than pixels (the warps of a 256 px frame: ~2,400 cells
    for 65,536 pixels), so there each frame's bounding lattice is hashed once and the corners are
    gathered from it: the same values as hashing every pixel's corners (``lattice=False``), at a
    fraction of the cost. ``lattice=None`` picks it whenever the lattice is smaller than the frame
    (never with a non-finite coordinate); True or False forces one way."""
    b = iu.shape[0]
    fu, fv = iu.reshape(b, -1), iv.reshape(b, -1)
    if lattice is not False:
        umin, vmin = fu.amin(1), fv.amin(1)
        su, sv = float((fu.amax(1) - umin).max()) + 2, float((fv.amax(1) - vmin).max()) + 2
        if lattice is None:
            lattice = math.isfinite(su * sv) and su * sv < fu.shape[1]
    if not lattice:
        return [
            rng.uniform_at(keys, stream, _index(iu + a, iv + b)) for a in (0, 1) for b in (0, 1)
        ]
    su, sv = int(su), int(sv)
    lu = umin[:, None, None] + torch.arange(su, device=iu.device, dtype=iu.dtype)[None, :, None]
    lv = vmin[:, None, None] + torch.arange(sv, device=iu.device, dtype=iu.dtype)[None, None, :]
    table = rng.uniform_at(keys, stream, _index(lu.expand(b, su, sv), lv.expand(b, su, sv)))
    table = table.reshape(b, su * sv)
    at = ((fu - umin[:, None]) * sv + (fv - vmin[:, None])).to(torch.int64)
    return [table.gather(1, at + off).view_as(iu) for off in (0, 1, sv, sv + 1)]


def pixel_footprint(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Side of each pixel's footprint on the plane (degrees): √|det J| of the pixel → plane map."""
    pad = lambda t, d: torch.cat((t, t.narrow(d, t.shape[d] - 1, 1)), d)  # noqa: E731
    xi, yi = pad(x.diff(dim=2), 2), pad(y.diff(dim=2), 2)
    xj, yj = pad(x.diff(dim=1), 1), pad(y.diff(dim=1), 1)
    return (xi * yj - xj * yi).abs().sqrt().clamp(min=1e-4)


def _draw(keys, name: str, lo_hi) -> torch.Tensor:
    lo, hi = lo_hi
    return (lo + (hi - lo) * rng.uniform(keys, f"junocam/fine/{name}", (1,)))[:, 0, None, None]


def filaments(keys, x, y, foot, p: SynthParams) -> torch.Tensor:
    """Zero-mean sheared, folded filament field (B, H, W), unit-order amplitude."""
    r = torch.sqrt(x * x + y * y)
    u = rng.uniform(keys, "junocam/fine/jets", (9,))[:, :, None, None]
    strain = _draw(keys, "shear", p.junocam_fine_shear)
    disp = torch.zeros_like(r)
    for j in range(3):  # D(colat) − D(0): a zonal displacement (deg of arc) of mean strain `strain`
        k = 2 * math.pi / (2.0 + 6.0 * u[:, j])
        ph = 2 * math.pi * u[:, 3 + j]
        disp = disp + strain * (0.5 + u[:, 6 + j]) / k * (torch.sin(k * r + ph) - torch.sin(ph))
    ang = disp / r.clamp(min=1e-3)
    c, s = torch.cos(ang), torch.sin(ang)
    xs, ys = c * x - s * y, s * x + c * y
    cell0 = float(p.junocam_fine_cell_deg)
    n = int(p.junocam_fine_octaves)
    top = cell0 * 2 ** (n - 1)
    for it in range(2):  # warp of a warp: curls and folds (Quilez-style domain warping)
        wx = value_noise(keys, f"junocam/fine/warpx{it}", xs / top, ys / top)
        wy = value_noise(keys, f"junocam/fine/warpy{it}", xs / top, ys / top)
        xs, ys = xs + p.junocam_fine_warp * top * wx, ys + p.junocam_fine_warp * top * wy
    acc, norm = torch.zeros_like(x), 0.0
    for k in range(n):
        cell = cell0 * 2**k
        amp = (cell / top) ** float(p.junocam_fine_hurst)
        norm += amp
        fade = ((cell / (foot * p.junocam_fine_fade_px) - 2.0) / 2.0).clamp(0.0, 1.0)
        # the finest octaves fade out where pixels are coarser than their cells: noise is drawn
        # only where an octave shows (adding its zeros elsewhere would change no bit)
        on = fade > 0
        shown = float(on.float().mean())
        if shown == 0.0:
            continue
        if shown > 0.5:
            v = value_noise(keys, f"junocam/fine/{k}", xs / cell, ys / cell)
            acc = acc + amp * fade * (1.0 - 2.0 * v.abs() - 0.3)  # sharp crests; 0.3: their mean
            continue
        at = on.nonzero(as_tuple=True)
        v = value_noise(keys[at[0]], f"junocam/fine/{k}", xs[at] / cell, ys[at] / cell)
        acc[at] = acc[at] + amp * fade[at] * (1.0 - 2.0 * v.abs() - 0.3)
    return acc / norm


def spots(keys, x, y, foot, p: SynthParams) -> torch.Tensor:
    """Small unlabelled spots (B, H, W): +amplitude bright, −amplitude dark, 0 elsewhere.

    ``junocam_spot_layers`` lattices of ``junocam_spot_cell_deg`` cells, each shifted by its own
    per-frame offset, so that the spots do not sit in one visible lattice. A share
    ``junocam_spot_ring_prob`` of them are rimmed eddies (a bright rim at 1.4 sigma round a
    darker core, the small cyclones of the polar regions), the others Gaussian cloud tops or dark
    spots."""
    out = torch.zeros_like(x)
    for layer in range(int(p.junocam_spot_layers)):
        out = out + _spot_layer(keys, x, y, foot, p, layer)
    return out


def _spot_layer(keys, x, y, foot, p: SynthParams, layer: int) -> torch.Tensor:
    cell = float(p.junocam_spot_cell_deg)
    stream = "junocam/spot" if layer == 0 else f"junocam/spot{layer}"  # layer 0: the old draws
    if layer:
        shift = rng.uniform(keys, f"{stream}/shift", (2,)) * cell
        x, y = x + shift[:, 0, None, None], y + shift[:, 1, None, None]
    ix, iy = torch.floor(x / cell), torch.floor(y / cell)
    idx = _index(ix, iy)
    h = [rng.uniform_at(keys, f"{stream}/{k}", idx) for k in range(5)]
    lo, hi = p.junocam_spot_diameter_km
    fwhm = (lo + (hi - lo) * h[2]) / km_per_deg(p)  # deg
    sig = (fwhm / 2.3548).clamp(max=0.07 * cell)  # stays inside its cell
    cx, cy = (ix + 0.2 + 0.6 * h[0]) * cell, (iy + 0.2 + 0.6 * h[1]) * cell
    d2 = ((x - cx) ** 2 + (y - cy) ** 2) / (sig * sig)
    on = (h[3] < p.junocam_spot_prob).float()
    sign = torch.where(h[4] < p.junocam_spot_bright_prob, 1.0, -1.0)
    fade = (fwhm / (foot * p.junocam_fine_fade_px) - 1.0).clamp(0.0, 1.0)  # sub-pixel spots fade
    blob = sign * torch.exp(-0.5 * d2)
    if p.junocam_spot_ring_prob > 0:
        ring_on = rng.uniform_at(keys, f"{stream}/ring", idx) < p.junocam_spot_ring_prob
        d = d2.sqrt()
        ring = torch.exp(-0.5 * ((d - 1.4) / 0.5) ** 2) - 0.5 * torch.exp(-0.5 * d2)
        blob = torch.where(ring_on, ring, blob)
    return on * fade * blob


def fine_albedo(keys, x, y, alpha, p: SynthParams) -> torch.Tensor:
    """Relative albedo (B, H, W) the fine texture adds: per-frame contrasts
    ``junocam_fine_contrast`` (filaments) and ``junocam_spot_contrast`` (spots), both faded
    inside labelled vortices by their opacity `alpha`. Zero when both ranges are 0."""
    out = torch.zeros_like(x)
    if max(p.junocam_fine_contrast) == 0 and max(p.junocam_spot_contrast) == 0:
        return out
    foot = pixel_footprint(x, y)
    if max(p.junocam_fine_contrast) > 0:
        amp = _draw(keys, "contrast", p.junocam_fine_contrast)
        out = out + amp * filaments(keys, x, y, foot, p) * (1.0 - 0.5 * alpha)
    if max(p.junocam_spot_contrast) > 0:
        amp = _draw(keys, "spot_contrast", p.junocam_spot_contrast)
        out = out + amp * spots(keys, x, y, foot, p) * (1.0 - alpha)
    return out
