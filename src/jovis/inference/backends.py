"""The forward pass of inference, behind one interface: PyTorch, or ONNX Runtime on the CPU.

Everything around it (tiling, TTA, blending, resampling, the visible-classes logit mask, the
outputs) is the predictor's and the runner's; a backend maps a normalised batch (B, C, H, W)
to float32 logits (B, K, H, W) on the predictor's device.

The ONNX graph is exported once per checkpoint (`jovis.export`, verified against PyTorch) and
cached in the user's cache folder (``$JOVIS_CACHE``, else ``$XDG_CACHE_HOME/jovis``, else
``~/.cache/jovis``), keyed by the checkpoint's sha256 and what changes the graph (channel count,
fp32): released models sit in the read-only package, so nothing is written beside a checkpoint.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import torch
from torch import nn

from jovis.io.digest import file_sha256
from jovis.paths import CACHE_ENV, cache_dir

BACKENDS = ("auto", "torch", "onnxruntime")
ORT_FIX = "pip install onnxruntime (or pip install 'jovis[export]'), or use backend=torch"
log = logging.getLogger(__name__)


def check_backend(backend: str) -> None:
    """ValueError naming the valid choices, for a backend name that is not one."""
    if backend not in BACKENDS:
        raise ValueError(f"backend={backend!r}: valid choices are {', '.join(BACKENDS)}")


def onnxruntime_available() -> bool:
    return importlib.util.find_spec("onnxruntime") is not None


def resolve_backend(
    backend: str, device: torch.device, precision: str = "fp32", compile: bool = False
) -> str:
    """'torch' or 'onnxruntime'. auto: ONNX Runtime on a CPU when it is installed, the
    precision is not bf16 (it runs fp32 only; measured 1.3–2× torch's fp32 forward on 2 cores,
    see README) and `compile` (torch.compile, which only torch runs) is off; torch on CUDA. An
    explicit onnxruntime that cannot run what was asked raises, naming the fix."""
    check_backend(backend)
    if backend == "auto":
        cpu_fp32 = device.type == "cpu" and precision != "bf16" and not compile
        return "onnxruntime" if cpu_fp32 and onnxruntime_available() else "torch"
    if backend == "onnxruntime":
        if compile:  # (it was ignored: the ONNX graph ran and nothing said so)
            raise ValueError("compile=true compiles the PyTorch network; ONNX Runtime runs its "
                             "own graph: use backend=torch, or compile=false")  # fmt: skip
        if device.type != "cpu":
            raise ValueError(
                f"backend=onnxruntime runs on the CPU, not {device}; use device=cpu or "
                "backend=torch"
            )
        if precision == "bf16":
            raise ValueError("backend=onnxruntime runs in fp32; use precision=fp32|auto or "
                             "backend=torch for bf16")  # fmt: skip
        if not onnxruntime_available():
            raise ModuleNotFoundError(f"backend=onnxruntime needs the onnxruntime package: "
                                      f"{ORT_FIX}")  # fmt: skip
    return backend


class TorchForward:
    """The network in PyTorch (channels_last; bf16 autocast when asked)."""

    name = "torch"

    def __init__(self, model: nn.Module, device: torch.device, bf16: bool) -> None:
        self.model, self.device, self.bf16 = model, device, bf16

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        autocast = (
            torch.autocast(self.device.type, dtype=torch.bfloat16)
            if self.bf16
            else contextlib.nullcontext()
        )
        with autocast:
            return self.model(x).float()


class OnnxForward:
    """The exported graph in an ONNX Runtime CPU session (fp32, as many threads as torch)."""

    name = "onnxruntime"

    def __init__(self, path: Path, threads: int | None = None, exported: bool = False) -> None:
        import onnxruntime as ort

        from jovis.export import INPUT, OUTPUT

        options = ort.SessionOptions()
        options.intra_op_num_threads = int(threads or torch.get_num_threads())
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        # no busy-waiting between ops: spinning threads starve the runner's reader and writers
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.path, self.input, self.output = Path(path), INPUT, OUTPUT
        self.exported = exported  # whether this session's graph was exported (not from the cache)
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        array = np.ascontiguousarray(x.detach().cpu().float().numpy())
        return torch.from_numpy(self.session.run([self.output], {self.input: array})[0])


def onnx_graph(ckpt: str | Path, channels: int) -> tuple[Path, bool]:
    """(the cached ONNX graph of `ckpt`, whether it was exported now). Exported into a temporary
    folder of the cache and renamed into place, so a killed export leaves no partial graph."""
    from jovis.export import export_checkpoint

    ckpt = Path(ckpt)
    if not ckpt.is_file():
        raise FileNotFoundError(f"backend=onnxruntime: checkpoint {ckpt} not found")
    folder = cache_dir() / "onnx"
    path = folder / f"{file_sha256(ckpt)[:32]}-c{channels}-fp32.onnx"
    if path.is_file():
        return path, False
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise OSError(f"cannot create the ONNX cache {folder} ({err}); set {CACHE_ENV} to a "
                      "writable folder or use backend=torch") from err  # fmt: skip
    tmp = Path(tempfile.mkdtemp(prefix=".export-", dir=folder))
    try:
        log.info("exporting %s to ONNX (once; cached in %s)", ckpt, folder)
        result = export_checkpoint(ckpt, "onnx", tmp, legacy_first=True)
        os.replace(result["file"], path)
        os.replace(result["sidecar"], path.with_name(path.name + ".json"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return path, True


def make_forward(
    backend: str,
    model: nn.Module,
    device: torch.device,
    bf16: bool,
    ckpt: str | Path | None,
    channels: int,
) -> TorchForward | OnnxForward:
    """The forward of a resolved backend name ('torch' or 'onnxruntime')."""
    if backend == "torch":
        return TorchForward(model, device, bf16)
    if ckpt is None:
        raise ValueError("backend=onnxruntime needs the checkpoint file it exports "
                         "(Predictor.from_checkpoint(path, backend=...))")  # fmt: skip
    path, exported = onnx_graph(ckpt, channels)
    return OnnxForward(path, exported=exported)
