"""One adaptation step: pseudo-labelled real crops, strongly augmented, mixed with labelled
synthetic frames in one batch; the checkpoint's own loss on each part, weighted by the mix."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from jovis.data.augment import BatchAugment
from jovis.data.stream import SyntheticStream
from jovis.visibility import mask_logits

Augment = Callable[[torch.Tensor, torch.Tensor, torch.Generator], tuple[torch.Tensor, torch.Tensor]]


def batch_split(batch_size: int, real_share: float) -> tuple[int, int]:
    """(real frames, synthetic frames) of a step: ``round(batch × share)`` real, at least one
    of each kind unless the share is 0 or 1."""
    if batch_size < 1 or not 0 <= real_share <= 1:
        raise ValueError(
            f"adapt: batch_size={batch_size} (≥ 1) and real_share={real_share} (in [0, 1])"
        )
    n_real = round(batch_size * real_share)
    if 0 < real_share < 1:
        n_real = min(max(n_real, 1), batch_size - 1) if batch_size > 1 else 1
    return n_real, batch_size - n_real


def crop_or_pad(
    array: np.ndarray, labels: np.ndarray, size: int, rng: np.random.Generator, ignore: int = 255
) -> tuple[np.ndarray, np.ndarray]:
    """A random `size`² window of (C, h, w) `array` and its (h, w) `labels`; where the frame is
    smaller the window is padded with image 0 and label `ignore`, at a random offset."""
    c, h, w = array.shape
    image = np.zeros((c, size, size), np.float32)
    mask = np.full((size, size), ignore, np.uint8)
    y0 = int(rng.integers(0, h - size + 1)) if h > size else 0  # window in the frame
    x0 = int(rng.integers(0, w - size + 1)) if w > size else 0
    ch, cw = min(h, size), min(w, size)
    oy = int(rng.integers(0, size - h + 1)) if h < size else 0  # place in the window
    ox = int(rng.integers(0, size - w + 1)) if w < size else 0
    image[:, oy : oy + ch, ox : ox + cw] = array[:, y0 : y0 + ch, x0 : x0 + cw]
    mask[oy : oy + ch, ox : ox + cw] = labels[y0 : y0 + ch, x0 : x0 + cw]
    return image, mask


@dataclass
class StepParts:
    """What a step draws from: real arrays and their pseudo-labels, the synthetic stream."""

    arrays: list[np.ndarray]  # (C, h, w) prepared real frames to adapt on
    labels: list[np.ndarray]  # (h, w) pseudo-labels of each, 255 = not confident
    stream: SyntheticStream | None
    real_augment: BatchAugment | None
    synthetic_augment: BatchAugment | None


def real_batch(parts: StepParts, picks: list[int], size: int, rng: np.random.Generator,
               gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:  # fmt: skip
    """Crops of the picked real frames with their pseudo-labels, strongly augmented."""
    crops = [crop_or_pad(parts.arrays[i], parts.labels[i], size, rng) for i in picks]
    image = torch.from_numpy(np.stack([c[0] for c in crops]))
    mask = torch.from_numpy(np.stack([c[1] for c in crops]).astype(np.int64))
    if parts.real_augment is not None:
        image, mask = parts.real_augment(image, mask, gen)
    return image, mask


def synthetic_batch(parts: StepParts, step: int, gen: torch.Generator,
                    device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:  # fmt: skip
    """The stream's batch number `step` (the same frames on a resumed run), with the
    checkpoint's own training augmentation."""
    rendered = parts.stream.render(0, step, 0, device)
    image, mask = rendered["image"], rendered["mask"]
    if parts.synthetic_augment is not None:
        image, mask = parts.synthetic_augment(image, mask, gen)
    return image, mask


def hide_labels(mask: torch.Tensor, hidden: torch.Tensor | None, ignore: int) -> torch.Tensor:
    """`mask` with the pixels of classes the instrument cannot see set to `ignore`."""
    if hidden is None:
        return mask
    lut = torch.arange(256, device=mask.device)
    lut[torch.nonzero(hidden).flatten().to(mask.device)] = ignore
    return lut[mask.long()]


def train_step(
    student: nn.Module, optimiser: torch.optim.Optimizer, loss_fn: nn.Module,
    batches: list[tuple[str, torch.Tensor, torch.Tensor, float]], *, hidden: torch.Tensor | None,
    ignore: int, device: torch.device, clip: float | None = 1.0,
) -> dict[str, Any]:  # fmt: skip
    """One optimiser step on (name, image, mask, weight) parts forwarded together (one
    BatchNorm batch); loss = Σ weight × loss(part). Returns the losses as floats."""
    images = torch.cat([b[1].to(device) for b in batches])
    logits = mask_logits(student(images.contiguous(memory_format=torch.channels_last)), hidden)
    total, out, start = 0.0, {}, 0
    for name, image, mask, weight in batches:
        n = image.shape[0]
        part = loss_fn(logits[start : start + n], hide_labels(mask.to(device), hidden, ignore))
        total = total + weight * part
        out[f"loss_{name}"] = float(part.detach())
        start += n
    optimiser.zero_grad(set_to_none=True)
    total.backward()
    if clip:
        nn.utils.clip_grad_norm_(student.parameters(), clip)
    optimiser.step()
    out["loss"] = float(total.detach())
    return out
