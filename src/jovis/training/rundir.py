"""Run folders: one per launch, shared by every DDP rank (resume: `jovis.training.resume`).

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
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import torch
import torch.distributed as dist

from jovis.io.atomic import make_folder

RUN_DIR_ENV = "JOVIS_RUN_DIR"


def new_run_dir(out: str | Path, name: str) -> Path:
    """A run folder that cannot collide: name, timestamp and a random suffix."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    run = make_folder(out, "out") / f"{name}-{stamp}-{secrets.token_hex(3)}"
    run.mkdir(exist_ok=False)
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
