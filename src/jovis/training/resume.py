"""`resume=`: find the checkpoint, read it weights-only, check it fits the config, and continue
the run's logs instead of replacing them.

Everything here runs before the trainer is made, so a refused resume leaves the run folder as it
was. Lightning's own load goes through `SafeCheckpointIO` (weights-only too), and its checkpoint
writes name the file and the cause when the disk is full.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import yaml
from lightning.pytorch.plugins.io import TorchCheckpointIO

from jovis.checkpoint import CheckpointError, read_checkpoint, write_cause
from jovis.io.atomic import write_bytes
from jovis.models.spec import ModelSpec

RESUME_FIX = "pass another run folder or .ckpt to resume=, or drop resume= to start a new run"


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


def read_resume_checkpoint(ckpt: Path, spec: ModelSpec) -> int:
    """Read `ckpt` weights-only and check it holds the model `spec` describes; its global step.

    Raises `CheckpointError` naming the file for a damaged, code-carrying or foreign checkpoint
    and `ValueError` for another model (compared with ``jovis_model``, or for checkpoints from
    before it was stored, with the run folder's ``config.yaml``).
    """
    blob = read_checkpoint(ckpt, fix=RESUME_FIX)
    if "state_dict" not in blob or "global_step" not in blob:
        raise CheckpointError(
            f"{ckpt}: not a Lightning training checkpoint (no state_dict/global_step; model.pt "
            f"cannot be resumed); {RESUME_FIX}"
        )
    saved = blob.get("jovis_model")
    saved = dict(saved) if isinstance(saved, dict) else _saved_in_config(ckpt)
    mine = spec.to_dict()
    diffs = [
        f"{k}: run has {saved[k]!r}, config has {mine[k]!r}"
        for k in ("arch", "encoder", "in_channels", "num_classes")
        if k in saved and saved[k] != mine[k]
    ]
    if diffs:
        raise ValueError(
            f"resume={ckpt} was trained with another model ({'; '.join(diffs)}); resume with the "
            "run's own model=, instrument= and labels= (see its config.yaml), or drop resume= to "
            "start a new run"
        )
    return int(blob["global_step"])


def _saved_in_config(ckpt: Path) -> dict[str, Any]:
    config = ckpt.parent.parent / "config.yaml"
    if not config.is_file():
        return {}
    cfg = yaml.safe_load(config.read_text()) or {}
    model, instrument = cfg.get("model") or {}, cfg.get("instrument") or {}
    saved = {"arch": model.get("arch"), "encoder": model.get("encoder")}
    if instrument.get("channels") is not None:
        saved["in_channels"] = len(instrument["channels"])
    return {k: v for k, v in saved.items() if v is not None}


def trim_metrics(metrics_csv: Path, step: int) -> int:
    """Drop the rows of `metrics_csv` logged at `step` or later (a killed run's rows past its
    last checkpoint, which the resumed run logs again); returns the rows kept."""
    if not metrics_csv.is_file():
        return 0
    with open(metrics_csv, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        fields, rows = reader.fieldnames or [], list(reader)
    kept = [r for r in rows if r.get("step") in (None, "") or int(float(r["step"])) < step]
    if len(kept) != len(rows):
        out = io.StringIO(newline="")
        writer = csv.DictWriter(out, fieldnames=fields)
        writer.writeheader()
        writer.writerows(kept)
        write_bytes(metrics_csv, out.getvalue().encode("utf-8"))
    return len(kept)


class SafeCheckpointIO(TorchCheckpointIO):
    """Lightning's checkpoint reads and writes, read weights-only (`read_checkpoint`) and with
    write errors that name the file and the cause."""

    def load_checkpoint(self, path: Any, map_location: Any = None, weights_only: Any = None):
        return read_checkpoint(path, fix=RESUME_FIX)

    def save_checkpoint(self, checkpoint: dict[str, Any], path: Any, storage_options=None) -> None:
        try:
            super().save_checkpoint(checkpoint, path, storage_options)
        except (OSError, RuntimeError) as err:
            raise OSError(
                getattr(err, "errno", None),
                f"could not write {path}: {write_cause(err)}; free space (or raise the limit) and "
                "resume= the run",
            ) from err
