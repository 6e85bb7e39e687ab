"""Resume state of an adaptation (``last.pt`` in its run folder) and the parent's digest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jovis.checkpoint import read_checkpoint, write_checkpoint_file
from jovis.io.digest import file_sha256

STATE_NAME = "last.pt"
RESUME_FIX = "give resume= the run folder of an earlier `jovis adapt` (or its last.pt)"


def file_digest(path: str | Path) -> str:
    """``sha256:<hex>`` of a file's bytes (the parent checkpoint's identity)."""
    return f"sha256:{file_sha256(path)}"


def resume_paths(resume: str | Path) -> tuple[Path, Path]:
    """(run folder, state file) of ``resume=`` (a run folder or its last.pt)."""
    path = Path(resume)
    state = path / STATE_NAME if path.is_dir() else path
    if not state.is_file():
        raise FileNotFoundError(f"adapt: resume={resume}: no {STATE_NAME} there; {RESUME_FIX}")
    return state.parent, state


def save_state(run_dir: Path, state: dict[str, Any]) -> Path:
    """Write the resume state atomically (weights, optimiser, RNG, guard; plain data only)."""
    return write_checkpoint_file(state, run_dir / STATE_NAME)


def load_state(path: Path, *, parent: str, frames: list[str]) -> dict[str, Any]:
    """The state in `path`, checked to continue the same adaptation: the same parent
    checkpoint (digest) and the same frames; `ValueError` naming what differs otherwise."""
    state = read_checkpoint(path, fix=RESUME_FIX)
    if state.get("kind") != "jovis-adapt":
        raise ValueError(f"adapt: {path} is not an adapt state file; {RESUME_FIX}")
    if state["parent"] != parent:
        raise ValueError(
            f"adapt: {path} adapts another checkpoint ({state['parent']}, not {parent}); "
            "give the same ckpt= as the run being resumed"
        )
    if list(state["frames"]) != list(frames):
        raise ValueError(
            f"adapt: {path} adapted on other frames ({len(state['frames'])} then, {len(frames)} "
            "now); give the same data= folder as the run being resumed"
        )
    return state
