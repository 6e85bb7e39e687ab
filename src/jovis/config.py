"""Where the shipped configs live, and a config turned into plain data.

The configs are package data: ``jovis/configs`` (in a checkout, a link to the top-level
``configs/`` folder), read through `importlib.resources`, so a wheel install finds them too.
"""

from __future__ import annotations

import hashlib
import math
import numbers
from dataclasses import asdict
from dataclasses import fields as dataclass_fields
from importlib.resources import files
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

CONFIG_DIR = Path(str(files("jovis") / "configs")).resolve()


def compose_train(overrides: list[str]) -> DictConfig:
    """configs/train.yaml with `overrides`, inside a running Hydra app or outside one."""
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    if GlobalHydra.instance().is_initialized():  # inside an app: the same config folder
        return compose(config_name="train", overrides=overrides)
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):
        return compose(config_name="train", overrides=overrides)


def to_plain(cfg: DictConfig | dict) -> dict[str, Any]:
    """A resolved, plain-dict copy of a config (what checkpoints and outputs record)."""
    if isinstance(cfg, DictConfig):
        return OmegaConf.to_container(cfg, resolve=True)  # type: ignore[return-value]
    return dict(cfg)


def mode_settings(cls: type, value: Any, where: str, none_mode: str) -> Any:
    """Settings `cls` (a dataclass with a ``mode`` field) from settings, None (`none_mode`), a
    mode name, a boolean (on / off: YAML reads a bare ``off`` as false) or a mapping of its
    fields (a Hydra node); unknown keys fail naming `where`."""
    if isinstance(value, cls):
        return value
    if value is None or isinstance(value, str | bool):
        mode = {None: none_mode, True: "on", False: "off"}.get(value, value)
        return cls(mode=str(mode))
    return cls(**dataclass_keys(cls, value, where))


def settings_digest(settings: Any, later_fields: tuple[str, ...] = ()) -> str:
    """8 hex digits naming a settings dataclass's values (a run-key suffix). `later_fields`,
    fields added after keys were first made, are left out while at their defaults, so runs made
    before them keep their keys."""
    fields = asdict(settings)
    defaults = {f.name: f.default for f in dataclass_fields(settings)}
    for name in later_fields:
        if fields[name] == defaults[name]:
            del fields[name]
    return hashlib.sha1(repr(sorted(fields.items())).encode()).hexdigest()[:8]


def dataclass_keys(cls: type, data: dict | None, where: str) -> dict[str, Any]:
    """A copy of `data` whose keys are all fields of the dataclass `cls`; unknown keys fail
    naming `where` (e.g. ``configs/track.yaml link``) and the valid ones."""
    data = dict(data or {})
    fields = cls.__dataclass_fields__
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ValueError(f"{where}: unknown keys {unknown}; valid: {sorted(fields)}")
    return data


def check_at_least(
    key: str,
    value: Any,
    low: float,
    meaning: str,
    *,
    integer: bool = True,
    above: bool = False,
    at_most: float | None = None,
) -> Any:
    """`value` when it is an integer (or, `integer` False, a finite number) ≥ `low` (> `low`
    with `above`; and ≤ `at_most` where given: a share or a probability); else ValueError
    ``"<key>=<value>: must be an integer ≥ <low> (<meaning>)"``, naming the setting before
    anything runs with it (a string reached a comparison as a TypeError, a negative distance a
    silent empty result)."""
    kinds = numbers.Integral if integer else numbers.Real  # (NumPy's scalars too)
    ok = not isinstance(value, bool) and isinstance(value, kinds) and math.isfinite(value)
    if not ok or (value <= low if above else value < low):
        kind = "an integer" if integer else "a number"
        bound = "" if low == -math.inf else f" {'>' if above else '≥'} {low:g}"
        raise ValueError(f"{key}={value!r}: must be {kind}{bound} ({meaning})")
    if at_most is not None and value > at_most:
        raise ValueError(f"{key}={value!r}: must be at most {at_most:g} ({meaning})")
    return value
