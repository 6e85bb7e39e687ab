"""End to end: train a few steps → checkpoint → infer with only the checkpoint path."""

import json
import subprocess
import sys

import numpy as np
import pytest
import torch

from jovis.checkpoint import load_checkpoint
from jovis.data.normalise import normalise_frame
from jovis.inference import run_inference
from jovis.io import read_frame
from jovis.io.masks import read_mask_png
from jovis.synth import write_frame_set
from tests.conftest import REPO


def infer_script(*overrides: str) -> subprocess.CompletedProcess:
    """scripts/infer.py as a user runs it, with key=value overrides."""
    return subprocess.run(
        [sys.executable, "scripts/infer.py", *overrides],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def frames(tmp_path_factory):
    out = tmp_path_factory.mktemp("frames")
    write_frame_set(
        out, n=3, size=64, channels=["L", "M"], instrument="jiram", seed=500, split="test"
    )
    return out


def test_checkpoint_is_self_describing_and_weights_only(tiny_run):
    assert tiny_run["steps"] == 4
    blob = torch.load(tiny_run["checkpoint"], weights_only=True)
    meta = blob["jovis"]
    assert meta["channels"] == ["L", "M"]
    assert meta["labels"]["classes"][2]["name"] == "vortex"
    assert meta["normalisation"]["kind"] == "percentile"
    assert meta["config"]["name"] == "tiny" and meta["config"]["data"]["size"] == 64
    model, info = load_checkpoint(tiny_run["checkpoint"])
    assert info.model["encoder"] == "mobilenet_v3_small" and not model.training


def test_infer_mask_equals_argmax_of_direct_forward(tiny_run, frames, tmp_path):
    result = run_inference(
        tiny_run["checkpoint"],
        frames / "images",
        tmp_path,
        device="cpu",
        progress=False,
        precision="fp32",  # the direct forward below is fp32
    )
    assert result["ok"] == 3 and result["failed"] == 0
    model, info = load_checkpoint(tiny_run["checkpoint"])
    for image in sorted((frames / "images").iterdir()):
        frame = read_frame(image, channels=info.channels)
        with torch.no_grad():
            logits = model(torch.from_numpy(normalise_frame(frame, info.normalisation))[None])
        expected = logits.argmax(1)[0].numpy().astype(np.uint8)
        expected[~frame.valid] = 255
        saved = read_mask_png(tmp_path / "masks" / f"{image.stem}.png")
        np.testing.assert_array_equal(saved, expected)
        assert (tmp_path / "overlays" / f"{image.stem}.png").is_file()
        gj = json.loads((tmp_path / "features" / f"{image.stem}.geojson").read_text())
        assert gj["type"] == "FeatureCollection"
    for name in ("catalog.csv", "manifest.jsonl", "config.yaml"):
        assert (tmp_path / name).is_file()
    rows = [json.loads(x) for x in (tmp_path / "manifest.jsonl").read_text().splitlines()]
    assert [r["status"] for r in rows] == ["ok"] * 3


def test_bad_inputs_are_recorded_and_the_rest_processed(tiny_run, frames, tmp_path):
    batch = tmp_path / "batch"
    batch.mkdir()
    for image in (frames / "images").iterdir():
        (batch / image.name).write_bytes(image.read_bytes())
    (batch / "empty.png").write_bytes(b"")
    good_png = (frames / "montage.png").read_bytes()
    (batch / "truncated.png").write_bytes(good_png[: len(good_png) // 3])
    (batch / "notes.png").write_text("observing log, not an image")
    nan = np.full((64, 64, 2), np.nan, np.float32)
    np.save(batch / "allnan.npy", nan)
    out = tmp_path / "out"
    proc = infer_script(
        f"ckpt={tiny_run['checkpoint']}",
        f"input={batch}",
        f"out={out}",
        "device=cpu",
        "num_workers=1",
        "progress=false",
    )
    assert proc.returncode == 2, proc.stderr
    assert "3 ok, 4 failed" in proc.stdout
    summary = json.loads(proc.stdout.strip().splitlines()[-1])
    assert summary["ok"] == 3 and summary["failed"] == 4 and summary["out"] == str(out)
    rows = {
        json.loads(x)["id"]: json.loads(x)
        for x in (out / "manifest.jsonl").read_text().splitlines()
    }
    assert "empty file" in rows["empty"]["error"] and rows["empty"]["status"] == "failed"
    assert "truncated" in rows["truncated"]["error"]
    assert "unrecognised content" in rows["notes"]["error"]
    assert "no valid pixels" in rows["allnan"]["error"]
    for fid, row in rows.items():
        if row["status"] == "ok":
            assert all(
                (out / k / f"{fid}{s}").is_file()
                for k, s in [("masks", ".png"), ("overlays", ".png"), ("features", ".geojson")]
            )
        else:
            assert str(batch / f"{fid}") in row["source"]
            assert not (out / "masks" / f"{fid}.png").exists()


def test_all_ok_exits_zero(tiny_run, frames, tmp_path):
    proc = infer_script(
        f"ckpt={tiny_run['checkpoint']}",
        f"input={frames / 'images'}/*.npy",
        f"out={tmp_path}",
        "device=cpu",
        "num_workers=0",
        "progress=false",
    )
    assert proc.returncode == 0, proc.stderr
    assert "3 ok, 0 failed" in proc.stdout


def test_interrupted_run_resumes_without_redoing_or_half_files(
    tiny_run, frames, tmp_path, monkeypatch
):
    import jovis.inference.outputs as outputs

    real_write_png, calls = outputs.write_png, {"n": 0}

    def dying_write_png(path, image):
        calls["n"] += 1
        if calls["n"] == 2:  # die in the middle of the second frame's overlay
            with open(path.with_name(f".{path.name}.tmp-99999.png"), "wb") as fh:
                fh.write(b"\x89PNG half")  # what a hard kill leaves behind
            raise KeyboardInterrupt
        return real_write_png(path, image)

    monkeypatch.setattr(outputs, "write_png", dying_write_png)
    with pytest.raises(KeyboardInterrupt):
        run_inference(
            tiny_run["checkpoint"],
            frames / "images",
            tmp_path,
            device="cpu",
            batch_size=1,
            write_threads=1,
            progress=False,
        )
    monkeypatch.setattr(outputs, "write_png", real_write_png)
    done_first = [
        json.loads(x)["id"] for x in (tmp_path / "manifest.jsonl").read_text().splitlines()
    ]
    assert len(done_first) == 1
    overlay = tmp_path / "overlays" / f"{done_first[0]}.png"
    mtime = overlay.stat().st_mtime_ns
    # the second frame wrote its mask but not the rest; no final-named file is partial
    result = run_inference(
        tiny_run["checkpoint"], frames / "images", tmp_path, device="cpu", progress=False
    )
    assert result["skipped"] == 1 and result["processed"] == 2 and result["ok"] == 3
    assert overlay.stat().st_mtime_ns == mtime  # not redone
    assert not list(tmp_path.rglob(".*tmp-*"))
    again = run_inference(
        tiny_run["checkpoint"], frames / "images", tmp_path, device="cpu", progress=False
    )
    assert again["processed"] == 0 and again["skipped"] == 3
    lines = (tmp_path / "manifest.jsonl").read_text().splitlines()
    assert len(lines) == 3


def test_frame_set_input_gives_latitudes_and_a_graticule(tiny_run, frames, tmp_path):
    import csv

    result = run_inference(tiny_run["checkpoint"], frames, tmp_path, device="cpu", progress=False)
    assert result["ok"] == 3
    with (tmp_path / "catalog.csv").open() as fh:
        reader = csv.DictReader(fh)
        assert "lat" in reader.fieldnames and "radius_km" in reader.fieldnames
        assert all(r["lat"] for r in reader)  # a 4-step model may find nothing; none lack lat
    gj = json.loads(next((tmp_path / "features").glob("*.geojson")).read_text())
    assert gj["properties"]["coordinate_system"].startswith("[lon, lat]")
