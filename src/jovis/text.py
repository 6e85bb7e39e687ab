"""Text safe to write into a UTF-8 file (the HTML report): a file name that is not UTF-8 becomes
Python text with lone surrogates (``os.fsdecode``), which UTF-8 cannot encode; here its bytes
are shown as ``\\xNN`` instead. (The apps' console streams escape such text themselves:
`jovis.apps.safe_console`.)"""

from __future__ import annotations

from typing import Any


def printable(value: Any) -> str:
    """`str(value)` with the bytes of a non-UTF-8 file name (lone surrogates) as ``\\xNN``."""
    return str(value).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
