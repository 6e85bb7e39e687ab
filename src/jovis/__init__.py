"""jovis: aurora ovals and storm vortices in Jupiter's polar frames.

From Python: ``jovis.detect(frames, out=DIR)`` runs ``jovis infer`` and returns its outputs
read (`jovis.detections`); ``jovis.load_detections(DIR)`` reads an earlier run's.
"""

from importlib import import_module

__version__ = "0.1.0"
__all__ = ["Detections", "detect", "load_detections"]


def __getattr__(name: str):  # (no typing import: `jovis --version` stays light)
    # imported on first use: `jovis --version` and the command line's start stay light
    if name in __all__:
        return getattr(import_module("jovis.detections"), name)
    raise AttributeError(f"module 'jovis' has no attribute {name!r}")
