"""Export a checkpoint's network to ONNX or TorchScript, verified against PyTorch.

The graph maps the normalised image (B, C, H, W) float32, any batch, height and width, to logits
(B, num_classes, H, W); a JSON sidecar carries the checkpoint's `jovis` block (channels,
normalisation, label schema) so that the file alone says how to feed it.
"""

from __future__ import annotations

import contextlib
import logging
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from jovis import visibility
from jovis.checkpoint import CheckpointInfo, load_checkpoint
from jovis.config import check_at_least
from jovis.io.atomic import atomic_path, write_json
from jovis.models.unet import STRIDE

log = logging.getLogger(__name__)

FORMATS = ("onnx", "torchscript")
SUFFIX = {"onnx": ".onnx", "torchscript": ".pt"}
TOLERANCE = 1e-3
MIN_OPSET, DYNAMO_MIN_OPSET = 17, 18  # torch's dynamo exporter has no opset-17 implementations
INPUT, OUTPUT = "image", "logits"
DYNAMIC_AXES = {0: "batch", 2: "height", 3: "width"}
# Verification sizes: one a multiple of the stride, one not, both unlike the example.
CHECK_SHAPES = ((2, 96, 160), (1, 75, 50))
_LEGACY = r"You are using the legacy TorchScript-based ONNX export|The feature will be removed"


class ExportMismatchError(RuntimeError):
    """The exported network disagrees with PyTorch by more than `TOLERANCE` (times the logits'
    scale when they exceed 1)."""


def export_checkpoint(
    ckpt: str | Path,
    fmt: str,
    out: str | Path,
    *,
    opset: int = 17,
    example_size: int = 128,
    legacy_first: bool = False,
) -> dict[str, Any]:
    """Export the network of `ckpt` to `out/<run name>.onnx` or `.pt`, plus a `.json` sidecar.

    Parameters
    ----------
    ckpt : str or Path
        Self-describing checkpoint (`model.pt` of a training run); the run folder names the file.
    fmt : str
        'onnx' (dynamic batch, height and width) or 'torchscript' (traced).
    out : str or Path
        Output folder; created if missing. Files are written atomically.
    opset : int
        Lowest ONNX opset wanted (≥ 17); the dynamo exporter writes at least opset 18.
    example_size : int
        Side of the tracing example (moved off a multiple of 32, see below).
    legacy_first : bool
        ONNX: try the TorchScript-based exporter before the dynamo one (seconds instead of
        tens of seconds on a CPU; the inference backend's cache uses it).

    Returns
    -------
    dict
        out, file, sidecar, format, opset (ONNX only), exporter, max_abs_diff (vs PyTorch on
        random inputs unlike the example, one a multiple of 32 and one not), seconds.

    Raises
    ------
    ValueError
        For an unknown format or an opset below 17.
    ExportMismatchError
        If the exported network differs from PyTorch by more than 1e-3.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; valid choices: {', '.join(FORMATS)}")
    check_at_least("opset", opset, MIN_OPSET, "the lowest ONNX opset wanted")
    check_at_least("example_size", example_size, 32, "side of the traced example, pixels")
    start = time.perf_counter()
    ckpt, out = Path(ckpt), Path(out)
    model, info = load_checkpoint(ckpt, "cpu")
    name = ckpt.parent.name if ckpt.stem == "model" else ckpt.stem
    path = out / f"{name}{SUFFIX[fmt]}"
    channels = len(info.channels)
    # The example must need padding: traced from a multiple of 32, both exporters freeze the
    # U-Net's `if pad_h or pad_w` as False, and the dynamo graph then silently gives wrong
    # logits for other sizes (its guard becomes a runtime assert that ONNX drops).
    example = _random_input(
        (2, channels, _off_stride(example_size), _off_stride(example_size * 5 // 4)), info
    )
    checks = [
        _random_input((b, channels, h, w), info, seed=i + 1)
        for i, (b, h, w) in enumerate(CHECK_SHAPES)
    ]
    with torch.no_grad():
        expected = [model(x).numpy() for x in checks]

    result: dict[str, Any] = {"out": str(out), "file": str(path), "format": fmt}
    with atomic_path(path) as tmp:
        if fmt == "torchscript":
            diff = _torchscript(model, example, tmp, checks, expected)
            result["exporter"] = "torch.jit.trace"
        else:
            result["exporter"], result["opset"], diff = _onnx(
                model, example, tmp, int(opset), checks, expected, legacy_first
            )
    sidecar = path.with_name(path.name + ".json")
    write_json(sidecar, _sidecar(info, result))
    result.update(
        sidecar=str(sidecar), max_abs_diff=diff, seconds=round(time.perf_counter() - start, 2)
    )
    return result


def _onnx(
    model: nn.Module,
    example: torch.Tensor,
    tmp: Path,
    opset: int,
    checks,
    expected,
    legacy_first: bool = False,
) -> tuple[str, int, float]:
    """Dynamo exporter first (or the TorchScript-based one with `legacy_first`: ~50× faster to
    export, same graph speed); the other one if the first fails or does not verify."""
    import onnx

    order = [_legacy_onnx, _dynamo_onnx] if legacy_first else [_dynamo_onnx, _legacy_onnx]
    try:
        exporter = order[0](model, example, tmp, opset)
        diff = _check_onnx(tmp, checks, expected)
    except Exception as err:  # any failure of the first exporter: try the other before giving up
        log.warning("ONNX export with %s failed (%s); trying the other exporter",
                    order[0].__name__.strip("_"), err)  # fmt: skip
        exporter = order[1](model, example, tmp, opset)
        diff = _check_onnx(tmp, checks, expected)
    actual = next(
        o.version for o in onnx.load(str(tmp)).opset_import if o.domain in ("", "ai.onnx")
    )
    return exporter, int(actual), diff


_NAMES = {"input_names": [INPUT], "output_names": [OUTPUT], "verbose": False}


def _dynamo_onnx(model: nn.Module, example: torch.Tensor, tmp: Path, opset: int) -> str:
    with _quiet("onnxscript", "onnx_ir"):  # the graph optimiser logs each pass at INFO
        prog = torch.onnx.export(
            model, (example,), dynamo=True, dynamic_shapes={"x": DYNAMIC_AXES},
            opset_version=max(opset, DYNAMO_MIN_OPSET), **_NAMES,
        )  # fmt: skip
    prog.save(tmp)
    return "torch.onnx(dynamo=True)"


def _legacy_onnx(model: nn.Module, example: torch.Tensor, tmp: Path, opset: int) -> str:
    axes = {INPUT: DYNAMIC_AXES, OUTPUT: DYNAMIC_AXES}
    with warnings.catch_warnings():
        # Benign: the legacy exporter's own deprecation notice, and the tracer's note that the
        # `if pad_h or pad_w` branch is frozen (the traced branch pads by traced amounts, 0 for
        # multiples of 32; checked by the caller on both kinds of size).
        warnings.filterwarnings("ignore", category=DeprecationWarning, message=_LEGACY)
        warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)
        torch.onnx.export(
            model, (example,), str(tmp), dynamo=False, dynamic_axes=axes,
            opset_version=opset, **_NAMES,
        )  # fmt: skip
    return "torch.onnx(dynamo=False)"


def _check_onnx(path: Path, checks, expected) -> float:
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    got = [session.run([OUTPUT], {INPUT: x.numpy()})[0] for x in checks]
    return _compare(got, expected, "onnxruntime")


def _torchscript(model: nn.Module, example: torch.Tensor, tmp: Path, checks, expected) -> float:
    with warnings.catch_warnings():
        # Benign: torch marks torch.jit.* deprecated (FutureWarning) but TorchScript is the format
        # asked for; the TracerWarning is the frozen pad branch, as in `_onnx` (verified below).
        warnings.filterwarnings("ignore", message=r"`torch\.jit\.", category=FutureWarning)
        warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)
        with torch.no_grad():
            traced = torch.jit.trace(model, (example,), check_trace=False)
            torch.jit.save(traced, str(tmp))
            loaded = torch.jit.load(str(tmp), map_location="cpu")
            got = [loaded(x).numpy() for x in checks]
    return _compare(got, expected, "TorchScript")


def _compare(got: list[np.ndarray], expected: list[np.ndarray], what: str) -> float:
    """The largest difference of the logits; raises beyond `TOLERANCE` times the logits' scale
    (their largest magnitude, at least 1): float32 logits of 10⁴ differ by ~10⁻³ between two
    correct graphs, as a network with one class's bias raised far up has them."""
    diff, scale = 0.0, 1.0
    for g, e in zip(got, expected, strict=True):
        if g.shape != e.shape:
            raise ExportMismatchError(f"{what} output has shape {g.shape}, PyTorch {e.shape}")
        diff = max(diff, float(np.abs(g - e).max()))
        scale = max(scale, float(np.abs(e).max()) if e.size else 0.0)
    if not diff <= TOLERANCE * scale:
        raise ExportMismatchError(
            f"{what} output differs from PyTorch by {diff:.3g} (> {TOLERANCE} × the logits' "
            f"scale {scale:.3g}); not exported"
        )
    return diff


@contextlib.contextmanager
def _quiet(*names: str):
    """Raise these loggers to WARNING for the block."""
    loggers = [logging.getLogger(n) for n in names]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(max(lg.getEffectiveLevel(), logging.WARNING))
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


def _off_stride(n: int) -> int:
    """`n`, or `n + 1` if it is a multiple of the U-Net's stride."""
    n = max(int(n), 2)
    return n + 1 if n % STRIDE == 0 else n


def _random_input(shape: tuple[int, ...], info: CheckpointInfo, seed: int = 0) -> torch.Tensor:
    """Uniform values over the normalisation's clip range: what a normalised frame can hold."""
    lo, hi = info.normalisation.get("clip", (0.0, 1.0))
    gen = torch.Generator().manual_seed(seed)
    return torch.rand(shape, generator=gen) * (hi - lo) + lo


def _sidecar(info: CheckpointInfo, result: dict[str, Any]) -> dict[str, Any]:
    """How to feed the exported file: the checkpoint's `jovis` block plus input/output layout."""
    axes, classes = list(DYNAMIC_AXES.values()), [c.name for c in info.labels.classes]
    return {
        **info.to_dict(),
        visibility.KEY: [c.name for c in info.labels.classes if c.id in info.visible_classes],
        "export": {k: result[k] for k in ("format", "exporter", "opset") if k in result},
        "input": {"name": INPUT, "layout": "NCHW", "dtype": "float32", "dynamic_axes": axes,
                  "channels": info.channels, "note": "normalise as `normalisation` says"},
        "output": {"name": OUTPUT, "layout": "NCHW", "kind": "logits", "classes": classes,
                   "note": "softmax over axis 1 gives probabilities"},
    }  # fmt: skip
