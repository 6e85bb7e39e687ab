"""CSV tables: one a user gave (a vortex catalogue to import or track), read or refused with the
file's name and the reason; and the text of the tables jovis writes."""

from __future__ import annotations

import csv
import io
import math
import re
from pathlib import Path
from typing import Any

from jovis.io.text_file import user_text

# A number written with a decimal comma, as spreadsheets in much of Europe save it
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")


class CsvFileError(ValueError):
    """``<path>: not a readable CSV (<reason>)``."""


def read_csv_rows(path: str | Path) -> tuple[list[str], list[dict[str, str]]]:
    """(column names, rows) of a CSV with a header line; names lower-cased and values stripped
    of spaces. A byte-order mark (Excel's "CSV UTF-8" writes one) is no part of the first
    column's name: it made ``frame_id`` a column nobody found; UTF-16 is read (`user_text`:
    Excel's "Unicode Text"). A header without a comma but with semicolons or tabs sets the
    separator (Excel's CSV where the decimal mark is a comma: ``80,5`` is then read as 80.5; a
    table pasted as TSV, or saved as "Unicode Text")."""
    try:
        text = user_text(path)
        header = text.split("\n", 1)[0]
        sep = next((s for s in (",", ";", "\t") if s in header), ",")
        reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=sep)
        rows = [{(k or "").strip().lower(): _value(v, sep) for k, v in r.items()}
                for r in reader]  # fmt: skip
        columns = [c.strip().lower() for c in reader.fieldnames or []]
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise CsvFileError(f"{path}: not a readable CSV ({err})") from err
    return columns, rows


def _value(value: str | list | None, sep: str) -> str:
    if not isinstance(value, str):  # a long row's extra fields (a list under the key None)
        return ""
    value = value.strip()
    return value.replace(",", ".") if sep != "," and _DECIMAL_COMMA.match(value) else value


def csv_text(rows: list[dict[str, Any]], columns: list[str]) -> str:
    """`rows` as CSV text under a header of `columns` (other keys left out): None and
    non-finite floats as empty fields, floats to 6 decimals."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: csv_cell(row.get(c)) for c in columns})
    return buf.getvalue()


def csv_cell(value: Any) -> Any:
    """One CSV field: None and non-finite floats empty, floats to 6 decimals."""
    if isinstance(value, float):
        return "" if not math.isfinite(value) else round(value, 6)
    return "" if value is None else value
