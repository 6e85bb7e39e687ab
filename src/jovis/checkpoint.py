"""Self-describing checkpoints: weights plus everything `infer` needs, loadable weights-only."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

import jovis
from jovis.frame import LabelSchema
from jovis.io.atomic import atomic_path
from jovis.models import build_model

MODEL_KEYS = ("arch", "encoder", "in_channels", "num_classes", "decoder_width", "encoder_width")


@dataclass
class CheckpointInfo:
    """The plain-data `jovis` block of a checkpoint."""

    model: dict[str, Any]
    labels: LabelSchema
    channels: list[str]
    instrument: str
    normalisation: dict[str, Any]
    config: dict[str, Any]
    version: str
    extra: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "model": self.model,
            "labels": self.labels.to_dict(),
            "channels": self.channels,
            "instrument": self.instrument,
            "normalisation": self.normalisation,
            "config": self.config,
            **self.extra,
        }


def save_checkpoint(
    path: str | Path,
    model: nn.Module,
    *,
    model_args: dict[str, Any],
    labels: LabelSchema,
    channels: list[str],
    instrument: str,
    normalisation: dict[str, Any],
    config: dict[str, Any],
    **extra: Any,
) -> Path:
    """Write weights + the `jovis` block atomically; everything in it is plain data."""
    info = CheckpointInfo(
        {k: model_args[k] for k in MODEL_KEYS},
        labels,
        list(channels),
        instrument,
        dict(normalisation),
        config,
        jovis.__version__,
        extra,
    )
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    with atomic_path(path) as tmp:
        torch.save({"state_dict": state, "jovis": info.to_dict()}, tmp)
    return Path(path)


def load_checkpoint(
    path: str | Path, device: str | torch.device = "cpu"
) -> tuple[nn.Module, CheckpointInfo]:
    """Rebuild the network from the checkpoint alone (`weights_only=True` load), in eval mode."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint {path} does not exist")
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # torch raises several types for corrupt files
        raise ValueError(f"{path}: not a readable checkpoint ({err})") from err
    if not isinstance(blob, dict) or "jovis" not in blob or "state_dict" not in blob:
        raise ValueError(
            f"{path}: not a jovis checkpoint (no 'jovis' block); use the model.pt that "
            "scripts/train.py writes in its run folder"
        )
    meta = dict(blob["jovis"])
    info = CheckpointInfo(
        model=meta.pop("model"),
        labels=LabelSchema.from_dict(meta.pop("labels")),
        channels=meta.pop("channels"),
        instrument=meta.pop("instrument"),
        normalisation=meta.pop("normalisation"),
        config=meta.pop("config"),
        version=meta.pop("version"),
        extra=meta,
    )
    model = build_model(**info.model)
    model.load_state_dict(blob["state_dict"])
    return model.to(device).eval(), info
