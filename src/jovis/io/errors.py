"""The one exception type for a file that cannot be read as a frame."""

from __future__ import annotations

from pathlib import Path


class FrameReadError(ValueError):
    """A file could not be read as a frame; the message names the file and the reason."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{path}: {reason}")
