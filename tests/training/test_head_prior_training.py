"""The jiram_l release recipe's first step moves its output head toward the oval, not away.

Without ``init.head_prior`` a fresh head predicts the oval (~2 % of the pixels) at ~0.5
everywhere, and the first batch's cross-entropy, summed over the background, moves the head's
aurora-minus-background weight of every (non-negative, ReLU) feature toward background: after a
few such steps all 8 are negative, the oval's probability is capped at sigmoid of the bias
difference (0.41) and the 256 px seed-0 runs scored aurora IoU 0 at 400 and 600 steps.
"""

import lightning as L
import pytest
import torch
from omegaconf import OmegaConf
from tests.conftest import compose_config

from jovis.data.stream import build_stream
from jovis.models import ModelSpec
from jovis.training.build import build_module
from jovis.training.config import check_train_config


def first_step_toward_aurora(overrides: list[str]) -> torch.Tensor:
    """-(gradient of the loss on the head's aurora-minus-background weights), per feature, on
    the first training batch (64 px) of the jiram_l release recipe: > 0 moves it toward aurora."""
    cfg = compose_config("train", ["experiment=release/jiram_l", "data.size=64", *overrides])
    cfg = OmegaConf.to_container(cfg, resolve=True)
    check_train_config(cfg)
    L.seed_everything(cfg["seed"], verbose=False)
    stream = build_stream(cfg["data"], cfg["instrument"]["channels"], cfg["normalisation"], 0)
    module = build_module(cfg, ModelSpec.from_config(cfg), stream=stream)
    batch = stream.render(0, 0, 0, torch.device("cpu"))
    logits, mask = module.masked(batch)
    assert (mask == 1).float().mean() > 0.01  # the oval is in the batch's labels
    module.loss(logits, mask).backward()
    grad = module.model.head.weight.grad[:, :, 0, 0]
    return -(grad[1] - grad[0])


def test_the_recipes_head_prior_turns_the_first_step_toward_the_oval():
    with_prior = first_step_toward_aurora([])
    assert (with_prior > 0).sum() >= 6 and with_prior.sum() > 0
    without = first_step_toward_aurora(["init.head_prior=null"])  # the collapsed runs' start
    assert (without > 0).sum() <= 1 and without.sum() < 0


def test_a_bad_head_prior_fails_before_training():
    cfg = compose_config("train", ["experiment=release/jiram_l", "init.head_prior=[0.97,0.03]"])
    with pytest.raises(ValueError, match=r"init\.head_prior has 2 values but the schema has 3"):
        check_train_config(OmegaConf.to_container(cfg, resolve=True))
