"""Stability between viewpoints: a consistency term between one scene seen from two points of a
spacecraft's track (``loss.track``).

JunoCam products minutes apart differ by the spacecraft's viewpoint (`jovis.synth.track`), which
the rotation-and-noise second view of `jovis.training.consistency` does not model: on the PJ44
products that term left the carried vortex agreement where it was. With ``loss.track.weight`` >
0 the training stream (`jovis.data.stream.SyntheticStream`) renders each perspective frame of a
batch again from a moved viewpoint, with where each of its pixels lies in the first view; the
network's prediction on the first, un-augmented view (no gradient: a target, as in
`jovis.training.consistency`) is carried onto the moved view's pixels and the prediction there
is pulled to it, on the pixels both views see. The moved view also gets the second view's gain,
noise and blur changes. Batches without perspective frames add 0.

Cost: the moved frames are rendered (~45 ms a 256 px JunoCam frame on the CPU) and the network
runs twice more on them (once without gradient).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import torch
import torch.nn.functional as F

from jovis.synth.track import TrackStep
from jovis.training.consistency import SecondView, checked_block
from jovis.training.losses import consistency_loss

# key -> (default, maximum); all ≥ 0. The step's bounds are TrackStep's fields.
KEYS: dict[str, tuple[float, float]] = {
    "weight": (0.0, float("inf")),
    "sub_lat_deg": (TrackStep.sub_lat_deg, 30.0),
    "sub_lon_deg": (TrackStep.sub_lon_deg, 60.0),
    "distance": (TrackStep.distance, 0.5),
    "north_angle_deg": (TrackStep.north_angle_deg, 45.0),
    "gain": (0.05, 0.5),
    "noise": (0.03, 1.0),
    "peak": (200.0, float("inf")),
    "blur": (0.5, 5.0),
}
STEP_KEYS = ("sub_lat_deg", "sub_lon_deg", "distance", "north_angle_deg")
BATCH_KEYS = ("track_first", "track_image", "track_grid", "track_valid")


class TrackTerm:
    """The term; see the module docstring. `step` is what the stream moves the views by."""

    def __init__(self, weight: float, step: TrackStep, second: SecondView, divergence: str) -> None:
        self.weight, self.step, self.second, self.divergence = weight, step, second, divergence

    def term(
        self, forward: Callable[[torch.Tensor], torch.Tensor], batch: Mapping[str, Any],
        generator: torch.Generator,
    ) -> torch.Tensor | None:  # fmt: skip
        """The divergence between `forward` on the batch's moved views and its prediction on
        their first views carried onto them; None when the batch has no moved view."""
        if any(k not in batch for k in BATCH_KEYS) or batch["track_image"].shape[0] == 0:
            return None
        with torch.no_grad():
            first = forward(batch["track_first"]).float().softmax(1)
        grid = batch["track_grid"].to(first.device, first.dtype)
        target = F.grid_sample(first, grid, "bilinear", "zeros", align_corners=False)
        seen, image = batch["track_valid"], batch["track_image"]
        u = torch.rand(image.shape[0], generator=generator, dtype=torch.float64)
        view = self.second.photometric(image, ~seen, u, generator)
        return consistency_loss(target, forward(view), seen, self.divergence)


def track_config(cfg: Mapping[str, Any] | None) -> dict[str, Any]:
    """The ``loss.track`` block checked, with its defaults; raises naming the key."""
    return checked_block(cfg, "loss.track", KEYS)


def track_step(cfg: Mapping[str, Any] | None) -> TrackStep | None:
    """The moves the stream renders for ``loss.track``; None when the term is off."""
    return _step(track_config(cfg))


def _step(values: Mapping[str, Any]) -> TrackStep | None:
    return None if values["weight"] == 0 else TrackStep(**{k: values[k] for k in STEP_KEYS})


def build_track(cfg: Mapping[str, Any] | None, clip: Any = (-0.5, 2.0)) -> TrackTerm | None:
    """A TrackTerm from the ``loss.track`` block, or None when off (absent, null or weight 0:
    training is then exactly as without it)."""
    values = track_config(cfg)
    step = _step(values)
    if step is None:
        return None
    second = SecondView(
        1.0, rotation_deg=0.0, gain=values["gain"], noise=values["noise"], peak=values["peak"],
        blur=values["blur"], divergence=values["divergence"], clip=clip,
    )  # fmt: skip
    return TrackTerm(values["weight"], step, second, values["divergence"])
