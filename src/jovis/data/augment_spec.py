"""The settings of the batch augmentation (`jovis.data.augment`): each op's fields with their
defaults and bounds, and the check that turns an ``augment`` config entry into plain settings."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

# op -> field -> (default, minimum, maximum, minimum excluded); a tuple default is a [low, high]
# range. An op missing from the config is off; an op given must have a `prob`.
SPEC: dict[str, dict[str, tuple[Any, float, float, bool]]] = {
    "flip": {},
    "rotate": {"degrees": ((-180.0, 180.0), -360, 360, False), "step": (0.0, 0, 360, False)},
    "scale": {"range": ((0.85, 1.15), 0, 10, True)},
    "shading": {"amp": ((0.2, 0.6), 0, 3, False), "cells": (3.0, 1, 32, False)},
    "gamma": {"range": ((0.7, 1.4), 0, 10, True)},
    "contrast": {"range": ((0.75, 1.3), 0, 10, False)},
    "brightness": {"range": ((-0.1, 0.1), -2, 2, False)},
    "blur": {"sigma": ((0.5, 1.5), 0, 10, False)},
    "seams": {
        "height": ((0.06, 0.2), 0, 1, True),
        "gain": (0.08, 0, 1, False),
        "offset": (0.03, 0, 1, False),
        "line": (0.15, 0, 2, False),
    },
    "poisson": {"peak": ((20.0, 300.0), 0, math.inf, True)},
    "noise": {"sigma": ((0.005, 0.05), 0, 2, False)},
    "missing": {"width": ((0.02, 0.08), 0, 1, False)},
}
INTENSITY = ("shading", "gamma", "contrast", "brightness", "blur", "seams", "poisson", "noise")


def number(key: str, value: Any, lo: float, hi: float, strict: bool) -> float:
    """`value` as a float in [lo, hi] (lo excluded when `strict`); else ValueError naming `key`."""
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise ValueError(f"augment.{key} must be a number, got {value!r}")
    if value < lo or (strict and value == lo) or value > hi:
        low = f"> {lo}" if strict else f">= {lo}"
        raise ValueError(f"augment.{key} = {value} is out of range; it must be {low} and <= {hi}")
    return float(value)


def check_op(op: str, given: Any) -> dict[str, Any]:
    """The settings of augment op `op`: `given` checked against SPEC, defaults filled in."""
    if not isinstance(given, Mapping):
        raise ValueError(f"augment.{op} must be a mapping like {{prob: 0.5}}, got {given!r}")
    fields = SPEC[op]
    unknown = sorted(set(given) - set(fields) - {"prob"})
    if unknown:
        valid = ", ".join(["prob", *fields])
        raise ValueError(f"augment.{op}: unknown key(s) {unknown}; valid keys: {valid}")
    if "prob" not in given:
        raise ValueError(f"augment.{op}.prob is missing; give a probability in [0, 1]")
    out = {"prob": number(f"{op}.prob", given["prob"], 0, 1, False)}
    for name, (default, lo, hi, strict) in fields.items():
        value = given.get(name, default)
        if isinstance(default, tuple):
            if not isinstance(value, list | tuple) or len(value) != 2:
                raise ValueError(f"augment.{op}.{name} must be [low, high], got {value!r}")
            pair = tuple(number(f"{op}.{name}", v, lo, hi, strict) for v in value)
            if pair[0] > pair[1]:
                raise ValueError(f"augment.{op}.{name} = {list(value)}: low > high; swap them")
            out[name] = pair
        else:
            out[name] = number(f"{op}.{name}", value, lo, hi, strict)
    return out
