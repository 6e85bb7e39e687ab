"""jovis: aurora ovals and storm vortices in Jupiter's polar frames.

From Python: ``jovis.detect(frames, out=DIR)`` runs ``jovis infer`` and returns its outputs
read (`jovis.detections`); ``jovis.load_detections(DIR)`` reads an earlier run's.
``jovis.track(found, out=DIR)`` runs ``jovis track`` on them (`jovis.tracks`);
``jovis.load_tracks(DIR)`` reads an earlier run's.
"""

from importlib import import_module

__version__ = "0.1.0"
_HOMES = {"Detections": "jovis.detections", "detect": "jovis.detections",
          "load_detections": "jovis.detections", "Tracks": "jovis.tracks", "track": "jovis.tracks",
          "load_tracks": "jovis.tracks"}  # fmt: skip
__all__ = list(_HOMES)


def __getattr__(name: str):  # (no typing import: `jovis --version` stays light)
    # imported on first use: `jovis --version` and the command line's start stay light
    if name in _HOMES:
        return getattr(import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'jovis' has no attribute {name!r}")
