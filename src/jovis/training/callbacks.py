"""Trainer callbacks and loggers: data epochs, best/last checkpoints, early stopping."""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import lightning as L
from lightning.pytorch.callbacks import (
    Callback,
    EarlyStopping,
    ModelCheckpoint,
    RichProgressBar,
)
from lightning.pytorch.loggers import CSVLogger, Logger, TensorBoardLogger

LOGGERS = ("csv", "tensorboard")
LAST = "last.ckpt"


class DataEpoch(Callback):
    """Keeps the datasets and the sampler on the trainer's epoch, also after a resume.

    New synthetic seeds every epoch (datasets are re-sent to workers). Resumed
    mid-epoch, Lightning skips ``on_train_epoch_start`` and restarts the loader, so the epoch is
    set in ``on_train_start`` too and the sampler skips the batches already trained on.
    """

    def on_train_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self._set(trainer)
        sampler = getattr(trainer.datamodule, "train_sampler", None)
        loop = trainer.fit_loop
        if sampler is not None and loop.restarted_mid_epoch:
            # `processed`: a checkpoint from a batch end has not yet counted that batch completed
            done = loop.epoch_loop.batch_progress.current.processed
            sampler.skip_batches(trainer.current_epoch, done)

    def on_train_epoch_start(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        self._set(trainer)

    @staticmethod
    def _set(trainer: L.Trainer) -> None:
        dataset = trainer.datamodule.train_set
        if hasattr(dataset, "set_epoch"):
            dataset.set_epoch(trainer.current_epoch)


class LastCheckpoint(Callback):
    """``checkpoints/last.ckpt`` every `every_n_steps`, at the final step and after each
    validation, always from the batch end so a resume continues inside the epoch."""

    def __init__(self, dirpath: Path, every_n_steps: int) -> None:
        self.path, self.every = Path(dirpath) / LAST, max(1, int(every_n_steps))

    def on_train_batch_end(self, trainer: L.Trainer, *args: Any) -> None:
        step = trainer.global_step
        if step % self.every == 0 or (trainer.max_steps > 0 and step >= trainer.max_steps):
            trainer.save_checkpoint(self.path)

    def on_validation_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if not trainer.sanity_checking and trainer.state.fn == "fit":
            trainer.save_checkpoint(self.path)


def build_callbacks(
    run_dir: Path, cfg: Mapping[str, Any], *, progress: bool, validates: bool
) -> list[Callback]:
    """Data epochs, last and best checkpoints, early stopping, progress bar.

    `cfg` is the ``checkpoint`` block (``monitor``, ``mode``, ``every_n_steps``) merged with
    ``early_stopping`` (``patience``: null = off, ``min_delta``).
    """
    ckpt_dir = run_dir / "checkpoints"
    monitor, mode = cfg["monitor"], cfg.get("mode", "max")
    callbacks: list[Callback] = [DataEpoch(), LastCheckpoint(ckpt_dir, cfg["every_n_steps"])]
    if validates:
        callbacks.append(
            ModelCheckpoint(
                dirpath=ckpt_dir,
                filename="best",
                monitor=monitor,
                mode=mode,
                save_top_k=1,
                auto_insert_metric_name=False,
                enable_version_counter=False,
            )
        )
        stop = cfg.get("early_stopping") or {}
        if stop.get("patience") is not None:
            callbacks.append(
                EarlyStopping(
                    monitor=monitor,
                    mode=mode,
                    patience=int(stop["patience"]),
                    min_delta=float(stop.get("min_delta", 0.0)),
                    check_on_train_epoch_end=False,
                )
            )
    if progress:
        callbacks.append(RichProgressBar(leave=True))
    return callbacks


def check_loggers(names: list[str]) -> None:
    """Raise naming the fix for an unknown logger or a TensorBoard logger without tensorboard."""
    unknown = [n for n in names if n not in LOGGERS]
    if unknown:
        raise ValueError(f"trainer.loggers has {unknown}; valid choices: {', '.join(LOGGERS)}")
    has_tb = any(importlib.util.find_spec(m) for m in ("tensorboard", "tensorboardX"))
    if "tensorboard" in names and not has_tb:
        raise ValueError(
            "trainer.loggers=[..., tensorboard] needs tensorboardX (a jovis dependency) or "
            "tensorboard, and neither is installed; pip install tensorboardX, or use "
            "trainer.loggers=[csv]"
        )


def build_loggers(run_dir: Path, names: list[str]) -> list[Logger]:
    """CSV (``logs/metrics.csv``) and/or TensorBoard (``logs/events.*``) under the run folder."""
    check_loggers(names)
    loggers: list[Logger] = []
    for name in names:
        if name == "csv":
            loggers.append(CSVLogger(run_dir, name="logs", version=""))
        else:
            loggers.append(
                TensorBoardLogger(run_dir, name="logs", version="", default_hp_metric=False)
            )
    return loggers
