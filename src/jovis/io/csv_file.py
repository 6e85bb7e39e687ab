"""A CSV table a user gave (a vortex catalogue to import or track): read, or refused with the
file's name and the reason."""

from __future__ import annotations

import csv
from pathlib import Path


class CsvFileError(ValueError):
    """``<path>: not a readable CSV (<reason>)``."""


def read_csv_rows(path: str | Path) -> tuple[list[str], list[dict[str, str]]]:
    """(column names, rows) of a CSV with a header line; names lower-cased and values stripped
    of spaces. A byte-order mark (Excel's "CSV UTF-8" writes one) is no part of the first
    column's name: it made ``frame_id`` a column nobody found."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            reader = csv.DictReader(fh)
            rows = [{(k or "").strip().lower(): (v or "").strip() if isinstance(v, str) else ""
                     for k, v in r.items()} for r in reader]  # fmt: skip
            columns = [c.strip().lower() for c in reader.fieldnames or []]
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise CsvFileError(f"{path}: not a readable CSV ({err})") from err
    return columns, rows
