"""Run folders: one per launch, shared by every DDP rank; resume paths and their checks.

Under ``torchrun`` every rank runs `train(cfg)`. A folder name with a random suffix would give one
folder per rank, so rank 0 makes the folder and broadcasts its path over the process group, which
is initialised here (Lightning then reuses it). Processes that Lightning itself launches
(``strategy=ddp`` without torchrun) inherit the path through the ``JOVIS_RUN_DIR`` variable that
the launching process sets around ``trainer.fit``.
"""

from __future__ import annotations

import atexit
import os
import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
import yaml

RUN_DIR_ENV = "JOVIS_RUN_DIR"
MODEL_ARG_KEYS = ("arch", "encoder", "in_channels", "num_classes")


def new_run_dir(out: str | Path, name: str) -> Path:
    """A run folder that cannot collide: name, timestamp and a random suffix."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    run = Path(out) / f"{name}-{stamp}-{secrets.token_hex(3)}"
    run.mkdir(parents=True, exist_ok=False)
    return run


def launched_world() -> tuple[int, int, int]:
    """(world size, global rank, processes on this node) from torchrun's environment."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local = int(os.environ.get("LOCAL_WORLD_SIZE", str(world)))
    return world, rank, local


def init_launched_group(accelerator: str) -> None:
    """Join torchrun's process group early (env:// rendezvous); Lightning reuses it."""
    if dist.is_initialized():
        return
    backend = "gloo"
    if accelerator.startswith("cuda"):
        # the same backend Lightning would pick; each rank owns its local GPU
        torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
        backend = "nccl"
    dist.init_process_group(backend, init_method="env://")
    atexit.register(_destroy_group)  # as Lightning does for the groups it creates


def _destroy_group() -> None:
    if dist.is_initialized():
        dist.destroy_process_group()


def shared_run_dir(out: str | Path, name: str, accelerator: str) -> Path:
    """The run folder of this launch, identical on every rank.

    Parameters
    ----------
    out, name : the folder is ``<out>/<name>-<date>-<time>-<random>``.
    accelerator : ``"cpu"`` or ``"cuda..."``; picks the process-group backend under torchrun.
    """
    inherited = os.environ.get(RUN_DIR_ENV)
    if inherited:
        return Path(inherited)
    world, rank, _ = launched_world()
    if world == 1:
        return new_run_dir(out, name)
    init_launched_group(accelerator)
    box = [str(new_run_dir(out, name)) if rank == 0 else None]
    dist.broadcast_object_list(box, src=0)
    return Path(box[0])


@contextmanager
def run_dir_for_children(run_dir: Path) -> Iterator[None]:
    """Expose the run folder to processes launched inside the block, then restore the env."""
    before = os.environ.get(RUN_DIR_ENV)
    os.environ[RUN_DIR_ENV] = str(run_dir)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(RUN_DIR_ENV, None)
        else:
            os.environ[RUN_DIR_ENV] = before


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


def check_resume_model(ckpt: Path, args: Mapping[str, Any]) -> None:
    """Raise before training when `ckpt` holds another model than `args` would build.

    The model's build arguments travel in every Lightning checkpoint we write (``jovis_model``);
    for older checkpoints the run folder's ``config.yaml`` is compared instead.
    """
    saved = _saved_model_args(ckpt)
    if saved is None:
        return
    diffs = [
        f"{k}: run has {saved[k]!r}, config has {args[k]!r}"
        for k in MODEL_ARG_KEYS
        if k in saved and saved[k] != args[k]
    ]
    if diffs:
        raise ValueError(
            f"resume={ckpt} was trained with another model ({'; '.join(diffs)}); resume with the "
            "run's own model=, instrument= and labels= (see its config.yaml), or drop resume= to "
            "start a new run"
        )


def _saved_model_args(ckpt: Path) -> dict[str, Any] | None:
    blob = torch.load(ckpt, map_location="cpu", weights_only=False, mmap=True)
    if isinstance(blob, dict) and isinstance(blob.get("jovis_model"), dict):
        return blob["jovis_model"]
    config = ckpt.parent.parent / "config.yaml"
    if not config.is_file():
        return None
    cfg = yaml.safe_load(config.read_text()) or {}
    model, instrument = cfg.get("model") or {}, cfg.get("instrument") or {}
    saved = {"arch": model.get("arch"), "encoder": model.get("encoder")}
    if instrument.get("channels") is not None:
        saved["in_channels"] = len(instrument["channels"])
    return {k: v for k, v in saved.items() if v is not None}
