"""Segmentation networks: `build_model()` and the names it accepts."""

from jovis.models.encoders import ENCODERS
from jovis.models.factory import ARCHS, build_model, check_model_args

__all__ = ["ARCHS", "ENCODERS", "build_model", "check_model_args"]
