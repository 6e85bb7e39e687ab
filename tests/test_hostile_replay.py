"""Issue 10's defects replayed through the scripts, typed as a user would (`scripts/<verb>.py
key=value ...` in a subprocess), for those no other test already runs through a script:
1 (crafted checkpoints), 2 (resume appends the history), 5 (training on a full disk),
8 (train settings), 10 (size limits), 11 (one-line errors), 12 (reproject=, spawn workers).
The others are replayed in tests/inference/test_hostile.py, test_runs_share_out.py and
tests/test_scripts.py (see each test's docstring there)."""

import csv
import json
import os
import resource
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from jovis.synth import write_frame_set
from tests.conftest import REPO
from tests.io.test_limits import png_declaring
from tests.test_checkpoint import crafted
from tests.training.test_resume_safety import fake_run, snapshot

ENV = {**os.environ, "PYTHONPATH": str(REPO / "src"), "OMP_NUM_THREADS": "1"}
# Hydra's hint after a traceback, and jovis's after a refusal in one line
HYDRA_HINTS = ("Set the environment variable HYDRA_FULL_ERROR", "(HYDRA_FULL_ERROR=1 shows")


def script(verb: str, *args, wrapper: str | None = None, **popen) -> subprocess.CompletedProcess:
    head = ["-c", wrapper, f"scripts/{verb}.py"] if wrapper else [f"scripts/{verb}.py"]
    cmd = [sys.executable, *head, *map(str, args)]
    return subprocess.run(cmd, cwd=REPO, env=ENV, capture_output=True, text=True, timeout=300,
                          **popen)  # fmt: skip


def error_line(run: subprocess.CompletedProcess) -> str:
    """The line a user reads: the exception's message, last before Hydra's hint."""
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    lines = [line for line in lines if not line.startswith(HYDRA_HINTS)]
    return lines[-1] if lines else ""


def last_json(run: subprocess.CompletedProcess) -> dict:
    return json.loads(run.stdout.strip().splitlines()[-1])


def manifest(out: Path) -> dict[str, dict]:
    rows = map(json.loads, (out / "manifest.jsonl").read_text().splitlines())
    return {Path(r["source"]).name: r for r in rows}


@pytest.fixture(scope="module")
def frames(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("frames")
    np.save(folder / "f0.npy", np.random.default_rng(0).random((64, 64, 2), np.float32))
    return folder


# --- defect 1: a crafted checkpoint never runs, through every script that reads one ------------


@pytest.mark.parametrize("verb", ["infer", "evaluate", "export", "train"])
def test_1_crafted_checkpoints_are_refused_by_every_script(tiny_run, tmp_path, frames, verb):
    marker = tmp_path / "marker"
    if verb == "train":  # last.ckpt via resume=; its payload shown to run under weights_only=False
        run = fake_run(tmp_path / "runs", payload=marker)
        torch.load(run / "checkpoints" / "last.ckpt", weights_only=False)
        assert marker.is_dir()
        marker.rmdir()
        before = snapshot(run)
        args = ["experiment=tiny", f"resume={run}", f"out={tmp_path / 'runs'}"]
    else:
        ckpt = crafted(tmp_path / "model.pt", marker)  # shows the payload runs, then removes it
        data = tmp_path / "set"
        write_frame_set(data, n=1, size=64, channels=["L", "M"], instrument="jiram", seed=3)
        args = {
            "infer": [f"input={frames}", "device=cpu"],
            "evaluate": [f"data={data}", "device=cpu"],
            "export": ["format=torchscript"],
        }[verb]
        args = [f"ckpt={ckpt}", f"out={tmp_path / 'out'}", *args]  # fmt: skip
    done = script(verb, *args)
    assert done.returncode != 0
    assert "refused" in error_line(done) and "could run" in error_line(done), done.stderr[-2000:]
    assert not marker.exists()
    if verb == "train":
        assert snapshot(run) == before
    else:
        assert not (tmp_path / "out").exists()


# --- defect 2: kill / stop, then resume= appends to metrics.csv --------------------------------


def test_2_resume_through_the_script_appends_every_step_once(tmp_path):
    out = tmp_path / "runs"
    common = ["experiment=tiny", f"out={out}", "checkpoint.every_n_steps=2", "trainer.progress=no"]
    first = script("train", *common, "trainer.max_steps=4")
    assert first.returncode == 0, first.stderr[-3000:]
    run = Path(last_json(first)["out"])
    again = script("train", *common, "trainer.max_steps=8", f"resume={run}")
    assert again.returncode == 0, again.stderr[-3000:]
    with open(run / "logs" / "metrics.csv", newline="") as fh:
        steps = Counter(int(r["step"]) for r in csv.DictReader(fh) if r.get("train/loss"))
    assert sorted(steps) == list(range(8)) and set(steps.values()) == {1}


# --- defect 5: a full disk while training names the file and the cause ---------------------------


def _file_size_limit():
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (1_000_000, 1_000_000))  # model.pt is ~2 MB


def test_5_training_that_cannot_write_its_checkpoint_names_the_file(tmp_path):
    done = script("train", "experiment=tiny", f"out={tmp_path / 'runs'}",
                  preexec_fn=_file_size_limit)  # fmt: skip
    assert done.returncode != 0
    line = error_line(done)
    assert "could not write" in line and "file-size limit" in line, done.stderr[-3000:]
    assert "basic_ios" not in done.stdout + done.stderr
    assert not [p for p in (tmp_path / "runs").rglob("*.tmp-*")]  # no temporary left behind


# --- defect 8: train settings refused before any folder, naming the key --------------------------


@pytest.mark.parametrize(
    ("setting", "words"),
    [
        ("data.batch_size=0", "data.batch_size=0: must be an integer ≥ 1"),
        ("data.size=-64", "data.size=-64: must be an integer ≥ 32"),
        ("device=cuda", "device=cuda but trainer.accelerator=cpu"),
    ],
)
def test_8_bad_train_settings_fail_before_any_folder(tmp_path, setting, words):
    out = tmp_path / "runs"
    done = script("train", "experiment=tiny", f"out={out}", setting)
    assert done.returncode != 0 and words in error_line(done), done.stderr[-2000:]
    assert not out.exists()


# --- defect 10: frames too small or declaring too many pixels fail with a reason -----------------


def test_10_a_1x1_frame_and_a_20000_squared_png_fail_with_reasons(tiny_run, tmp_path):
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    np.save(src / "f0.npy", np.random.default_rng(0).random((64, 64, 2), np.float32))
    np.save(src / "dot.npy", np.ones((1, 1, 2), np.float32))
    assert png_declaring(src / "bomb.png", 20000, 20000).stat().st_size < 1000
    done = script("infer", f"ckpt={tiny_run['checkpoint']}", f"input={src}", f"out={out}",
                  "device=cpu", "progress=false")  # fmt: skip
    assert done.returncode == 2, done.stderr[-3000:]
    assert (last_json(done)["ok"], last_json(done)["failed"]) == (1, 2)
    rows = manifest(out)
    assert "1×1 px; the model needs at least 32 px" in rows["dot.npy"]["error"]
    bomb = rows["bomb.png"]["error"]
    assert "declares 20000×20000 = 400.0 Mpx" in bomb and "refused before decoding" in bomb
    assert "max_pixels=N (jovis infer, scripts/infer.py)" in bomb  # the key the script takes
    assert not (out / "masks" / "bomb.png").exists()
    lowered = script("infer", f"ckpt={tiny_run['checkpoint']}", f"input={src / 'f0.npy'}",
                     f"out={tmp_path / 'lowered'}", "device=cpu", "max_pixels=1000",
                     "progress=false")  # fmt: skip
    assert lowered.returncode == 2  # the key reaches the reader: 64×64×2 is above 1000 px
    assert "above the limit of 0.001 Mpx" in manifest(tmp_path / "lowered")["f0.npy"]["error"]


# --- defect 11: one line naming the file, what is wrong and the fix ------------------------------


def _mismatched(tiny_run, path: Path) -> Path:
    blob = torch.load(tiny_run["checkpoint"], weights_only=True)
    blob["jovis"]["model"]["in_channels"] = 3  # edited: the weights are for 2 channels
    torch.save(blob, path)
    return path


@pytest.mark.parametrize("case", ["empty", "random", "mismatched", "empty_last", "out_file"])
def test_11_unreadable_inputs_get_one_line(tiny_run, tmp_path, frames, case):
    bad = tmp_path / "model.pt"
    if case == "empty":
        bad.write_bytes(b"")
        verb, args, words = "infer", [f"input={frames}", "device=cpu"], "empty file (0 bytes"
    elif case == "random":
        bad.write_bytes(np.random.default_rng(1).bytes(3000))
        verb, args, words = "export", ["format=torchscript"], "not a PyTorch checkpoint"
    elif case == "mismatched":
        _mismatched(tiny_run, bad)
        verb, args, words = "infer", [f"input={frames}", "device=cpu"], "weights do not fit"
    elif case == "empty_last":
        bad = fake_run(tmp_path / "runs", last=b"") / "checkpoints" / "last.ckpt"
        verb, words = "train", "empty file (0 bytes"
        args = ["experiment=tiny", f"resume={bad.parents[1]}", f"out={tmp_path / 'runs'}"]
    else:
        (tmp_path / "afile").write_text("x")
        bad = tmp_path / "afile"
        verb, words = "infer", "is a file, not a folder; choose another out="
        args = [f"ckpt={tiny_run['checkpoint']}", f"input={frames}", "device=cpu",
                f"out={bad / 'sub'}"]  # fmt: skip
    if case in ("empty", "random", "mismatched"):
        args = [f"ckpt={bad}", f"out={tmp_path / 'out'}", *args]
    done = script(verb, *args)
    line = error_line(done)
    assert done.returncode != 0 and words in line and str(bad) in line, done.stderr[-2000:]
    for raw in ("weights_only", "mmap", "Traceback (most recent call last):\nNotADirectoryError"):
        assert raw not in done.stderr
    if case == "out_file":
        done = script("train", "experiment=tiny", f"out={bad / 'runs'}")
        assert done.returncode != 0 and words in error_line(done), done.stderr[-2000:]


# --- defect 12: reproject= from the command line, DataLoader workers under spawn -----------------

SPAWN = """
import multiprocessing, runpy, sys
multiprocessing.set_start_method("spawn")  # the default on macOS and Windows
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


def test_12_reproject_key_and_spawned_workers(tiny_run, tmp_path):
    from jovis.geometry import EQUATORIAL_RADIUS_KM
    from jovis.io.masks import read_mask_png

    disk = np.zeros((128, 128, 2), np.float32)
    cv2.circle(disk, (64, 64), 60, (1.0, 0.5), -1)
    np.save(tmp_path / "disk.npy", disk)
    view = (f"{{sub_lat:70.0,sub_lon:180.0,distance_km:1.0e9,north_angle_deg:0.0,"
            f"rad_per_px:{EQUATORIAL_RADIUS_KM / 1.0e9 / 60.0}}}")  # fmt: skip
    grid = "{hemisphere:north,pole_x:47.5,pole_y:47.5,px_per_deg:2.0}"
    out = tmp_path / "out"
    done = script("infer", f"ckpt={tiny_run['checkpoint']}", f"input={tmp_path / 'disk.npy'}",
                  f"out={out}", "device=cpu", "num_workers=1", "progress=false",
                  f"reproject={{view:{view},grid:{grid},size:[96,96]}}", wrapper=SPAWN)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert last_json(done)["ok"] == 1
    assert read_mask_png(out / "masks" / "disk.png").shape == (96, 96)  # on the polar grid
