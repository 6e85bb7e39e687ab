import time

import pytest
import torch

from jovis.benchmarks.train import TimedBatches, run_train, speedups

TINY = {"size": 64, "steps": 2, "warmup": 1, "batch_size": 2}
TINY |= {"model": "unet_mobilenet_v3_small", "num_workers": 0}


def test_train_suite_times_the_real_trainer_on_the_device_stream():
    result = run_train(device="cpu", **TINY)

    (row,) = result["modes"]
    assert row["mode"] == "fp32_channels_last" and row["channels_last"] is True
    assert (row["steps"], row["frames"]) == (2, 4)
    assert row["fps"] > 0 and row["compute_fps"] >= row["fps"]
    # each step renders its own batch on the training device: timed inside the step
    assert result["loader"].startswith("device stream")
    assert 0 < row["render_total_s"] < row["seconds"] and 0 < row["render_share"] < 1
    assert 0 <= row["data_wait_max_s"] <= row["data_wait_total_s"] < row["seconds"]
    assert result["fps"] == row["fps"] and isinstance(result["data_waited"], bool)
    assert (result["size"], result["batch_size"], result["in_channels"]) == (64, 2, 2)
    assert result["device"].startswith("cpu") and result["torch_threads"] > 0
    assert "peak_memory_gib" not in result and "bf16_speedup" not in result


def test_train_suite_times_a_recipe_with_the_per_frame_loader():
    result = run_train(device="cpu", experiment="tiny", steps=1, warmup=1, on_device=False)

    (row,) = result["modes"]
    assert result["experiment"] == "tiny" and row["fps"] > 0
    assert result["model"] == "unet_mobilenet_v3_small (the recipe's)"
    assert (result["size"], result["batch_size"], result["num_workers"]) == (64, 4, 0)
    # no workers: the frames are rendered while the loop waits for them, and nothing in the step
    assert result["loader"] == "per-frame DataLoader, 0 worker(s)"
    assert 0 < row["data_wait_max_s"] <= row["data_wait_total_s"] < row["seconds"]
    assert row["render_total_s"] == 0


def test_bad_mode_or_size_raises_naming_the_choices():
    with pytest.raises(ValueError, match="valid choices on cpu: fp32_channels_last"):
        run_train(device="cpu", modes=["bf16_channels_last"], **TINY)
    with pytest.raises(ValueError, match="size ≥ 32"):
        run_train(device="cpu", **{**TINY, "size": 16})


def test_timed_batches_records_the_time_blocked_on_each_batch():
    def slow():
        for i in range(3):
            time.sleep(0.02 * i)
            yield i

    class Loader:
        def __iter__(self):
            return slow()

        def __len__(self):
            return 3

    timed = TimedBatches(Loader())
    assert list(timed) == [0, 1, 2] and len(timed) == 3
    waits = [w for _, w in timed.waits]
    assert waits[0] < 0.015 and 0.015 < waits[1] < waits[2]


def test_speedups_are_ratios_of_compute_frames_per_second():
    rows = [{"mode": "fp32_contiguous", "compute_fps": 10.0},
            {"mode": "fp32_channels_last", "compute_fps": 15.0},
            {"mode": "bf16_channels_last", "compute_fps": 30.0}]  # fmt: skip
    assert speedups(rows) == {"channels_last_speedup": 1.5, "bf16_speedup": 2.0}
    assert speedups(rows[1:2]) == {}


@pytest.mark.gpu
def test_cuda_modes_report_peak_memory_and_speedups():
    result = run_train(device="cuda", **TINY)
    assert [r["mode"] for r in result["modes"]] == [
        "fp32_contiguous",
        "fp32_channels_last",
        "bf16_channels_last",
    ]
    assert all(r["peak_memory_gib"] > 0 for r in result["modes"])
    fps = {r["mode"]: r["compute_fps"] for r in result["modes"]}
    assert all(v > 0 for v in fps.values())
    assert result["channels_last_speedup"] == round(
        fps["fp32_channels_last"] / fps["fp32_contiguous"], 3
    )
    assert result["bf16_speedup"] == round(fps["bf16_channels_last"] / fps["fp32_channels_last"], 3)
    assert [r["precision"] for r in result["modes"]] == ["fp32", "fp32", "bf16"]
    assert torch.cuda.max_memory_allocated() > 0


def test_train_suite_times_the_device_stream_with_scene_workers():
    """train.scene_workers: the scenes drawn by a loader process, the rendering still timed."""
    result = run_train(device="cpu", **TINY, scene_workers=1)
    (row,) = result["modes"]
    assert result["scene_workers"] == 1 and "1 scene worker(s)" in result["loader"]
    assert row["fps"] > 0 and 0 < row["render_total_s"] < row["seconds"]
