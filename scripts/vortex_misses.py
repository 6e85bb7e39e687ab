"""Where a checkpoint's missed vortices go, on the JunoCam reference products or a labelled set.

    python scripts/vortex_misses.py [model=visible_rgb] [data=DIR] [out=outputs/misses]
        [resample=auto]

Without `data`, the JunoCam reference set (`jovis.references.materialise`, instrument junocam)
under ``out/reference_set``. Frames are predicted as ``benchmark suite=real`` predicts them
(`checkpoint_predict`, temporal and oval course as its defaults); each scored true vortex gets a
row (`jovis.real_eval.misses`: found, vortex probability at its centre and inside, its size at
the model's scale, its contrast as the network sees it, the darkness of its place), and so does
each predicted vortex that matches none (``false_rows``: where, how large, how dark). Prints the
summary (found of total by kind and by size, found against missed, the false ones' darkness)
and writes ``vortex_misses.json`` under `out`.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np

from jovis.apps.common import script_options
from jovis.data.datasets import FolderDataset
from jovis.features import extract_features
from jovis.geometry.resample import plan_resampling
from jovis.inference.predictor import Predictor
from jovis.inference.scale import training_geometry
from jovis.real_eval.misses import false_vortex_rows, summary, vortex_rows
from jovis.real_eval.run import checkpoint_predict
from jovis.released import resolve_model

KEYS = ("model", "data", "out", "resample")
LUMA = np.array([0.299, 0.587, 0.114])


def main(argv: list[str]) -> int:
    opts = script_options(argv, KEYS)
    out = Path(opts.get("out", "outputs/misses"))
    pick = resolve_model(opts.get("model", "visible_rgb"))
    predictor = Predictor.from_checkpoint(pick.path, device="cpu")
    info, schema = predictor.info, predictor.info.labels
    if "vortex" not in schema.names:
        raise SystemExit(f"{pick.path}: its labels have no vortex class")
    folder = opts.get("data")
    if folder is None:
        from jovis.references import materialise

        folder = materialise(out / "reference_set", instrument="junocam")
    resample = opts.get("resample", "auto")
    predict = checkpoint_predict(predictor, 4, resample, "auto", "auto")
    geometry = training_geometry(info)
    dataset = FolderDataset(folder, info.channels)
    rows, false_rows = [], []
    for i, row in enumerate(dataset.rows):
        frame, labels = dataset.load(i)
        if frame.image.shape[2] != len(info.channels):
            continue
        ((pred, probs),) = predict([frame])
        plan = plan_resampling(frame, geometry)[0] if resample == "auto" else None
        zoom = plan.scale if plan is not None else 1.0
        lum = None
        if frame.image.shape[2] == 3:
            lum = np.where(frame.valid, (frame.image * LUMA).sum(-1) * 255.0, 0.0)
        scored = np.asarray(labels.mask) != schema.ignore_index
        found = extract_features(pred, probs, schema)["vortices"]  # once for both row kinds
        rows += vortex_rows(row["id"], pred, probs, labels.features, scored & frame.valid, schema,
                            zoom, lum, found)  # fmt: skip
        if lum is not None:
            false_rows += false_vortex_rows(row["id"], pred, probs, labels.features,
                                            scored & frame.valid, schema, lum, found)  # fmt: skip
    result = {"model": pick.model, "data": str(folder), "summary": summary(rows, false_rows),
              "rows": rows, "false_rows": false_rows}  # fmt: skip
    for key, value in result["summary"].items():
        print(f"{key}: {json.dumps(value)}")
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / "vortex_misses.json.tmp"
    tmp.write_text(json.dumps(result, indent=1))
    os.replace(tmp, out / "vortex_misses.json")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
