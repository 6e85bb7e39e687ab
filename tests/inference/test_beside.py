"""A frame's stages overlapped on the writer's threads (overlay picture while it is predicted,
tiles blended beside the forward, mask PNG and probabilities beside the overlay): the same
output bytes as without, and a stage's failure fails that frame alone, by name, leaving no
GeoJSON (the mark of a complete frame) and no temporaries."""

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from jovis.inference import outputs, runner, writing
from jovis.inference.beside import Beside
from jovis.inference.runner import run_inference
from jovis.io.atomic import leftover_temporaries

KINDS = ("masks", "overlays", "features", "probs")


def _frames(folder: Path) -> Path:
    """Two whole 64 px frames and one 150×100 frame (three tiles at tile_size=64), with NaNs."""
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for name, (h, w) in {"a": (64, 64), "big": (150, 100), "c": (64, 64)}.items():
        image = rng.gamma(2.0, 50.0, (h, w, 2)).astype(np.float32)
        image[:6, :20] = np.nan
        np.save(folder / f"{name}.npy", image)
    return folder


def _run(ckpt, src, out, **kw):
    return run_inference(ckpt, src, out, device="cpu", backend="torch", precision="fp32",
                         tile_size=64, batch_size=2, save_probs=True, progress=False,
                         resample="off", **kw)  # fmt: skip


def _outputs(out: Path) -> dict[str, bytes]:
    return {f"{k}/{p.name}": p.read_bytes() for k in KINDS for p in sorted((out / k).glob("*"))}


def _rows(out: Path) -> dict[str, dict]:
    lines = (out / "manifest.jsonl").read_text().splitlines()
    return {Path(r["source"]).stem: r for r in map(json.loads, lines)}


@pytest.fixture(scope="module")
def src(tmp_path_factory):
    return _frames(tmp_path_factory.mktemp("overlap") / "in")


def test_outputs_are_the_same_bytes_with_and_without_the_overlap(
    tiny_run, src, tmp_path, monkeypatch
):
    ckpt = tiny_run["checkpoint"]
    overlapped = {t: _run(ckpt, src, tmp_path / f"on{t}", write_threads=t) for t in (1, 2)}
    # no overlap: no pool for the blending or the side jobs, no picture made early
    batches = runner.predict_batches
    monkeypatch.setattr(runner, "predict_batches", lambda p, it, b, pool=None: batches(p, it, b))
    monkeypatch.setattr(writing.OutputWriter, "begin", lambda self, job, frame: None)
    write = outputs.write_frame_outputs
    monkeypatch.setattr(writing, "write_frame_outputs", lambda *a: write(*a[:7]))
    serial = _run(ckpt, src, tmp_path / "off", write_threads=2)
    for result in (*overlapped.values(), serial):
        assert (result["ok"], result["failed"]) == (3, 0)
    want = _outputs(tmp_path / "off")
    assert len(want) == 12
    for t in (1, 2):
        assert _outputs(tmp_path / f"on{t}") == want
        csv = (tmp_path / f"on{t}" / "catalog.csv").read_bytes()
        assert csv == (tmp_path / "off" / "catalog.csv").read_bytes()


def _fails_for_big(fn):
    def wrapped(*args, **kwargs):
        if any(getattr(a, "shape", (0,))[:2] == (150, 100) for a in args):
            raise RuntimeError("stage broke")
        return fn(*args, **kwargs)

    return wrapped


@pytest.mark.parametrize("stage", ["picture", "mask_png", "overlay"])
def test_a_failing_stage_fails_its_frame_by_name_and_leaves_no_geojson(
    tiny_run, src, tmp_path, monkeypatch, stage
):
    if stage == "picture":  # made on a write thread while the frame is predicted
        monkeypatch.setattr(writing, "display_image", _fails_for_big(writing.display_image))
    elif stage == "mask_png":  # written beside the overlay
        monkeypatch.setattr(outputs, "write_mask_png", _fails_for_big(outputs.write_mask_png))
    else:  # drawn while the mask PNG and probabilities are written beside it
        monkeypatch.setattr(outputs, "render_overlay", _fails_for_big(outputs.render_overlay))
    out = tmp_path / "out"
    result = _run(tiny_run["checkpoint"], src, out, write_threads=2)
    assert (result["ok"], result["failed"]) == (2, 1)
    assert [Path(f["source"]).name for f in result["failures"]] == ["big.npy"]
    rows = _rows(out)
    assert rows["big"]["status"] == "failed"
    assert rows["big"]["error"] == "RuntimeError: stage broke"
    assert not (out / "features" / "big.geojson").exists()
    assert {p.stem for p in (out / "features").glob("*")} == {"a", "c"}
    assert leftover_temporaries(out) == []
    # a rerun does the failed frame again (its record is not ok) and completes it
    monkeypatch.undo()
    again = _run(tiny_run["checkpoint"], src, out, write_threads=2)
    assert (again["ok"], again["skipped"]) == (3, 2)


def test_a_job_beside_runs_in_the_caller_when_every_thread_is_busy():
    """Each of a pool's threads may start a job on the same pool and wait for it: a job no
    thread has started is taken back and run by the caller (no deadlock), and only once."""
    runs = []

    def job(i):
        runs.append(i)
        return i * 10

    def task(pool, i):
        return Beside(pool, job, i).join()

    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(task, pool, 1).result(timeout=10) == 10
    with ThreadPoolExecutor(2) as pool:
        results = [pool.submit(task, pool, i) for i in range(8)]
        assert [f.result(timeout=10) for f in results] == [i * 10 for i in range(8)]
    assert sorted(runs) == sorted([1, *range(8)])  # each job once
    assert Beside(None, job, 3).join() == 30
