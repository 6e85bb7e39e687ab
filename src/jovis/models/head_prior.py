"""Start a network's output head at given class probabilities (``init.head_prior`` of train).

A rare thin class (the main oval is ~2 % of a polar frame's pixels) starting at probability
1/K everywhere makes the first steps' cross-entropy, summed over the ~98 % background pixels,
push the head's weight of every non-negative (ReLU) feature toward background. When the last
decoder layer is narrow (8 channels in the CPU-sized U-Nets) every feature can end up
background-only: they are all 0 on the oval, where the head then only has its bias, and the
oval's probability is stuck at ``sigmoid(b_aurora − b_background)`` < 0.5: IoU exactly 0 however
long it trains (the jiram_l 256 px runs: all 8 weights negative, p ≤ 0.41). Starting the head at
the prior, weights N(0, 0.01) and bias ``log(prior)`` (Lin et al. 2017, the focal-loss paper's
prior initialisation), makes background right from step 0, so the early gradient comes from the
rare class and moves the head's weights of the features brighter on it toward it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

PRIOR_FLOOR = 1e-4  # a class given probability 0 starts at this (its logit log(1e-4) ≈ −9)
WEIGHT_SD = 0.01  # the head's weights at the start: the prior holds for any features


def output_heads(model: nn.Module, num_classes: int) -> list[nn.Conv2d]:
    """The convolutions whose outputs sum to the logits: the U-Net's ``head``, DeepLabV3's last
    classifier convolution, LRASPP's low- and high-resolution classifiers."""
    model = getattr(model, "_orig_mod", model)
    classifier = getattr(getattr(model, "net", None), "classifier", None)
    if isinstance(getattr(model, "head", None), nn.Conv2d):
        heads = [model.head]
    elif hasattr(classifier, "low_classifier"):
        heads = [classifier.low_classifier, classifier.high_classifier]
    elif isinstance(classifier, nn.Sequential) and isinstance(classifier[-1], nn.Conv2d):
        heads = [classifier[-1]]
    else:
        heads = []
    if not heads or any(h.out_channels != num_classes or h.bias is None for h in heads):
        raise ValueError(
            f"{type(model).__name__} has no output convolution with a bias and {num_classes} "
            "outputs to start at init.head_prior; set init.head_prior=null"
        )
    return heads


def check_head_prior(prior: Sequence[float] | None, num_classes: int) -> list[float] | None:
    """`prior` as probabilities summing to 1, or None; raises naming ``init.head_prior``."""
    if prior is None:
        return None
    if isinstance(prior, (str, bytes)) or not isinstance(prior, Sequence):
        raise ValueError(
            f"init.head_prior must be null or a list of {num_classes} class probabilities in "
            f"class-id order, got {prior!r}"
        )
    if len(prior) != num_classes:
        raise ValueError(
            f"init.head_prior has {len(prior)} values but the schema has {num_classes} classes "
            "(labels=); give one probability per class in class-id order, or null"
        )
    values = []
    for v in prior:
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 0:
            raise ValueError(f"init.head_prior values must be numbers ≥ 0, got {v!r}")
        values.append(float(v))
    total = sum(values)
    if total <= 0:
        raise ValueError("init.head_prior values are all 0; use null")
    return [v / total for v in values]


def set_head_prior(model: nn.Module, prior: Sequence[float], num_classes: int) -> None:
    """Start the output head at `prior`: bias ``log(prior)`` (floored at `PRIOR_FLOOR`) and
    weights drawn from N(0, `WEIGHT_SD`) with torch's global generator (seeded by the run), so
    that every pixel's predicted probabilities are about `prior` whatever the features."""
    probs = check_head_prior(prior, num_classes)
    heads = output_heads(model, num_classes)
    logits = [math.log(max(p, PRIOR_FLOOR)) / len(heads) for p in probs]  # the heads' sum
    with torch.no_grad():
        for head in heads:
            head.weight.normal_(0.0, WEIGHT_SD)
            head.bias.copy_(torch.tensor(logits, dtype=head.bias.dtype, device=head.bias.device))
