"""suite=scaling at test sizes: rows per size and batch, per-megapixel times, peak memory."""

import json
import subprocess
import sys

import pytest
from tests.conftest import REPO

from jovis.benchmarks.scaling import PeakMemory, run_scaling


def test_scaling_rows_per_size_and_batch_with_time_per_megapixel(tmp_path):
    result = run_scaling(device="cpu", sizes=[64, 128], batch_sizes=[1], batch_size=2,
                         batch_at=64, frames=1, tile_size=64, train_sizes=[64], train_steps=1,
                         work=tmp_path)  # fmt: skip
    rows = {(r["size"], r["batch_size"]): r for r in result["infer"]}
    assert sorted(rows) == [(64, 1), (64, 2), (128, 2)]  # 128 px is tiled (tile_size 64)
    for (size, _), r in rows.items():
        assert r["s_per_frame"] > 0 and r["peak_mib"] > 50  # the RSS of a torch process
        assert r["cpu_s_per_megapixel"] > 0
        assert r["s_per_megapixel"] == pytest.approx(r["s_per_frame"] / (size**2 / 1e6), rel=0.01)
        assert r["backend"] == "onnxruntime"  # auto on a CPU
    assert rows[(64, 2)]["vs_base_per_megapixel"] == 1.0
    (train,) = result["train"]
    assert train["size"] == 64 and train["step_s"] > 0 and train["s_per_megapixel"] > 0
    assert (tmp_path / "run-128-b2" / "manifest.jsonl").is_file()
    with pytest.raises(ValueError, match="sizes ≥ 32"):
        run_scaling(device="cpu", sizes=[16], work=tmp_path / "bad")
    assert not (tmp_path / "bad").exists()


def test_small_sizes_get_frames_up_to_min_megapixels_and_a_kept_work_folder_is_retimed(
    tmp_path,
):
    kw = {"device": "cpu", "sizes": [64, 128], "batch_sizes": [], "batch_size": 4, "frames": 1,
          "min_megapixels": 0.03, "tile_size": 64, "tile_overlap": 0.5, "train_sizes": [],
          "work": tmp_path}  # fmt: skip
    first = run_scaling(**kw)
    assert [(r["size"], r["frames"]) for r in first["infer"]] == [(64, 8), (128, 2)]
    assert first["tile_overlap"] == 0.5
    # the same work folder again: its run folders are emptied, so every frame is predicted
    # again (kept outputs would be skipped and the row would time nothing)
    again = run_scaling(**kw)
    assert [r["frames"] for r in again["infer"]] == [8, 2]
    with pytest.raises(ValueError, match="min_megapixels"):
        run_scaling(**{**kw, "min_megapixels": -1})


def test_peak_memory_sees_an_allocation():
    import numpy as np

    with PeakMemory("cpu", every_s=0.001) as small:
        pass
    with PeakMemory("cpu", every_s=0.001) as big:
        block = np.ones(256 * 2**20 // 8)  # 256 MiB, touched: more than a busy heap keeps free
        block[::512] += 1
        import time

        time.sleep(0.05)
        del block
    assert big.mib >= small.mib + 40


def test_benchmark_app_runs_the_scaling_suite(tmp_path):
    proc = subprocess.run(
        [sys.executable, "scripts/benchmark.py", "suite=scaling", "device=cpu",
         f"out={tmp_path}", "scaling.sizes=[64]", "scaling.batch_sizes=[]", "scaling.frames=1",
         "scaling.batch_at=64", "scaling.tile_size=64", "scaling.train_sizes=[]"],
        cwd=REPO, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = json.loads(proc.stdout.strip().splitlines()[-1])
    assert list(line["infer"]) == ["64-b4"] and line["train"] == {}
    saved = json.loads((tmp_path / "scaling.json").read_text())
    assert line["plot"] == str(tmp_path / "scaling.png") and (tmp_path / "scaling.png").is_file()
    assert saved["infer"][0]["size"] == 64 and "s/MP" in proc.stdout


def test_scaling_plot_draws_both_series(tmp_path):
    import cv2

    from jovis.benchmarks.scaling_plot import plot_scaling

    result = {"base": {"batch_size": 4},
              "infer": [{"size": s, "batch_size": 4, "s_per_megapixel": v}
                        for s, v in ((256, 1.0), (512, 0.8), (1024, 1.2))]
              + [{"size": 512, "batch_size": 1, "s_per_megapixel": 9.0}],
              "train": [{"size": 128, "s_per_megapixel": 3.0}]}  # fmt: skip
    img = cv2.imread(str(plot_scaling(result, tmp_path / "p.png")))
    assert img.shape == (300, 520, 3)
    blue = (img[..., 0] > 150) & (img[..., 2] < 80)  # the inference line, BGR (200, 90, 30)
    green = (img[..., 1] > 120) & (img[..., 0] < 80) & (img[..., 2] < 80)
    assert blue.sum() > 100 and green.sum() > 20
    with pytest.raises(ValueError, match="no rows"):
        plot_scaling({"base": {"batch_size": 1}, "infer": [], "train": []}, tmp_path / "q.png")
