"""Is one detector better than another on the JunoCam reference products, or within the noise of
nine labelled frames? The paired difference B − A of their vortex scores, with 95 % intervals
over the products resampled (the same products drawn for both; `jovis.scoring.intervals`).

    python scripts/compare_real.py a=<real-eval OUT of A> b=<real-eval OUT of B> [draws=2000]

`a`, `b`: the ``OUT`` folders of two ``make real-eval`` runs (or their ``real.json``), both
written by a version that records per-frame vortex counts. Prints one line of JSON with the
composites' (``reference``) and per-filter sets' (``reference_filters``) differences in found,
precision, recall and F1: the full-set difference, its interval and the share of draws where B
scores higher.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from jovis.apps.common import script_options
from jovis.scoring.intervals import DRAWS, paired_difference


def load(path: str) -> dict:
    """The real.json of a `make real-eval` OUT folder (``OUT/real/real.json``), of a `benchmark
    suite=real` folder, or the file itself."""
    p = Path(path)
    for candidate in (p / "real" / "real.json", p / "real.json", p):
        if candidate.is_file():
            try:
                return json.loads(candidate.read_text())
            except (json.JSONDecodeError, UnicodeDecodeError) as err:
                raise SystemExit(
                    f"{candidate}: not a real.json ({err}); re-run make real-eval"
                ) from None
    raise SystemExit(f"{p}: no real.json (give the OUT folder of `make real-eval`)")


def per_frame(result: dict, key: str, path: str) -> list[dict] | None:
    part = result.get(key)
    if not part:
        return None
    rows = part["model"].get("per_frame")
    if rows is None:
        raise SystemExit(f"{path}: {key} has no per-frame rows; re-run make real-eval")
    return rows


def main(argv: list[str]) -> int:
    opts = script_options(argv, ("a", "b", "draws"))
    if "a" not in opts or "b" not in opts:
        raise SystemExit(
            "usage: python scripts/compare_real.py a=<real-eval OUT> b=<real-eval OUT>"
        )
    ra, rb = load(opts["a"]), load(opts["b"])
    try:
        draws = int(opts.get("draws", DRAWS))
    except ValueError:
        draws = 0
    if draws < 1:
        raise SystemExit(f"draws={opts['draws']!r} must be a whole number >= 1 (e.g. draws=2000)")
    out: dict = {"a": opts["a"], "b": opts["b"], "draws": draws}
    for key in ("reference", "reference_filters"):
        rows_a, rows_b = per_frame(ra, key, opts["a"]), per_frame(rb, key, opts["b"])
        if rows_a is None or rows_b is None:
            continue
        try:
            out[key] = paired_difference(rows_a, rows_b, draws=draws)
        except ValueError as err:
            raise SystemExit(f"{key}: {err}") from None
    if not any(key in out for key in ("reference", "reference_filters")):
        raise SystemExit(
            "neither result scored the JunoCam reference products (no reference set in both): "
            "compare two make real-eval runs of vortex detectors"
        )
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
