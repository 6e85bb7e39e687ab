"""Vortex sizes (km), latitudes, shapes and contrasts of the JunoCam reference ellipses.

    python scripts/measure_junocam_vortices.py [out=/work/runs/visreal]

Prints one row per ellipse and the per-kind 10/50/90th percentiles that the vortex params of
``configs/synth.yaml`` cite; writes ``junocam_vortices.json`` under `out` (temp file, rename).
Method: `jovis.realism.junocam_vortices`.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from jovis.paths import real_data_dir
from jovis.realism.junocam_vortices import measure, summary


def main(argv: list[str]) -> int:
    opts = dict(a.split("=", 1) for a in argv if "=" in a)
    bad = [a for a in argv if "=" not in a or not a.startswith("out=")]
    if bad:
        raise SystemExit(f"unknown arguments {bad}; the only one is out=DIR")
    rows = measure(real_data_dir())
    summ = summary(rows)
    for r in rows:
        print(" ".join(f"{k}={v}" for k, v in r.items()))
    print(json.dumps(summ, indent=1))
    out = Path(opts.get("out", "/work/runs/visreal"))
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / "junocam_vortices.json.tmp"
    tmp.write_text(json.dumps({"rows": rows, "summary": summ}, indent=1))
    os.replace(tmp, out / "junocam_vortices.json")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
