"""Two shards plus a rerun of each produce exactly the outputs of one unsharded run."""

import json

import pytest

from jovis.inference import run_inference
from jovis.inference.runner import shard_of
from jovis.synth import write_frame_set

TIMING = {"read_s", "predict_s", "write_s", "finished"}
OUTPUTS = ("masks", "overlays", "features")


def snapshot(out):
    files = {f"{d}/{p.name}": p.read_bytes() for d in OUTPUTS for p in sorted((out / d).iterdir())}
    rows = []
    for line in (out / "manifest.jsonl").read_text().splitlines():
        row = {k: v for k, v in json.loads(line).items() if k not in TIMING}
        row["outputs"] = {k: v.replace(str(out), "OUT") for k, v in row.get("outputs", {}).items()}
        rows.append(row)
    return files, rows, (out / "catalog.csv").read_text()


def test_two_shards_and_reruns_equal_one_run(tiny_run, tmp_path):
    frames = tmp_path / "frames"
    write_frame_set(frames, n=5, size=64, channels=["L", "M"], instrument="jiram", seed=40)
    ckpt = tiny_run["checkpoint"]
    one = tmp_path / "one"
    run_inference(ckpt, frames, one, device="cpu", progress=False)
    sharded = tmp_path / "sharded"
    a = run_inference(ckpt, frames, sharded, device="cpu", progress=False, part=0, num_parts=2)
    b = run_inference(ckpt, frames, sharded, device="cpu", progress=False, part=1, num_parts=2)
    assert (a["processed"], b["processed"]) == (3, 2)
    for part in (0, 1):
        again = run_inference(
            ckpt, frames, sharded, device="cpu", progress=False, part=part, num_parts=2
        )
        assert again["processed"] == 0 and again["skipped"] == (3, 2)[part]
    assert b["ok"] == 5  # the last shard to finish reports the whole input
    assert snapshot(sharded) == snapshot(one)


def test_torchrun_environment_picks_the_shard(monkeypatch):
    monkeypatch.setenv("RANK", "2")
    monkeypatch.setenv("WORLD_SIZE", "4")
    assert shard_of(None, None) == (2, 4)
    assert shard_of(0, 1) == (0, 1)  # explicit settings win
    with pytest.raises(ValueError, match="0 ≤ part < num_parts"):
        shard_of(3, 2)
