"""A tiny synthetic frame set with grids (the user's frames) and a fake `infer` output of it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from jovis.synth import write_frame_set
from jovis.synth.frameset import default_schema


@pytest.fixture(scope="module")
def frameset(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("frames") / "set"
    write_frame_set(out, n=2, size=128, channels=["uv"], instrument="uv", hemisphere="north")
    return out


def fake_predictions(frameset: Path, out: Path) -> Path:
    """What `jovis infer` writes, with the synthetic truth as the prediction."""
    rows = [json.loads(line) for line in (frameset / "manifest.jsonl").read_text().splitlines()]
    records = []
    for row in rows:
        mask = out / "masks" / f"{row['id']}.png"
        feats = out / "features" / f"{row['id']}.geojson"
        mask.parent.mkdir(parents=True, exist_ok=True)
        feats.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(frameset / row["mask"], mask)
        feats.write_text(json.dumps({"type": "FeatureCollection", "features": [],
                                     "properties": {"grid": row["grid"]}}))  # fmt: skip
        records.append({"id": row["id"], "source": str(frameset / row["image"]), "status": "ok",
                        "outputs": {"mask": str(mask), "features": str(feats)}})  # fmt: skip
    (out / "manifest.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    return out


@pytest.fixture
def schema():
    return default_schema()
