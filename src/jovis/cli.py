"""What every script shares: turning a Hydra config into plain data and the final JSON line."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

CONFIG_DIR = Path(__file__).resolve().parents[2] / "configs"


def to_plain(cfg: DictConfig | dict) -> dict[str, Any]:
    """A resolved, plain-dict copy of a config (what checkpoints and outputs record)."""
    if isinstance(cfg, DictConfig):
        return OmegaConf.to_container(cfg, resolve=True)  # type: ignore[return-value]
    return dict(cfg)


def emit_result(result: dict[str, Any]) -> None:
    """Print the machine-readable summary: one JSON object as the script's last line."""
    for handler in logging.getLogger().handlers:
        handler.flush()
    print(json.dumps(result, default=str), flush=True)


def rename_override(argv: list[str], key: str, new_key: str) -> list[str]:
    """Rewrite `key=value` command-line overrides to `new_key=value`.

    `scripts/evaluate.py data=DIR` takes a folder, but `data` is also the training config group
    (`data=synthetic|folder`), which Hydra would try to select; the script's config calls the
    folder `dataset` and this keeps the documented `data=DIR` spelling working.
    """
    prefix = f"{key}="
    return [f"{new_key}={a[len(prefix) :]}" if a.startswith(prefix) else a for a in argv]


class ProgressBar:
    """A rich progress bar over `total` items (a no-op when `enabled` is False)."""

    def __init__(self, enabled: bool, total: int, label: str) -> None:
        self.enabled, self.total, self.label = enabled, total, label

    def __enter__(self) -> ProgressBar:
        if self.enabled:
            from rich.progress import Progress

            self._bar = Progress(transient=False)
            self._bar.__enter__()
            self._task = self._bar.add_task(self.label, total=self.total)
        return self

    def advance(self, n: int) -> None:
        if self.enabled:
            self._bar.advance(self._task, n)

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            self._bar.__exit__(*exc)
