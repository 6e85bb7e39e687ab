"""``train init=<released name or model.pt>``: start from a checkpoint's weights (fine-tuning).

The parent is checked against the run before anything is built: the same architecture and
encoder (else the ``model=`` config that matches is named), the same label schema and channel
set (else refused unless ``init.reset_head=true``, which starts the layers whose shapes differ,
the output head or the first convolution, from scratch), and its normalisation, which the run
adopts (the weights expect frames normalised that way). The learning rate is scaled by
``init.lr_scale``, the encoder can stay frozen for ``init.freeze_encoder_steps``, and the new
checkpoint records its parent (name, path, sha256).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lightning as L
import torch
import yaml
from torch import nn

from jovis.config import CONFIG_DIR
from jovis.frame import LabelSchema
from jovis.io.digest import file_sha256
from jovis.models.spec import ModelSpec

log = logging.getLogger(__name__)


class InitError(ValueError):
    """An ``init=`` that does not fit the run: names the difference and the fix."""


@dataclass
class InitPlan:
    name: str
    path: Path
    sha256: str
    state: dict[str, torch.Tensor]
    reset: list[str] = field(default_factory=list)  # keys left as built (reset_head)
    freeze_encoder_steps: int = 0
    geometry: dict[str, Any] | None = None  # the parent's training geometry (data=folder keeps it)

    def parent(self) -> dict[str, Any]:
        return {"model": self.name, "path": str(self.path), "sha256": self.sha256,
                "reset_layers": self.reset}  # fmt: skip


def prepare_init(cfg: dict[str, Any], spec: ModelSpec) -> InitPlan | None:
    """Check ``cfg['init']`` against the run; adopt the parent's normalisation and scale the
    learning rate in `cfg` (in place, so config.yaml records what ran). None without init."""
    from jovis.checkpoint import load_checkpoint
    from jovis.released import UnknownModelError, resolve_model

    icfg = cfg.get("init") or {}
    if not icfg.get("model"):
        return None
    try:
        pick = resolve_model(str(icfg["model"]))
    except UnknownModelError as err:  # it says model=: the key the user gave is init=
        raise UnknownModelError(f"init={icfg['model']}: {str(err).split(': ', 1)[-1]}") from err
    net, info = load_checkpoint(pick.path)
    where = f"init={icfg['model']} ({pick.path})"
    _check_arch(where, info.spec, spec)
    reset_head = bool(icfg.get("reset_head", False))
    schema = LabelSchema.from_dict(cfg["labels"])
    channels = list(cfg["instrument"]["channels"])
    differences = []
    if info.labels.names != schema.names:
        differences.append(f"classes {info.labels.names} vs the run's {schema.names} (labels=)")
    if list(info.channels) != channels:
        differences.append(f"channels {info.channels} vs the run's {channels} (instrument=)")
    if differences and not reset_head:
        raise InitError(
            f"{where} has {'; '.join(differences)}: train with the same, or "
            "init.reset_head=true to start the layers that differ from scratch"
        )
    if cfg["normalisation"] != info.normalisation:
        log.info("init: normalisation %s from the parent (was %s)", info.normalisation,
                 cfg["normalisation"])  # fmt: skip
        cfg["normalisation"] = dict(info.normalisation)
    scale = float(icfg.get("lr_scale", 0.1))
    if not 0 < scale <= 1:
        raise InitError(f"init.lr_scale={scale}: use a factor in (0, 1] of optim.lr")
    cfg["optim"]["lr"] = float(cfg["optim"]["lr"]) * scale
    steps = int(icfg.get("freeze_encoder_steps", 0) or 0)
    if steps < 0:
        raise InitError(f"init.freeze_encoder_steps={steps}: use 0 (off) or a number of steps")
    return InitPlan(pick.model, pick.path, file_sha256(pick.path), net.state_dict(),
                    freeze_encoder_steps=steps, geometry=info.extra.get("geometry"))  # fmt: skip


def _check_arch(where: str, parent: ModelSpec, run: ModelSpec) -> None:
    keys = ("arch", "encoder", "decoder_width", "encoder_width")
    if [getattr(parent, k) for k in keys] == [getattr(run, k) for k in keys]:
        return
    matching = [p.stem for p in sorted((CONFIG_DIR / "model").glob("*.yaml"))
                if _same_model(p, parent)]  # fmt: skip
    fix = (f"model={matching[0]}" if matching else "the parent's model config") + (
        f" (decoder_width={parent.decoder_width}, encoder_width={parent.encoder_width})"
    )
    raise InitError(
        f"{where} is a {parent.arch}/{parent.encoder} network (widths {parent.decoder_width}/"
        f"{parent.encoder_width}) but the run builds {run.arch}/{run.encoder} "
        f"({run.decoder_width}/{run.encoder_width}): train with {fix}"
    )


def _same_model(path: Path, spec: ModelSpec) -> bool:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return (raw.get("arch"), raw.get("encoder")) == (spec.arch, spec.encoder)


def load_init(model: nn.Module, plan: InitPlan) -> None:
    """Copy the parent's weights into `model`; with reset_head, tensors whose shape differs stay
    as built (listed in ``plan.reset``)."""
    own = model.state_dict()
    keep = {k: v for k, v in plan.state.items() if k in own and own[k].shape == v.shape}
    plan.reset = sorted(k for k in own if k not in keep)
    model.load_state_dict(keep, strict=False)
    if plan.reset:
        log.info("init: %d tensors start from scratch: %s", len(plan.reset), plan.reset[:6])


def encoder_of(model: nn.Module) -> nn.Module:
    """The encoder of a jovis network (U-Net ``encoder``, torchvision heads' ``backbone``)."""
    model = getattr(model, "_orig_mod", model)
    for name in ("encoder", "backbone"):
        if isinstance(getattr(model, name, None), nn.Module):
            return getattr(model, name)
    raise InitError(f"init.freeze_encoder_steps: {type(model).__name__} has no encoder to freeze")


class FreezeEncoder(L.Callback):
    """Encoder weights fixed (no gradient) until global step `steps`, then trained too."""

    def __init__(self, steps: int) -> None:
        self.steps = int(steps)

    def _set(self, pl_module: L.LightningModule, frozen: bool) -> None:
        for p in encoder_of(pl_module.model).parameters():
            p.requires_grad_(not frozen)

    def on_train_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self._set(pl_module, trainer.global_step < self.steps)

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx) -> None:
        if trainer.global_step == self.steps:
            self._set(pl_module, False)
