"""A JSON file a user gave (annotations, a map or view declaration beside a frame, JunoCam
metadata, a GeoJSON to track) or a JSON Lines manifest: read, or refused with the file's name
and the reason."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jovis.io.text_file import user_text


class JsonFileError(ValueError):
    """``<path>: not valid JSON (<reason>)``; `reason` for a caller that names the file itself."""

    def __init__(self, path: str | Path, reason: str) -> None:
        super().__init__(f"{path}: not valid JSON ({reason})")
        self.reason = reason


def load_json(path: str | Path) -> Any:
    """The document in `path`; `JsonFileError` (a ValueError) when it is not UTF-8 JSON,
    including a document nested deeper than Python's parser goes (RecursionError, which is no
    ValueError and escaped every reader that caught only decoding errors)."""
    try:
        return json.loads(user_text(path))  # (a BOM, UTF-16: Windows tools)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise JsonFileError(path, str(err)) from None
    except RecursionError:
        raise JsonFileError(path, "nested too deeply") from None


def read_jsonl(path: str | Path, fix: str = "") -> list[dict[str, Any]]:
    """The JSON object of every non-blank line (a manifest); a bad line is named by file and
    line number, and `fix` (what to do about it) follows. Read as `user_text` (a byte-order
    mark, UTF-16)."""
    rows = []
    for n, line in enumerate(user_text(path).splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as err:
                raise ValueError(f"{path}:{n}: not valid JSON ({err}){fix}") from err
    return rows
