"""Plate-scale check: python scripts/scale_check.py ckpt=PATH out=DIR [n=16] [device=cpu]
[scales=[0.25,0.5,1,2,4]] [hemisphere=north]

Scores the checkpoint on the same synthetic scenes rendered at several plate scales, with
resample=auto and resample=off (see jovis.benchmarks.scale); prints a table and a JSON line, and
writes DIR/scale.json.
"""

import json
import sys

from omegaconf import OmegaConf

from jovis.benchmarks.scale import run_scale, table_lines

KEYS = ("ckpt", "out", "n", "device", "scales", "hemisphere", "batch_size")

cli = OmegaConf.to_container(OmegaConf.from_cli(sys.argv[1:]))
unknown = sorted(set(cli) - set(KEYS))
if unknown or "ckpt" not in cli or "out" not in cli:
    sys.exit(f"scale_check.py: needs ckpt=PATH out=DIR; unknown keys {unknown}; valid: {KEYS}")
if "scales" in cli:
    cli["scales"] = tuple(float(s) for s in cli["scales"])
result = run_scale(cli.pop("ckpt"), cli.pop("out"), **cli)
print("\n".join(table_lines(result)))
print(json.dumps(result))
