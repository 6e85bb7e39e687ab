"""Predictor: a network plus its checkpoint's settings, turning frames into class probabilities."""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from jovis.checkpoint import CheckpointInfo, load_checkpoint
from jovis.devices import resolve_device
from jovis.frame import Frame
from jovis.inference.backends import make_forward, resolve_backend
from jovis.inference.blending import Blender
from jovis.inference.prepare import ChannelMismatchError, min_input_size, prepare_frame
from jovis.inference.tiling import DEFAULT_OVERLAP, check_overlap, tile_boxes
from jovis.visibility import invisible_mask, mask_logits

__all__ = ["ChannelMismatchError", "Predictor", "dihedral_mean"]

log = logging.getLogger(__name__)

# On a CPU a batch of tiles holds at most this many pixels (one 1024-px tile): a batch of four
# 832–1024-px tiles took up to 30% more CPU time per pixel than the same tiles one at a time (ONNX
# Runtime and torch, one thread; the activations outgrow the caches, and a fresh session's first
# large batch grows its memory arena), and more memory. The probabilities are the same bits.
CPU_TILE_PIXELS = 1024 * 1024


class Predictor:
    """Batched prediction of whole frames or Gaussian-blended tiles, with optional 8-fold TTA.

    Parameters
    ----------
    model : nn.Module
        Network returning logits (B, num_classes, H, W).
    info : CheckpointInfo
        The checkpoint's settings (channels, normalisation, label schema, the classes its
        instrument can see: the others' logits are set to −inf, so they are never predicted).
    device : str
        'auto', 'cpu' or 'cuda'; channels_last everywhere.
    tta : bool
        Average probabilities over the 8 rotations/flips (exact symmetries of a polar frame).
    orientation : int, optional
        Predict one of those 8 views instead (`DIHEDRAL[orientation]`, turned back onto the
        frame's pixels; 0 is the frame as it is): how much a detector's masks depend on how a
        frame happens to be turned (`benchmark suite=orientations`). Not with `tta`.
    tile_size : int
        Frames larger than this (either side) are predicted in tiles of at most this size,
        blended with a Gaussian weight map (`jovis.inference.tiling`); smaller frames whole.
    tile_overlap : float
        The fraction of their side neighbouring tiles share at least (0.5: nnU-Net's layout);
        the tiles are fitted to the frame, so fewer pixels are predicted twice.
    batch_size : int
        Whole frames or tiles per forward pass; tiles of several frames share a batch (on a CPU,
        at most `CPU_TILE_PIXELS` pixels of tiles: one 1024-px tile, four 512-px ones). On CUDA
        out-of-memory it is halved and the batch retried; one input that still does not fit is
        predicted on the CPU (`notes` records it).
    precision : 'auto', 'fp32' or 'bf16'
        bf16 autocast halves the forward time on GPUs and on CPUs with native bf16 (it changed
        ~0.01% of mask pixels, and no IoU, on the demo's held-out frames); 'auto' uses it where
        it is native (CUDA, or a CPU whose oneDNN reports bf16 support), fp32 elsewhere.
    compile : bool
        `torch.compile` the network (worth it for long runs on a GPU; minutes to compile on a CPU).
    backend : 'torch', 'onnxruntime' or 'auto'
        What runs the forward pass (`jovis.inference.backends`): ONNX Runtime (CPU, fp32) needs
        `ckpt`, whose graph is exported once and cached; auto = ONNX Runtime on a CPU when it is
        installed and the precision is not bf16, else torch. `backend` holds the resolved name.
    ckpt : path, optional
        The checkpoint file `model` came from (`from_checkpoint` passes it).
    """

    def __init__(
        self,
        model: nn.Module,
        info: CheckpointInfo,
        *,
        device: str = "auto",
        tta: bool = False,
        orientation: int | None = None,
        tile_size: int = 1024,
        tile_overlap: float = DEFAULT_OVERLAP,
        batch_size: int = 8,
        compile: bool = False,
        precision: str = "auto",
        backend: str = "torch",
        ckpt: str | Path | None = None,
    ) -> None:
        if tile_size < 32 or batch_size < 1:
            raise ValueError(
                f"tile_size must be ≥ 32 and batch_size ≥ 1, got {tile_size}, {batch_size}"
            )
        self.device = torch.device(resolve_device(device))
        bf16 = _use_bf16(precision, self.device)  # checks `precision` first
        self.backend = resolve_backend(backend, self.device, precision, compile)
        self.precision, self.bf16 = precision, bf16 and self.backend == "torch"
        self.info, self.tta = info, tta
        self.orientation = check_orientation(orientation, tta)
        # the classes the instrument cannot see get −inf logits: probability exactly 0
        hidden = invisible_mask(info.visible_classes, info.labels.num_classes)
        self.hidden = None if hidden is None else hidden.to(self.device)
        self.tile_size, self.batch_size = tile_size, batch_size
        self.tile_overlap = check_overlap(tile_overlap)
        self.tile_multiple = min_input_size(model, info)  # tile sides: multiples of the stride
        self.retry_out_of_memory = self.device.type == "cuda"
        self.notes: dict[int, str] = {}  # frame index → what happened, for the last call
        self._cpu: Predictor | None = None
        # channels_last: faster convolutions on GPUs and on CPUs alike (1.5–1.8× on 2 cores)
        self.model = model.to(self.device).eval().to(memory_format=torch.channels_last)
        if compile and self.backend == "torch":
            self.model = torch.compile(self.model)
        try:
            self.forward = make_forward(self.backend, self.model, self.device, self.bf16, ckpt,
                                        len(info.channels))  # fmt: skip
        except RuntimeError as err:  # the ONNX export failed, or failed its check against torch
            if backend != "auto":
                raise
            # auto only promises the fastest backend that works: torch always does
            log.warning("backend=auto: no ONNX Runtime graph for %s (%s); torch", ckpt, err)
            self.backend, self.bf16 = "torch", bf16
            self.forward = make_forward("torch", self.model, self.device, bf16, ckpt,
                                        len(info.channels))  # fmt: skip

    @classmethod
    def from_checkpoint(cls, path: str | Path, **kwargs: Any) -> Predictor:
        """Rebuild from a checkpoint file; keywords as for the constructor."""
        model, info = load_checkpoint(path, "cpu")
        return cls(model, info, ckpt=path, **kwargs)

    def prepare(self, frame: Frame) -> np.ndarray:
        """Check the channel count and size, normalise as in training: (C, H, W) float32."""
        return prepare_frame(frame, self.info, min_size=1)  # the runner sets the model's

    def predict_frames(
        self, inputs: list[np.ndarray], pool: Executor | None = None
    ) -> list[np.ndarray]:
        """Probabilities (K, H, W) for each prepared (C, H, W) input, in order.

        Small frames go whole, grouped by size; large ones as tiles, and tiles of all frames
        of one size are batched together. Each tile is blended into its frame's map as soon as
        it is predicted: with `pool` (the runner's writer threads) on it, beside the next
        forward pass (`jovis.inference.blending`); the same bits either way.
        """
        pieces: dict[tuple[int, int, bool], list[tuple[int, tuple[int, int, int, int]]]] = {}
        k = self.info.labels.num_classes
        blenders: dict[int, Blender] = {}
        for i, x in enumerate(inputs):
            h, w = x.shape[-2:]
            tiled = max(h, w) > self.tile_size
            boxes = (
                tile_boxes((h, w), self.tile_size, self.tile_overlap, self.tile_multiple)
                if tiled
                else [(0, 0, h, w)]
            )
            if tiled:
                blenders[i] = Blender((h, w), k, pool)
            for box in boxes:
                pieces.setdefault((*box[2:], tiled), []).append((i, box))
        whole: dict[int, np.ndarray] = {}
        self.notes = {}
        for (h, w, tiled), items in pieces.items():
            start = 0
            while start < len(items):
                size = self.batch_size
                if tiled and self.device.type == "cpu":  # see CPU_TILE_PIXELS
                    size = max(1, min(size, CPU_TILE_PIXELS // (h * w)))
                chunk = items[start : start + size]
                batch = np.stack([inputs[i][:, y : y + h, x : x + w] for i, (y, x, h, w) in chunk])
                probs = self._predict_or_fall_back(batch, [i for i, _ in chunk])
                for (i, box), p in zip(chunk, probs, strict=True):
                    if i in blenders:
                        blenders[i].add(box, p)
                    else:
                        whole[i] = p
                start += len(chunk)
        return [blenders[i].result() if i in blenders else whole[i] for i in range(len(inputs))]

    def _predict_or_fall_back(self, batch: np.ndarray, frames: list[int]) -> np.ndarray:
        """On CUDA out-of-memory: halve the batch (and keep it halved) and retry; a single input
        that still does not fit is predicted on the CPU, and `notes` says so for its frame."""
        try:
            return self.predict(batch).numpy()
        except torch.cuda.OutOfMemoryError:
            if not self.retry_out_of_memory:
                raise
            torch.cuda.empty_cache()
        if len(batch) > 1:
            half = len(batch) // 2
            self.batch_size = max(1, min(self.batch_size, len(batch)) // 2)
            log.warning("CUDA out of memory: batch size now %d", self.batch_size)
            return np.concatenate(
                [
                    self._predict_or_fall_back(batch[:half], frames[:half]),
                    self._predict_or_fall_back(batch[half:], frames[half:]),
                ]
            )
        log.warning("CUDA out of memory for one input: predicting it on the CPU")
        self.notes[frames[0]] = "CUDA out of memory: predicted on the CPU"
        return self._cpu_predictor().predict(batch).numpy()

    def _cpu_predictor(self) -> Predictor:
        if self._cpu is None:
            model = copy.deepcopy(getattr(self.model, "_orig_mod", self.model)).cpu()
            self._cpu = Predictor(
                model,
                self.info,
                device="cpu",
                precision=self.precision,
                tta=self.tta,
                orientation=self.orientation,
                tile_size=self.tile_size,
                tile_overlap=self.tile_overlap,
            )
        return self._cpu

    @torch.inference_mode()
    def predict(self, batch: np.ndarray | torch.Tensor) -> torch.Tensor:
        """Probabilities (B, num_classes, H, W), float32 on the CPU, for a prepared batch."""
        x = torch.as_tensor(batch)
        if self.device.type == "cuda":  # page-locked memory: the copy overlaps with compute
            x = x.pin_memory().to(self.device, non_blocking=True)
        if self.tta or self.orientation:  # rotated views start from channels_last (the frame
            x = x.contiguous(memory_format=torch.channels_last)  # as it is goes in NCHW)
        return dihedral_mean(
            lambda v: self._forward(v).softmax(dim=1), x, self.tta, self.orientation
        ).cpu()

    def _forward(self, x: torch.Tensor) -> torch.Tensor:
        return mask_logits(self.forward(x), self.hidden)


PRECISIONS = ("auto", "fp32", "bf16")


def _use_bf16(precision: str, device: torch.device) -> bool:
    if precision not in PRECISIONS:
        raise ValueError(f"precision={precision!r}; valid choices: {', '.join(PRECISIONS)}")
    if precision != "auto":
        return precision == "bf16"
    return device.type == "cuda" or bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())


# the 8 rotations/flips of a frame: (quarter turns anticlockwise, then a left-right flip)
DIHEDRAL = tuple((k, flip) for flip in (False, True) for k in range(4))


def check_orientation(orientation: int | None, tta: bool) -> int | None:
    """`orientation` if it names one of the `DIHEDRAL` views and `tta` is off, else ValueError."""
    if orientation is None:
        return None
    if isinstance(orientation, bool) or orientation not in range(len(DIHEDRAL)):
        raise ValueError(f"orientation={orientation!r}: give 0-{len(DIHEDRAL) - 1} (one of the "
                         "8 rotations/flips, 0 = as it is) or null")  # fmt: skip
    if tta:
        raise ValueError(f"orientation={orientation} predicts one view; tta averages all 8: "
                         "set one of them")  # fmt: skip
    return int(orientation)


def dihedral_mean(
    probs_of: Callable[[torch.Tensor], torch.Tensor],
    x: torch.Tensor,
    tta: bool,
    orientation: int | None = None,
) -> torch.Tensor:
    """`probs_of(x)`, or with `tta` its mean over the 8 rotations/flips of x (each view's
    output turned back), or with `orientation` i the view `DIHEDRAL[i]` alone, turned back: the
    one TTA loop of the predictor and the benchmark's naive loop. Every view, and the result,
    is contiguous (NCHW): without `tta`, `x` and `probs_of(x)` made so, not copied by a
    rotation by 0 (and a division by 1) as they once were."""
    if not tta and not orientation:
        return probs_of(x.contiguous()).contiguous()
    probs = None
    views = DIHEDRAL if tta else DIHEDRAL[orientation : orientation + 1]
    for k, flip in views:
        view = torch.rot90(x, k, (-2, -1))
        if flip:
            view = torch.flip(view, (-1,))
        p = probs_of(view)
        if flip:
            p = torch.flip(p, (-1,))
        p = torch.rot90(p, -k, (-2, -1))
        probs = p if probs is None else probs + p
    return (probs / len(views)).contiguous()
