"""Instrument settings from ``configs/instrument/<name>.yaml``, as plain dicts."""

from __future__ import annotations

import copy
import functools
import re
from typing import Any

from omegaconf import OmegaConf

from jovis.config import CONFIG_DIR
from jovis.geometry.polar import PolarGrid

_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")


def instrument_names() -> list[str]:
    """Names of the instruments under ``configs/instrument/``."""
    return sorted(p.stem for p in (CONFIG_DIR / "instrument").glob("*.yaml"))


def load_instrument(name: str) -> dict[str, Any]:
    """The settings of one instrument (a fresh copy the caller may change).

    Raises
    ------
    FileNotFoundError
        When ``configs/instrument/<name>.yaml`` does not exist; the message lists the valid names.
    """
    if not _NAME.match(name) or not (CONFIG_DIR / "instrument" / f"{name}.yaml").is_file():
        raise FileNotFoundError(
            f"no instrument config {name!r} in {CONFIG_DIR / 'instrument'}; "
            f"valid: {', '.join(instrument_names())}"
        )
    return copy.deepcopy(_load(name))


@functools.lru_cache(maxsize=32)
def _load(name: str) -> dict[str, Any]:
    cfg = OmegaConf.load(CONFIG_DIR / "instrument" / f"{name}.yaml")
    return OmegaConf.to_container(cfg, resolve=True)  # type: ignore[return-value]


def grid_for_shape(instrument_cfg: dict[str, Any], shape: tuple[int, ...]) -> PolarGrid | None:
    """The configured polar grid for products of this image shape (``grids: {"HxW": {...}}``).

    Returns None when the instrument has no grid for that shape.
    """
    key = f"{int(shape[0])}x{int(shape[1])}"
    entry = (instrument_cfg.get("grids") or {}).get(key)
    return None if entry is None else PolarGrid.from_dict(entry)
