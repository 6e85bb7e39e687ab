"""Trainer callbacks and loggers: data epochs, best/last checkpoints, early stopping."""

from __future__ import annotations

import csv
import importlib.util
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import lightning as L
import torch
from lightning.pytorch.callbacks import (
    Callback,
    EarlyStopping,
    ModelCheckpoint,
    RichProgressBar,
)
from lightning.pytorch.loggers import CSVLogger, Logger, TensorBoardLogger
from lightning.pytorch.loggers.csv_logs import ExperimentWriter
from lightning.pytorch.loggers.logger import rank_zero_experiment

from jovis.training.resume import trim_metrics

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
            self._save(trainer)

    def on_validation_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        if not trainer.sanity_checking and trainer.state.fn == "fit":
            self._save(trainer)

    def _save(self, trainer: L.Trainer) -> None:
        # the logs reach the disk with every checkpoint: after kill -9, the rows up to the
        # checkpoint's step are all there and a resume logs the rest once
        for logger in trainer.loggers:
            logger.save()
        trainer.save_checkpoint(self.path)


def monitor_keys(class_names: list[str], sources: list[str]) -> list[str]:
    """The scores a validation logs (`SegmentationModule.on_validation_epoch_end`), which
    ``checkpoint.monitor`` may name: a name it never logs stopped the run at its first
    validation (Lightning's ModelCheckpoint), an epoch or an hour in."""
    ious = [f"{name}_iou" for name in class_names]
    keys = ["loss", "mean_iou", *ious, "vortex_precision", "vortex_recall", "vortex_f1",
            "oval_boundary_mean"]  # fmt: skip
    keys += [f"{source}/{key}" for source in sources for key in ("mean_iou", *ious)]
    return ["train/loss", *(f"val/{key}" for key in keys)]


def check_monitor(monitor: Any, mode: Any, class_names: list[str], sources: list[str]) -> None:
    """ValueError naming ``checkpoint.monitor`` / ``checkpoint.mode`` and the valid choices."""
    keys = monitor_keys(class_names, sources)
    if monitor not in keys:
        raise ValueError(f"checkpoint.monitor={monitor!r} is not a score training logs; valid "
                         f"choices: {', '.join(keys)}")  # fmt: skip
    if mode not in MONITOR_WORST:
        raise ValueError(f"checkpoint.mode={mode!r}; valid choices: max, min")


# A validation that cannot score the monitored key (no vortex predicted or labelled: precision
# 0/0; no oval: no boundary distance) gives it the worst value: every "max" score is in [0, 1],
# and a large finite "min" value, since EarlyStopping stops on one that is not finite.
MONITOR_WORST = {"max": 0.0, "min": 1.0e9}


class MonitorFallback(Callback):
    """Puts the worst value of ``checkpoint.mode`` in the trainer's metrics when a validation
    left the monitored score out (undefined, so the module does not log it): ModelCheckpoint
    and EarlyStopping stopped the run with an error when their key was missing. The logs keep
    the score left out; only the checkpoint choice sees the worst value."""

    def __init__(self, monitor: str, mode: str) -> None:
        self.monitor, self.worst = monitor, MONITOR_WORST[mode]

    def on_validation_end(self, trainer: L.Trainer, pl_module: L.LightningModule) -> None:
        value = trainer.callback_metrics.get(self.monitor)
        if value is None or not torch.isfinite(torch.as_tensor(value)).all():
            trainer.callback_metrics[self.monitor] = torch.tensor(self.worst)


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
        callbacks.append(MonitorFallback(monitor, mode))  # before the two that read the score
        callbacks.append(
            ModelCheckpoint(
                dirpath=ckpt_dir,
                filename="best",
                monitor=monitor,
                mode=mode,
                save_top_k=1,
                auto_insert_metric_name=False,
                enable_version_counter=False,
                # the monitor is a validation score: at a train epoch's end (a run stopping
                # inside its first epoch) there is none, and Lightning warned that it is missing
                save_on_train_epoch_end=False,
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


def build_loggers(run_dir: Path, names: list[str], resumed_step: int | None = None) -> list[Logger]:
    """CSV (``logs/metrics.csv``) and/or TensorBoard (``logs/events.*``) under the run folder.

    Resumed at `resumed_step`, both continue the run's logs: the CSV rows from that step on are
    dropped (a killed run logged them after its checkpoint) and new rows are appended; TensorBoard
    purges its events from that step on (``purge_step``).
    """
    check_loggers(names)
    loggers: list[Logger] = []
    for name in names:
        if name == "csv":
            if resumed_step is not None:
                trim_metrics(run_dir / "logs" / "metrics.csv", resumed_step)
            loggers.append(AppendingCSVLogger(run_dir, name="logs", version=""))
        else:
            extra = {} if resumed_step is None else {"purge_step": resumed_step}
            loggers.append(
                TensorBoardLogger(
                    run_dir, name="logs", version="", default_hp_metric=False, **extra
                )
            )
    return loggers


class _AppendingWriter(ExperimentWriter):
    """Lightning's CSV writer, but an existing metrics.csv is continued, not deleted."""

    def _check_log_dir_exists(self) -> None:
        if self._fs.isfile(self.metrics_file_path):
            with self._fs.open(self.metrics_file_path, "r", newline="") as fh:
                self.metrics_keys = sorted(csv.DictReader(fh).fieldnames or [])


class AppendingCSVLogger(CSVLogger):
    """`CSVLogger` writing ``logs/metrics.csv`` after the rows already there (resume)."""

    @property
    @rank_zero_experiment
    def experiment(self) -> _AppendingWriter:
        if self._experiment is None:
            self._fs.makedirs(self.root_dir, exist_ok=True)
            self._experiment = _AppendingWriter(log_dir=self.log_dir)
        return self._experiment
