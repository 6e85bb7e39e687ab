"""Visible realism table: label-free statistics of real JunoCam composites beside synthetic frames.

    python scripts/visible_realism.py [out=/work/runs/visreal] [n=16] [size=256] [view=perspective]
        [sets=DIR,...]   # extra synthetic frame sets (folder format, e.g. a frozen held-out set)

Real frames: every ``*-mapprojected.png`` colour composite under the real-data root
(`jovis.paths.real_data_dir`). Synthetic: `render_batch` (instrument junocam_rgb, seeds 0..n-1,
``view``) with the current `SynthParams`. Writes ``visible_realism.md`` and ``.json`` under `out`
(temp file then rename) and prints the table. Statistics: `jovis.realism.visible`.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import cv2
import numpy as np

from jovis.frame import Frame
from jovis.io import read_frame
from jovis.paths import real_data_dir
from jovis.realism.visible import set_stats, table
from jovis.synth import render_batch


def _args(argv: list[str]) -> dict[str, str]:
    out = {}
    for a in argv:
        if "=" not in a:
            raise SystemExit(f"argument {a!r}: use key=value (out, n, size, view, sets)")
        k, v = a.split("=", 1)
        out[k] = v
    return out


def synthetic(n: int, size: int, view: str | None) -> list[Frame]:
    batch = render_batch(list(range(n)), size, ["red", "green", "blue"], view=view)
    img = batch.image.permute(0, 2, 3, 1).numpy()
    return [Frame(img[i], ["red", "green", "blue"], valid=batch.valid[i].numpy()) for i in range(n)]


def folder(path: Path) -> list[Frame]:
    files = sorted((path / "images").glob("*.npy"))
    if not files:
        raise SystemExit(f"{path}/images holds no .npy frames (sets= wants a synthetic frame set)")
    frames = []
    for f in files:
        mask = cv2.imread(str(path / "masks" / (f.stem + ".png")), cv2.IMREAD_GRAYSCALE)
        if mask is None:
            raise SystemExit(f"{path}/masks/{f.stem}.png missing (the set's valid pixels)")
        frames.append(Frame(np.load(f), ["red", "green", "blue"], valid=mask != 255))
    return frames


def main(argv: list[str]) -> int:
    a = _args(argv)
    out = Path(a.get("out", "/work/runs/visreal"))
    n, size = int(a.get("n", 16)), int(a.get("size", 256))
    view = a.get("view", "perspective")
    real = sorted(real_data_dir().glob("*/*_[0-9][0-9]C[0-9]*-mapprojected.png"))  # RGB sets
    sets = {"real composites": set_stats([read_frame(p) for p in real], size)}
    for extra in filter(None, a.get("sets", "").split(",")):
        sets[Path(extra).name] = set_stats(folder(Path(extra)), size)
    sets[f"synthetic ({view})"] = set_stats(synthetic(n, size, None if view == "none" else view),
                                           size)  # fmt: skip
    text = table(sets)
    print(text)
    out.mkdir(parents=True, exist_ok=True)
    for name, body in (("visible_realism.md", text + "\n"),
                       ("visible_realism.json", json.dumps(sets, indent=1, default=float))):
        tmp = out / (name + ".tmp")
        tmp.write_text(body)
        os.replace(tmp, out / name)
    return 0 if all(np.isfinite(v["p50_red"]) for v in sets.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
