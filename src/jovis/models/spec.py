"""`ModelSpec`: the one description of a network, made from a training config, stored in every
checkpoint (model.pt and Lightning's .ckpt) and turned into a network by `build()`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from torch import nn

from jovis.frame import LabelSchema
from jovis.models.factory import build_model, check_model_args


@dataclass(frozen=True)
class ModelSpec:
    """What `build_model` needs, as plain data.

    ``to_dict()`` is the ``model`` block of a checkpoint (unchanged from the checkpoints of
    earlier versions, which `from_dict` reads: missing widths default to 1.0). The encoder's
    initial weights file (``model.weights``) is a training input, not part of the network's
    description, so it is passed to `check`/`build` and never stored.
    """

    arch: str
    encoder: str
    in_channels: int
    num_classes: int
    decoder_width: float = 1.0
    encoder_width: float = 1.0

    @classmethod
    def from_config(cls, cfg: Mapping[str, Any]) -> ModelSpec:
        """From a plain training config: ``model``, ``instrument.channels`` and ``labels``;
        raises `ValueError` naming the key when they cannot build a network."""
        model, instrument = cfg["model"], cfg["instrument"]
        channels = list(instrument["channels"])
        wanted = model.get("in_channels")
        if wanted is not None and wanted != len(channels):
            raise ValueError(
                f"model.in_channels={wanted} but instrument {instrument['name']} has "
                f"{len(channels)} channels {channels}; drop model.in_channels or pick a matching "
                f"instrument=: {_instrument_choices()}"
            )
        spec = cls(
            arch=model["arch"],
            encoder=model["encoder"],
            in_channels=len(channels),
            num_classes=LabelSchema.from_dict(cfg["labels"]).num_classes,
            decoder_width=float(model.get("decoder_width", 1.0)),
            encoder_width=float(model.get("encoder_width", 1.0)),
        )
        spec.check(model.get("weights"))
        return spec

    @classmethod
    def from_dict(cls, block: Mapping[str, Any]) -> ModelSpec:
        """From a checkpoint's ``model`` block (any jovis version); unknown keys are refused."""
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(block) - names - {"weights"})
        missing = sorted({"arch", "encoder", "in_channels", "num_classes"} - set(block))
        if unknown or missing:
            raise ValueError(
                f"model block {dict(block)} is not a jovis model description (missing {missing}, "
                f"unknown {unknown}); use a checkpoint written by scripts/train.py"
            )
        return cls(**{k: v for k, v in block.items() if k in names})

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def check(self, weights: str | None = None) -> None:
        """Raise `ValueError` naming the valid choices if this cannot build (no network made)."""
        check_model_args(**self.to_dict(), weights=weights)

    def build(self, weights: str | None = None) -> nn.Module:
        """The network, with random weights or the encoder's from the local `weights` file."""
        return build_model(**self.to_dict(), weights=weights)

    def differences(self, other: ModelSpec) -> list[str]:
        """'key: a != b' for each field where `other` differs (for resume's error)."""
        mine, theirs = self.to_dict(), other.to_dict()
        return [f"{k}: {mine[k]!r} != {theirs[k]!r}" for k in mine if mine[k] != theirs[k]]


def _instrument_choices() -> str:
    """'jiram (2: L, M), jiram_l (1: L), ...' from configs/instrument/."""
    from jovis.io.instrument import instrument_names, load_instrument  # only for this message

    described = []
    for name in instrument_names():
        channels = load_instrument(name)["channels"]
        described.append(f"{name} ({len(channels)}: {', '.join(channels)})")
    return ", ".join(described)
