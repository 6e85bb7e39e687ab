"""The classes an instrument can see, and the logits of the others taken out.

An instrument config names the classes it can see (``visible_classes`` in
``configs/instrument/*.yaml``): reflected light shows no aurora, the far UV no vortex. Training
records them in the checkpoint's `jovis` block, and inference sets the other classes' logits to
−inf before the softmax, so their probability is exactly 0 and they are never predicted.

The names may come from any shipped label schema (``configs/labels/*.yaml``): a name that the
schema in use lacks but another shipped schema has (``anticyclone`` of the fine schema, with the
default one) is skipped; a name in no shipped schema is a typo and an error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

import torch

from jovis.config import CONFIG_DIR
from jovis.frame import LabelSchema

KEY = "visible_classes"


@cache
def shipped_class_names() -> frozenset[str]:
    """Every class name of the label schemas in ``configs/labels/``."""
    import yaml

    names: set[str] = set()
    for path in sorted((CONFIG_DIR / "labels").glob("*.yaml")):
        data = yaml.safe_load(path.read_text()) or {}
        names.update(str(c["name"]) for c in data.get("classes", []))
    return frozenset(names)


def resolve_visible(names: Any, schema: LabelSchema, where: str = f"instrument.{KEY}") -> list[int]:
    """Class ids of `schema` named in `names` (None: every class), sorted.

    Raises `ValueError` naming `where` for a value that is not a list of names, a name that no
    label schema has, or fewer than two classes of `schema` left (a model that can only say
    'background' detects nothing).
    """
    if names is None:
        return list(range(schema.num_classes))
    if isinstance(names, (str, bytes)) or not isinstance(names, Sequence):
        raise ValueError(f"{where} must be a list of class names or null (all), got {names!r}")
    known = shipped_class_names() | set(schema.names)
    unknown = [str(n) for n in names if str(n) not in known]
    if unknown:
        raise ValueError(
            f"{where} names {unknown}, which no label schema has (this one: {schema.names}; "
            f"configs/labels/: {sorted(shipped_class_names())}); fix the spelling or set it "
            "to null to see every class"
        )
    ids = sorted({schema.id_of(str(n)) for n in names if str(n) in schema.names})
    if len(ids) < 2:
        raise ValueError(
            f"{where}={list(names)} leaves {[schema.names[i] for i in ids]} of the label schema "
            f"{schema.names}: at least background and one more class must be visible; add the "
            "classes this instrument sees, or set it to null"
        )
    return ids


def visible_from_config(cfg: Mapping[str, Any], schema: LabelSchema) -> list[int]:
    """Visible class ids for a training config: ``instrument.visible_classes`` when the config
    has it; else (configs older than it) the classes with a non-zero ``loss.class_weights``;
    else every class."""
    instrument = cfg.get("instrument") or {}
    if KEY in instrument:
        return resolve_visible(instrument[KEY], schema)
    weights = (cfg.get("loss") or {}).get("class_weights")
    if weights is not None and len(weights) == schema.num_classes:
        ids = [i for i, w in enumerate(weights) if float(w) != 0.0]
        if ids:
            return ids
    return list(range(schema.num_classes))


def invisible_mask(visible: Sequence[int], num_classes: int) -> torch.Tensor | None:
    """(K,) bool, True for the classes not in `visible`; None when every class is visible."""
    hidden = torch.ones(num_classes, dtype=torch.bool)
    hidden[list(visible)] = False
    return hidden if bool(hidden.any()) else None


def mask_logits(logits: torch.Tensor, hidden: torch.Tensor | None) -> torch.Tensor:
    """`logits` (B, K, H, W) with the `hidden` classes at −inf (softmax: exactly 0); unchanged
    (the same tensor) when `hidden` is None."""
    if hidden is None:
        return logits
    fill = hidden.to(logits.device).view(1, -1, *([1] * (logits.dim() - 2)))
    return logits.masked_fill(fill, float("-inf"))
