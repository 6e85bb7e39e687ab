"""Self-describing checkpoints: weights plus everything `infer` needs, read weights-only.

Every checkpoint jovis reads (model.pt, Lightning's last/best.ckpt on resume, export, evaluate)
goes through `read_checkpoint`: ``torch.load(weights_only=True)``, which builds tensors and
plain containers only and never runs code carried by the file, with one-line errors that name
the file, what is wrong and what to do. Writes go through `write_checkpoint_file`, which names the
file and the cause (disk full, file-size limit) where torch's own writer says only
"basic_ios::clear: iostream error".
"""

from __future__ import annotations

import errno
import io
import json
import pickle
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

import jovis
from jovis import visibility
from jovis.frame import LabelSchema
from jovis.io.atomic import write_bytes
from jovis.models.spec import ModelSpec

MODEL_FIX = "use the model.pt that scripts/train.py writes in its run folder"
_WRITE_CAUSES = {
    errno.ENOSPC: "disk full",
    errno.EDQUOT: "disk quota exceeded",
    errno.EFBIG: "file larger than the file-size limit (ulimit -f)",
}


class CheckpointError(ValueError):
    """A checkpoint that cannot be used; the message names the file and the fix."""


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

    @property
    def spec(self) -> ModelSpec:
        return ModelSpec.from_dict(self.model)

    @property
    def visible_classes(self) -> list[int]:
        """Ids of the classes the instrument can see (`jovis.visibility`): the block's
        `visible_classes` names; for checkpoints older than them, the classes with non-zero
        loss weight in the stored config, else every class."""
        if visibility.KEY in self.extra:
            where = f"checkpoint 'jovis' block {visibility.KEY}"
            return visibility.resolve_visible(self.extra[visibility.KEY], self.labels, where)
        return visibility.visible_from_config(self.config, self.labels)

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


def _export_file(path: Path, kind: str, fmt: str, fix: str) -> str:
    """Why an exported network is not a checkpoint, and which release its sidecar names."""
    release = None
    try:
        release = json.loads(Path(f"{path}.json").read_text(encoding="utf-8")).get("release")
    except (OSError, ValueError, AttributeError):
        pass  # no sidecar, or not ours: the general fix
    named = f"; its sidecar names the release: model={release}" if release else ""
    return (
        f"{path}: {kind} export (`jovis export format={fmt}`), for running the network "
        f"outside jovis; jovis reads the checkpoint it was exported from{named}; {fix}"
    )


def read_checkpoint(path: str | Path, *, fix: str = MODEL_FIX) -> dict[str, Any]:
    """``torch.load(path, weights_only=True)`` on the CPU; `CheckpointError` (one line naming
    the file, the problem and `fix`) for a missing, empty, damaged or code-carrying file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint {path} does not exist; {fix}")
    size = path.stat().st_size
    if size == 0:
        raise CheckpointError(f"{path}: empty file (0 bytes, a save cut short?); {fix}")
    if not zipfile.is_zipfile(path):
        if path.suffix.lower() == ".onnx":
            raise CheckpointError(_export_file(path, "an ONNX", "onnx", fix))
        raise CheckpointError(
            f"{path}: not a PyTorch checkpoint ({size} bytes that are not a torch.save archive: "
            f"damaged, cut short or another kind of file); {fix}"
        )
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as err:
        if "Weights only load failed" in str(err):
            found = _unsupported_global(str(err))
            raise CheckpointError(
                f"{path}: refused: it holds Python objects{found}, not only tensors and plain "
                f"data, and loading them could run code; {fix}"
            ) from None
        raise CheckpointError(f"{path}: damaged checkpoint ({_first_line(err)}); {fix}") from None
    except Exception as err:  # torch raises several types for damaged archives
        if "TorchScript" in str(err):  # `jovis export format=torchscript`'s file, not damaged
            raise CheckpointError(_export_file(path, "a TorchScript", "torchscript", fix)) from None
        raise CheckpointError(f"{path}: damaged checkpoint ({_first_line(err)}); {fix}") from None
    if not isinstance(blob, dict):
        raise CheckpointError(f"{path}: holds a {type(blob).__name__}, not a checkpoint; {fix}")
    return blob


def write_checkpoint_file(obj: Any, path: str | Path) -> Path:
    """`torch.save` to `path` atomically (temporary name, then rename); an `OSError` names the
    file and the cause, and leaves no temporary behind."""
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    try:
        return write_bytes(path, buffer.getbuffer())
    except OSError as err:
        cause = write_cause(err)
        raise OSError(
            err.errno,
            f"could not write {path}: {cause}; free space (or raise the limit) and run again",
        ) from err


def write_cause(err: Exception) -> str:
    """'disk full', 'file larger than the file-size limit (ulimit -f)', ... for a failed write."""
    known = _WRITE_CAUSES.get(getattr(err, "errno", None) or 0)
    return known or getattr(err, "strerror", None) or str(err).splitlines()[0]


def save_checkpoint(
    path: str | Path,
    model: nn.Module,
    *,
    spec: ModelSpec,
    labels: LabelSchema,
    channels: list[str],
    instrument: str,
    normalisation: dict[str, Any],
    config: dict[str, Any],
    **extra: Any,
) -> Path:
    """Write weights + the `jovis` block atomically; everything in it is plain data."""
    info = CheckpointInfo(
        spec.to_dict(),
        labels,
        list(channels),
        instrument,
        dict(normalisation),
        config,
        jovis.__version__,
        extra,
    )
    state = {k: v.detach().cpu() for k, v in model.state_dict().items()}
    return write_checkpoint_file({"state_dict": state, "jovis": info.to_dict()}, path)


def load_checkpoint(
    path: str | Path, device: str | torch.device = "cpu"
) -> tuple[nn.Module, CheckpointInfo]:
    """Rebuild the network from the checkpoint alone (`weights_only=True` load), in eval mode."""
    path = Path(path)
    blob = read_checkpoint(path)
    if "jovis" not in blob or "state_dict" not in blob:
        raise CheckpointError(
            f"{path}: not a jovis checkpoint (no 'jovis' block; a Lightning .ckpt?); {MODEL_FIX}"
        )
    meta = dict(blob["jovis"])
    try:
        info = CheckpointInfo(
            model=ModelSpec.from_dict(meta.pop("model")).to_dict(),
            labels=LabelSchema.from_dict(meta.pop("labels")),
            channels=meta.pop("channels"),
            instrument=meta.pop("instrument"),
            normalisation=meta.pop("normalisation"),
            config=meta.pop("config"),
            version=meta.pop("version"),
            extra=meta,
        )
        info.visible_classes  # noqa: B018  (checked here, so a bad list names the file)
    except (KeyError, TypeError, ValueError) as err:
        raise CheckpointError(
            f"{path}: its 'jovis' block is incomplete ({_first_line(err)}); {MODEL_FIX}"
        ) from None
    model = info.spec.build()
    try:
        model.load_state_dict(blob["state_dict"])
    except RuntimeError as err:
        raise CheckpointError(
            f"{path}: its weights do not fit the network its 'model' block describes "
            f"({info.model['arch']}/{info.model['encoder']}: {_mismatch(err)}); the file was "
            f"edited or mixed from two runs: {MODEL_FIX}"
        ) from None
    return model.to(device).eval(), info


def _unsupported_global(message: str) -> str:
    """' (posix.system)': the global torch refused to load, named in its message."""
    found = re.search(r"(?:unsupported GLOBAL|Unsupported global: GLOBAL) ([\w.]+)", message)
    return f" ({found.group(1).rstrip('.')})" if found else ""


def _mismatch(err: Exception) -> str:
    lines = [ln.strip() for ln in str(err).splitlines() if ln.strip()]
    return lines[1] if len(lines) > 1 else lines[0] if lines else type(err).__name__


def _first_line(err: Exception) -> str:
    text = str(err).strip().splitlines()
    return text[0][:200] if text else type(err).__name__
