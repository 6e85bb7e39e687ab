"""Joint image+mask augmentation of a whole batch on its device (torch ops, no per-sample Python).

API (stable; the trainer calls it): ``build_augment(cfg) -> BatchAugment | None`` and
``BatchAugment(image (B,C,H,W) float, mask (B,H,W) int64, generator) -> (image, mask)``.

Each op is chosen per frame with its ``prob``; its parameters are drawn once per batch as one vector
per op from `generator` on the generator's device (the CPU), then moved to the batch's device, so
one seeded CPU generator reproduces a run on any device. Per-pixel noise comes from a device
generator seeded from `generator`. Order: geometry (flip, rotation, zoom about the pole, one affine
grid per frame), shading (a smooth multiplicative light field), gamma, contrast, brightness, blur,
framelet seams, Poisson-like and Gaussian noise, clip, then missing strips. Intensities are
normalised ones (``jovis.data.normalise``: 0 and 1 at the 1st and 99.5th percentiles, clipped to
[-0.5, 2]). No-data pixels (mask 255 and image 0 in every channel) stay 0; pixels that come from
outside the frame or fall in a missing strip become image 0 and mask 255 (ignored, never
background).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import torch
import torch.nn.functional as F
from omegaconf import DictConfig, OmegaConf

from jovis.data.augment_spec import INTENSITY, SPEC, check_op, number

IGNORE = 255


def _uniform(g: torch.Generator | None, n: int, lo_hi: tuple[float, float]) -> torch.Tensor:
    lo, hi = lo_hi
    dev = g.device if g is not None else None
    return lo + (hi - lo) * torch.rand(n, generator=g, device=dev, dtype=torch.float64)


class BatchAugment:
    """Random joint image+mask augmentation of a batch; see the module docstring.

    Parameters
    ----------
    ops : mapping
        op name (``flip rotate scale shading gamma contrast brightness blur seams poisson noise
        missing``) → settings with ``prob`` and magnitudes (configs/augment/default.yaml documents
        each). Absent or None ops are off.
    clip : [low, high] or None
        Intensity range after the intensity ops; keep equal to ``normalisation.clip``.
    """

    def __init__(self, ops: Mapping[str, Any], clip: Any = (-0.5, 2.0)) -> None:
        unknown = sorted(set(ops) - set(SPEC))
        if unknown:
            raise ValueError(
                f"augment: unknown key(s) {unknown}; valid: enabled, clip, {', '.join(SPEC)}"
            )
        self.ops = {k: check_op(k, v) for k, v in ops.items() if v is not None}
        if clip is not None:
            if not isinstance(clip, list | tuple) or len(clip) != 2:
                raise ValueError(f"augment.clip must be [low, high] or null, got {clip!r}")
            clip = tuple(number("clip", v, -math.inf, math.inf, False) for v in clip)
            if clip[0] >= clip[1]:
                raise ValueError(f"augment.clip = {list(clip)}: low must be below high")
        self.clip = clip

    @property
    def active(self) -> bool:
        """Whether any op can fire (an op with prob 0 never does)."""
        return any(op["prob"] > 0 for op in self.ops.values())

    def _pick(self, op: str, g: torch.Generator | None, b: int) -> torch.Tensor | None:
        """Per-frame choice (bool, on the generator's device) or None when the op is off."""
        if op not in self.ops or self.ops[op]["prob"] == 0:
            return None
        return _uniform(g, b, (0.0, 1.0)) < self.ops[op]["prob"]

    def __call__(
        self, image: torch.Tensor, mask: torch.Tensor, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Augment `image` (B,C,H,W) float and `mask` (B,H,W) integer together; new tensors."""
        if image.ndim != 4 or not image.is_floating_point():
            raise ValueError(
                f"augment: image must be float (B,C,H,W), got {image.dtype} {image.shape}"
            )
        if mask.shape != (image.shape[0], *image.shape[2:]) or mask.is_floating_point():
            raise ValueError(
                f"augment: mask must be integer (B,H,W)={image.shape[:1] + image.shape[2:]}"
            )
        b, dev = image.shape[0], image.device
        if b == 0 or not self.active:
            return image, mask
        g = generator
        # every pick and parameter below comes from g in a fixed order, so a seed pins the batch
        picks = {op: self._pick(op, g, b) for op in SPEC}
        seed = int(torch.randint(0, 2**62, (1,), generator=g, device=g.device if g else None))
        noise_gen = None
        if g is not None and dev.type != "meta":
            noise_gen = torch.Generator(device=dev).manual_seed(seed)
        nodata = (mask == IGNORE) & (image == 0).all(1)
        image, mask, nodata = self._geometry(image, mask, nodata, picks, g)
        touched = torch.zeros(b, dtype=torch.bool)
        for op in INTENSITY:
            if picks[op] is None:
                continue
            params = self._draw(op, g, image.shape[:2])
            touched |= picks[op].cpu()

            def apply(x: torch.Tensor, take, op=op, params=params) -> torch.Tensor:
                return self._apply(op, x, params, take, noise_gen, take(nodata))

            image = _subset(image, picks[op], apply)

        def finish(x: torch.Tensor, take) -> torch.Tensor:
            x = x.clamp(*self.clip) if self.clip is not None else x
            return x.masked_fill(take(nodata)[:, None], 0)  # no data stays 0

        image = _subset(image, touched, finish)
        if picks["missing"] is not None:
            image, mask = self._missing(image, mask, picks["missing"], g)
        return image, mask

    def _draw(self, op: str, g: torch.Generator | None, bc: tuple) -> dict[str, torch.Tensor]:
        """Per-frame parameters of one intensity op for a (B, C) batch (float64, on g's device)."""
        s, b = self.ops[op], bc[0]
        if op in ("gamma", "contrast", "brightness"):
            return {"v": _uniform(g, b, s["range"])}
        if op in ("blur", "noise"):
            return {"v": _uniform(g, b, s["sigma"])}
        if op == "shading":  # log-gain amplitude and a coarse grid of unit normals per frame
            n = int(s["cells"]) + 1
            dev = g.device if g is not None else None
            grid = torch.randn(b, 1, n, n, generator=g, device=dev, dtype=torch.float64)
            return {"v": _uniform(g, b, s["amp"]), "grid": grid}
        if op == "poisson":  # log-uniform: the photon count spans orders of magnitude
            lo, hi = (math.log(v) for v in s["peak"])
            return {"v": _uniform(g, b, (lo, hi)).exp()}
        # seams: strip height, phase, a gain and an offset per strip and channel, seam-line level
        n_strips = math.ceil(1 / s["height"][0]) + 2
        dev = g.device if g is not None else None
        return {
            "height": _uniform(g, b, s["height"]),
            "phase": _uniform(g, b, (0.0, 1.0)),
            "gain": s["gain"] * torch.randn(*bc, n_strips, generator=g, device=dev).double(),
            "offset": s["offset"] * torch.randn(*bc, n_strips, generator=g, device=dev).double(),
            "line": _uniform(g, b, (-s["line"], s["line"])),
        }

    def _apply(self, op, x, params, take, noise_gen, nodata):
        """One intensity op on the chosen frames `x` (n,C,H,W); ``take`` picks their parameters."""
        s = self.ops[op]
        p = {k: take(v).to(x.device, x.dtype) for k, v in params.items()}
        col = (-1, 1, 1, 1)
        if op == "shading":  # the same light on every channel: exp(amp · smooth field)
            field = F.interpolate(p["grid"], size=x.shape[-2:], mode="bicubic", align_corners=True)
            return x * (p["v"].view(col) * field).exp()
        if op == "gamma":  # sign-preserving, so the normalised range's negative tail survives
            return x.sign() * x.abs().pow(p["v"].view(col))
        if op == "contrast":  # about each channel's mean over the valid pixels
            w = (~nodata)[:, None].to(x.dtype)
            mean = (x * w).sum((2, 3), keepdim=True) / w.sum((2, 3), keepdim=True).clamp_min(1)
            return (x - mean) * p["v"].view(col) + mean
        if op == "brightness":
            return x + p["v"].view(col)
        if op == "blur":
            return _blur(x, p["v"], s["sigma"][1])
        if op == "seams":
            return _seams(x, p)
        eps = torch.randn(x.shape, generator=noise_gen, device=x.device, dtype=x.dtype)
        if op == "poisson":  # Gaussian approximation: variance = signal / photons-at-level-1
            return x + eps * (x.clamp_min(0) / p["v"].view(col)).sqrt()
        return x + eps * p["v"].view(col)

    def _geometry(self, image, mask, nodata, picks, g):
        """Flip, rotate and zoom the chosen frames about the frame centre (the pole)."""
        chosen = [picks[k] for k in ("flip", "rotate", "scale") if picks[k] is not None]
        b = image.shape[0]
        if not chosen:
            return image, mask, nodata
        any_pick = torch.stack(chosen).any(0)
        ones = torch.ones(b, dtype=torch.float64, device=any_pick.device)
        flip = torch.where(picks["flip"], -ones, ones) if picks["flip"] is not None else ones
        angle = torch.zeros_like(ones)
        if picks["rotate"] is not None:
            s = self.ops["rotate"]
            angle = _uniform(g, b, s["degrees"])
            if s["step"] > 0:
                angle = torch.round(angle / s["step"]) * s["step"]
            angle = torch.where(picks["rotate"], angle, 0.0).deg2rad()
        zoom = ones
        if picks["scale"] is not None:
            zoom = torch.where(picks["scale"], _uniform(g, b, self.ops["scale"]["range"]), 1.0)
        # output pixel offset from the centre → input offset: R(angle)·diag(flip, 1)/zoom, with
        # positive angles anticlockwise as displayed (row 0 on top), as torch.rot90
        h, w = image.shape[-2:]
        cos, sin = angle.cos() / zoom, angle.sin() / zoom
        theta = torch.zeros(b, 2, 3, dtype=torch.float64, device=ones.device)
        theta[:, 0, 0], theta[:, 0, 1] = cos * flip, -sin * h / w
        theta[:, 1, 0], theta[:, 1, 1] = sin * flip * w / h, cos

        def warp(x: torch.Tensor, take) -> torch.Tensor:
            # x stacks the image channels and one channel coding mask+1 (0 = no data/outside)
            th = take(theta).to(x.device, x.dtype)
            grid = F.affine_grid(th, list(x.shape), align_corners=False)
            img = F.grid_sample(x[:, :-1], grid, "bilinear", "zeros", align_corners=False)
            code = F.grid_sample(x[:, -1:], grid, "nearest", "zeros", align_corners=False)
            return torch.cat([img, code], 1)

        dtype = torch.promote_types(image.dtype, torch.float32)  # exact ids up to 256
        code = torch.where(nodata, 0, mask.long() + 1).to(dtype)[:, None]  # long: uint8 255+1
        both = _subset(torch.cat([image.to(dtype), code], 1), any_pick, warp)
        code = both[:, -1].round().long()
        nodata = code == 0
        mask = torch.where(nodata, IGNORE, code - 1).to(mask.dtype)
        image = both[:, :-1].masked_fill(nodata[:, None], 0).to(image.dtype)
        return image, mask, nodata

    def _missing(self, image, mask, pick, g):
        """One band of rows or columns per chosen frame: no data (image 0, mask 255)."""
        b, _, h, w = image.shape
        rows = _uniform(g, b, (0.0, 1.0)) < 0.5
        frac = _uniform(g, b, self.ops["missing"]["width"])
        start = _uniform(g, b, (0.0, 1.0))
        size = torch.where(rows, float(h), float(w))
        width = torch.where(pick, (frac * size).round(), 0.0)
        first = (start * (size - width)).floor()
        lo, hi, rows = (
            first.to(image.device),
            (first + width).to(image.device),
            rows.to(image.device),
        )
        r = torch.arange(h, device=image.device, dtype=torch.float64)[None, :, None]
        c = torch.arange(w, device=image.device, dtype=torch.float64)[None, None, :]
        view = (-1, 1, 1)
        band_r = (r >= lo.view(view)) & (r < hi.view(view))
        band_c = (c >= lo.view(view)) & (c < hi.view(view))
        band = torch.where(rows.view(view), band_r, band_c)
        return image.masked_fill(band[:, None], 0), mask.masked_fill(band, IGNORE)


def _subset(x: torch.Tensor, pick: torch.Tensor, fn) -> torch.Tensor:
    """Apply ``fn(x[chosen], take)`` to the chosen frames only; the rest are returned untouched.

    `pick` (B,) bool lives on the generator's device (CPU), so the choice needs no device sync;
    ``take(t)`` selects the chosen frames of any other (B, ...) tensor, on its own device.
    """
    pick = pick.cpu()
    if not pick.any():
        return x
    if pick.all():
        return fn(x, lambda t: t)
    idx = pick.nonzero()[:, 0]
    on_x = idx.to(x.device)

    def take(t: torch.Tensor) -> torch.Tensor:
        return t[on_x if t.device == x.device else idx]  # advanced indexing: fast for bools too

    return x.index_copy(0, on_x, fn(x[on_x], take))


def _blur(x: torch.Tensor, sigma: torch.Tensor, sigma_max: float) -> torch.Tensor:
    """Separable Gaussian blur, one sigma per frame (n,), as a grouped convolution."""
    n, c, h, w = x.shape
    r = max(1, math.ceil(3 * sigma_max))
    t = torch.arange(-r, r + 1, device=x.device, dtype=x.dtype)
    k = torch.exp(-0.5 * (t[None] / sigma.clamp_min(1e-3)[:, None]) ** 2)
    k = (k / k.sum(1, keepdim=True)).repeat_interleave(c, 0)  # (n·C, K)
    y = F.pad(x.reshape(1, n * c, h, w), (r, r, r, r), mode="replicate")
    y = F.conv2d(y, k[:, None, :, None], groups=n * c)
    y = F.conv2d(y, k[:, None, None, :], groups=n * c)
    return y.reshape(n, c, h, w)


def _seams(x: torch.Tensor, p: dict[str, torch.Tensor]) -> torch.Tensor:
    """JunoCam-like framelet strips: a gain and offset per horizontal strip, a line at each seam."""
    n, c, h, _ = x.shape
    strip_h = (p["height"] * h).clamp_min(1)[:, None]  # (n, 1) in rows
    pos = torch.arange(h, device=x.device, dtype=x.dtype)[None] + p["phase"][:, None] * strip_h
    pos = pos / strip_h  # (n, H): strip index + position inside it
    strip = pos.floor().long().clamp(max=p["gain"].shape[-1] - 1)[:, None].expand(n, c, h)
    gain = p["gain"].gather(2, strip)[..., None]  # (n, C, H, 1): per strip and channel
    offset = p["offset"].gather(2, strip)[..., None]
    line = ((pos - pos.floor()) * strip_h < 1).to(x.dtype)[:, None, :, None]
    return x * (1 + gain) + offset + line * p["line"].view(-1, 1, 1, 1)


def build_augment(cfg: Mapping[str, Any] | None) -> BatchAugment | None:
    """A BatchAugment from the ``augment`` config group, or None when nothing would ever fire.

    None for an empty config, ``enabled: false`` (configs/augment/none.yaml), or every op off.
    Unknown keys and impossible values raise ValueError naming the key.
    """
    if isinstance(cfg, DictConfig):
        cfg = OmegaConf.to_container(cfg, resolve=True)
    cfg = dict(cfg or {})
    enabled = cfg.pop("enabled", True)
    if not isinstance(enabled, bool):
        raise ValueError(f"augment.enabled must be true or false, got {enabled!r}")
    clip = cfg.pop("clip", (-0.5, 2.0))
    augment = BatchAugment(cfg, clip=clip)
    return augment if enabled and augment.active else None
