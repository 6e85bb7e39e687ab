"""Runs sharing one `out` (issue 10, defect 4): per-frame locks, no work done twice, no failure;
and the runner's pieces that must pickle or stay bounded (defect 12)."""

import json
import os
import pickle
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
from omegaconf import OmegaConf

from jovis.inference import run_inference
from jovis.inference.locks import FrameLocks
from jovis.io.atomic import HOST

REPO = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(REPO / "src"), "OMP_NUM_THREADS": "1"}


def frames(folder, n):
    folder.mkdir(parents=True)
    for i in range(n):
        np.save(folder / f"f{i}.npy", np.random.default_rng(i).random((64, 64, 2), np.float32))
    return folder


def test_a_frame_locked_by_a_live_run_is_left_to_it_and_a_dead_ones_lock_taken(tiny_run, tmp_path):
    src, out = frames(tmp_path / "in", 3), tmp_path / "out"
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        FrameLocks(out, "aaaaaaaa", pid=sleeper.pid).acquire("f0")  # a live run holds f0
        FrameLocks(out, "bbbbbbbb", pid=2**22 + 7).acquire("f1")  # a dead one held f1
        result = run_inference(tiny_run["checkpoint"], src, out, device="cpu", progress=False)
        assert (result["processed"], result["left_to_other_runs"], result["failed"]) == (2, 1, 0)
        assert not (out / "overlays" / "f0.png").exists()
        assert (out / "overlays" / "f1.png").is_file()
    finally:
        sleeper.kill()
        sleeper.wait()
    again = run_inference(tiny_run["checkpoint"], src, out, device="cpu", progress=False)
    assert (again["processed"], again["ok"], again["skipped"]) == (1, 3, 2)
    assert list((out / ".locks").iterdir()) == []


def test_frames_done_with_other_tiling_are_done_again(tiny_run, tmp_path):
    src, out = frames(tmp_path / "in", 2), tmp_path / "out"
    first = run_inference(tiny_run["checkpoint"], src, out, device="cpu", progress=False,
                          tile_size=32, tile_overlap=0.5)  # fmt: skip
    assert first["processed"] == 2
    same = run_inference(tiny_run["checkpoint"], src, out, device="cpu", progress=False,
                         tile_size=32, tile_overlap=0.5)  # fmt: skip
    assert (same["processed"], same["skipped"]) == (0, 2)
    other = run_inference(tiny_run["checkpoint"], src, out, device="cpu", progress=False,
                          tile_size=32, tile_overlap=0.25)  # fmt: skip
    assert (other["processed"], other["skipped"]) == (2, 0)


def test_a_lock_of_another_host_is_stale_only_when_not_refreshed(tmp_path):
    lock = FrameLocks(tmp_path, "cccccccc").path("f0")
    lock.parent.mkdir()
    lock.write_text(json.dumps({"host": "0ther0st", "pid": 1, "token": "dddddddd"}))
    mine = FrameLocks(tmp_path, "eeeeeeee")
    assert mine.acquire("f0") == "host 0ther0st pid 1"  # fresh: alive whatever the pid
    old = time.time() - 600
    os.utime(lock, (old, old))
    assert mine.acquire("f0") is None  # not refreshed for minutes: taken over
    assert json.loads(lock.read_text())["host"] == HOST


def test_two_identical_runs_at_once_split_the_work(tiny_run, tmp_path):
    src, out = frames(tmp_path / "in", 8), tmp_path / "out"
    cmd = [sys.executable, "scripts/infer.py", f"ckpt={tiny_run['checkpoint']}",
           f"input={src}", f"out={out}", "device=cpu", "num_workers=0", "batch_size=1",
           "progress=false"]  # fmt: skip
    procs = [subprocess.Popen(cmd, cwd=REPO, env=ENV, stdout=subprocess.PIPE, text=True)
             for _ in range(2)]  # fmt: skip
    results = []
    for p in procs:
        stdout, _ = p.communicate(timeout=300)
        assert p.returncode == 0, stdout
        results.append(json.loads(stdout.strip().splitlines()[-1]))
    assert sum(r["processed"] for r in results) == 8  # no frame done twice
    assert all(r["failed"] == 0 for r in results)
    again = run_inference(tiny_run["checkpoint"], src, out, device="cpu", progress=False)
    assert (again["processed"], again["ok"]) == (0, 8)


def test_loader_pieces_pickle_for_the_spawn_start_method(tiny_run, tmp_path):
    from jovis.checkpoint import load_checkpoint
    from jovis.inference.reading import FrameReader, Job, frame_loader

    info = load_checkpoint(tiny_run["checkpoint"])[1]
    reader = FrameReader([Job(tmp_path / "a.npy", "a", {})], info, {}, None,
                         locks=FrameLocks(tmp_path, "ffffffff"))  # fmt: skip
    loader = frame_loader(reader, num_workers=2)
    for piece in (loader.collate_fn, loader.worker_init_fn, reader):
        pickle.loads(pickle.dumps(piece))


def test_write_queue_is_bounded(tiny_run, tmp_path, monkeypatch):
    import jovis.inference.writing as writing
    from jovis.inference.manifest import Manifest
    from jovis.inference.reading import Job

    gate, started = threading.Event(), []
    monkeypatch.setattr(writing, "_write", lambda *a: (started.append(1), gate.wait(), {})[2])
    writer = writing.OutputWriter(Manifest(tmp_path), 2, None, {})
    waiting = []

    def produce():
        for i in range(10):
            writer.submit(Job(tmp_path / f"{i}", str(i), {}), None, None, {"source": str(i)})
            waiting.append(len(writer.pending))

    t = threading.Thread(target=produce)
    t.start()
    time.sleep(0.5)
    assert waiting == [1, 2, 3, 4] and len(started) == 2  # 2 × 2 threads, then submit waits
    gate.set()
    t.join()
    writer.close()
    assert max(waiting) <= 4 and writer.counts["ok"] == 10


def test_infer_config_passes_reproject(monkeypatch):
    import jovis.apps.infer as cli
    import jovis.inference.runner as runner

    seen = {}
    monkeypatch.setattr(runner, "run_inference", lambda *a, **kw: seen.update(kw))
    cfg = OmegaConf.load(REPO / "configs" / "infer.yaml")
    cfg.merge_with({"ckpt": "m.pt", "input": "in", "out": "o", "paths": {"outputs": "x"},
                    "reproject": {"view": {"sub_lat": 60.0}, "size": [64, 64]}})  # fmt: skip
    cli.infer_from_config(cfg)
    assert seen["reproject"] == {"view": {"sub_lat": 60.0}, "size": [64, 64]}
    assert seen["max_pixels"] == 64_000_000


def test_a_frame_another_run_finishes_after_planning_is_not_done_again(tiny_run, tmp_path,
                                                                       monkeypatch):  # fmt: skip
    """The race of two runs at once: a frame still to do when this run planned, finished and
    released by the other run before this one reads it, counts as the other run's."""
    import jovis.inference.runner as runner

    src, out = frames(tmp_path / "in", 3), tmp_path / "out"
    plan_jobs = runner.plan_jobs

    def plan_then_other_run_finishes_f0(*args, **kwargs):
        plan = plan_jobs(*args, **kwargs)
        for p in next(j for j in plan.todo if j.id == "f0").outputs.values():
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(b"written by the other run")
        time.sleep(0.2)  # the reader starts later
        return plan

    monkeypatch.setattr(runner, "plan_jobs", plan_then_other_run_finishes_f0)
    result = run_inference(tiny_run["checkpoint"], src, out, device="cpu", progress=False,
                           num_workers=0)  # fmt: skip
    assert (result["processed"], result["left_to_other_runs"], result["failed"]) == (2, 1, 0)


def test_a_frame_another_run_finished_while_this_one_planned_is_left_to_it(tmp_path):
    # the race behind a double-processed frame: run A wrote f0's files just before run B's plan,
    # and its manifest row (and lock release) came after, so B's plan listed f0
    from jovis.inference.manifest import Manifest
    from jovis.inference.reading import FrameReader, Job

    out = tmp_path / "out"
    outputs = {"mask": out / "masks" / "f0.png"}
    outputs["mask"].parent.mkdir(parents=True)
    outputs["mask"].write_bytes(b"png")
    started = time.time() + 1.0  # B planned after A wrote the files
    job = Job(tmp_path / "in" / "f0.png", "f0", outputs)
    reader = FrameReader([job], None, {}, None, locks=FrameLocks(out, "bbbbbbbb"),
                         started=started, out=out, run_key="k1")  # fmt: skip
    Manifest(out).append({"source": str(job.path), "status": "ok", "run_key": "other"})
    assert "busy" not in reader[0]  # another key's row: B's to redo (fails to read: no file)
    FrameLocks(out, "bbbbbbbb").release("f0")
    Manifest(out).append({"source": str(job.path), "status": "ok", "run_key": "k1"})
    assert reader[0]["busy"] == "another run, which has finished it"
