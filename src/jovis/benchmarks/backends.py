"""suite=infer backend=onnxruntime: the forward pass of another backend against torch's, and the
runner end to end with it, on the frames of the runner-vs-naive passes.

Forward: the backends' raw forward (normalised batch → logits, no TTA) on the same random batch,
timed in turns (torch fp32, torch at the runner's precision when that differs, the backend), so
that a load change on the shared CPU hits all of them alike; the median of `repeats` each.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from jovis.inference.backends import resolve_backend
from jovis.inference.predictor import Predictor
from jovis.inference.runner import run_inference

FORWARD_FLOOR = 1.3  # the bar: ONNX Runtime's forward ≥ 1.3× torch's on the CPU


def _seconds(fn, x: torch.Tensor) -> float:
    start = time.perf_counter()
    with torch.inference_mode():
        fn(x)
    return time.perf_counter() - start


def compare_forward(
    ckpt: Path, backend: str, size: int, batch: int = 1, repeats: int = 5
) -> dict[str, Any]:
    """Median seconds of each forward at `size`² (batch `batch`), and the speed-ups over torch."""
    kinds = {"torch_fp32": ("torch", "fp32"), "torch_auto": ("torch", "auto"),
             backend: (backend, "fp32")}  # fmt: skip
    predictors = {k: Predictor.from_checkpoint(ckpt, device="cpu", backend=b, precision=p)
                  for k, (b, p) in kinds.items()}  # fmt: skip
    if not predictors["torch_auto"].bf16:  # auto is fp32 here: the same as torch_fp32
        predictors.pop("torch_auto")
    info = predictors["torch_fp32"].info
    gen = torch.Generator().manual_seed(0)
    x = torch.rand((batch, len(info.channels), size, size), generator=gen)
    x = x.contiguous(memory_format=torch.channels_last)
    times: dict[str, list[float]] = {k: [] for k in predictors}
    for p in predictors.values():  # warm-up: first-call allocations, ONNX Runtime's planning
        _seconds(p.forward, x)
    for _ in range(repeats):
        for k, p in predictors.items():
            times[k].append(_seconds(p.forward, x))
    median = {k: round(float(np.median(v)), 4) for k, v in times.items()}
    result: dict[str, Any] = {"size": size, "batch": batch, "repeats": repeats,
                              "median_s": median}  # fmt: skip
    for k in median:
        if k != backend:
            result[f"speedup_vs_{k}"] = round(median[k] / median[backend], 2)
    result["floor"] = FORWARD_FLOOR
    result["meets_floor"] = result["speedup_vs_torch_fp32"] >= FORWARD_FLOOR
    return result


def backend_e2e(ckpt: Path, frames: Path, runs: Path, backend: str, opts: dict) -> dict[str, Any]:
    """The runner end to end (read → write, model load and cached graph included) with
    `backend`, without TTA, on the frames of the plain runner-vs-naive pass."""
    run_inference(ckpt, frames, runs / "warmup-backend", **{**opts, "backend": backend})
    start = time.perf_counter()
    result = run_inference(ckpt, frames, runs / f"runner-{backend}",
                           **{**opts, "backend": backend})  # fmt: skip
    seconds = time.perf_counter() - start
    if result["failed"]:
        raise RuntimeError(f"runner with backend={backend}: {result['failures']}")
    return {"frames": result["ok"], "seconds": round(seconds, 2),
            "fps": round(result["ok"] / seconds, 3)}  # fmt: skip


def run_backend(
    ckpt: Path, backend: str, device: str, size: int, frames: Path, runs: Path, opts: dict,
    plain: dict[str, Any], repeats: int = 5,
) -> dict[str, Any]:  # fmt: skip
    """The forward comparison and the end-to-end figures of `backend` against `plain` (the
    runner-vs-naive pass with torch on the same frames)."""
    name = resolve_backend(backend, torch.device(device), "fp32")
    if name == "torch":
        raise ValueError(f"backend={backend} resolves to torch on {device}: nothing to compare")
    result: dict[str, Any] = {"backend": name}
    result["forward"] = compare_forward(ckpt, name, size, repeats=repeats)
    e2e = backend_e2e(ckpt, frames, runs, name, opts)
    result["e2e"] = {**e2e, "torch_runner_fps": plain["runner_fps"],
                     "naive_fps": plain["naive_fps"],
                     "vs_torch_runner": round(e2e["fps"] / plain["runner_fps"], 2),
                     "vs_naive": round(e2e["fps"] / plain["naive_fps"], 2)}  # fmt: skip
    return result
