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
from jovis.cli import to_plain
from jovis.data.augment import build_augment
from jovis.data.datamodule import FrameDataModule, build_datasets
from jovis.data.datasets import check_batch_fits
from jovis.data.stream import build_stream
from jovis.devices import resolve_device
from jovis.frame import LabelSchema
from jovis.io.atomic import write_text
from jovis.io.instrument import instrument_names, load_instrument
from jovis.models import build_model, check_model_args
from jovis.training.callbacks import build_callbacks, build_loggers, check_loggers
from jovis.training.losses import build_loss
from jovis.training.module import SegmentationModule
from jovis.training.rundir import (
    RUN_DIR_ENV,
    check_resume_model,
    launched_world,
    new_run_dir,
    resolve_resume,
    run_dir_for_children,
    shared_run_dir,
)
from jovis.training.schedules import check_schedule

log = logging.getLogger(__name__)
CHECKPOINT_NAME = "model.pt"
STRATEGIES = ("auto", "ddp", "ddp_spawn", "ddp_find_unused_parameters_true")
PRECISIONS = ("auto", "32-true", "bf16-mixed", "16-mixed", "bf16-true")

__all__ = ["CHECKPOINT_NAME", "model_args", "new_run_dir", "resolve_resume", "train"]


def model_args(cfg: DictConfig, schema: LabelSchema) -> dict[str, Any]:
    """build_model() keywords from the config, checked before anything is built."""
    args = {
        "arch": cfg.model.arch,
        "encoder": cfg.model.encoder,
        "in_channels": len(cfg.instrument.channels),
        "num_classes": schema.num_classes,
        "decoder_width": float(cfg.model.decoder_width),
        "encoder_width": float(cfg.model.encoder_width),
    }
    if cfg.model.get("in_channels") not in (None, args["in_channels"]):
        raise ValueError(
            f"model.in_channels={cfg.model.in_channels} but instrument {cfg.instrument.name} has "
            f"{args['in_channels']} channels {list(cfg.instrument.channels)}; drop "
            f"model.in_channels or pick a matching instrument=: {instrument_choices()}"
        )
    check_model_args(**args, weights=cfg.model.get("weights"))
    return args


def instrument_choices() -> str:
    """'jiram (2: L, M), jiram_l (1: L), ...' from configs/instrument/."""
    described = []
    for name in instrument_names():
        channels = load_instrument(name)["channels"]
        described.append(f"{name} ({len(channels)}: {', '.join(channels)})")
    return ", ".join(described)


def check_trainer_config(cfg: DictConfig) -> None:
    """Names in the trainer/optim blocks that Lightning would only reject mid-setup."""
    tcfg = cfg.trainer
    if tcfg.strategy not in STRATEGIES:
        raise ValueError(
            f"trainer.strategy={tcfg.strategy!r}; valid choices: {', '.join(STRATEGIES)} "
            "(or trainer=ddp)"
        )
    if tcfg.precision not in PRECISIONS:
        raise ValueError(
            f"trainer.precision={tcfg.precision!r}; valid choices: {', '.join(PRECISIONS)}"
        )
    check_schedule(cfg.optim.get("schedule", "cosine"))
    if int(tcfg.max_steps) < 1:
        raise ValueError(f"trainer.max_steps={tcfg.max_steps}; it must be ≥ 1")


def build_module(
    cfg: DictConfig,
    schema: LabelSchema,
    args: dict[str, Any],
    *,
    loss: torch.nn.Module,
    augment: Any,
    stream: Any = None,
    channels_last: bool | None = None,
) -> SegmentationModule:
    """The LightningModule `train` fits for `cfg`: the network (compiled when
    ``trainer.compile``), loss, schedule, batch augmentation and device stream.
    `channels_last` overrides ``trainer.channels_last`` (the training benchmark times both)."""
    tcfg = cfg.trainer
    model = build_model(**args, weights=cfg.model.get("weights"))
    if tcfg.compile:
        model = torch.compile(model)
    return SegmentationModule(
        model,
        schema,
        lr=float(cfg.optim.lr),
        weight_decay=float(cfg.optim.weight_decay),
        warmup_steps=int(cfg.optim.warmup_steps),
        total_steps=int(cfg.optim.get("schedule_steps") or tcfg.max_steps),
        channels_last=bool(tcfg.channels_last if channels_last is None else channels_last),
        loss=loss,
        schedule=cfg.optim.get("schedule", "cosine"),
        augment=augment,
        seed=int(cfg.seed),
        model_args=args,
        stream=stream,
    )


def train(cfg: DictConfig) -> dict[str, Any]:
    """Train a segmentation model; returns the figures and paths of the run.

    Under ``torchrun`` every rank calls this; they share one run folder, and only rank 0 writes
    the config, logs and checkpoints. ``data.batch_size`` is per process.
    """
    schema = LabelSchema.from_dict(to_plain(cfg.labels))
    args = model_args(cfg, schema)  # fail on a bad config before any work
    check_trainer_config(cfg)
    tcfg = cfg.trainer
    accelerator = resolve_device(tcfg.accelerator or cfg.device)
    loggers_wanted = list(tcfg.get("loggers", ["csv"]))
    check_loggers(loggers_wanted)
    loss = build_loss(to_plain(cfg.loss), schema.num_classes, schema.ignore_index)
    augment = build_augment(to_plain(cfg.get("augment") or {}))

    channels = list(cfg.instrument.channels)
    normalisation = to_plain(cfg.normalisation)
    train_set, val_set = build_datasets(
        to_plain(cfg.data), channels, cfg.instrument.name, normalisation, int(cfg.seed)
    )
    stream = build_stream(to_plain(cfg.data), channels, normalisation, int(cfg.seed))
    if stream is not None:  # data=synthetic: training batches rendered on the device
        train_set = stream
    frames = stream.frames if stream is not None else len(train_set)
    world, rank, local_world = launched_world()
    datamodule = FrameDataModule(
        train_set,
        val_set,
        batch_size=int(cfg.data.batch_size),
        num_workers=int(cfg.data.num_workers),
        seed=int(cfg.seed),
    )
    check_batch_fits(int(cfg.data.batch_size), frames, world)

    ckpt_path = None
    if cfg.get("resume"):
        run_dir, ckpt_path = resolve_resume(cfg.resume)
        check_resume_model(ckpt_path, args)
    else:
        run_dir = shared_run_dir(cfg.out, cfg.name, accelerator)
    if rank == 0 and not os.environ.get(RUN_DIR_ENV):  # not in processes Lightning launched
        write_text(run_dir / "config.yaml", OmegaConf.to_yaml(cfg, resolve=True))
    log.info("run folder: %s", run_dir)

    L.seed_everything(int(cfg.seed), workers=True, verbose=False)
    module = build_module(cfg, schema, args, loss=loss, augment=augment, stream=stream)
    precision = tcfg.precision
    if precision == "auto":
        precision = "bf16-mixed" if accelerator.startswith("cuda") else "32-true"
    validates = val_set is not None and tcfg.limit_val_batches != 0
    ckpt_cfg = {**to_plain(cfg.checkpoint), "early_stopping": to_plain(cfg.early_stopping)}
    devices, num_nodes, strategy = tcfg.devices, int(tcfg.get("num_nodes", 1)), tcfg.strategy
    if world > 1:  # torchrun: one process per device, the launch decides how many
        devices, num_nodes = local_world, world // local_world
        strategy = "ddp" if strategy == "auto" else strategy
    trainer = L.Trainer(
        accelerator="gpu" if accelerator.startswith("cuda") else "cpu",
        devices=devices,
        num_nodes=num_nodes,
        strategy=strategy,
        precision=precision,
        max_steps=int(tcfg.max_steps),
        max_epochs=-1,
        limit_val_batches=tcfg.limit_val_batches,
        val_check_interval=tcfg.val_check_interval,
        check_val_every_n_epoch=None if tcfg.val_check_interval else 1,
        gradient_clip_val=tcfg.gradient_clip_val,
        log_every_n_steps=int(tcfg.log_every_n_steps),
        logger=build_loggers(run_dir, loggers_wanted),
        callbacks=build_callbacks(
            run_dir, ckpt_cfg, progress=bool(tcfg.progress), validates=validates
        ),
        default_root_dir=run_dir,
        enable_progress_bar=bool(tcfg.progress),
        enable_model_summary=False,
        enable_checkpointing=True,
        fast_dev_run=tcfg.get("fast_dev_run", False),
        deterministic=bool(tcfg.deterministic),
        num_sanity_val_steps=0,
        use_distributed_sampler=False,  # FrameDataModule shards by rank itself
    )
    start = time.perf_counter()
    with run_dir_for_children(run_dir):  # processes Lightning launches join this folder
        trainer.fit(module, datamodule=datamodule, ckpt_path=ckpt_path)
    seconds = time.perf_counter() - start

    best = run_dir / "checkpoints" / "best.ckpt"
    result: dict[str, Any] = {
        "out": str(run_dir),
        "checkpoint": None,
        "best_checkpoint": str(best) if best.is_file() else None,
        "steps": int(trainer.global_step),
        "train_seconds": round(seconds, 1),
    }
    if trainer.is_global_zero:
        plain_model = getattr(module.model, "_orig_mod", module.model).to(
            memory_format=torch.contiguous_format
        )
        ckpt = save_checkpoint(
            run_dir / CHECKPOINT_NAME,
            plain_model,
            model_args=args,
            labels=schema,
            channels=channels,
            instrument=cfg.instrument.name,
            normalisation=normalisation,
            config=to_plain(cfg),
            steps=int(trainer.global_step),
            val_scores=dict(module.val_scores),
        )
        result["checkpoint"] = str(ckpt)
    # None, not NaN, for an undefined score (no such class or vortex anywhere): valid JSON
    result.update(
        {
            f"val_{k}": round(v, 4) if math.isfinite(v) else None
            for k, v in module.val_scores.items()
        }
    )
    return result
