"""suite=infer: frames/s of the jovis runner against a naive loop, on the same frames.

Both read, predict and write the same frames with the same checkpoint and write the same per-frame
outputs; the naive loop does it one frame at a time, in fp32, without workers or write threads.
Each is timed end to end (read → write, model load included) and model-only (prepared inputs
already in memory), without and with 8-fold TTA (the TTA pass uses fewer frames: it is 8× work).
"""

from __future__ import annotations

import contextlib
import copy
import logging
import os
import platform
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from omegaconf import OmegaConf

from jovis.benchmarks.backends import run_backend
from jovis.benchmarks.runner_profile import stage_medians, time_steps
from jovis.checkpoint import load_checkpoint, save_checkpoint
from jovis.config import CONFIG_DIR, check_at_least
from jovis.data.normalise import DEFAULT_NORMALISATION
from jovis.devices import resolve_device
from jovis.inference.backends import check_backend
from jovis.inference.inputs import frame_set_rows, list_inputs, unique_ids
from jovis.inference.outputs import output_paths, write_catalog, write_frame_outputs
from jovis.inference.predictor import Predictor, dihedral_mean
from jovis.inference.prepare import ScaledInput
from jovis.inference.reading import FrameReader, Job
from jovis.inference.runner import run_inference
from jovis.io import read_frame
from jovis.models import ModelSpec
from jovis.synth import write_frame_set
from jovis.synth.frameset import default_schema

log = logging.getLogger(__name__)
SUMMARY_KEYS = ("runner_fps", "naive_fps", "ratio")
SUMMARY_KEYS += ("runner_model_fps", "naive_model_fps", "model_ratio")
CPU_FLOOR = 1.5  # the bar: runner ≥ 1.5× the naive loop end to end on the 2-core CPU


def default_checkpoint(path: Path, model: str = "unet_resnet18", seed: int = 0) -> Path:
    """An untrained checkpoint of configs/model/<model>.yaml for jiram [L, M] (speed only)."""
    mcfg = OmegaConf.load(CONFIG_DIR / "model" / f"{model}.yaml")
    schema = default_schema()
    spec = ModelSpec(mcfg.arch, mcfg.encoder, 2, schema.num_classes,
                     float(mcfg.decoder_width), float(mcfg.encoder_width))  # fmt: skip
    torch.manual_seed(seed)
    config = {"model": OmegaConf.to_container(mcfg), "note": f"untrained {model}, for timing"}
    return save_checkpoint(path, spec.build(), spec=spec, labels=schema,
                           channels=["L", "M"], instrument="jiram",
                           normalisation=DEFAULT_NORMALISATION,
                           config=config)  # fmt: skip


def auto_workers(device: str) -> tuple[int, int]:
    """(reader workers, write threads): 1 and 2 on a CPU run; more where a GPU does the maths."""
    cores = os.cpu_count() or 2
    if device.startswith("cuda"):
        return max(1, min(4, cores // 4)), max(2, min(8, cores // 2))
    return 1, 2


def naive_probs(model: torch.nn.Module, x: torch.Tensor, tta: bool) -> torch.Tensor:
    """fp32 probabilities of ONE frame (1, C, H, W); TTA = the 8 views one after another."""
    with torch.no_grad():
        return dihedral_mean(lambda v: model(v).softmax(dim=1), x, tta).cpu()


def naive_loop(ckpt: Path, frames: Path, out: Path, device: str, tta: bool) -> int:
    """Read → prepare → forward → write, one frame at a time, synchronously; returns frames done."""
    model, info = load_checkpoint(ckpt, device)  # fp32, contiguous, eval
    paths = list_inputs(frames)
    ids = unique_ids(paths)
    jobs = [Job(p, i, output_paths(out, i, False)) for p, i in zip(paths, ids, strict=True)]
    reader = FrameReader(jobs, info, frame_set_rows(frames), None)  # the runner's reading
    properties = {"checkpoint": str(ckpt), "instrument": info.instrument}
    written = []
    for index, job in enumerate(jobs):
        item = reader[index]
        if "error" in item:
            continue
        frame = item["frame"]
        prepared = item["input"]  # the reader's output: an array, or a frame resampled to scale
        scaled = isinstance(prepared, ScaledInput)
        x = torch.from_numpy(prepared.array if scaled else prepared)[None].to(device)
        probs = naive_probs(model, x, tta)[0].numpy()
        probs = prepared.restore(probs) if scaled else probs
        write_frame_outputs(frame, job.id, probs, info.labels, job.outputs, properties)
        written.append(job.outputs["features"])
    write_catalog(out / "catalog.csv", written)
    return len(written)


def _timed(fn: Callable[[], Any], device: str) -> tuple[float, Any]:
    """(wall seconds, value) of fn(), with the GPU's queue drained before and after."""
    sync = torch.cuda.synchronize if device.startswith("cuda") else lambda: None
    sync()
    start = time.perf_counter()
    value = fn()
    sync()
    return time.perf_counter() - start, value


class GpuSampler:
    """Samples NVML utilisation (share of time a kernel ran; needs pynvml) while open."""

    def __init__(self, device: str, every_s: float = 0.05) -> None:
        self.device, self.every_s, self.samples = device, every_s, []
        self._stop, self._thread = threading.Event(), None

    def _loop(self) -> None:
        while not self._stop.wait(self.every_s):
            self.samples.append(torch.cuda.utilization(self.device))

    def __enter__(self) -> GpuSampler:
        if self.device.startswith("cuda"):
            with contextlib.suppress(Exception):  # no pynvml: the derived estimate stands
                torch.cuda.utilization(self.device)
                self._thread = threading.Thread(target=self._loop, daemon=True)
                self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def idle_share(self) -> float:
        return round(1 - float(np.mean(self.samples)) / 100, 3)


def bench_pass(ckpt: Path, frames: Path, runs: Path, tta: bool, opts: dict) -> dict[str, Any]:
    """Runner vs naive, end to end and model-only, over the frame set `frames`.

    `opts`: run_inference's keywords (device, batch_size, tile_size, workers, write threads).
    """
    device, bs, n = opts["device"], opts["batch_size"], len(list_inputs(frames))
    tag = "tta" if tta else "plain"
    model, info = load_checkpoint(ckpt, device)  # fp32, contiguous: the naive loop's
    predictor = Predictor(
        copy.deepcopy(model), info, device=device, tta=tta, tile_size=opts["tile_size"],
        batch_size=bs,
    )  # fmt: skip
    inputs = [
        predictor.prepare(read_frame(p, instrument=info.instrument, channels=info.channels))
        for p in list_inputs(frames)
    ]
    naive_probs(model, torch.from_numpy(inputs[0])[None].to(device), tta)  # warm-up
    log.info("model only: runner, then naive loop (%d frames, tta=%s)", n, tta)
    model_s = {
        "runner": _timed(
            lambda: [predictor.predict_frames(inputs[i : i + bs]) for i in range(0, n, bs)],
            device,
        )[0],
        "naive": _timed(
            lambda: [naive_probs(model, torch.from_numpy(x)[None].to(device), tta) for x in inputs],
            device,
        )[0],
    }
    log.info("end to end: runner, then naive loop")
    with GpuSampler(device) as sampler:
        runner_s, result = _timed(
            lambda: run_inference(ckpt, frames, runs / f"runner-{tag}", tta=tta, **opts), device
        )
    if result["ok"] != n:
        raise RuntimeError(f"runner: {result['ok']}/{n} frames ok; {result['failures']}")
    naive_s, _ = _timed(
        lambda: naive_loop(ckpt, frames, runs / f"naive-{tag}", device, tta), device
    )
    e2e_s = {"runner": runner_s, "naive": naive_s}
    row: dict[str, Any] = {"tta": tta, "frames": n}
    for who in ("runner", "naive"):
        row[f"{who}_fps"] = round(n / e2e_s[who], 3)
        row[f"{who}_model_fps"] = round(n / model_s[who], 3)
        row[f"{who}_seconds"] = round(e2e_s[who], 2)
        if device.startswith("cuda"):  # GPU busy ≈ the model-only time of the same frames
            row[f"{who}_gpu_idle_share"] = round(max(0.0, 1 - model_s[who] / e2e_s[who]), 3)
    row["runner_stage_median_s"] = stage_medians(runs / f"runner-{tag}")
    row["ratio"] = round(row["runner_fps"] / row["naive_fps"], 2)
    row["model_ratio"] = round(row["runner_model_fps"] / row["naive_model_fps"], 2)
    if sampler.samples:
        row["runner_gpu_idle_share_nvml"] = sampler.idle_share()
    return row


def profile_pass(ckpt: Path, frames: Path, dest: Path, opts: dict) -> dict[str, Any]:
    """One runner pass over `frames` into `dest` with its steps timed: wall seconds, the
    manifest's per-stage medians and each step's calls and seconds over all threads."""
    start = time.perf_counter()
    result, steps = time_steps(lambda: run_inference(ckpt, frames, dest, **opts))
    seconds = time.perf_counter() - start
    return {"frames": result["ok"], "seconds": round(seconds, 2),
            "frames_per_s": round(result["ok"] / seconds, 2),
            "write_threads": opts["write_threads"], "num_workers": opts["num_workers"],
            "stage_median_s": stage_medians(dest), "steps": steps}  # fmt: skip


def run_infer(
    *,
    device: str = "auto",
    size: int = 512,
    frames: int | None = None,
    tta_frames: int | None = None,
    ckpt: str | None = None,
    batch_size: int = 8,
    tile_size: int = 1024,
    num_workers: int | None = None,
    write_threads: int | None = None,
    work: str | Path | None = None,
    backend: str = "torch",
    profile: bool = False,
) -> dict[str, Any]:
    """Runner vs naive loop at `size`², without TTA on `frames` and with TTA on `tta_frames`.

    With `profile`, one more runner pass over `frames` (no TTA) times each step of its threads
    (`jovis.benchmarks.runner_profile`) under ``result["profile"]``.

    The runner runs torch's forward; `backend` onnxruntime (or auto, on a CPU) adds its forward
    pass against torch's and its runner end to end on the same frames
    (`jovis.benchmarks.backends`) under ``result["backend"]``.

    `frames` defaults to 32 on a CPU and 512 on CUDA, `tta_frames` to frames // 4 (at least 1);
    `ckpt` defaults to an untrained configs/model/unet_resnet18.yaml. Frames, checkpoint and
    outputs go under `work` (kept) or a temporary folder (removed).
    """
    device = resolve_device(device)
    cuda = device.startswith("cuda")
    # null takes the default; 0 or a word is a wrong value, named (0 ran as the default)
    frames = (512 if cuda else 32) if frames is None else frames
    check_at_least("frames", frames, 1, "frames timed without TTA")
    tta_frames = max(1, frames // 4) if tta_frames is None else tta_frames
    check_at_least("tta_frames", tta_frames, 1, "frames timed with TTA")
    check_at_least("size", size, 32, "frame side in pixels")
    check_at_least("batch_size", batch_size, 1, "frames per forward pass")
    auto = auto_workers(device)
    opts = {"device": device, "batch_size": batch_size, "tile_size": tile_size,
            "num_workers": auto[0] if num_workers is None else int(num_workers),
            "write_threads": auto[1] if write_threads is None else int(write_threads),
            "progress": False, "backend": "torch"}  # fmt: skip
    check_backend(backend)
    with tempfile.TemporaryDirectory(prefix="jovis-bench-") as tmp:
        root = Path(work) if work else Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        ckpt_path = Path(ckpt) if ckpt else default_checkpoint(root / "model.pt")
        info = load_checkpoint(ckpt_path)[1]
        synth = dict(size=size, channels=info.channels, instrument=info.instrument, seed=0)
        write_frame_set(root / "frames", n=frames, **synth)
        write_frame_set(root / "frames-tta", n=tta_frames, **synth)  # same seeds: same frames
        runs = root / "runs"
        shutil.rmtree(runs, ignore_errors=True)  # fresh: the runner would resume finished runs
        warm = runs / "warmup"  # once: lazy init, thread pools, CUDA context, first shapes
        warm.mkdir(parents=True)
        paths = list_inputs(root / "frames")[: batch_size if cuda else 1]
        (warm / "inputs.txt").write_text("\n".join(map(str, paths)))
        run_inference(ckpt_path, warm / "inputs.txt", warm / "out", **opts)
        passes = []
        for tta, folder in ((False, "frames"), (True, "frames-tta")):
            passes.append(bench_pass(ckpt_path, root / folder, runs, tta, opts))
        if profile:
            steps = profile_pass(ckpt_path, root / "frames", runs / "runner-profile", opts)
        if backend != "torch":
            other = run_backend(ckpt_path, backend, device, size, root / "frames", runs, opts,
                                passes[0])  # fmt: skip
    plain = passes[0]
    cpu = f"cpu: {platform.processor() or platform.machine()}, {os.cpu_count()} cores"
    result: dict[str, Any] = {
        "suite": "infer",
        "device": torch.cuda.get_device_name(device) if cuda else cpu,
        "torch_threads": torch.get_num_threads(),
        "size": size,
        "model": ckpt or "untrained unet_resnet18 (configs/model/unet_resnet18.yaml)",
        **{k: opts[k] for k in ("batch_size", "num_workers", "write_threads")},
        **{k: plain[k] for k in SUMMARY_KEYS},
        "tta_ratio": passes[1]["ratio"],
        "passes": passes,
    }
    if backend != "torch":
        result["backend"] = other
    if profile:
        result["profile"] = steps
    if cuda:
        result["runner_gpu_idle_share"] = plain["runner_gpu_idle_share"]
    else:
        result.update(floor=CPU_FLOOR, meets_floor=plain["ratio"] >= CPU_FLOOR)
    return result
