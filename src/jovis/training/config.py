"""Checks of a whole training config (plain data), run before anything is built or any folder
made: each error names the key and its valid range."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import torch

from jovis.config import check_at_least
from jovis.data.mixed import val_source_names
from jovis.data.normalise import check_normalisation
from jovis.devices import DEVICE_CHOICES
from jovis.frame import LabelSchema
from jovis.models.head_prior import check_head_prior
from jovis.synth.params import SynthParams
from jovis.training.callbacks import check_loggers, check_monitor
from jovis.training.schedules import check_schedule

log = logging.getLogger(__name__)
STRATEGIES = ("auto", "ddp", "ddp_spawn", "ddp_find_unused_parameters_true")
# One name per precision across training and inference (`infer precision=`): fp32 and bf16
# (autocast) as in infer, fp16 (autocast with a gradient scaler, CUDA) and bf16-true (bf16
# weights) for training only. Lightning's own names are deprecated aliases.
PRECISIONS = ("auto", "fp32", "bf16", "fp16", "bf16-true")
DEPRECATED_PRECISIONS = {"32-true": "fp32", "32": "fp32", "bf16-mixed": "bf16", "16-mixed": "fp16"}
_LIGHTNING = {"fp32": "32-true", "bf16": "bf16-mixed", "fp16": "16-mixed", "bf16-true": "bf16-true"}


def precision_name(value: Any) -> str:
    """`trainer.precision` in jovis's names; a Lightning name is accepted with a warning."""
    value = str(value)
    if value in DEPRECATED_PRECISIONS:
        new = DEPRECATED_PRECISIONS[value]
        log.warning("trainer.precision=%s is deprecated; write trainer.precision=%s", value, new)
        return new
    if value not in PRECISIONS:
        raise ValueError(f"trainer.precision={value!r}; valid choices: {', '.join(PRECISIONS)}")
    return value


def lightning_precision(value: Any, accelerator: str) -> str:
    """Lightning's precision string for `trainer.precision` on `accelerator` ('auto' = bf16
    autocast on CUDA, fp32 on the CPU)."""
    name = precision_name(value)
    if name == "auto":
        name = "bf16" if accelerator.startswith("cuda") else "fp32"
    return _LIGHTNING[name]


def _int(cfg: Mapping[str, Any], dotted: str, low: int, what: str, *, none_ok: bool = False):
    node: Any = cfg
    for part in dotted.split("."):
        node = node.get(part) if isinstance(node, Mapping) else None
    if node is None and none_ok:
        return
    check_at_least(dotted, node, low, what)


def check_train_config(cfg: Mapping[str, Any]) -> None:
    """Raise `ValueError` naming the key for any setting training would only reject later."""
    tcfg, data = cfg["trainer"], cfg["data"]
    if tcfg["strategy"] not in STRATEGIES:
        raise ValueError(
            f"trainer.strategy={tcfg['strategy']!r}; valid choices: {', '.join(STRATEGIES)} "
            "(or trainer=ddp)"
        )
    precision_name(tcfg["precision"])
    check_schedule(cfg["optim"].get("schedule", "cosine"))
    check_loggers(list(tcfg.get("loggers", ["csv"])))
    _int(cfg, "trainer.max_steps", 1, "optimiser steps to train")
    _int(cfg, "trainer.log_every_n_steps", 1, "steps between logged rows")
    _int(cfg, "checkpoint.every_n_steps", 1, "steps between checkpoints/last.ckpt")
    _int(cfg, "data.batch_size", 1, "frames per step and process")
    _int(cfg, "data.num_workers", 0, "loader worker processes; 0 = in the main process")
    _int(cfg, "seed", 0, "the run's random seed")
    if data.get("kind") in ("synthetic", "mixed"):
        _int(cfg, "data.size", 32, "frame side in pixels")
        _int(cfg, "data.train_frames", 1, "training frames per epoch")
        _int(cfg, "data.val_frames", 0, "validation frames")
        if "scene_workers" in data:
            _int(cfg, "data.scene_workers", 0, "scene-drawing loader processes; 0 = none")
    optim = cfg.get("optim") or {}
    check_at_least("optim.lr", optim.get("lr"), 0, "the peak learning rate", integer=False,
                   above=True)  # fmt: skip
    check_at_least("optim.weight_decay", optim.get("weight_decay", 0.0), 0, "AdamW's decay",
                   integer=False)  # fmt: skip
    _int(cfg, "optim.warmup_steps", 0, "linear warm-up steps", none_ok=True)
    _int(cfg, "early_stopping.patience", 0, "validations without improvement; null = off",
         none_ok=True)  # fmt: skip
    check_at_least(
        "early_stopping.min_delta",
        (cfg.get("early_stopping") or {}).get("min_delta", 0.0),
        0,
        "least change that counts as an improvement",
        integer=False,
    )
    check_normalisation(cfg.get("normalisation") or {})
    if data.get("kind") in ("synthetic", "mixed"):  # (else the run's folder is made first)
        SynthParams.from_dict(data.get("params"))
    check_device(cfg["device"], tcfg.get("accelerator"))
    schema = LabelSchema.from_dict(cfg["labels"])
    check_head_prior((cfg.get("init") or {}).get("head_prior"), schema.num_classes)
    ckpt = cfg.get("checkpoint") or {}
    check_monitor(ckpt.get("monitor"), ckpt.get("mode", "max"), schema.names,
                  val_source_names(data))  # fmt: skip


def check_device(device: str, accelerator: str | None) -> None:
    """`device` and `trainer.accelerator` must not contradict each other (``device=cuda
    trainer=cpu`` would otherwise train on the CPU)."""
    if device not in DEVICE_CHOICES and not str(device).startswith("cuda:"):
        raise ValueError(f"device={device!r}; valid choices: {', '.join(DEVICE_CHOICES)}")
    if accelerator is None or device == "auto":
        return
    if str(device).split(":")[0] != str(accelerator).split(":")[0]:
        raise ValueError(
            f"device={device} but trainer.accelerator={accelerator} (trainer={accelerator} "
            f"selects it); choose one: device={accelerator}, or trainer="
            f"{'gpu' if str(device).startswith('cuda') else 'cpu'} with device={device}"
        )
    if str(accelerator).startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(
            f"trainer.accelerator={accelerator} but no CUDA device is visible; use trainer=cpu"
        )
