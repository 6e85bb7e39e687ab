"""Vortex sizes (km), latitudes, shapes and contrasts of the JunoCam reference ellipses.

    python scripts/measure_junocam_vortices.py [out=outputs/visreal] [synthetic=24]
        [params='{"junocam_cyclone_redden": [0.0, 0.5]}']

Prints one row per ellipse and the per-kind 10/50/90th percentiles that the vortex params of
``configs/synth.yaml`` cite; writes ``junocam_vortices.json`` under `out` (temp file, rename).
With `synthetic=N` (default 24) also the vortex spread of N synthetic composite views
(`synthetic_rows`, seeds 500+, 256 px) beside the real median, and the model-scale table
(`compare`: white-oval, dark-spot and circumpolar-cyclone contrast, the ring variability, the
cyclones' red shift and how wound their texture is (`radial_alignment`), and the circumpolar
ring's look: how sharply the cyclones' outlines are drawn (`outline_edge`) and what lies between
neighbouring cyclones (`neighbour_gaps`); real products zoomed to 256 px against the synthetic
views), with `params` (a JSON object of synth
params) rendered over the defaults. Method: `jovis.realism.junocam_vortices`.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np

from jovis.apps.common import script_options
from jovis.paths import real_data_dir
from jovis.realism.junocam_vortices import compare, measure, summary, synthetic_rows


def main(argv: list[str]) -> int:
    opts = script_options(argv, ("out", "synthetic", "params"))
    try:
        params = json.loads(opts.get("params", "{}"))
    except json.JSONDecodeError as err:
        raise SystemExit(f"params={opts['params']!r} is not a JSON object ({err})") from None
    if not isinstance(params, dict):
        raise SystemExit(
            f"params={opts['params']!r} must be a JSON object, e.g. "
            "'{\"junocam_cyclone_redden\": [0.0, 0.5]}'"
        )
    rows = measure(real_data_dir())
    summ = summary(rows)
    for r in rows:
        print(" ".join(f"{k}={v}" for k, v in r.items()))
    print(json.dumps(summ, indent=1))
    real = [r["spread"] for r in rows if r["spread"] is not None]
    n = int(opts.get("synthetic", 24))
    srows = synthetic_rows(n, 256, 500, params) if n > 0 else []
    synth = [r["spread"] for r in srows if r["spread"] is not None]
    summ["spread_median"] = {"real": round(float(np.median(real)), 3), "real_n": len(real),
                             "synthetic": round(float(np.median(synth)), 3) if synth else None,
                             "synthetic_n": len(synth)}  # fmt: skip
    print("vortex spread (inside sd / ring sd), median:", json.dumps(summ["spread_median"]))
    if srows:
        summ["model_scale"] = compare(rows, srows)
        print("at 256 px (10/50/90th pct; ratio = synthetic / real median):")
        for key, row in summ["model_scale"].items():
            print(f"  {key}: {json.dumps(row)}")
    out = Path(opts.get("out", "outputs/visreal"))
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / "junocam_vortices.json.tmp"
    tmp.write_text(json.dumps({"rows": rows, "summary": summ, "synthetic": srows}, indent=1))
    os.replace(tmp, out / "junocam_vortices.json")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
