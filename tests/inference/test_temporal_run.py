"""`infer temporal=`: a sequence's frames share evidence; the manifest names the neighbours;
resumed runs use the frames done before as evidence; real-eval predicts through the same loop."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from omegaconf import OmegaConf
from tests.conftest import REAL_DATA

import jovis.released
from jovis.frame import Frame
from jovis.geometry import PolarGrid
from jovis.inference import Predictor, run_inference
from jovis.inference.temporal import find_neighbours
from jovis.io import read_frame
from jovis.real_eval import checkpoint_predict
from jovis.synth.sequence_set import write_sequence

STACK = {"mode": "stack", "window_min": 4}


@pytest.fixture(scope="module")
def sequence(tmp_path_factory):
    """Five 64-px frames 100 s apart, then one 20 min later (alone in a 4-min window)."""
    out = tmp_path_factory.mktemp("sequence")
    spec = {"frames": 5, "days": 100 / 86400, "start": "2016-05-21T02:17:00", "born_role": None,
            "oscillation_km": 0.0, "observer_lon_step_deg": 1.0}  # fmt: skip
    write_sequence(out, 64, ["L", "M"], "jiram", "north", 7, "test", None, None, spec)
    rows = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]
    rows[-1]["time"] = "2016-05-21T02:45:00.000"
    (out / "manifest.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return out


def infer(ckpt, frames, out, temporal):
    run_inference(ckpt, frames, out, device="cpu", progress=False, save_probs=True,
                  num_workers=0, temporal=temporal)  # fmt: skip
    rows = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]
    probs = {r["id"]: np.load(out / "probs" / f"{r['id']}.npy") for r in rows}
    return {r["id"]: r for r in rows}, probs


def test_a_stack_uses_the_neighbours_in_the_window(tiny_run, sequence, tmp_path):
    ckpt = tiny_run["checkpoint"]
    rows, probs = infer(ckpt, sequence, tmp_path / "stack", STACK)
    off_rows, off = infer(ckpt, sequence, tmp_path / "off", "off")
    ids = sorted(rows)
    assert all(r["status"] == "ok" and r["temporal"] == "stack" for r in rows.values())
    assert rows[ids[0]]["temporal_neighbours"] == ids[1:3]  # 100, 200 s; 300 s is past 4 min
    assert rows[ids[0]]["temporal_dt_s"] == [100.0, 200.0]
    assert rows[ids[2]]["temporal_neighbours"] == [ids[0], ids[1], ids[3]]
    assert rows[ids[4]]["temporal_neighbours"] == [] and "4 min" in rows[ids[4]]["temporal_alone"]
    assert off_rows[ids[0]]["temporal"] == "off" and "temporal_neighbours" not in off_rows[ids[0]]
    for fid in ids[:4]:  # combined: the probabilities change
        assert np.abs(probs[fid].astype(float) - off[fid]).max() > 1e-3
    assert np.array_equal(probs[ids[4]], off[ids[4]])  # alone: as without the option
    config = OmegaConf.load(tmp_path / "stack" / "config.yaml")
    assert config.temporal.mode == "stack" and config.temporal.window_min == 4
    # which jovis made them (a paper's methods; a rerun with another): config, rows, GeoJSON
    features = json.loads((tmp_path / "stack" / "features" / f"{ids[0]}.geojson").read_text())
    assert config.jovis_version == rows[ids[0]]["jovis_version"] == jovis.__version__
    assert features["properties"]["jovis_version"] == jovis.__version__
    # the tiny checkpoint is a JIRAM one: auto leaves it off
    auto_rows, _ = infer(ckpt, sequence, tmp_path / "auto", None)
    assert {r["temporal"] for r in auto_rows.values()} == {"off"}


def test_mean_prob_averages_the_frames_probabilities(tiny_run, sequence, tmp_path):
    ckpt = tiny_run["checkpoint"]
    rows, probs = infer(ckpt, sequence, tmp_path / "mean", {"mode": "mean_prob", "window_min": 2})
    _, off = infer(ckpt, sequence, tmp_path / "off", "off")
    ids = sorted(rows)
    assert rows[ids[0]]["temporal_neighbours"] == [ids[1]]
    a, b = (read_frame(sequence / "images" / f"{i}.npy") for i in ids[:2])
    both = a.valid & b.valid
    expected = 0.5 * (off[ids[0]].astype(float) + off[ids[1]])
    assert np.abs(probs[ids[0]] - expected)[:, both].max() < 2e-3  # float16 files


def test_a_resumed_run_reads_the_frames_done_before_as_evidence(tiny_run, sequence, tmp_path):
    ckpt = tiny_run["checkpoint"]
    out = tmp_path / "resume"
    rows, probs = infer(ckpt, sequence, out, STACK)
    again = run_inference(ckpt, sequence, out, device="cpu", progress=False, save_probs=True,
                          num_workers=0, temporal=STACK)  # fmt: skip
    assert again["processed"] == 0 and again["skipped"] == 5
    redo = sorted(rows)[1]
    for kind in ("masks", "overlays", "features", "probs"):
        for p in (out / kind).glob(f"{redo}.*"):
            p.unlink()
    again = run_inference(ckpt, sequence, out, device="cpu", progress=False, save_probs=True,
                          num_workers=0, temporal=STACK)  # fmt: skip
    assert again["processed"] == 1 and again["ok"] == 5
    rows2, probs2 = infer(ckpt, sequence, out, STACK)  # reads back, nothing left to do
    assert rows2[redo]["temporal_neighbours"] == rows[redo]["temporal_neighbours"]
    assert np.array_equal(probs2[redo], probs[redo])


def test_real_eval_predicts_as_infer_does(tiny_run, sequence, tmp_path):
    ckpt = tiny_run["checkpoint"]
    rows, probs = infer(ckpt, sequence, tmp_path / "stack", STACK)
    frames = []
    for line in (sequence / "manifest.jsonl").read_text().splitlines():
        row = json.loads(line)
        f = read_frame(sequence / row["image"], instrument="jiram", channels=["L", "M"])
        f.meta.update(id=row["id"], time=row["time"])
        f.grid = PolarGrid.from_dict(row["grid"])
        frames.append(f)
    predict = checkpoint_predict(Predictor.from_checkpoint(ckpt, device="cpu"), 4, "auto", STACK)
    out = predict(frames)
    for f, (_, p) in zip(frames, out, strict=True):
        assert np.abs(p - probs[f.id]).max() < 2e-3  # float16 files
    by_id = {r["id"]: r for r in predict.records}
    assert by_id[frames[0].id]["temporal_neighbours"] == rows[frames[0].id]["temporal_neighbours"]


def test_a_frame_alone_in_real_eval_is_predicted_as_before(tiny_run):
    predictor = Predictor.from_checkpoint(tiny_run["checkpoint"], device="cpu")
    rng = np.random.default_rng(1)
    frame = Frame(rng.random((64, 64, 2)), ["L", "M"], "jiram", meta={"id": "x"})
    (_, plain), = checkpoint_predict(predictor, 2, "auto", "off")([frame])  # fmt: skip
    predict = checkpoint_predict(predictor, 2, "auto", STACK)
    (_, alone), = predict([frame])  # fmt: skip
    assert np.array_equal(plain, alone) and predict.records[0]["temporal_alone"] == "no polar grid"


@pytest.mark.skipif(not REAL_DATA.is_dir(), reason=f"{REAL_DATA} not found: needs shared data")
def test_the_uv_release_stacks_hst_exposures_minutes_apart_by_default(tmp_path):
    """auto = stack for the UV detector; on 2016-05-21 only the first two exposures (100 s
    apart) are within 5 min; the 05-17 sky-plane frames (100 s apart) share one grid."""
    ckpt = Path(jovis.released.__file__).parent / "uv-v2" / "model.pt"
    out = tmp_path / "v03"
    run_inference(ckpt, REAL_DATA / "hst_stis_north_2016-05-21", out, device="cpu",
                  progress=False, num_workers=0)  # fmt: skip
    rows = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]
    assert [len(r["temporal_neighbours"]) for r in rows] == [1, 1, 0, 0]
    assert rows[0]["temporal_neighbours"] == [rows[1]["id"]] and rows[0]["temporal"] == "stack"
    assert rows[0]["temporal_dt_s"] == [100.0] and "within 5 min" in rows[2]["temporal_alone"]
    assert OmegaConf.load(out / "config.yaml").temporal.requested == "auto"
    frames = [read_frame(p) for p in sorted((REAL_DATA / "hst_stis_north_2016-05-17_skyplane")
                                            .glob("*.fits"))]  # fmt: skip
    links = find_neighbours(frames, 5.0)
    assert [len(link["neighbours"]) for link in links] == [3, 4, 5, 5, 4, 3]
