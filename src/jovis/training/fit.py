"""`train(cfg)`: everything `scripts/train.py` does, as a plain function tests can call."""

from __future__ import annotations

import logging
import secrets
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import lightning as L
import torch
from lightning.pytorch.callbacks import Callback, ModelCheckpoint, RichProgressBar
from lightning.pytorch.loggers import CSVLogger
from omegaconf import DictConfig, OmegaConf

from jovis.checkpoint import save_checkpoint
from jovis.cli import to_plain
from jovis.data.datamodule import FrameDataModule, build_datasets
from jovis.devices import resolve_device
from jovis.frame import LabelSchema
from jovis.io.atomic import write_text
from jovis.io.instrument import instrument_names, load_instrument
from jovis.models import build_model, check_model_args
from jovis.training.module import SegmentationModule

log = logging.getLogger(__name__)
CHECKPOINT_NAME = "model.pt"


def new_run_dir(out: str | Path, name: str) -> Path:
    """A run folder that cannot collide: name, timestamp and a random suffix."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    run = Path(out) / f"{name}-{stamp}-{secrets.token_hex(3)}"
    run.mkdir(parents=True, exist_ok=False)
    return run


def resolve_resume(resume: str | Path) -> tuple[Path, Path]:
    """(run folder, Lightning checkpoint) for `resume=<run folder or .ckpt file>`."""
    path = Path(resume)
    ckpt = path / "checkpoints" / "last.ckpt" if path.is_dir() else path
    if not ckpt.is_file():
        raise FileNotFoundError(
            f"resume={resume}: no {ckpt}; pass a run folder made by scripts/train.py or its "
            "checkpoints/last.ckpt"
        )
    run = ckpt.parent.parent if ckpt.parent.name == "checkpoints" else ckpt.parent
    return run, ckpt


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


class _AdvanceDatasetEpoch(Callback):
    """New synthetic seeds and augmentations each epoch (datasets are re-sent to workers)."""

    def on_train_epoch_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        dataset = trainer.datamodule.train_set
        if hasattr(dataset, "set_epoch"):
            dataset.set_epoch(trainer.current_epoch)
        elif hasattr(dataset, "epoch"):
            dataset.epoch = trainer.current_epoch


def train(cfg: DictConfig) -> dict[str, Any]:
    """Train a segmentation model; returns the figures and paths of the run."""
    schema = LabelSchema.from_dict(to_plain(cfg.labels))
    args = model_args(cfg, schema)  # fail on a bad config before any work
    accelerator = resolve_device(cfg.trainer.accelerator or cfg.device)
    L.seed_everything(int(cfg.seed), workers=True, verbose=False)

    ckpt_path = None
    if cfg.get("resume"):
        run_dir, ckpt_path = resolve_resume(cfg.resume)
    else:
        run_dir = new_run_dir(cfg.out, cfg.name)
    write_text(run_dir / "config.yaml", OmegaConf.to_yaml(cfg, resolve=True))
    log.info("run folder: %s", run_dir)

    channels = list(cfg.instrument.channels)
    normalisation = to_plain(cfg.normalisation)
    train_set, val_set = build_datasets(
        to_plain(cfg.data), channels, cfg.instrument.name, normalisation, int(cfg.seed)
    )
    datamodule = FrameDataModule(
        train_set,
        val_set,
        batch_size=int(cfg.data.batch_size),
        num_workers=int(cfg.data.num_workers),
    )
    model = build_model(**args, weights=cfg.model.get("weights"))
    tcfg = cfg.trainer
    if tcfg.compile:
        model = torch.compile(model)
    module = SegmentationModule(
        model,
        schema,
        lr=float(cfg.optim.lr),
        weight_decay=float(cfg.optim.weight_decay),
        warmup_steps=int(cfg.optim.warmup_steps),
        total_steps=int(tcfg.max_steps),
        dice_weight=float(cfg.loss.dice_weight),
        channels_last=bool(tcfg.channels_last),
    )
    precision = tcfg.precision
    if precision == "auto":
        precision = "bf16-mixed" if accelerator.startswith("cuda") else "32-true"
    callbacks: list[Callback] = [
        _AdvanceDatasetEpoch(),
        ModelCheckpoint(dirpath=run_dir / "checkpoints", save_last=True, save_top_k=0),
    ]
    if tcfg.progress:
        callbacks.append(RichProgressBar(leave=True))
    trainer = L.Trainer(
        accelerator="gpu" if accelerator.startswith("cuda") else "cpu",
        devices=tcfg.devices,
        strategy=tcfg.strategy,
        precision=precision,
        max_steps=int(tcfg.max_steps),
        max_epochs=-1,
        limit_val_batches=tcfg.limit_val_batches,
        val_check_interval=tcfg.val_check_interval,
        check_val_every_n_epoch=None if tcfg.val_check_interval else 1,
        gradient_clip_val=tcfg.gradient_clip_val,
        log_every_n_steps=int(tcfg.log_every_n_steps),
        logger=CSVLogger(run_dir, name="logs", version=""),
        callbacks=callbacks,
        default_root_dir=run_dir,
        enable_progress_bar=bool(tcfg.progress),
        enable_model_summary=False,
        fast_dev_run=tcfg.get("fast_dev_run", False),
        deterministic=bool(tcfg.deterministic),
        num_sanity_val_steps=0,
    )
    start = time.perf_counter()
    trainer.fit(module, datamodule=datamodule, ckpt_path=ckpt_path)
    seconds = time.perf_counter() - start

    result: dict[str, Any] = {
        "out": str(run_dir),
        "checkpoint": None,
        "steps": int(trainer.global_step),
        "train_seconds": round(seconds, 1),
    }
    if trainer.is_global_zero:
        plain_model = getattr(model, "_orig_mod", model).to(memory_format=torch.contiguous_format)
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
    result.update({f"val_{k}": round(v, 4) for k, v in module.val_scores.items()})
    return result
