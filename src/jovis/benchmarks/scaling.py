"""suite=scaling: how the cost grows with the work.

Inference: the runner end to end (read → masks, features, catalogue; overlays on, as `infer`
writes them) at each frame size (tiled above `tile_size` with `tile_overlap`, `resample=off`),
and at one size for each batch size; seconds per frame and per megapixel (so linear growth shows
as a flat column) and peak memory: the process's resident set (sampled) on a CPU,
`torch.cuda.max_memory_allocated` on CUDA. Training: the median step time of the real trainer
at each training size.
"""

from __future__ import annotations

import contextlib
import math
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch

from jovis.benchmarks.infer import default_checkpoint
from jovis.checkpoint import CheckpointInfo, load_checkpoint
from jovis.devices import resolve_device
from jovis.inference.runner import run_inference
from jovis.inference.tiling import DEFAULT_OVERLAP
from jovis.io.json_file import read_jsonl
from jovis.synth import write_frame_set

SIZES = (256, 512, 1024, 2048, 4096)
TRAIN_SIZES = (128, 256, 512)
MODEL = "unet_mobilenet_v3_small"  # CPU-sized: the released detectors' network


class PeakMemory:
    """Peak memory in MiB while open: CUDA's max allocated, else the sampled RSS of this process
    (psutil, every 10 ms): the whole process, so memory it already holds counts too)."""

    def __init__(self, device: str, every_s: float = 0.01) -> None:
        self.cuda, self.every_s, self.peak = device.startswith("cuda"), every_s, 0
        self._stop, self._thread = threading.Event(), None

    def _sample(self) -> None:
        import psutil

        proc = psutil.Process()
        while True:
            self.peak = max(self.peak, proc.memory_info().rss)
            if self._stop.wait(self.every_s):
                return

    def __enter__(self) -> PeakMemory:
        if self.cuda:
            torch.cuda.reset_peak_memory_stats()
        else:
            self._thread = threading.Thread(target=self._sample, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.cuda:
            self.peak = torch.cuda.max_memory_allocated()
        else:
            self._stop.set()
            self._thread.join()

    @property
    def mib(self) -> float:
        return round(self.peak / 2**20, 1)


def infer_row(ckpt: Path, frames: Path, out: Path, size: int, batch: int, opts: dict) -> dict:
    """One runner pass over `frames`: seconds per frame, per megapixel, peak memory; and the
    process's CPU seconds per megapixel (all its threads), which other jobs on a shared machine
    change far less than the wall time."""
    with PeakMemory(opts["device"]) as memory:
        start, cpu = time.perf_counter(), time.process_time()
        result = run_inference(ckpt, frames, out, batch_size=batch, **opts)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    if result["failed"] or not result["ok"]:
        raise RuntimeError(f"scaling at {size}²: {result['failures']}")
    per_frame = seconds / result["ok"]
    return {"size": size, "batch_size": batch, "frames": result["ok"],
            "s_per_frame": round(per_frame, 4),
            "s_per_megapixel": round(per_frame / (size * size / 1e6), 4),
            "cpu_s_per_megapixel": round(cpu / result["ok"] / (size * size / 1e6), 4),
            "peak_mib": memory.mib, "backend": result.get("backend")}  # fmt: skip


def train_rows(device: str, sizes: list[int], model: str, steps: int) -> list[dict[str, Any]]:
    """Median training step time at each size (the trainer's default mode on this device)."""
    from jovis.benchmarks.train import run_train

    rows = []
    for size in sizes:
        with PeakMemory(device) as memory:
            r = run_train(device=device, size=size, steps=steps, warmup=1, model=model,
                          num_workers=0, batch_size=4)  # fmt: skip
        step = r["modes"][-1]["step_s_median"]
        rows.append({"size": size, "batch_size": r["batch_size"], "step_s": step,
                     "s_per_megapixel": round(step / (r["batch_size"] * size * size / 1e6), 4),
                     "peak_mib": memory.mib})  # fmt: skip
    return rows


@contextlib.contextmanager
def _workdir(work: str | Path | None) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="jovis-scaling-") as tmp:
        root = Path(work) if work else Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        yield root


def _fresh(folder: Path) -> Path:
    """`folder`, emptied: a `work` folder kept from an earlier run would have the runner skip
    the frames it finds done there (and time nothing)."""
    shutil.rmtree(folder, ignore_errors=True)
    return folder


def _frame_set(folder: Path, n: int, size: int, info: CheckpointInfo) -> Path:
    """`n` synthetic frames of `size`² in `folder`: kept from an earlier run if it has them."""
    manifest = folder / "manifest.jsonl"
    if not manifest.is_file() or len(read_jsonl(manifest)) != n:
        shutil.rmtree(folder, ignore_errors=True)
        write_frame_set(folder, n=n, size=size, channels=info.channels,
                        instrument=info.instrument, seed=0)  # fmt: skip
    return folder


def run_scaling(
    *,
    device: str = "auto",
    sizes: list[int] | tuple[int, ...] = SIZES,
    batch_sizes: list[int] | tuple[int, ...] = (1, 4, 8),
    batch_size: int = 4,
    batch_at: int = 512,
    frames: int = 2,
    min_megapixels: float = 0.0,
    tile_size: int = 1024,
    tile_overlap: float = DEFAULT_OVERLAP,
    train_sizes: list[int] | tuple[int, ...] = TRAIN_SIZES,
    train_steps: int = 3,
    ckpt: str | Path | None = None,
    model: str = MODEL,
    backend: str = "auto",
    work: str | Path | None = None,
) -> dict[str, Any]:
    """Inference rows per size (batch `batch_size`), per batch size at `batch_at`², and training
    rows per `train_sizes`; `ckpt` null: an untrained `model`. `frames` frames per size, more
    where that is under `min_megapixels` (so each row spreads the runner's fixed cost, model
    load and reader/writer start-up, over similar work)."""
    if not sizes or min(sizes) < 32 or frames < 1 or min(batch_sizes, default=1) < 1:
        raise ValueError(f"need sizes ≥ 32, frames ≥ 1, batch sizes ≥ 1; got {list(sizes)}, "
                         f"{frames}, {list(batch_sizes)}")  # fmt: skip
    if min_megapixels < 0:
        raise ValueError(f"scaling.min_megapixels={min_megapixels}: must be ≥ 0 (0 = off)")
    device = resolve_device(device)
    opts = {"device": device, "tile_size": tile_size, "tile_overlap": tile_overlap,
            "resample": "off", "num_workers": 0, "write_threads": 2, "progress": False,
            "backend": backend}  # fmt: skip
    label = str(ckpt) if ckpt else f"untrained {model} (configs/model/{model}.yaml)"
    with _workdir(work) as root:
        ckpt = Path(ckpt) if ckpt else default_checkpoint(root / "model.pt", model)
        info = load_checkpoint(ckpt)[1]
        runs = [(s, batch_size) for s in sizes]
        runs += [(batch_at, b) for b in batch_sizes if b != batch_size]
        rows = []
        for i, (size, batch) in enumerate(runs):
            n = max(frames, math.ceil(min_megapixels * 1e6 / size**2))
            folder = _frame_set(root / f"frames-{size}", n, size, info)
            if i == 0:  # warm-up: ONNX export/cache, thread pools, first shapes
                warm = _frame_set(root / "frames-warmup", 1, size, info)
                run_inference(ckpt, warm, _fresh(root / "warmup"), batch_size=batch, **opts)
            out = _fresh(root / f"run-{size}-b{batch}")
            rows.append(infer_row(ckpt, folder, out, size, batch, opts))
        training = train_rows(device, list(train_sizes), model, train_steps) if train_sizes else []
    base = next((r for r in rows if r["size"] == batch_at and r["batch_size"] == batch_size),
                rows[0])  # fmt: skip
    for r in rows:
        r["vs_base_per_megapixel"] = round(r["s_per_megapixel"] / base["s_per_megapixel"], 2)
    return {"suite": "scaling", "device": device, "torch_threads": torch.get_num_threads(),
            "model": label, "tile_size": tile_size, "tile_overlap": tile_overlap,
            "base": {"size": base["size"], "batch_size": batch_size},
            "infer": rows, "train": training}  # fmt: skip
