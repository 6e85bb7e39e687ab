"""The parts `train` and the training benchmark (`suite=train`) both assemble from one plain
config: the LightningModule, the data module and the Lightning Trainer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import lightning as L
import torch
from lightning.pytorch.callbacks import Callback

from jovis.data.augment import build_augment
from jovis.data.datamodule import FrameDataModule, build_datasets
from jovis.data.datasets import check_batch_fits
from jovis.data.mixed import val_source_names
from jovis.data.stream import SyntheticStream, build_stream
from jovis.frame import LabelSchema
from jovis.geometry.training import run_geometry
from jovis.models.head_prior import set_head_prior
from jovis.models.spec import ModelSpec
from jovis.training.callbacks import build_callbacks, build_loggers
from jovis.training.config import lightning_precision
from jovis.training.consistency import build_consistency
from jovis.training.console import quiet_lightning
from jovis.training.losses import build_loss
from jovis.training.module import SegmentationModule
from jovis.training.resume import SafeCheckpointIO
from jovis.training.track_term import build_track, track_step
from jovis.visibility import visible_from_config


def build_module(
    cfg: dict[str, Any],
    spec: ModelSpec,
    *,
    stream: Any = None,
    channels_last: bool | None = None,
) -> SegmentationModule:
    """The LightningModule `train` fits for `cfg`: the network (compiled when
    ``trainer.compile``), loss, schedule, batch augmentation and device stream.
    `channels_last` overrides ``trainer.channels_last`` (the training benchmark times both)."""
    tcfg, optim = cfg["trainer"], cfg["optim"]
    schema = LabelSchema.from_dict(cfg["labels"])
    model = spec.build(weights=cfg["model"].get("weights"))
    prior = (cfg.get("init") or {}).get("head_prior")
    if prior is not None:  # init.head_prior: the head starts at these class probabilities
        set_head_prior(model, prior, schema.num_classes)
    if tcfg["compile"]:
        model = torch.compile(model)
    return SegmentationModule(
        model,
        schema,
        lr=float(optim["lr"]),
        weight_decay=float(optim["weight_decay"]),
        warmup_steps=int(optim["warmup_steps"]),
        total_steps=int(optim.get("schedule_steps") or tcfg["max_steps"]),
        channels_last=bool(tcfg["channels_last"] if channels_last is None else channels_last),
        loss=build_loss(cfg["loss"], schema.num_classes, schema.ignore_index),
        schedule=optim.get("schedule", "cosine"),
        augment=build_augment(cfg.get("augment") or {}),
        seed=int(cfg["seed"]),
        model_args=spec.to_dict(),
        stream=stream,
        visible=visible_from_config(cfg, schema),
        consistency=build_consistency(
            cfg["loss"].get("consistency"), cfg["normalisation"].get("clip")
        ),
        track=build_track(cfg["loss"].get("track"), cfg["normalisation"].get("clip")),
        val_sources=val_source_names(cfg["data"]),
    )


def build_datamodule(
    cfg: dict[str, Any],
    world: int = 1,
    *,
    validate: bool = True,
    parent_geometry: dict[str, Any] | None = None,
) -> FrameDataModule:
    """Training (the device stream for ``data=synthetic``, else the per-frame datasets) and
    validation data for `cfg`. The one batch-size check of a launch runs here, for `world`
    processes, before any run folder exists. Labelled folder frames are resampled to the
    geometry the run records (`run_geometry`; `parent_geometry`: the ``init=`` model's)."""
    data, channels = cfg["data"], list(cfg["instrument"]["channels"])
    seed, normalisation = int(cfg["seed"]), cfg["normalisation"]
    track = track_step(cfg["loss"].get("track"))
    stream = build_stream(data, channels, normalisation, seed, track)
    if track is not None and stream is None:
        raise ValueError(
            "loss.track renders each frame again from a moved viewpoint, which only the device "
            "stream does: use data=synthetic with data.on_device true, or loss.track.weight=0"
        )
    geometry = run_geometry(cfg, parent_geometry)
    train_set, val_set = build_datasets(
        data, channels, cfg["instrument"]["name"], normalisation, seed, geometry
    )
    frames = stream.frames if stream is not None else getattr(train_set, "frames", len(train_set))
    check_batch_fits(int(data["batch_size"]), frames, world)
    return FrameDataModule(
        stream if stream is not None else train_set,
        val_set if validate else None,
        batch_size=int(data["batch_size"]),
        num_workers=int(data["num_workers"]),
        seed=seed,
    )


def stream_of(datamodule: FrameDataModule) -> SyntheticStream | None:
    train_set = datamodule.train_set
    return train_set if isinstance(train_set, SyntheticStream) else None


def build_trainer(
    cfg: dict[str, Any],
    accelerator: str,
    run_dir: Path | None,
    *,
    launch: tuple[int, int] = (1, 1),
    callbacks: list[Callback] | None = None,
    has_val: bool = True,
    resumed_step: int | None = None,
) -> L.Trainer:
    """The Lightning Trainer for `cfg` on `accelerator` ('cpu' or 'cuda[:i]').

    With a `run_dir`: loggers, last/best checkpoints and early stopping under it (`resumed_step`:
    the logs continue from that step; `has_val`: the data has a validation set). Without one
    (the benchmark): no logs, checkpoints or validation, and `callbacks` only.
    `launch` is (world, processes per node) under torchrun.
    """
    quiet_lightning()  # its lines once, without its notes to itself
    tcfg = cfg["trainer"]
    cuda = accelerator.startswith("cuda")
    devices, num_nodes, strategy = tcfg["devices"], int(tcfg.get("num_nodes", 1)), tcfg["strategy"]
    world, local_world = launch
    if world > 1:  # torchrun: one process per device, the launch decides how many
        devices, num_nodes = local_world, world // local_world
        strategy = "ddp" if strategy == "auto" else strategy
    elif cuda and ":" in accelerator:
        devices = [int(accelerator.split(":")[1])]
    common: dict[str, Any] = {
        "accelerator": "gpu" if cuda else "cpu",
        "devices": devices,
        "num_nodes": num_nodes,
        "strategy": strategy,
        "precision": lightning_precision(tcfg["precision"], accelerator),
        "max_steps": int(tcfg["max_steps"]),
        "max_epochs": -1,
        "gradient_clip_val": tcfg["gradient_clip_val"],
        "enable_model_summary": False,
        "num_sanity_val_steps": 0,
        "deterministic": bool(tcfg["deterministic"]),
        "plugins": [SafeCheckpointIO()],
        "callbacks": list(callbacks or []),
    }
    if run_dir is None:
        return L.Trainer(
            **common, limit_val_batches=0, logger=False, enable_checkpointing=False,
            enable_progress_bar=False,
        )  # fmt: skip
    ckpt_cfg = {**cfg["checkpoint"], "early_stopping": cfg["early_stopping"]}
    validates = has_val and tcfg["limit_val_batches"] != 0
    common["callbacks"] += build_callbacks(
        run_dir, ckpt_cfg, progress=bool(tcfg["progress"]), validates=validates
    )
    return L.Trainer(
        **common,
        limit_val_batches=tcfg["limit_val_batches"],
        val_check_interval=tcfg["val_check_interval"],
        check_val_every_n_epoch=None if tcfg["val_check_interval"] else 1,
        log_every_n_steps=int(tcfg["log_every_n_steps"]),
        logger=build_loggers(run_dir, list(tcfg.get("loggers", ["csv"])), resumed_step),
        default_root_dir=run_dir,
        enable_progress_bar=bool(tcfg["progress"]),
        enable_checkpointing=True,
        fast_dev_run=tcfg.get("fast_dev_run", False),
        use_distributed_sampler=False,  # FrameDataModule shards by rank itself
    )
