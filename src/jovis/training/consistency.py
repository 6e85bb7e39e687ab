"""Temporal stability: a consistency term between two observations of one training scene.

Frames of one target minutes apart differ by a new noise realisation, an exposure/gain change of
a few per cent, a small rotation about the pole and a slightly different blur; their masks should
not. `SecondView` makes such a second observation of each (already augmented) training batch on
its device, and `SecondView.term` scores how far the network's prediction on it strays from its
prediction on the first view: ``loss.consistency.weight × divergence`` is added to the training
loss (`jovis.training.module`), logged as ``train/consistency``.

Comparing like with like: the second view is the first rotated by a per-frame angle about the
frame centre (the pole); the first view's probabilities are rotated by the same angle (same
sampling grid), so both live on the second view's pixels. Pixels are compared only where every
sample they draw from is valid data of the first view (no data, missing strips and pixels brought
in from outside the frame are left out).

Stop-gradient on the first view: its prediction is the one the labels anchor (the supervised loss
is computed on it), so it serves as the target and the term only teaches the network to give the
perturbed view the same answer (as in UDA/FixMatch consistency). Letting gradients through both
sides would also pull the supervised prediction towards the noisier view's, softening it.

The noise, gain and blur changes reuse `jovis.data.augment.BatchAugment` (noise, poisson, blur
ops at probability 1); the new noise is added on top of the renderer's, an approximation of a
fresh realisation.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from omegaconf import DictConfig, OmegaConf

from jovis.data.augment import IGNORE, BatchAugment
from jovis.training.losses import consistency_loss

# key -> (default, maximum); all ≥ 0
KEYS: dict[str, tuple[float, float]] = {
    "weight": (0.0, math.inf),
    "rotation_deg": (2.0, 45.0),
    "gain": (0.05, 0.5),
    "noise": (0.03, 1.0),
    "peak": (200.0, math.inf),
    "blur": (0.5, 5.0),
}
DIVERGENCES = ("kl", "mse")


def consistency_seed(seed: int, step: int, rank: int, term: int = 1) -> int:
    """Seed of the second view of one batch: (seed, step, rank) only, like the augmentation's,
    but its own stream per `term` (1 here, 2 for ``loss.track``), so turning a term on leaves
    the augmentation's and the other term's draws unchanged."""
    return int(
        np.random.SeedSequence([int(seed), int(step), int(rank), int(term)]).generate_state(1)[0]
    )


def rotate(x: torch.Tensor, angle: torch.Tensor, mode: str = "bilinear") -> torch.Tensor:
    """`x` (B,C,H,W) rotated by `angle` (B,) radians about the frame centre, anticlockwise as
    displayed (as `jovis.data.augment`); samples from outside the frame are 0."""
    b, _, h, w = x.shape
    cos, sin = angle.double().cos(), angle.double().sin()
    theta = torch.zeros(b, 2, 3, dtype=torch.float64)
    theta[:, 0, 0], theta[:, 0, 1] = cos, -sin * h / w
    theta[:, 1, 0], theta[:, 1, 1] = sin * w / h, cos
    dtype = torch.promote_types(x.dtype, torch.float32)
    grid = F.affine_grid(theta.to(x.device, dtype), list(x.shape), align_corners=False)
    return F.grid_sample(x.to(dtype), grid, mode, "zeros", align_corners=False).to(x.dtype)


class SecondView:
    """A second observation of a batch and the consistency term; see the module docstring.

    Parameters
    ----------
    weight : float
        Weight of the term in the training loss (> 0; a weight of 0 builds no SecondView).
    rotation_deg : float
        Rotation about the pole, uniform in [−rotation_deg, rotation_deg] per frame.
    gain : float
        Exposure/gain change: the normalised image × a factor uniform in [1 − gain, 1 + gain].
    noise : float
        Added Gaussian (read) noise, sd uniform in [0, noise] per frame (normalised units).
    peak : float
        Added signal-dependent (shot) noise: sd = sqrt(max(x, 0) / peak); 0 = none.
    blur : float
        Added Gaussian blur, sigma uniform in [0, blur] pixels per frame; 0 = none.
    divergence : str
        ``kl`` (KL(p₁ ‖ p₂)) or ``mse`` (squared difference of the probabilities).
    clip : [low, high] or None
        The normalisation's clip, applied after the intensity changes.
    """

    def __init__(
        self,
        weight: float,
        rotation_deg: float = 2.0,
        gain: float = 0.05,
        noise: float = 0.03,
        peak: float = 200.0,
        blur: float = 0.5,
        divergence: str = "kl",
        clip: Any = (-0.5, 2.0),
    ) -> None:
        self.weight, self.rotation_deg, self.gain = float(weight), float(rotation_deg), float(gain)
        self.divergence = divergence
        ops: dict[str, Any] = {}
        if noise > 0:
            ops["noise"] = {"prob": 1.0, "sigma": [0.0, float(noise)]}
        if peak > 0:
            ops["poisson"] = {"prob": 1.0, "peak": [float(peak), float(peak)]}
        if blur > 0:
            ops["blur"] = {"prob": 1.0, "sigma": [0.0, float(blur)]}
        self.intensity = BatchAugment(ops, clip=None if clip is None else list(clip))

    def make(
        self, image: torch.Tensor, mask: torch.Tensor, generator: torch.Generator
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(second view (B,C,H,W), its angle (B,) radians on the CPU, its valid pixels (B,H,W)).

        `mask` (B,H,W) marks no data as 255 (with image 0 in every channel), as the batches do.
        """
        b = image.shape[0]
        nodata = (mask == IGNORE) & (image == 0).all(1)
        u = torch.rand(2, b, generator=generator, dtype=torch.float64)
        angle = ((2 * u[0] - 1) * self.rotation_deg).deg2rad()
        view = self.photometric(image, nodata, u[1], generator)
        valid = self.valid_after(~nodata, angle)
        view = rotate(view, angle).masked_fill(~valid[:, None], 0)
        return view, angle, valid

    def photometric(
        self, image: torch.Tensor, nodata: torch.Tensor, u: torch.Tensor,
        generator: torch.Generator,
    ) -> torch.Tensor:  # fmt: skip
        """`image` (B,C,H,W) as a consecutive exposure sees it: × the gain drawn from `u` (B,)
        uniform in [0, 1), then the noise and blur changes; `nodata` (B,H,W) pixels stay 0."""
        factor = 1 + (2 * u - 1) * self.gain
        view = image * factor.to(image.device, image.dtype).view(-1, 1, 1, 1)
        if self.intensity.active:
            code = torch.where(nodata, IGNORE, 0).to(torch.uint8)
            view, _ = self.intensity(view.masked_fill(nodata[:, None], 0), code, generator)
        return view

    @staticmethod
    def valid_after(valid: torch.Tensor, angle: torch.Tensor) -> torch.Tensor:
        """Pixels of the rotated frame whose every bilinear sample is valid in `valid` (B,H,W)."""
        return rotate(valid[:, None].float(), angle)[:, 0] > 1 - 1e-4

    def align(self, probs: torch.Tensor, angle: torch.Tensor) -> torch.Tensor:
        """The first view's probabilities (B,K,H,W) on the second view's pixels."""
        return rotate(probs, angle)

    def term(
        self,
        forward: Callable[[torch.Tensor], torch.Tensor],
        image: torch.Tensor,
        mask: torch.Tensor,
        logits: torch.Tensor,
        generator: torch.Generator,
    ) -> torch.Tensor:
        """The divergence between `forward` on a second view of `image` and `logits` (the
        first view's, detached here), on the pixels valid in both; a scalar."""
        view, angle, valid = self.make(image, mask, generator)
        target = self.align(logits.detach().float().softmax(1), angle)
        return consistency_loss(target, forward(view), valid, self.divergence)


def build_consistency(cfg: Mapping[str, Any] | None, clip: Any = (-0.5, 2.0)) -> SecondView | None:
    """A SecondView from the ``loss.consistency`` config block, or None when off (absent, null
    or weight 0: training is then exactly as without the term).

    Raises
    ------
    ValueError
        For an unknown key or a bad value, naming the ``loss.consistency.`` key.
    """
    values = checked_block(cfg, "loss.consistency", KEYS)
    divergence = values.pop("divergence")
    if values["weight"] == 0:
        return None
    return SecondView(**values, divergence=divergence, clip=clip)


def checked_block(
    cfg: Mapping[str, Any] | None, block: str, keys: Mapping[str, tuple[float, float]]
) -> dict[str, Any]:
    """A term's config block (`block`, e.g. ``loss.consistency``) checked: its numbers (`keys`:
    name -> (default, maximum)) with their defaults, and ``divergence``; raises naming the key."""
    if isinstance(cfg, DictConfig):
        cfg = OmegaConf.to_container(cfg, resolve=True)
    cfg = dict(cfg or {})
    unknown = sorted(set(cfg) - set(keys) - {"divergence"})
    if unknown:
        raise ValueError(
            f"unknown key(s) {', '.join(f'{block}.{k}' for k in unknown)}; valid keys: "
            f"{', '.join([*keys, 'divergence'])}"
        )
    values: dict[str, Any] = {
        k: bounded(f"{block}.{k}", cfg.get(k, default), top) for k, (default, top) in keys.items()
    }
    values["divergence"] = cfg.get("divergence", "kl")
    if values["divergence"] not in DIVERGENCES:
        raise ValueError(
            f"{block}.divergence must be one of {', '.join(DIVERGENCES)}, got "
            f"{values['divergence']!r}"
        )
    return values


def bounded(key: str, value: Any, top: float) -> float:
    """`value` of config key `key` as a float in [0, top]; raises naming the key."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
        raise ValueError(f"{key} must be a number, got {value!r}")
    if not 0 <= value <= top or math.isinf(value):
        raise ValueError(f"{key} = {value} must be finite, ≥ 0 and ≤ {top}")
    return float(value)
