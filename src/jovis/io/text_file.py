"""A text file a user made (an input list, a CSV table, a JSON file): its text, whichever of the
encodings their tools write."""

from __future__ import annotations

from pathlib import Path

UTF16_MARKS = (b"\xff\xfe", b"\xfe\xff")


def user_text(path: str | Path) -> str:
    """The text of `path`: UTF-8 (a byte-order mark dropped: Notepad's "UTF-8 with BOM", Excel's
    "CSV UTF-8") or UTF-16 with its mark (Windows PowerShell's `>`, Excel's "Unicode Text").
    Raises UnicodeDecodeError (a ValueError) for anything else; the caller names the file."""
    data = Path(path).read_bytes()
    if data.startswith(UTF16_MARKS):
        return data.decode("utf-16")
    return data.decode("utf-8-sig")
