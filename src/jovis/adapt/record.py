"""The adapted checkpoint: the parent's self-describing block, plus what it adapted on."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from torch import nn

from jovis.checkpoint import CheckpointInfo, save_checkpoint
from jovis.inference.scale import training_geometry

CHECKPOINT_NAME = "model.pt"


def provenance(
    parent: str | Path, digest: str, train: list[Any], heldout: list[Any], settings: dict[str, Any],
    *, steps: int, kept_step: int, stopped: list[str], left_out: list[str] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """The ``adapted`` block: parent (path, digest), frames (id, path, role), the files of the
    folder left out (each naming why), steps run, the step whose weights were kept, thresholds
    and mix, stop reasons and the date (UTC)."""
    teacher, guard = settings["teacher"], settings["guard"]
    return {
        "parent": {"path": str(parent), "digest": digest},
        "frames": [{"id": rf.frame.id, "path": rf.path, "role": role}
                   for role, group in (("train", train), ("heldout", heldout)) for rf in group],
        "left_out": list(left_out or []),
        "steps": int(steps),
        "kept_step": int(kept_step),
        "stopped": list(stopped),
        "threshold": float(teacher["threshold"]),
        "emission_sigmas": teacher.get("emission_sigmas"),
        "teacher_momentum": float(teacher["momentum"]),
        "tta": bool(teacher["tta"]),
        "real_share": float(settings["real_share"]),
        "agreement_drop": float(guard["agreement_drop"]),
        "synthetic_drop": float(guard["synthetic_drop"]),
        "area_ratio": guard.get("area_ratio"),
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }  # fmt: skip


def write_adapted(path: Path, model: nn.Module, info: CheckpointInfo, adapted: dict[str, Any],
                  guard_history: list[dict[str, Any]]) -> Path:  # fmt: skip
    """`save_checkpoint` with the parent's settings (config, schema, channels, normalisation,
    visible classes, training geometry) so `infer`/`evaluate` read it like any other; the
    parent's own ``adapted`` block (if it was adapted too) moves to ``adapted.lineage``."""
    extra = dict(info.extra)
    previous = extra.pop("adapted", None)
    if previous:
        adapted = {**adapted, "lineage": [*previous.get("lineage", []), previous]}
    extra["visible_classes"] = [info.labels.names[i] for i in info.visible_classes]
    geometry = training_geometry(info)
    if geometry is not None:
        extra["geometry"] = geometry.to_dict()
    extra["adapted"] = {**adapted, "guard": guard_history}
    return save_checkpoint(
        path, model, spec=info.spec, labels=info.labels, channels=list(info.channels),
        instrument=info.instrument, normalisation=info.normalisation, config=info.config,
        **extra,
    )  # fmt: skip
