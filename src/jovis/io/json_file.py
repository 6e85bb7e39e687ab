"""A JSON file a user gave (annotations, a map or view declaration beside a frame, JunoCam
metadata, a GeoJSON to track): read, or refused with the file's name and the reason."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def load_json(path: str | Path) -> Any:
    """The document in `path`; ValueError ``<path>: not valid JSON (<reason>)`` when it is not
    UTF-8 JSON, including a document nested deeper than Python's parser goes (RecursionError,
    which is no ValueError and escaped every reader that caught only decoding errors)."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ValueError(f"{path}: not valid JSON ({err})") from None
    except RecursionError:
        raise ValueError(f"{path}: not valid JSON (nested too deeply)") from None
