"""Where the shared data lives: the real frames and the reference tables, in one place.

``JOVIS_DATA`` names the folder holding ``real/`` and ``reference/``; ``JOVIS_REAL_DATA`` names
the real-frame folder on its own. Without them the data sits beside the project, at
``../shared/data`` from the checkout jovis runs from (or, installed from a wheel, from the
working directory).
"""

from __future__ import annotations

import os
from pathlib import Path

DATA_ENV = "JOVIS_DATA"
REAL_DATA_ENV = "JOVIS_REAL_DATA"
CACHE_ENV = "JOVIS_CACHE"


def cache_dir() -> Path:
    """Where jovis keeps what it makes once (ONNX graphs, unpacked archives): ``$JOVIS_CACHE``,
    else ``$XDG_CACHE_HOME/jovis``, else ``~/.cache/jovis``."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV]).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg).expanduser() if xdg else Path.home() / ".cache") / "jovis"


def checkout_root() -> Path | None:
    """The source checkout jovis is imported from (``src/jovis`` → the root), else None."""
    root = Path(__file__).resolve().parents[2]
    return root if (root / "pyproject.toml").is_file() and (root / "configs").is_dir() else None


def data_dir() -> Path:
    """The shared data folder: ``$JOVIS_DATA``, else ``../shared/data`` from the project."""
    if os.environ.get(DATA_ENV):
        return Path(os.environ[DATA_ENV]).expanduser()
    base = checkout_root() or Path.cwd()
    return (base.parent / "shared" / "data").resolve()


def real_data_dir() -> Path:
    """The real frames (one folder per instrument and date): ``$JOVIS_REAL_DATA`` or data/real."""
    if os.environ.get(REAL_DATA_ENV):
        return Path(os.environ[REAL_DATA_ENV]).expanduser()
    return data_dir() / "real"


def reference_dir() -> Path:
    """Reference tables (e.g. the Hess 2011 satellite footprints): data/reference."""
    return data_dir() / "reference"
