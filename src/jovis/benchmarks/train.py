"""suite=train: training throughput of the real trainer on the synthetic stream.

Each mode runs the real `SegmentationModule` (batch augmentation, forward, loss, backward,
optimiser and schedule step, gradient clipping) in a Lightning Trainer, fed as `train` feeds it
for ``data=synthetic``: the device stream (`build_stream`: each step renders its batch with
`render_batch` on the training device), or with ``on_device=False`` the per-frame loader of
`build_datasets` with its worker processes. The loader is wrapped so that the time the loop spends
blocked on the next batch is recorded (the data wait: the pipeline made the model wait), and so
is the stream's rendering inside each step. On CUDA three modes run in the same process on the same
frames: fp32 contiguous, fp32 channels_last and bf16 autocast channels_last; on a CPU the
trainer's default (fp32 channels_last).
"""

from __future__ import annotations

import logging
import os
import platform
from typing import Any

import lightning as L
import numpy as np
import torch

from jovis.benchmarks.timing import StepClock, TimedBatches, TimedRender, window
from jovis.config import compose_train, to_plain
from jovis.devices import resolve_device
from jovis.models.spec import ModelSpec
from jovis.training.build import build_datamodule, build_module, build_trainer, stream_of
from jovis.training.config import check_train_config

log = logging.getLogger(__name__)
# (name, trainer.precision, channels_last); the first CUDA mode is the speedups' reference
CUDA_MODES = (
    ("fp32_contiguous", "fp32", False),
    ("fp32_channels_last", "fp32", True),
    ("bf16_channels_last", "bf16", True),
)
CPU_MODES = (("fp32_channels_last", "fp32", True),)


def train_loader(cfg: dict[str, Any], cuda: bool) -> tuple[TimedBatches, TimedRender | None]:
    """The training loader `train` uses for `cfg` (the device stream for data=synthetic, else
    the per-frame loader), wrapped to time the waits; and the timed stream, if any."""
    data = build_datamodule(cfg, validate=False)
    stream = stream_of(data)
    timed = None if stream is None else TimedRender(stream, cuda)
    return TimedBatches(data.train_dataloader()), timed


def time_mode(
    cfg: dict[str, Any], mode: tuple[str, str, bool], device: str, warmup: int, steps: int
) -> dict[str, Any]:
    """Train `warmup + steps` steps in one mode; figures over the last `steps`."""
    name, precision, channels_last = mode
    cuda = device.startswith("cuda")
    cfg = {**cfg, "trainer": {**cfg["trainer"], "precision": precision}}
    cfg["trainer"]["max_steps"] = warmup + steps
    batches, render = train_loader(cfg, cuda)
    L.seed_everything(int(cfg["seed"]), workers=True, verbose=False)  # same weights in every mode
    module = build_module(
        cfg, ModelSpec.from_config(cfg), stream=render, channels_last=channels_last
    )
    clock = StepClock(cuda)
    if cuda:
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats(device)
    trainer = build_trainer(cfg, device, None, callbacks=[clock])  # writes no files
    trainer.fit(module, train_dataloaders=batches)
    if len(clock.stamps) != warmup + steps:
        raise RuntimeError(f"{name}: {len(clock.stamps)} steps ran, expected {warmup + steps}")
    start, end = clock.stamps[warmup - 1], clock.stamps[-1]
    # a step waits for the batch fetched just before it ran (Lightning fetches one ahead)
    waits = window(batches.waits, start, end)
    renders = window(render.times, start, end) if render is not None else [0.0]
    seconds, frames = end - start, steps * int(cfg["data"]["batch_size"])
    row: dict[str, Any] = {
        "mode": name,
        "precision": precision,
        "channels_last": channels_last,
        "steps": steps,
        "frames": frames,
        "seconds": round(seconds, 3),
        "fps": round(frames / seconds, 3),
        "step_s_median": round(float(np.median(np.diff(clock.stamps[warmup - 1 :]))), 4),
        "compute_fps": round(frames / max(seconds - sum(waits) - sum(renders), 1e-9), 3),
        "data_wait_total_s": round(sum(waits), 4),
        "data_wait_max_s": round(max(waits), 4),
        "data_wait_share": round(sum(waits) / seconds, 4),
        "render_total_s": round(sum(renders), 4),
        "render_share": round(sum(renders) / seconds, 4),
    }
    if cuda:
        row["peak_memory_gib"] = round(torch.cuda.max_memory_allocated(device) / 2**30, 3)
    return row


def run_train(
    *,
    device: str = "auto",
    size: int | None = None,
    steps: int | None = None,
    warmup: int | None = None,
    batch_size: int | None = None,
    model: str | None = None,
    instrument: str | None = None,
    num_workers: int | None = None,
    modes: list[str] | None = None,
    experiment: str | None = None,
    on_device: bool | None = None,
    scene_workers: int | None = None,
) -> dict[str, Any]:
    """Frames/s, data wait and (CUDA) peak memory of training `model` on synthetic frames.

    Parameters
    ----------
    device : {"auto", "cpu", "cuda"}
    size : int, optional
        Frame side in pixels (frames are size × size); None: the recipe's with `experiment`,
        else 512 on CUDA and 256 on a CPU.
    steps, warmup : int, optional
        Timed steps and untimed steps before them; None: 50 and 10 on CUDA, 6 and 2 on a CPU.
    batch_size : int, optional
        Frames per step; None: the recipe's or configs/data/synthetic.yaml's.
    model, instrument : str, optional
        Names in configs/model/ and configs/instrument/ (the instrument sets the input channels);
        None: the recipe's, else unet_resnet18 (the default model) and jiram.
    num_workers : int, optional
        DataLoader workers; None: the recipe's or the data config's.
    modes : list of str, optional
        Subset of the modes to run (default: all three on CUDA, fp32_channels_last on a CPU).
    experiment : str, optional
        A recipe in configs/experiment/ to time as configured (its model, data, augmentation,
        loss); the arguments above override it.
    on_device : bool, optional
        False: the per-frame DataLoader instead of the device stream; None: the data config's.
    scene_workers : int, optional
        The device stream's scene-drawing loader processes (``data.scene_workers``); None: the
        data config's.

    Returns
    -------
    dict
        Settings, one row per mode (``fps`` end to end; ``compute_fps`` without the data wait
        and the rendering; ``data_wait_total_s``/``max_s``/``share``; ``render_total_s``/
        ``share``; ``peak_memory_gib`` on CUDA) and, on CUDA, ``channels_last_speedup`` and
        ``bf16_speedup`` (compute frames/s ratios).
    """
    device = resolve_device(device)
    cuda = device.startswith("cuda")
    if experiment is None:
        size = size or (512 if cuda else 256)
        model, instrument = model or "unet_resnet18", instrument or "jiram"
    steps = int(steps or (50 if cuda else 6))
    warmup = int(warmup or (10 if cuda else 2))
    if (size is not None and size < 32) or steps < 1 or warmup < 1:
        raise ValueError(f"need size ≥ 32, steps ≥ 1, warmup ≥ 1; got {size}, {steps}, {warmup}")
    all_modes = select_modes(device, modes)
    overrides = train_overrides(
        experiment, model, instrument, size, batch_size, num_workers, on_device
    )
    if scene_workers is not None:
        overrides.append(f"data.scene_workers={int(scene_workers)}")
    cfg = to_plain(compose_train(overrides))  # the one conversion: plain data from here on
    check_train_config(cfg)
    if cfg["data"]["kind"] != "synthetic":
        raise ValueError(f"suite=train times data=synthetic, got data.kind={cfg['data']['kind']!r}")
    rows = []
    for mode in all_modes:
        log.info("timing %s: %d warm-up + %d timed steps", mode[0], warmup, steps)
        rows.append(time_mode(cfg, mode, device, warmup, steps))
    return summarise(cfg, rows, device, experiment, model, warmup)


def select_modes(device: str, modes: list[str] | None) -> tuple:
    """The timing modes of `device` (CUDA: three, CPU: one), cut to `modes` when given."""
    all_modes = CUDA_MODES if device.startswith("cuda") else CPU_MODES
    if modes is None:
        return all_modes
    unknown = sorted(set(modes) - {m[0] for m in all_modes})
    if unknown:
        raise ValueError(
            f"modes={unknown}: valid choices on {device}: {', '.join(m[0] for m in all_modes)}"
        )
    return tuple(m for m in all_modes if m[0] in modes)


def train_overrides(
    experiment: str | None,
    model: str | None,
    instrument: str | None,
    size: int | None,
    batch_size: int | None,
    num_workers: int | None,
    on_device: bool | None,
) -> list[str]:
    """The train-config overrides of run_train's arguments (None: left to the config)."""
    overrides = [f"experiment={experiment}"] if experiment else []
    overrides += [f"model={model}"] if model else []
    overrides += [f"instrument={instrument}"] if instrument else []
    overrides += [f"data.size={int(size)}"] if size else []
    if batch_size is not None:
        overrides.append(f"data.batch_size={int(batch_size)}")
    if num_workers is not None:
        overrides.append(f"data.num_workers={int(num_workers)}")
    if on_device is not None:
        overrides.append(f"++data.on_device={str(bool(on_device)).lower()}")
    return overrides


def summarise(
    cfg: dict[str, Any],
    rows: list[dict[str, Any]],
    device: str,
    experiment: str | None,
    model: str | None,
    warmup: int,
) -> dict[str, Any]:
    """run_train's result: the settings, the rows, the default mode's figures and the speedups."""
    cuda = device.startswith("cuda")
    mcfg, data = cfg["model"], cfg["data"]
    result: dict[str, Any] = {
        "device": torch.cuda.get_device_name(device)
        if cuda
        else f"cpu ({platform.machine()}, {os.cpu_count()} cores)",
        "torch_threads": torch.get_num_threads(),
        "experiment": experiment,
        "model": model or f"{mcfg['arch']}_{mcfg['encoder']} (the recipe's)",
        "decoder_width": float(mcfg.get("decoder_width", 1.0)),
        "instrument": cfg["instrument"]["name"],
        "in_channels": len(cfg["instrument"]["channels"]),
        "size": int(data["size"]),
        "batch_size": int(data["batch_size"]),
        "loader": "device stream (render_batch inside each step, "
        f"{int(data.get('scene_workers', 0))} scene worker(s))"
        if data.get("on_device", True)
        else f"per-frame DataLoader, {int(data['num_workers'])} worker(s)",
        "num_workers": int(data["num_workers"]),
        "scene_workers": int(data.get("scene_workers", 0)),
        "warmup_steps": warmup,
        "modes": rows,
    }
    default = rows[-1]  # the mode scripts/train.py uses on this device
    summary = ("fps", "compute_fps", "data_wait_share", "data_wait_max_s", "render_share")
    for key in (*summary, "peak_memory_gib"):
        if key in default:
            result[key] = default[key]
    result["data_waited"] = any(r["data_wait_share"] > 0.05 for r in rows)
    result.update(speedups(rows))
    return result


def speedups(rows: list[dict[str, Any]]) -> dict[str, float]:
    """channels_last (fp32) and bf16 (channels_last) speedups, as ratios of compute frames/s of
    the modes present in `rows` (compute frames/s: the data pipeline's wait left out)."""
    fps = {r["mode"]: r["compute_fps"] for r in rows}
    pairs = {
        "channels_last_speedup": ("fp32_channels_last", "fp32_contiguous"),
        "bf16_speedup": ("bf16_channels_last", "fp32_channels_last"),
    }
    return {k: round(fps[a] / fps[b], 3) for k, (a, b) in pairs.items() if a in fps and b in fps}
