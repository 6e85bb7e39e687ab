"""Inference: `Predictor` (frames → probabilities) and `run_inference` (files → outputs).

Both are imported on first use, so the run folder's plain parts (`inference.manifest`) can be
read by the label tools and the report without loading PyTorch.
"""

from importlib import import_module
from typing import Any

__all__ = ["Predictor", "run_inference"]
_HOMES = {"Predictor": "jovis.inference.predictor", "run_inference": "jovis.inference.runner"}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'jovis.inference' has no attribute {name!r}")
