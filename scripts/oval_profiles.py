"""Where two runs put the auroral oval, longitude by longitude: the median brightest latitude
(or another column of ``oval_profile.csv``) per 5° bin over each run's frames, and b − a; or
local time by local time (``by=local_time_h``, 0.5 h bins: what turns with the Sun).

    python scripts/oval_profiles.py a=<infer out or oval_profile.csv> b=<...> [key=lat_peak]
        [by=lon_west|local_time_h]

`a`, `b`: an ``oval_profile.csv``, or an infer ``out=`` folder (every ``oval_profile.csv`` in it
and in its detectors' folders). Prints one line of JSON: the bins both runs saw with aurora, and
the median difference. (docs/notes/uv.md "The v03 products' scale, seen along longitude":
two HST visits four days apart.)
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

from jovis.apps.common import script_options
from jovis.io.csv_file import read_csv_rows
from jovis.oval_profile import PROFILE_COLUMNS, compare_profiles

KEYS = [c for c in PROFILE_COLUMNS if c.startswith(("lat_", "peak_"))]


def rows_of(path: str) -> list[dict]:
    p = Path(path)
    found = [*p.glob("oval_profile.csv"), *p.glob("*/oval_profile.csv")] if p.is_dir() else []
    files = [p] if p.is_file() else sorted(found)
    if not files:
        raise SystemExit(f"{p}: no oval_profile.csv (give an infer out= folder or the file)")
    return [row for f in files for row in read_csv_rows(f)[1]]


def main(argv: list[str]) -> int:
    opts = script_options(argv, ("a", "b", "key", "by"))
    if "a" not in opts or "b" not in opts:
        raise SystemExit("usage: python scripts/oval_profiles.py a=<out or csv> b=<out or csv>")
    key, by = opts.get("key", "lat_peak"), opts.get("by", "lon_west")
    if key not in KEYS:
        raise SystemExit(f"key={key!r}; valid: {', '.join(KEYS)}")
    if by not in ("lon_west", "local_time_h"):
        raise SystemExit(f"by={by!r}; valid: lon_west, local_time_h")
    bins = compare_profiles(rows_of(opts["a"]), rows_of(opts["b"]), key, by)
    if not bins:
        raise SystemExit(f"the two runs share no {by} bin with aurora")
    median = statistics.median(b["b_minus_a"] for b in bins)
    print(json.dumps({"a": opts["a"], "b": opts["b"], "key": key, "by": by, "bins": bins,
                      "median_b_minus_a": round(median, 4)}))  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
