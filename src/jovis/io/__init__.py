"""Reading frames and writing outputs."""

from jovis.io.errors import FrameReadError
from jovis.io.reader import FRAME_SUFFIXES, read_frame, sniff_format

__all__ = ["FRAME_SUFFIXES", "FrameReadError", "read_frame", "sniff_format"]
