"""`train(cfg)`: everything `scripts/train.py` does, as a plain function tests can call."""

from __future__ import annotations

import logging
import math
import os
import time
from typing import Any

import lightning as L
import torch
from omegaconf import DictConfig, OmegaConf

from jovis.checkpoint import save_checkpoint
from jovis.config import to_plain
from jovis.devices import resolve_device
from jovis.geometry.training import run_geometry
from jovis.io.atomic import write_text
from jovis.models.spec import ModelSpec
from jovis.training.build import build_datamodule, build_module, build_trainer, stream_of
from jovis.training.config import check_train_config
from jovis.training.init import FreezeEncoder, load_init, prepare_init
from jovis.training.resume import read_resume_checkpoint, resolve_resume
from jovis.training.rundir import (
    RUN_DIR_ENV,
    launched_world,
    new_run_dir,
    run_dir_for_children,
    shared_run_dir,
)

log = logging.getLogger(__name__)
CHECKPOINT_NAME = "model.pt"

__all__ = ["CHECKPOINT_NAME", "new_run_dir", "resolve_resume", "train"]


def expected_world(cfg: dict[str, Any], accelerator: str) -> tuple[int, int, int]:
    """(world size, rank, processes per node): torchrun's, else what the trainer will launch."""
    world, rank, local_world = launched_world()
    if world > 1 or os.environ.get(RUN_DIR_ENV):
        return world, rank, local_world
    tcfg = cfg["trainer"]
    devices = tcfg["devices"]
    if accelerator.startswith("cuda") and devices == -1:
        devices = torch.cuda.device_count()
    if isinstance(devices, list):
        per_node = len(devices)
    else:  # "auto" or -1 on a CPU: Lightning's own count, checked again when it launches
        per_node = int(devices) if str(devices).lstrip("-").isdigit() else 1
    per_node = max(per_node, 1)
    return per_node * int(tcfg.get("num_nodes", 1)), rank, local_world


def train(cfg: DictConfig | dict[str, Any]) -> dict[str, Any]:
    """Train a segmentation model; returns the figures and paths of the run.

    Under ``torchrun`` every rank calls this; they share one run folder, and only rank 0 writes
    the config, logs and checkpoints. ``data.batch_size`` is per process. Every setting is
    checked before any folder is made, and a refused ``resume=`` leaves its run folder as it was.
    """
    cfg = to_plain(cfg)  # the one conversion: plain data from here on
    check_train_config(cfg)
    spec = ModelSpec.from_config(cfg)
    init = prepare_init(cfg, spec)  # init=: adopts the parent's normalisation, scales the lr
    accelerator = resolve_device(cfg["trainer"].get("accelerator") or cfg["device"])
    world, rank, local_world = expected_world(cfg, accelerator)
    parent_geometry = init.geometry if init is not None else None
    datamodule = build_datamodule(cfg, world, parent_geometry=parent_geometry)

    ckpt_path, resumed_step = None, None
    if cfg.get("resume"):
        run_dir, ckpt_path = resolve_resume(cfg["resume"])
        resumed_step = read_resume_checkpoint(ckpt_path, spec)
    else:
        run_dir = shared_run_dir(cfg["out"], cfg["name"], accelerator)
    if rank == 0 and not os.environ.get(RUN_DIR_ENV):  # not in processes Lightning launched
        write_text(run_dir / "config.yaml", OmegaConf.to_yaml(OmegaConf.create(cfg)))
    log.info("run folder: %s", run_dir)

    L.seed_everything(int(cfg["seed"]), workers=True, verbose=False)
    module = build_module(cfg, spec, stream=stream_of(datamodule))
    if init is not None and ckpt_path is None:  # a resume continues from its own weights
        load_init(getattr(module.model, "_orig_mod", module.model), init)
    freeze = init.freeze_encoder_steps if init is not None else 0
    trainer = build_trainer(
        cfg,
        accelerator,
        run_dir,
        launch=(launched_world()[0], local_world),
        has_val=datamodule.val_set is not None,
        resumed_step=resumed_step,
        callbacks=[FreezeEncoder(freeze)] if freeze else None,
    )
    start = time.perf_counter()
    with run_dir_for_children(run_dir):  # processes Lightning launches join this folder
        try:
            trainer.fit(module, datamodule=datamodule, ckpt_path=ckpt_path, weights_only=True)
        except SystemExit:
            if trainer.interrupted:  # Lightning's answer to Ctrl-C: a graceful stop, then exit 1
                raise KeyboardInterrupt(f"give resume={run_dir} to go on from its last "
                                        "checkpoint") from None  # fmt: skip
            raise
        validate_last_step(trainer, module, datamodule)
    seconds = time.perf_counter() - start

    best = run_dir / "checkpoints" / "best.ckpt"
    result: dict[str, Any] = {
        "out": str(run_dir),
        "checkpoint": None,
        "best_checkpoint": str(best) if best.is_file() else None,
        "steps": int(trainer.global_step),
        "train_seconds": round(seconds, 1),
    }
    if init is not None:
        result["parent"] = init.parent()
    if trainer.is_global_zero:
        result["checkpoint"] = str(_save(run_dir, module, spec, cfg, trainer, init))
    # None, not NaN, for an undefined score (no such class or vortex anywhere): valid JSON
    result.update(
        {
            f"val_{k}": round(v, 4) if math.isfinite(v) else None
            for k, v in module.val_scores.items()
        }
    )
    return result


def validate_last_step(trainer: L.Trainer, module, datamodule) -> None:
    """Validate the final weights when the run did not end on a validation.

    Lightning validates at the end of each data epoch (or every `trainer.val_check_interval`),
    so a run whose `max_steps` falls inside an epoch (a 400-step run on a 512-step stream, or
    one that never finished an epoch) would record the scores of earlier weights, or none, in
    model.pt and the run's result. best.ckpt is not updated by this check (Lightning saves
    only while fitting); the scores are logged at the final step.
    """
    if datamodule.val_set is None or trainer.limit_val_batches == 0 or trainer.interrupted:
        return
    if module.val_step != trainer.global_step:
        trainer.validate(module, datamodule=datamodule, verbose=False)


def _save(run_dir, module, spec: ModelSpec, cfg: dict[str, Any], trainer, init) -> Any:
    """model.pt: the weights and the `jovis` block (with the parent of a fine-tuned run)."""
    plain_model = getattr(module.model, "_orig_mod", module.model)
    plain_model = plain_model.to(memory_format=torch.contiguous_format)
    return save_checkpoint(
        run_dir / CHECKPOINT_NAME,
        plain_model,
        spec=spec,
        labels=module.schema,
        channels=list(cfg["instrument"]["channels"]),
        instrument=cfg["instrument"]["name"],
        normalisation=cfg["normalisation"],
        config=cfg,
        steps=int(trainer.global_step),
        val_scores=dict(module.val_scores),
        visible_classes=[module.schema.names[i] for i in module.visible],
        geometry=_plain_geometry(cfg, init.geometry if init is not None else None),
        **({"parent": init.parent()} if init is not None else {}),
    )


def _plain_geometry(cfg: dict[str, Any], parent: dict[str, Any] | None) -> dict[str, Any] | None:
    """The training frames' geometry for the checkpoint (what `infer` resamples frames to, and
    what the run's labelled folder frames were resampled to)."""
    geometry = run_geometry(cfg, parent)
    return None if geometry is None else geometry.to_dict()
