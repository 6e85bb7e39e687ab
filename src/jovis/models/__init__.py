"""Segmentation networks: `build_model()` and the names it accepts."""

from jovis.models.encoders import ENCODERS, adapt_first_conv
from jovis.models.factory import ARCH_ENCODERS, ARCHS, build_model, check_model_args
from jovis.models.spec import ModelSpec

__all__ = [
    "ARCHS",
    "ARCH_ENCODERS",
    "ENCODERS",
    "ModelSpec",
    "adapt_first_conv",
    "build_model",
    "check_model_args",
]
