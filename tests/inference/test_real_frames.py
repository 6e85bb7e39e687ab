"""Inference on every real frame in ../shared/data/real (skipped when the folder is absent)."""

import csv
import json

import pytest
from tests.conftest import REAL_DATA, compose_config

from jovis.inference import run_inference
from jovis.training.fit import train

pytestmark = pytest.mark.skipif(
    not REAL_DATA.is_dir(), reason=f"{REAL_DATA} not found: real-frame tests need shared data"
)


def tiny_checkpoint(tmp_path, instrument):
    cfg = compose_config(
        "train",
        [
            "experiment=tiny",
            f"instrument={instrument}",
            f"out={tmp_path / instrument}",
            "trainer.max_steps=2",
        ],
    )
    return train(cfg)["checkpoint"]


def test_hst_frames_get_overlays_graticules_and_latitudes(tmp_path):
    ckpt = tiny_checkpoint(tmp_path, "hst_stis")
    folder = REAL_DATA / "hst_stis_north_2016-05-21"
    out = tmp_path / "hst"
    result = run_inference(ckpt, folder, out, device="cpu", progress=False)
    assert result["ok"] == len(list(folder.glob("*.fits"))) == 4 and result["failed"] == 0
    rows = [json.loads(x) for x in (out / "manifest.jsonl").read_text().splitlines()]
    for row in rows:
        assert "PHYSICS" in row["grid"]  # the fitted v03 grid: the overlay draws its graticule
        assert (out / "overlays" / f"{row['id']}.png").is_file()
        gj = json.loads((out / "features" / f"{row['id']}.geojson").read_text())
        assert gj["properties"]["coordinate_system"].startswith("[lon, lat]")
    with (out / "catalog.csv").open() as fh:
        reader = csv.DictReader(fh)
        assert "lat" in reader.fieldnames
        assert all(r["lat"] for r in reader)


def test_junocam_products_are_all_processed(tmp_path):
    ckpt = tiny_checkpoint(tmp_path, "junocam_rgb")  # real files hold red, green, blue
    for folder in sorted(REAL_DATA.glob("junocam_*")):
        out = tmp_path / folder.name
        result = run_inference(ckpt, folder, out, device="cpu", progress=False)
        # one frame per product: the per-filter set, the map-projected composite (and raw)
        expected = 2 + any(folder.glob("*-raw.png"))
        assert result["ok"] == expected and result["failed"] == 0, result["failures"]
        assert len(list((out / "overlays").glob("*.png"))) == expected
        assert (out / "report.html").is_file()
