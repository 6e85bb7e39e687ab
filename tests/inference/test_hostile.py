"""Hostile use of `scripts/infer.py`, replayed as a user would type it (issue 10: 3, 4, 5, 6, 8,
9, 10, 12). Each test fails on the code before the fix."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import psutil
import pytest

from jovis.io.atomic import HOST, leftover_temporaries

REPO = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(REPO / "src"), "OMP_NUM_THREADS": "1"}
DISK_FULL_AFTER = """
import errno, runpy, sys
import jovis.io.atomic as atomic
real, writes = atomic._write_file, []
def full(path, data, mode="wb"):
    writes.append(path)
    if "overlays" in str(path) and len(writes) > {after}:
        raise OSError(errno.ENOSPC, "No space left on device")
    return real(path, data, mode)
atomic._write_file = full
sys.argv = ["scripts/infer.py", *sys.argv[1:]]
runpy.run_path("scripts/infer.py", run_name="__main__")
"""


def infer(*args, wrapper=None, wait=True):
    head = ["-c", wrapper] if wrapper else ["scripts/infer.py"]
    cmd = [sys.executable, *head, *map(str, args), "progress=false"]
    if not wait:
        return subprocess.Popen(cmd, cwd=REPO, env=ENV, stdout=subprocess.PIPE, text=True)
    return subprocess.run(cmd, cwd=REPO, env=ENV, capture_output=True, text=True, timeout=300)


def frames(folder, n=2, size=64):
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        np.save(folder / f"f{i}.npy", np.random.default_rng(i).random((size, size, 2), np.float32))
    return folder


def manifest(out):
    return {
        Path(r["source"]).name: r
        for r in map(json.loads, (out / "manifest.jsonl").read_text().splitlines())
    }


@pytest.mark.parametrize(
    "setting, words",
    [
        ("num_workers=-1", "num_workers=-1: must be an integer ≥ 0"),
        ("write_threads=0", "write_threads=0: must be an integer ≥ 1"),
        ("tile_overlap=0.9", "tile_overlap=0.9: must be between 0 and 0.75"),
        ("infer.part=3 infer.num_parts=2", "need 0 ≤ part < num_parts"),
        ("px_per_deg=-3", "px_per_deg=-3: must be a number > 0"),  # failed every frame
        # a stage's settings of the wrong type were a traceback, out of range ran silently
        ("oval_course={mode:on,bins:abc}", "oval_course.bins='abc': must be an integer ≥ 8"),
        ("oval_course={mode:on,min_prob:2}", "oval_course.min_prob=2: must be at most 1"),
        ("oval_course={mode:on,ribbon:-1}", "oval_course.ribbon=-1: must be a number > 0"),
        ("look={mode:on,gamma:abc}", "look.gamma='abc': must be a number > 0 (blur and gamma"),
    ],
)
def test_bad_setting_refused_before_any_folder(tiny_run, tmp_path, setting, words):
    out = tmp_path / "out"
    run = infer(f"ckpt={tiny_run['checkpoint']}", f"input={frames(tmp_path / 'in')}",
                f"out={out}", "device=cpu", *setting.split())  # fmt: skip
    assert run.returncode != 0 and words in run.stdout + run.stderr
    assert "Traceback" not in run.stdout + run.stderr
    assert not out.exists()


def test_non_utf8_file_name_is_processed_and_reported(tiny_run, tmp_path):
    src = frames(tmp_path / "in", n=1)
    odd = os.fsdecode(b"caf\xe9-\xff.npy")  # Latin-1 bytes: not UTF-8
    np.save(src / odd, np.random.default_rng(5).random((64, 64, 2), np.float32))
    out = tmp_path / "out"
    run = infer(f"ckpt={tiny_run['checkpoint']}", f"input={src}", f"out={out}", "device=cpu")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout.strip().splitlines()[-1])["ok"] == 2
    assert manifest(out)[odd]["status"] == "ok"
    report = (out / "report.html").read_bytes().decode("utf-8")  # valid UTF-8
    assert "caf\\xe9-\\xff" in report and "caf%E9-%FF.png" in report


def test_a_non_utf8_name_that_fails_is_reported_in_valid_utf8(tiny_run, tmp_path):
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    (src / os.fsdecode(b"bad\xe9.npy")).write_bytes(b"not a numpy file")
    run = infer(f"ckpt={tiny_run['checkpoint']}", f"input={src}", f"out={out}", "device=cpu")
    # `infer` decodes the output as strict UTF-8: raw Latin-1 bytes would have raised here
    assert run.returncode == 2 and "bad\\udce9.npy: unrecognised content" in run.stdout
    assert json.loads(run.stdout.strip().splitlines()[-1])["failed"] == 1


def test_disk_full_stops_cleanly_with_exit_3_and_a_rerun_completes(tiny_run, tmp_path):
    src, out = frames(tmp_path / "in", n=3), tmp_path / "out"
    args = (f"ckpt={tiny_run['checkpoint']}", f"input={src}", f"out={out}", "device=cpu")
    run = infer(*args, "write_threads=1", wrapper=DISK_FULL_AFTER.format(after=3))
    assert run.returncode == 3, run.stdout + run.stderr
    last = json.loads(run.stdout.strip().splitlines()[-1])
    assert last["error"] == "disk_full" and str(out / "overlays") in last["path"]
    assert "disk full at" in run.stdout
    assert leftover_temporaries(out) == []
    again = infer(*args)
    assert again.returncode == 0 and json.loads(again.stdout.strip().splitlines()[-1])["ok"] == 3


@pytest.mark.parametrize("mode", ["folder", "glob"])
def test_symlink_loop_and_folder_named_png_are_failed_not_skipped(tiny_run, tmp_path, mode):
    src, out = frames(tmp_path / "in", n=1), tmp_path / "out"
    (src / "loop.npy").symlink_to("loop.npy")
    (src / "dir.npy").mkdir()
    spec = src if mode == "folder" else f"{src}/*.npy"
    run = infer(f"ckpt={tiny_run['checkpoint']}", f"input={spec}", f"out={out}", "device=cpu")
    assert run.returncode == 2
    rows = manifest(out)
    assert rows["f0.npy"]["status"] == "ok"
    assert "symbolic links" in rows["loop.npy"]["error"]
    assert "is a folder" in rows["dir.npy"]["error"]


def test_frames_below_the_model_minimum_fail_with_a_reason(tiny_run, tmp_path):
    from jovis.inference import run_inference

    src = frames(tmp_path / "in", n=1)
    np.save(src / "dot.npy", np.ones((1, 1, 2), np.float32))
    np.save(src / "strip.npy", np.ones((16, 64, 2), np.float32))
    out = tmp_path / "out"
    result = run_inference(tiny_run["checkpoint"], src, out, device="cpu", progress=False)
    assert (result["ok"], result["failed"]) == (1, 2)
    rows = manifest(out)
    assert "1×1 px; the model needs at least 32 px" in rows["dot.npy"]["error"]
    assert "64×16 px" in rows["strip.npy"]["error"]


def test_workers_exit_when_infer_is_killed(tiny_run, tmp_path):
    src = frames(tmp_path / "in", n=60, size=128)
    proc = infer(f"ckpt={tiny_run['checkpoint']}", f"input={src}", f"out={tmp_path / 'out'}",
                 "device=cpu", "num_workers=2", "batch_size=1", wait=False)  # fmt: skip
    parent = psutil.Process(proc.pid)
    deadline = time.time() + 120
    while len(parent.children()) < 2 and time.time() < deadline:
        time.sleep(0.2)
    workers = parent.children()
    assert len(workers) >= 2, "the DataLoader workers never started"
    time.sleep(1.0)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stdout.close()
    _, alive = psutil.wait_procs(workers, timeout=3)
    for p in alive:
        p.kill()
    assert alive == [], f"orphan workers {[p.pid for p in alive]}"


def test_a_live_runs_temporaries_are_kept_and_a_dead_ones_removed(tiny_run, tmp_path):
    from jovis.inference import run_inference

    src, out = frames(tmp_path / "in", n=1), tmp_path / "out"
    (out / "masks").mkdir(parents=True)
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        live = out / "masks" / f".x.png.tmp-{HOST}-{sleeper.pid}-0000abcd.png"
        dead = out / "masks" / f".y.png.tmp-{HOST}-{2**22 + 7}-0000abcd.png"
        live.write_bytes(b"half"), dead.write_bytes(b"half")
        run_inference(tiny_run["checkpoint"], src, out, device="cpu", progress=False)
        assert live.is_file() and not dead.exists()
    finally:
        sleeper.kill()
        sleeper.wait()
