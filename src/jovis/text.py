"""Text safe to print or log: a file name that is not UTF-8 becomes Python text with lone
surrogates (``os.fsdecode``), which a UTF-8 console or log either refuses or writes as invalid
bytes; here its bytes are shown as ``\\xNN`` instead."""

from __future__ import annotations

from typing import Any


def printable(value: Any) -> str:
    """`str(value)` with the bytes of a non-UTF-8 file name (lone surrogates) as ``\\xNN``."""
    return str(value).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
