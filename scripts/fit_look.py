"""Measure how a public JunoCam composite was processed from its unprocessed product, without
labels: the `look` settings (`jovis.inference.look`) that bring the product closest to the
composite as the network sees both (`jovis.realism.look_fit`).

    python scripts/fit_look.py unprocessed=<a -red.png of a per-filter set, or a raw product>
        composite=<the same product's -mapprojected.png> [out=outputs/look-fit]
        [grid='{"night": [0.0, 0.3]}']   # replaces those axes of the default grid

The two must share their pixels (a per-filter set and its map-projected composite do). Prints
the best settings, the product without the look and today's look defaults beside them, as one
line of JSON (last line), and writes every setting's score to ``look_fit.json`` under `out`
(temp file, then rename). ~5 minutes for the default grid of 2,100 settings on 2 cores.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from jovis.apps.common import script_options
from jovis.io import read_frame
from jovis.realism.look_fit import fit_look


def main(argv: list[str]) -> int:
    opts = script_options(argv, ("unprocessed", "composite", "out", "grid"))
    if "unprocessed" not in opts or "composite" not in opts:
        raise SystemExit("usage: python scripts/fit_look.py unprocessed=<set> composite=<png>")
    try:
        grid = json.loads(opts.get("grid", "{}"))
    except json.JSONDecodeError as err:
        raise SystemExit(f"grid={opts['grid']!r} is not a JSON object ({err})") from None
    if not isinstance(grid, dict):
        raise SystemExit(f"grid={opts['grid']!r} must be a JSON object of lists")
    frames = []
    for key in ("unprocessed", "composite"):
        path = Path(opts[key])
        if not path.is_file():
            raise SystemExit(f"{key}={path}: no such file")
        try:
            frames.append(read_frame(path))
        except (ValueError, OSError) as err:  # FrameReadError names the file and the reason
            raise SystemExit(f"{key}={path}: {err}") from None
    try:
        axes = {k: tuple(v) for k, v in grid.items()}
    except TypeError:
        raise SystemExit(
            f"grid={opts['grid']!r}: each axis is a list, e.g. '{{\"night\": [0.0, 0.5]}}'"
        ) from None
    try:
        result = fit_look(*frames, grid=axes)
    except (ValueError, TypeError) as err:
        raise SystemExit(str(err)) from None
    out = Path(opts.get("out", "outputs/look-fit"))
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / "look_fit.json.tmp"
    tmp.write_text(json.dumps({**opts, **result}, indent=1))
    os.replace(tmp, out / "look_fit.json")
    print(json.dumps({k: result[k] for k in ("best", "no_look", "default")}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
