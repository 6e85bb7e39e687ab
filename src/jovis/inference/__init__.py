"""Inference: `Predictor` (frames → probabilities) and `run_inference` (files → outputs)."""

from jovis.inference.predictor import Predictor
from jovis.inference.runner import run_inference

__all__ = ["Predictor", "run_inference"]
